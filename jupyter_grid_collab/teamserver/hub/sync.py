"""Keeping the store's teams and sessions as the Hub has them, every few seconds.

Each round reads the Hub's groups and servers (two paginated listings), applies them on a
database thread (store/hub_mirror.py), then takes back the Hub shares of members who left a
team, whose teammate's server stopped or whose visit ran out. Every RECONCILE_EVERY rounds it
also reads the running servers' shares and takes back any without a live visit (a revocation
the Hub missed, a session deleted, a new visitors mode). A Hub that does not answer leaves
everything as the last round saw it (a running Hub session then goes "lost" after the
heartbeat timeout, as a silent server does).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ..store.hub_mirror import SyncResult
from .api import HubAPI, HubError

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from ..store import Store

log = logging.getLogger("grid_collab.teamserver.hub")

DEFAULT_SYNC_SECONDS = 15.0
# every this many rounds, each running Hub server's shares are checked against the visits:
# one Hub call per server, so not every round
RECONCILE_EVERY = 4


class HubSync:
    def __init__(
        self,
        api: HubAPI,
        store: Store,
        pool: Executor,
        interval: float = DEFAULT_SYNC_SECONDS,
        groups: frozenset[str] | None = None,
    ):
        self.api = api
        self.store = store
        self.pool = pool
        self.interval = interval
        self.groups = groups
        self._wake = asyncio.Event()
        self._warned: set[str] = set()
        self._task: asyncio.Task | None = None
        # one round at a time: a handler's round (after starting a server) and the loop's
        # would otherwise insert the same new session twice
        self._lock = asyncio.Lock()
        self.rounds = 0

    async def once(self) -> SyncResult:
        """One round: read the Hub, apply, revoke."""
        async with self._lock:
            return await self._round()

    async def _round(self) -> SyncResult:
        snapshot = await self.api.snapshot(self.groups)
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self.pool, self.store.hub.apply, snapshot)
        for skipped in result.skipped:
            self._warn_once(f"not mirrored from the Hub: {skipped}")
        for share in result.revocations:
            try:
                await self.api.unshare(share.owner, share.server, share.visitor)
                log.info("revoked %s's share of %s/%s", share.visitor, share.owner, share.server)
            except HubError as exc:  # the next reconciliation takes it back
                self._warn_once(str(exc))
        if self.rounds % RECONCILE_EVERY == 0:
            await self.reconcile(snapshot)
        self.rounds += 1
        return result

    async def reconcile(self, snapshot) -> None:
        """Take back every share of a running Hub server that names someone without a live
        visit there: whatever ended a visit (a deleted session, a new visitors mode, a
        restart of the team server before a revocation went through), the Hub is told."""
        shared = [
            (server, share)
            for server in snapshot.servers
            if server.ready
            for share in await self.api.shares(server.user, server.name)
        ]
        # read after the shares: Open records the visit before it shares, so every share
        # made by an Open in between has its visit here
        loop = asyncio.get_running_loop()
        live = await loop.run_in_executor(self.pool, self.store.hub.live_visitors)
        for server, share in shared:
            user = (share.get("user") or {}).get("name")
            if user and user not in live.get((server.user, server.name), ()):
                await self.api.unshare(server.user, server.name, user)
                log.info(
                    "revoked %s's share of %s/%s: no live visit", user, server.user, server.name
                )

    async def refresh(self) -> bool:
        """A round now, after the team server changed the Hub; False (the loop will try
        again) when the Hub did not answer: the change itself was made."""
        try:
            await self.once()
        except HubError as exc:
            self._warn_once(str(exc))
            self.poke()
            return False
        return True

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.warning("%s", message)

    def poke(self) -> None:
        """Sync now rather than at the next interval (after the team server changed the Hub)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                await self.once()
            except HubError as exc:
                self._warn_once(str(exc))
            except Exception:  # a bug must not end the loop: the next round may succeed
                log.exception("the Hub sync failed")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except asyncio.TimeoutError:
                pass

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
