"""The team API's errors: each carries an HTTP status and a message a person can act on."""

from __future__ import annotations


class ApiError(Exception):
    """An error that becomes ``{"message": ...}`` with ``status`` at the API edge."""

    status = 400

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class OutOfCredits(ApiError):
    status = 402


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413


class InsufficientStorage(ApiError):
    status = 507
