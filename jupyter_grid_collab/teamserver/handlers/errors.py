"""The team server's errors as HTTP: the one table from each error (teamserver/errors.py, and
the blob store's) to the status the API answers it with, ``{"message": ...}`` as its body."""

from __future__ import annotations

from ..blob_integrity import BlobCorrupted
from ..errors import (
    Busy,
    Conflict,
    DomainError,
    Invalid,
    NoSpace,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    OutOfCredits,
    TooLarge,
    Upstream,
)

STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    NotAuthenticated: 401,
    OutOfCredits: 402,
    NotAllowed: 403,
    NotFound: 404,
    Conflict: 409,
    # a team over its quota too (store.quotas.QuotaExceeded): the body is larger than the
    # room left. Not 507, which says the server's own storage is full (and clients may retry
    # a 5xx), nor 403, which says who may do it, not how much
    TooLarge: 413,
    # the team server's storage is at fault, not the request (blob_integrity.py)
    BlobCorrupted: 500,
    NoSpace: 507,
    # the Hub said no or nothing: the gateway's error, not the caller's (hub/api.py)
    Upstream: 502,
    # too many unknown Hub tokens to look up this second (hub/tokens.py): the server's
    # limit, not this caller's fault; asking again later works
    Busy: 503,
}


def status_of(error: DomainError) -> int:
    """The HTTP status of ``error``: its class's in STATUS, or its nearest base's."""
    for cls in type(error).__mro__:
        if issubclass(cls, DomainError) and cls in STATUS:
            return STATUS[cls]
    return 500  # an error with no status yet is the team server's fault, not the caller's
