"""The team server's errors, named for what went wrong: the store, the permission rules and the
blob store raise them with a message a person can act on. None of them knows HTTP; the
handler layer's one table (handlers/errors.py) says which status each is answered with."""

from __future__ import annotations


class DomainError(Exception):
    """Something the team server refuses or cannot do; ``message`` says what, to the person
    who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Invalid(DomainError):
    """A value breaks a rule: a name, a reference, a parameter grid, a page, a request."""


class NotAuthenticated(DomainError):
    """No credential, or one the team server does not know or no longer honours."""


class OutOfCredits(DomainError):
    """The team's balance does not cover what was asked for."""


class NotAllowed(DomainError):
    """The caller is known but may not do this: their role, their scope, whose it is."""


class NotFound(DomainError):
    """No such thing, or none the caller may see (the two are not told apart)."""


class Conflict(DomainError):
    """The thing's state does not allow it now: it exists already, is running, has ended."""


class TooLarge(DomainError):
    """More bytes than allowed: a body over the limit, or more than a team's quota."""


class NoSpace(DomainError):
    """The team server's own storage is full."""


class Busy(DomainError):
    """The team server is at a limit it keeps to spare a service it relies on (the Hub it
    asks about tokens): the same request a few seconds later will do."""


class Upstream(DomainError):
    """A service the team server relies on (a JupyterHub) refused or did not answer."""
