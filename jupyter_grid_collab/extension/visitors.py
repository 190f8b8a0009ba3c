"""Teammates visiting this session: a ticket from the team server lets one in under their
own name, and whether they are still welcome is re-checked on a short cache."""

from __future__ import annotations

import asyncio
import time

from ..client import SESSION_SECRET_HEADER, GridError, _raise_for
from .git import GitCredentialContext
from .identity import GridUser
from .session import SessionRegistrar
from .upstream import Upstream

# how long a ticket's redemption waits for this server to finish registering
REGISTRATION_WAIT_SECONDS = 10


class Visitors:
    """Redeems tickets and re-checks visitors with the team server."""

    def __init__(
        self,
        upstream: Upstream,
        registrar: SessionRegistrar,
        git: GitCredentialContext,
        check_seconds: float,
    ) -> None:
        self.upstream = upstream
        self.registrar = registrar
        self.git = git
        self.check_seconds = check_seconds
        # username -> (re-check after, welcome); one entry per teammate who visited
        self._membership: dict[str, tuple[float, bool]] = {}

    async def redeem(self, ticket: str) -> GridUser:
        """The visitor a single-use ticket names; GridError when it cannot be used here."""
        if self.registrar.gone:
            raise GridError(self.registrar.gone, 503)
        try:
            await asyncio.wait_for(self.registrar.registered.wait(), REGISTRATION_WAIT_SECONDS)
        except asyncio.TimeoutError:
            raise GridError(
                "this session is not registered with the team server yet; "
                "open it again in a moment",
                503,
            ) from None
        secret = self.registrar.secret
        if not secret:  # deleted meanwhile
            raise GridError(self.registrar.gone or "this session is no longer registered", 503)
        # this server proves itself by its session secret, so a ticket only works here; the
        # team server fixes how long the visit lasts
        response = await self.upstream.send(
            None,
            "POST",
            "/visits/redeem",
            json={"ticket": ticket},
            headers={SESSION_SECRET_HEADER: secret},
        )
        _raise_for(response)
        data = response.json()
        return GridUser(
            username=data["visitor"],
            name=data["visitor"],
            display_name=f"{data['visitor']} (visiting)",
            visitor=True,
            expires_at=data["expires_at"],
        )

    async def still_welcome(self, username: str) -> bool:
        """Re-check a visitor with the team server at most every ``check_seconds``."""
        self.git.mark_visitor_activity()
        cached = self._membership.get(username)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await self.upstream.send(
                GridUser(username=username, visitor=True), "GET", "/me", timeout=5
            )
            ok = response.status_code == 200
        except Exception:  # the team server is down: keep the last answer a little longer
            return cached[1] if cached else False
        self._membership[username] = (time.monotonic() + self.check_seconds, ok)
        return ok
