"""This Jupyter server as a team session: register, heartbeat, mark stopped on shutdown.

Registration failures are logged and retried with backoff; they never stop Jupyter.

The owner's API key is used only to register. The team server answers with this session's
secret, and from then on the client calls with that secret alone (the "session" scope: no
members, roles, credits, keys or credentials) and the key is dropped. A restarted team
server keeps the record and its secret, so heartbeats simply resume. A record deleted on the
team server (``grid session delete``) takes its secret with it; without the key this server
cannot register again by itself, and says so (restart it to register again).

What is mounted here is recorded by the team server when a datastore is attached to this
session (datastores.py); registration starts the record with none, and heartbeats leave it
as it is.
"""

from __future__ import annotations

import asyncio
import logging
import time

from ..client import AsyncGridClient, GridError, Unauthorized

log = logging.getLogger("grid_collab.extension")


class SessionRegistrar:
    """Keeps the team server's record of this session alive."""

    def __init__(
        self,
        client: AsyncGridClient,
        name: str,
        url: str,
        instance_type: str | None,
        team: str | None,
        heartbeat_seconds: float,
        on_registered=None,
        logger: logging.Logger | None = None,
        visitors: str | None = None,
    ):
        self.client = client
        self.name = name
        self.url = url
        self.instance_type = instance_type
        self.team = team
        self.visitors = visitors
        self.heartbeat_seconds = heartbeat_seconds
        self.on_registered = on_registered
        self.log = logger or log
        self.owner: str | None = None
        self.secret: str | None = None
        self.session = None
        self._session_fetched = 0.0  # monotonic time self.session last came from the server
        self.registered = asyncio.Event()
        # why this server is no longer a session (its record was deleted), once it is not
        self.gone: str | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def _register(self) -> None:
        self.owner = await self.client.whoami()
        session, secret = await self.client.register_session(
            self.name,
            url=self.url,
            instance_type=self.instance_type,
            team=self.team,
            datastores=[],
            replace=True,
            visitors=self.visitors,
        )
        self.session, self.secret = session, secret
        self.client.use_session_secret(secret)  # the key is not sent again
        self._session_fetched = time.monotonic()
        self.log.info("registered as session %s:%s (%s)", self.owner, self.name, self.url)
        if self.on_registered:
            self.on_registered(self)
        self.registered.set()

    async def _run(self) -> None:
        delay = 1.0
        while not self.registered.is_set():
            try:
                await self._register()
            except asyncio.CancelledError:
                raise
            except Unauthorized as exc:
                self.log.error("cannot register this server as a team session: %s", exc.message)
                delay = 60.0
            except GridError as exc:
                self.log.warning(
                    "team session registration failed (%s); retrying in %.0fs", exc.message, delay
                )
            if not self.registered.is_set():
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
        while self.gone is None:
            await asyncio.sleep(self.heartbeat_seconds)
            await self.heartbeat()

    async def heartbeat(self) -> None:
        if self.gone is not None:
            return
        try:
            self.session = await self.client.heartbeat(f"{self.owner}:{self.name}", url=self.url)
            self._session_fetched = time.monotonic()
        except GridError as exc:
            if exc.status in (401, 404):
                # the record was deleted (e.g. grid session delete), and its secret with
                # it; the owner's key was dropped after registering, so this is final
                self.gone = (
                    f"the team server no longer knows session {self.owner}:"
                    f"{self.name} (deleted?); restart this server to register it "
                    "again"
                )
                self.registered.clear()
                self.secret = None
                self.log.error("%s", self.gone)
            else:
                self.log.warning("session heartbeat failed: %s", exc.message)

    async def fresh_session(self, max_age: float):
        """The session record, re-read from the team server when older than *max_age*.

        Heartbeats are tens of seconds apart; what the context shows (e.g. whether a GitHub
        token is bound) must not lag that long behind a change the user just made. A failed
        re-read keeps the last record: the context still answers when the team server is down.
        """
        if self.session is None or not self.registered.is_set():
            return self.session
        if time.monotonic() - self._session_fetched > max_age:
            try:
                self.session = await asyncio.wait_for(
                    self.client.session(f"{self.owner}:{self.name}"), 5
                )
            except (GridError, asyncio.TimeoutError) as exc:
                self.log.debug("could not refresh the session record: %s", exc)
            # after a failure too: a team server that is down costs one try per max_age
            self._session_fetched = time.monotonic()
        return self.session

    def record_changed(self) -> None:
        """The team server's record changed (a datastore was attached): the next
        ``fresh_session`` re-reads it."""
        self._session_fetched = 0.0

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        if self.registered.is_set():
            try:
                await asyncio.wait_for(
                    self.client.session_action(f"{self.owner}:{self.name}", "stop"), 5
                )
                self.log.info("session %s:%s marked stopped", self.owner, self.name)
            except (GridError, asyncio.TimeoutError) as exc:
                self.log.warning("could not mark the session stopped: %s", exc)
