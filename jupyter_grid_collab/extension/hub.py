"""This Jupyter server as a JupyterHub single-user server whose Hub the team server serves.

The Hub started this server and the team server lists it from the Hub (teamserver/hub/), so
there is nothing to register and no API key: the server calls the team server with its own
Hub token (``JUPYTERHUB_API_TOKEN``), which the team server gives this session's narrow
scope, in the header a registered session sends its secret in. The Hub's login decides who
is at the keyboard: its owner (``JUPYTERHUB_USER``), or a teammate the team server shared the
server with (Open), who is a visitor here as on any session: the banner, the owner's choice
of view or full access, and calls to the team server made as them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass

from tornado import web

from ..client import GridError
from ..hub_sessions import session_name
from .identity import GridUser, mix_into
from .session import SessionRegistrar

REGISTER_POLL_SECONDS = 2.0


@dataclass(frozen=True)
class HubServer:
    owner: str
    server: str  # "" for the owner's default server
    token: str

    @property
    def session(self) -> str:
        return session_name(self.server)


def hub_server(environ: Mapping[str, str]) -> HubServer | None:
    """This server's Hub identity, when a JupyterHub spawned it and told it where the team
    server is (``GRID_URL`` in ``Spawner.environment``); else None, and the extension works
    as on any server (a Hub that runs no team server keeps its own sharing as it is)."""
    token, owner = environ.get("JUPYTERHUB_API_TOKEN"), environ.get("JUPYTERHUB_USER")
    if not token or not owner or not environ.get("GRID_URL"):
        return None
    return HubServer(owner, environ.get("JUPYTERHUB_SERVER_NAME", ""), token)


class HubSessionRegistrar(SessionRegistrar):
    """The registrar's place for a Hub server: it waits until the team server lists this
    server as a session (its next sync), then re-reads the record now and then. It never
    marks the session stopped: the Hub says when it stops."""

    def __init__(self, client, hub: HubServer, heartbeat_seconds: float, **kw):
        super().__init__(client, hub.session, "", None, None, heartbeat_seconds, **kw)
        self.owner = hub.owner
        self.hub = hub

    async def _run(self) -> None:
        # the team server lists a new Hub server at its next sync (seconds): ask often
        while not self.registered.is_set():
            try:
                await self._register()
            except asyncio.CancelledError:
                raise
            except GridError as exc:
                self.log.info("waiting for the team server to list this Hub server: %s", exc)
                await asyncio.sleep(REGISTER_POLL_SECONDS)
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            await self.heartbeat()

    async def _register(self) -> None:
        await self.heartbeat(quiet=False)
        assert self.session is not None
        self.url = self.session.url or self.url
        self.secret = self.hub.token  # what the extension's calls and git's helper send
        self.log.info("this Hub server is the team session %s:%s", self.owner, self.name)
        if self.on_registered:
            self.on_registered(self)
        self.registered.set()

    async def heartbeat(self, quiet: bool = True) -> None:
        """Re-read the record, telling the team server what visitors may do here (the
        owner's choice, which the Open dialog shows)."""
        try:
            self.session = await self.client.heartbeat(
                f"{self.owner}:{self.name}", visitors=self.visitors
            )
            self._session_fetched = time.monotonic()
        except GridError as exc:
            if not quiet:
                raise
            self.log.warning("could not re-read this session's record: %s", exc.message)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass


class HubVisitorMixin:
    """Mixed into the Hub's identity provider: the Hub's user is this server's owner or a
    visitor, and a visitor must have been let in through the team (Open), be still in the
    team, and pass the owner's view-only rule."""

    grid_owner: str = "owner"
    grid_visit_check = None  # async (username) -> bool, set by the extension
    grid_request_check = None  # (handler, user) -> None, raises to refuse

    async def get_user(self, handler):
        user = super().get_user(handler)  # type: ignore[misc]
        if asyncio.iscoroutine(user) or isinstance(user, asyncio.Future):
            user = await user
        if user is None:
            return None
        kind = (getattr(user, "hub_user", None) or {}).get("kind", "user")
        if kind != "user":
            # a Hub service with access to servers (an admin one, say) is nobody here
            raise web.HTTPError(403, f"a JupyterHub {kind} cannot use {self.grid_owner}'s session")
        visitor = user.username != self.grid_owner
        if visitor and self.grid_visit_check is not None:
            if not await self.grid_visit_check(user.username):
                raise web.HTTPError(
                    403,
                    f"{user.username}: this is {self.grid_owner}'s session; open it from the "
                    "Team sidebar or TeamPanel() while you are in its team",
                )
        grid_user = GridUser(
            username=user.username,
            name=user.name,
            display_name=f"{user.username} (visiting)" if visitor else user.display_name,
            visitor=visitor,
        )
        # the Hub's authorizer reads the Hub's model of the user
        grid_user.hub_user = getattr(user, "hub_user", None)  # type: ignore[attr-defined]
        if self.grid_request_check is not None:
            self.grid_request_check(handler, grid_user)
        return grid_user


def install_hub_identity(provider, owner: str) -> None:
    mix_into(provider, HubVisitorMixin)
    provider.grid_owner = owner
