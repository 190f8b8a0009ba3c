"""The JupyterHub REST API, as the team server's service calls it.

Every call but ``identify`` uses the service's own token (its role's scopes: docs/jupyterhub.md
lists them). The Hub is infrastructure its admin configured, not a teammate's code, so its
answers are trusted for their shape; they are still read defensively, since a field missing in
one Hub version must not stop the whole sync. No token ever appears in an error message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..errors import Upstream

log = logging.getLogger("grid_collab.teamserver.hub")
# httpx logs every request at INFO: the sync's would be two lines every few seconds
logging.getLogger("httpx").setLevel(logging.WARNING)

#: the group property that names members' roles in the team: {"alice": "owner", ...}
ROLES_PROPERTY = "grid_roles"
#: the Hub's paginated answers (JupyterHub 2.0+): {"items": [...], "_pagination": {...}}
PAGINATED = "application/jupyterhub-pagination+json"
PAGE_LIMIT = 200
# The Hub answers a start or a stop once it is done or after its slow_spawn_timeout /
# slow_stop_timeout (10 s by default; 202 then): wait well past those on a busy machine
SPAWN_SECONDS = 120.0


class HubError(Upstream):
    """The Hub refused a call or could not be reached; the message names the call."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class HubGroup:
    name: str
    users: tuple[str, ...]
    roles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HubServer:
    """One of a user's servers as the Hub reports it (``name`` is "" for the default one)."""

    user: str
    name: str
    url: str  # absolute, through the Hub's public URL
    ready: bool
    pending: str | None
    started: float | None
    last_activity: float | None


@dataclass(frozen=True)
class HubSnapshot:
    """The Hub's groups and their members' servers, read in one sync."""

    groups: list[HubGroup]
    servers: list[HubServer]


def hub_time(value: Any) -> float | None:
    """An ISO 8601 time from the Hub ("2026-12-01T22:10:00.123456Z") as epoch seconds."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _roles(group: dict) -> dict[str, str]:
    roles = (group.get("properties") or {}).get(ROLES_PROPERTY) or {}
    if not isinstance(roles, dict):
        log.warning(
            "group %r: property %s is not a mapping; ignored", group.get("name"), ROLES_PROPERTY
        )
        return {}
    return {str(k): str(v) for k, v in roles.items()}


def _records(items: list, path: str) -> list[dict]:
    if not all(isinstance(item, dict) for item in items):
        raise HubError(f"the Hub's answer to GET {path} holds something not a record")
    return items


class HubAPI:
    """The Hub's REST API at ``api_url`` (``.../hub/api``) with the service's ``token``."""

    def __init__(
        self, api_url: str, token: str, public_url: str | None = None, timeout: float = 30.0
    ):
        self.api_url = api_url.rstrip("/")
        self._token = token
        parts = urlsplit(self.api_url)
        # where users reach servers: the Hub's public URL, else the API's own origin
        self.public_url = (public_url or f"{parts.scheme}://{parts.netloc}").rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout, trust_env=False)

    async def close(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        params: dict | None = None,
        paginated: bool = False,
        ok_missing: bool = False,
        timeout: float | None = None,
    ) -> Any:
        """One call; the answer's JSON (None for an empty one, or a 404 with ``ok_missing``)."""
        headers = {"Authorization": f"token {token or self._token}"}
        if paginated:
            headers["Accept"] = PAGINATED
        what = f"{method} {path}"
        try:
            resp = await self._http.request(
                method,
                self.api_url + path,
                headers=headers,
                json=body,
                params=params,
                timeout=timeout or httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise HubError(f"the Hub did not answer {what}: {type(exc).__name__}") from None
        if resp.status_code == 404 and ok_missing:
            return None
        if resp.status_code >= 400:
            try:
                message = resp.json().get("message") or resp.reason_phrase
            except (ValueError, AttributeError):
                message = resp.reason_phrase
            raise HubError(
                f"the Hub refused {what}: {resp.status_code} {message}", resp.status_code
            )
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise HubError(
                f"the Hub's answer to {what} is not JSON: is JUPYTERHUB_API_URL its API "
                "(.../hub/api)?"
            ) from None

    async def _all(self, path: str, params: dict | None = None) -> list[dict]:
        """Every item of a paginated listing."""
        items: list[dict] = []
        offset = 0
        while True:
            page = await self.request(
                "GET",
                path,
                params={**(params or {}), "offset": offset, "limit": PAGE_LIMIT},
                paginated=True,
            )
            if isinstance(page, list):  # a Hub without pagination answers everything at once
                return _records(page, path)
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise HubError(f"the Hub's answer to GET {path} is not a listing")
            items.extend(_records(page["items"], path))
            paging = page.get("_pagination") or {}
            following = paging.get("next")
            if not following:
                # offsets shift when an item is deleted between pages: a short count means
                # one was skipped, and a sync must not take a skipped user for a gone one
                total = paging.get("total")
                if isinstance(total, int) and total != len(items):
                    raise HubError(
                        f"the Hub's listing GET {path} changed while being read "
                        f"({len(items)} of {total}); read again next round"
                    )
                return items
            try:
                offset = int(following["offset"])
            except (KeyError, TypeError, ValueError):
                raise HubError(f"the Hub's answer to GET {path} has a bad next page") from None

    # ------------------------------------------------------------- identity
    async def identify(self, token: str) -> dict | None:
        """The model of the token's owner, with the token's ``scopes`` (``GET /user``, which
        every token may call); None for a token the Hub does not know."""
        try:
            model = await self.request("GET", "/user", token=token)
        except HubError as exc:
            if exc.status in (401, 403):
                return None
            raise
        return model if isinstance(model, dict) else None

    # ------------------------------------------------------------- groups and servers
    async def snapshot(self, only: frozenset[str] | None = None) -> HubSnapshot:
        """The groups (those in ``only``, when given) and their members' servers."""
        groups = []
        for g in await self._all("/groups"):
            if not isinstance(g.get("name"), str):
                raise HubError("the Hub listed a group without a name")
            if only is not None and g["name"] not in only:
                continue
            if not isinstance(g.get("users"), list):
                # the Hub leaves members out for a token without read:groups: that is not
                # an empty group, and taking it for one would empty the team
                raise HubError(
                    f"the Hub gave group {g['name']!r} without its members: the service "
                    "needs the scope read:groups"
                )
            if only is None and ROLES_PROPERTY not in (g.get("properties") or {}):
                # a group is a team when it says so: a group made for something else (GPU
                # profiles, a course) must not open its members' servers to each other
                continue
            groups.append(HubGroup(g["name"], tuple(map(str, g["users"])), _roles(g)))
        members = {u for g in groups for u in g.users}
        servers = []
        for user in await self._all("/users", {"include_stopped_servers": "1"}):
            if user.get("name") not in members:
                continue
            if not isinstance(user.get("servers"), dict):
                raise HubError(
                    f"the Hub gave user {user['name']!r} without their servers: the service "
                    "needs the scope read:servers"
                )
            for name, s in user["servers"].items():
                servers.append(
                    HubServer(
                        user=user["name"],
                        name=name,
                        url=self.public_url + (s.get("url") or ""),
                        ready=bool(s.get("ready")),
                        pending=s.get("pending"),
                        started=hub_time(s.get("started")),
                        last_activity=hub_time(s.get("last_activity")),
                    )
                )
        return HubSnapshot(groups, servers)

    def server_path(self, user: str, server: str) -> str:
        return f"/users/{quote(user, safe='')}/servers/{quote(server, safe='')}"

    async def start_server(self, user: str, server: str) -> None:
        path = self.server_path(user, server) if server else f"/users/{quote(user, safe='')}/server"
        await self.request("POST", path, timeout=SPAWN_SECONDS)

    async def stop_server(self, user: str, server: str, remove: bool = False) -> None:
        if server:
            body = {"remove": True} if remove else None
            path = self.server_path(user, server)
        else:
            body, path = None, f"/users/{quote(user, safe='')}/server"
        await self.request("DELETE", path, body=body, timeout=SPAWN_SECONDS)

    # ------------------------------------------------------------- shares
    def _share_path(self, owner: str, server: str) -> str:
        return f"/shares/{quote(owner, safe='')}/{quote(server, safe='')}"

    async def share(self, owner: str, server: str, user: str) -> None:
        """Let ``user`` into ``owner``'s server ``server`` (``access:servers!server=...``)."""
        await self.request("POST", self._share_path(owner, server), body={"user": user})

    async def shares(self, owner: str, server: str) -> list[dict]:
        """The shares of that server (``user`` or ``group`` each, with their scopes)."""
        return await self._all(self._share_path(owner, server))

    async def unshare(self, owner: str, server: str, user: str) -> None:
        """Take ``user``'s share of that server away (nothing to do when there is none)."""
        await self.request(
            "PATCH", self._share_path(owner, server), body={"user": user}, ok_missing=True
        )
