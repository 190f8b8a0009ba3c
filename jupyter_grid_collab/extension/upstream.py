"""Calls from this server to the team server, as the right person.

The owner's calls carry this session's secret (the team server's "session" scope for the
owner: no members, roles, credits, keys or credentials); only until the server has
registered do they carry the owner's API key. A visitor's calls carry the secret and the
visitor's name, so the team server decides as the visitor, within the visit (bob can never
use alice's server to act as alice). Network failures become 502/504 with the team
server's URL; nothing waits forever.
"""

from __future__ import annotations

from typing import Any

import httpx
from tornado import web

from ..client import SESSION_SECRET_HEADER, AsyncGridClient, _at, _Methods, _raise_for
from ..models import Artifact
from ..references import Ref
from .identity import GridUser


class Upstream:
    """One pooled httpx.AsyncClient for every handler; closed in stop_extension."""

    def __init__(self, client: AsyncGridClient, secret_source, gone_source=lambda: None):
        self.client = client
        self.secret_source = secret_source  # () -> this session's server secret, or None
        self.gone_source = gone_source  # () -> why this server is no longer a session, or None

    @property
    def url(self) -> str:
        return self.client.url

    def as_user(self, user) -> TeamAs:
        """The team API's typed calls, sent as ``user`` (the owner when None)."""
        return TeamAs(self, user)

    def identity_headers(self, user) -> dict[str, str] | None:
        if isinstance(user, GridUser) and user.visitor:
            secret = self.secret_source()
            if not secret:
                raise web.HTTPError(
                    503,
                    "this session is not registered with the team server "
                    "yet, so visitors cannot act here; try again shortly",
                )
            return {SESSION_SECRET_HEADER: secret, "X-Grid-Visitor": user.username}
        gone = self.gone_source()
        if gone:
            raise web.HTTPError(503, gone)
        return None

    async def send(
        self,
        user,
        method: str,
        path: str,
        *,
        params: Any = None,
        body: bytes | None = None,
        json: Any = None,
        stream: bool = False,
        timeout: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        http = self.client.http
        request = http.build_request(
            method,
            path,
            params=params,
            content=body,
            json=json,
            headers={"Content-Type": "application/json"} if body else None,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        extra = self.identity_headers(user)
        if extra is not None:
            request.headers.pop("Authorization", None)
            request.headers.update(extra)
        if headers:
            request.headers.update(headers)
        try:
            return await http.send(request, stream=stream)
        except httpx.TimeoutException:
            raise web.HTTPError(
                504, f"the team server at {self.url} did not answer in time"
            ) from None
        except httpx.TransportError as exc:
            raise web.HTTPError(
                502,
                f"cannot reach the team server at {self.url} "
                f"({type(exc).__name__}); is it running?",
            ) from None


class TeamAs(_Methods):
    """client.py's typed calls (the same methods the CLI and the panel use), awaited, sent
    through ``Upstream`` as one user: the owner (``user`` None or the owner's login) or a
    visitor. Refusals raise client.py's typed GridErrors with the team server's message."""

    def __init__(self, upstream: Upstream, user):
        self.upstream = upstream
        self.user = user
        self.url = upstream.url
        # a bare reference is the caller's own, as in the CLI
        self._username = getattr(user, "username", None)

    def _do(self, method, path, *, params=None, json=None, parse=None, timeout=None):
        return self._call(method, path, params, json, parse, timeout)

    async def _call(self, method, path, params, json, parse, timeout):
        response = await self.upstream.send(
            self.user, method, path, params=params, json=json, timeout=timeout
        )
        _raise_for(response)
        if response.status_code == 204:
            return None
        data = response.json()
        return parse(data) if parse else data

    async def artifacts_of(self, ref: Ref, match: str | None = None) -> list[Artifact]:
        """The artifacts of a run or an experiment, by the kind ``ref`` names (never read
        from the name here); ``ref`` must name its owner."""
        if ref.owner is None:
            raise ValueError("artifacts_of needs a reference with its owner")
        return await self._do(
            "GET",
            f"{_at(ref)}/artifacts",
            params={"match": match} if match else None,
            parse=lambda d: [Artifact.from_json(a) for a in d["items"]],
        )
