"""Who a JupyterHub token is: a person, or one of their servers.

The team server asks the Hub (``GET /hub/api/user`` with the token) and reads the token's
scopes:

- ``access:services!service=<ours>`` (or ``access:services``): a person's token, such as one
  made at ``/hub/token``; it is that Hub user, like one of our API keys.
- otherwise ``access:servers!server=<user>/<server>``: the Hub's token of that single-user
  server (``$JUPYTERHUB_API_TOKEN``), which every kernel there can read. It gets the
  ``session`` scope of that server's session and nothing more, as a registered session's
  secret does; with ``X-Grid-Visitor: bob`` it acts for bob while bob's visit lasts.
- anything else is refused, naming the scope the Hub admin must grant.

Answers are cached for ``TOKEN_SECONDS``: a token the Hub revokes stops working within that
time; a member removed from a team's group loses access at the next sync (sync.py).

A token sent to the team server is the sender's to choose, so what asking the Hub costs is
bounded: requests with the same unknown token wait for one answer, and at most
``LOOKUPS_PER_SECOND`` unknown tokens a second (bursts of ``LOOKUP_BURST``) are looked up;
beyond that the request is answered 503 (Busy) without asking, and the log says so, so
random tokens cannot turn the team server into a flood against its Hub.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...hub_sessions import DEFAULT_SERVER_SESSION, session_name
from ..errors import Busy, NotAuthenticated
from ..store.core import hash_secret
from .api import HubAPI

if TYPE_CHECKING:
    from ..store import Caller, Store

log = logging.getLogger("grid_collab.teamserver.hub")

TOKEN_SECONDS = 30.0
LOOKUPS_PER_SECOND = 20.0
LOOKUP_BURST = 40.0
MAX_REMEMBERED = 10_000  # tokens whose answers are kept (expired ones go first)
# our own credentials never go to the Hub: API keys, experiment tokens, session secrets and
# Open tickets (the last two sent by mistake as a key are simply not known)
OWN_PREFIXES = ("gck_", "gce_", "gcs_", "gct_")
SESSION_SECRET_PREFIX = "gcs_"


class LookupBudget:
    """A token bucket: ``take`` says whether one more Hub lookup fits this second."""

    def __init__(self, per_second: float, burst: float):
        self.per_second, self.burst = per_second, burst
        self.level, self.at = burst, time.monotonic()
        self.refused = 0  # since the last warning in the log
        self.warned_at = -60.0

    def take(self) -> bool:
        now = time.monotonic()
        self.level = min(self.burst, self.level + (now - self.at) * self.per_second)
        self.at = now
        if self.level >= 1:
            self.level -= 1
            return True
        self.refused += 1
        if now - self.warned_at >= 60:
            log.warning(
                "more than %.0f unknown JupyterHub tokens a second: answering 503 without "
                "asking the Hub (%d request(s) since this line last showed; someone may be "
                "guessing tokens)",
                self.per_second,
                self.refused,
            )
            self.warned_at, self.refused = now, 0
        return False


@dataclass(frozen=True)
class HubToken:
    user: str
    server: str | None = None  # set for a server's own token: "" is the default server


def classify(model: dict, service: str) -> HubToken:
    """The identity a ``GET /user`` answer gives a token, or NotAuthenticated."""
    name = model.get("name")
    if model.get("kind") != "user" or not isinstance(name, str):
        raise NotAuthenticated("a JupyterHub service's token cannot call the team server")
    scopes = set(model.get("scopes") or ())
    if {"access:services", f"access:services!service={service}"} & scopes:
        return HubToken(name)
    prefix = f"access:servers!server={name}/"
    servers = sorted(s[len(prefix) :] for s in scopes if s.startswith(prefix))
    if len(servers) == 1 and servers[0] != DEFAULT_SERVER_SESSION:
        # (a named server "default" would pass for the default server's session)
        return HubToken(name, servers[0])
    raise NotAuthenticated(
        f"this JupyterHub token of {name} may not use the team server: it needs the scope "
        f"access:services!service={service} (ask your Hub admin to grant it to users)"
    )


class HubIdentities:
    """Hub tokens to Callers, asking the Hub at most once per token every TOKEN_SECONDS."""

    def __init__(self, api: HubAPI, service: str, store: Store):
        self.api = api
        self.service = service
        self.store = store
        self._tokens: dict[str, tuple[float, HubToken | str]] = {}
        self._asking: dict[str, asyncio.Future[tuple[float, HubToken | str]]] = {}
        self.budget = LookupBudget(LOOKUPS_PER_SECOND, LOOKUP_BURST)

    @staticmethod
    def is_hub_token(key: str) -> bool:
        """An ``Authorization`` token that is none of our own credentials (OWN_PREFIXES)."""
        return not key.startswith(OWN_PREFIXES)

    @staticmethod
    def is_hub_server_token(secret: str) -> bool:
        """An ``X-Grid-Session-Secret`` that is not a registered session's secret."""
        return not secret.startswith(SESSION_SECRET_PREFIX)

    async def server_of(self, secret: str) -> tuple[str, str]:
        """(owner, session name) of a Hub server's own token; NotAuthenticated otherwise."""
        token = await self.identify(secret)
        if token.server is None:
            raise NotAuthenticated("this JupyterHub token is a person's, not a server's")
        return token.user, session_name(token.server)

    async def identify(self, key: str) -> HubToken:
        digest = hash_secret(key)
        hit = self._tokens.get(digest)
        if hit is None or hit[0] <= time.monotonic():
            asking = self._asking.get(digest)
            if asking is None:  # the first request with this token asks; the others wait
                if not self.budget.take():
                    raise Busy(
                        "the team server is checking too many unknown JupyterHub tokens "
                        "right now; try again in a few seconds"
                    )
                asking = self._asking[digest] = asyncio.ensure_future(self._ask(key, digest))
                asking.add_done_callback(lambda _: self._asking.pop(digest, None))
            hit = await asyncio.shield(asking)
        if isinstance(hit[1], str):
            raise NotAuthenticated(hit[1])
        return hit[1]

    async def _ask(self, key: str, digest: str) -> tuple[float, HubToken | str]:
        model = await self.api.identify(key)
        found: HubToken | str
        if model is None:
            found = "invalid API key (neither ours nor the Hub's)"
        else:
            try:
                found = classify(model, self.service)
            except NotAuthenticated as exc:
                found = str(exc)
        if len(self._tokens) >= MAX_REMEMBERED:
            now = time.monotonic()
            self._tokens = {d: h for d, h in self._tokens.items() if h[0] > now}
            if len(self._tokens) >= MAX_REMEMBERED:
                self._tokens.clear()
        # refusals are remembered too: a wrong token must not cost the Hub a call each
        hit = (time.monotonic() + TOKEN_SECONDS, found)
        self._tokens[digest] = hit
        return hit

    @staticmethod
    def _cache_key(token: HubToken, key: str) -> str:
        return ("hub:" if token.server is None else "hubserver:") + hash_secret(key)

    def remembered(self, token: HubToken, key: str) -> Caller | None:
        """The Caller ``caller_for`` gave this token in the last seconds, from memory."""
        return self.store.core.cached_caller(self._cache_key(token, key))

    def caller_for(self, token: HubToken, key: str, visitor: str | None) -> Caller:
        """The Caller of an identified token (a blocking store call: run it on the pool)."""
        mirror = self.store.hub
        if token.server is None:
            return mirror.person(token.user, self._cache_key(token, key))
        if visitor:
            return mirror.server_visitor(token.user, token.server, visitor)
        return mirror.server(token.user, token.server, self._cache_key(token, key))
