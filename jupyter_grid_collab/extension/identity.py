"""Who is at the keyboard of this Jupyter server: its owner, or a teammate visiting.

The extension mixes ``GridIdentityMixin`` into whatever identity provider the server
already uses (token, password, custom), so the owner's own login keeps working and:

- the owner (token or password login) is named by their team username, not "Anonymous";
- a visitor's login cookie carries an expiry that is enforced, and their team membership
  is re-checked with the team server on a short cache, so leaving the team ends access;
- the owner's token always means the owner, even next to a visitor's cookie;
- nobody can rename themselves (e.g. a visitor into "alice (owner)");
- every request passes ``grid_request_check`` (the extension's view-only rule for
  handlers that ask no authorizer) once its user is known.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from jupyter_server.auth.identity import User


@dataclass
class GridUser(User):
    """A jupyter_server user that knows whether they are visiting, and until when."""

    visitor: bool = False
    expires_at: float | None = None


class GridIdentityMixin:
    """Mixed into the server's identity provider class by the extension."""

    grid_owner: str = "owner"
    #: async (username) -> bool, set by the extension: is this visitor still welcome?
    grid_visit_check: Callable[[str], Awaitable[bool]] | None = None
    #: (handler, user) -> None, set by the extension; raises HTTPError to refuse the request
    grid_request_check: Callable[[object, User | None], None] | None = None

    def owner_user(self) -> GridUser:
        return GridUser(
            username=self.grid_owner,
            name=self.grid_owner,
            display_name=f"{self.grid_owner} (owner)",
        )

    def generate_anonymous_user(self, handler) -> User:
        return self.owner_user()

    async def get_user_token(self, handler) -> User | None:
        user = await super().get_user_token(handler)
        # a valid token is the owner's, whatever cookie sits beside it
        return self.owner_user() if user is not None else None

    async def get_user(self, handler) -> User | None:
        user = super().get_user(handler)
        if isinstance(user, Awaitable):
            user = await user
        if self.grid_request_check is not None:
            self.grid_request_check(handler, user)
        return user

    def user_to_cookie(self, user: User) -> str:
        data = json.loads(super().user_to_cookie(user))
        if isinstance(user, GridUser) and user.visitor:
            data.update(grid_visitor=True, grid_expires_at=user.expires_at)
        return json.dumps(data)

    def user_from_cookie(self, cookie_value: str) -> User | None:
        data = json.loads(cookie_value)
        if not data.get("grid_visitor"):
            # only the owner's own login (token or password) sets a cookie without the mark
            return self.owner_user() if super().user_from_cookie(cookie_value) else None
        expires = data.get("grid_expires_at") or 0
        if expires < time.time():
            return None
        return GridUser(
            username=data["username"],
            name=data.get("name") or data["username"],
            display_name=data.get("display_name") or data["username"],
            visitor=True,
            expires_at=expires,
        )

    async def get_user_cookie(self, handler) -> User | None:
        user = super().get_user_cookie(handler)
        if isinstance(user, Awaitable):
            user = await user
        if isinstance(user, GridUser) and user.visitor and self.grid_visit_check is not None:
            if not await self.grid_visit_check(user.username):
                return None
        return user

    def check_update(self, user_data) -> None:
        from tornado import web

        raise web.HTTPError(403, "names here come from the team: they cannot be changed")


def mix_into(obj, mixin: type) -> None:
    """Mix ``mixin`` into ``obj``'s class in place (once), keeping all of ``obj``'s state:
    how the extension extends the server's identity provider, authorizer, kernel manager
    and terminal manager, whatever classes the server configured for them."""
    if not isinstance(obj, mixin):
        cls = obj.__class__
        obj.__class__ = type(f"Grid{cls.__name__}", (mixin, cls), {})


def install_identity(provider, owner: str) -> None:
    """Mix GridIdentityMixin into ``provider``'s class in place, keeping all its state
    (token, password, cookie settings), and name its owner."""
    mix_into(provider, GridIdentityMixin)
    provider.grid_owner = owner
