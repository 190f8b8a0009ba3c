"""The team server's errors are the domain's (teamserver/errors.py: no HTTP in them); the
handler layer's one table (handlers/errors.py) gives each its status, and a new error must
be given one here before it can ship."""

from __future__ import annotations

import jupyter_grid_collab.teamserver.app  # noqa: F401  (imports every module defining one)
from jupyter_grid_collab.teamserver import errors
from jupyter_grid_collab.teamserver.blob_integrity import BlobCorrupted
from jupyter_grid_collab.teamserver.handlers.errors import status_of
from jupyter_grid_collab.teamserver.hub.api import HubError
from jupyter_grid_collab.teamserver.store.quotas import QuotaExceeded

EXPECTED = {
    errors.Invalid: 400,
    errors.NotAuthenticated: 401,
    errors.OutOfCredits: 402,
    errors.NotAllowed: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.TooLarge: 413,
    QuotaExceeded: 413,
    BlobCorrupted: 500,
    errors.NoSpace: 507,
    errors.Upstream: 502,
    HubError: 502,
    errors.Busy: 503,
}


def every_error(cls: type = errors.DomainError) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | every_error(sub)
    return found


def test_every_domain_error_has_its_status():
    assert every_error() == set(EXPECTED)
    for cls, status in EXPECTED.items():
        error = cls("what went wrong")
        assert (status_of(error), error.message) == (status, "what went wrong")


def test_no_domain_error_carries_a_status():
    assert not any(hasattr(cls, "status") for cls in every_error() | {errors.DomainError})
