"""The base handler: authentication and caller scopes, one JSON error shape, and store calls on
worker threads.

Callers come in four scopes (``Caller.scope``): ``user`` (an API key), ``launcher`` (an
experiment token), and two for a session's own Jupyter server, proven by the secret it got at
registration (``X-Grid-Session-Secret``): ``session`` (the secret alone: the server acting for
its owner) and ``visitor`` (the secret + ``X-Grid-Visitor: bob``: acting for a visitor it let
in). A session's server may be anybody's machine (its owner registers its URL), so both of
its scopes are deny-by-default: each handler lists what they may call (``session_access``,
``visitor_access``), and a handler that lists nothing is refused to them.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from typing import Any, TypeVar

import msgspec
import tornado.web

from ...models import ReferenceError, validate_name, validate_username
from ..errors import DomainError, Invalid, NotAllowed, NotAuthenticated
from ..store import Caller, Store
from ..store.core import acting_via
from ..store.pagination import encode
from . import bad_body
from .errors import status_of

log = logging.getLogger("grid_collab.teamserver")

#: the methods of a handler that only reads (launcher, session and visitor access)
READ = frozenset({"GET"})

B = TypeVar("B", bound=msgspec.Struct)

MAX_JSON_BODY = 1 << 20

SESSION_REFUSAL = (
    "a session's server cannot change members, roles, credits, API keys or "
    "GitHub credentials; use your own API key (grid login)"
)


def visitor_refusal(caller: Caller) -> str:
    return (
        f"{caller.username} is visiting {caller.via_session}: a session's server may only "
        "read, download and attach for a visitor"
    )


def _no_constants(name: str):
    # NaN and Infinity are not JSON: storing them would make our own responses invalid
    raise ValueError(name)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class BaseHandler(tornado.web.RequestHandler):
    """Every API handler: authenticated by ``Authorization: token <key>`` unless public."""

    public = False  # True: no API key needed
    # the HTTP methods an experiment's launcher token may call (report-only access)
    launcher_methods: frozenset[str] = frozenset()
    # What a session's server may call here: as its owner (the secret alone) and for a
    # visitor. Entries are "GET", "POST", ... or, on routes whose last path part is an action
    # (``action_route``), "POST stop". HEAD counts as GET. Nothing listed: refused (403).
    session_access: frozenset[str] = frozenset()
    visitor_access: frozenset[str] = frozenset()
    # Of session_access, the calls that change an {owner}/{name} resource: a session's
    # server makes them on its owner's own resources only (a team admin's power over
    # teammates' runs needs the admin's own key), and on a session route
    # (``session_route``) on its own session only.
    session_owner_only: frozenset[str] = frozenset()
    action_route = False
    session_route = False
    caller: Caller

    @property
    def store(self) -> Store:
        return self.settings["store"]

    async def call(self, fn, *args, **kwargs) -> Any:
        """Run a (blocking) store call on the database thread pool; for a call via a session's
        server, what it audits names the session."""
        loop = asyncio.get_running_loop()
        caller = getattr(self, "caller", None)
        if caller is not None and caller.via_session is not None:
            return await loop.run_in_executor(
                self.settings["db_pool"], functools.partial(acting_via, caller, fn, *args, **kwargs)
            )
        return await loop.run_in_executor(
            self.settings["db_pool"], functools.partial(fn, *args, **kwargs)
        )

    def api_key(self) -> str | None:
        header = self.request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() in ("token", "bearer") and value.strip():
            return value.strip()
        return None

    async def prepare(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        if any("\x00" in arg for arg in self.path_args if isinstance(arg, str)):
            # no name or path holds one, and PostgreSQL refuses them in text (a 500)
            raise Invalid("the URL path contains a NUL byte (%00)")
        if self.public:
            return
        secret = self.request.headers.get("X-Grid-Session-Secret")
        hub = self.settings.get("hub")
        if secret and hub is not None and hub.identities.is_hub_server_token(secret):
            # a Hub server proves itself with its own Hub token, where a registered
            # session sends its secret: the same narrow scopes follow
            await self.authenticate_hub_token(hub.identities, secret)
            if self.caller.via_session is None:
                raise NotAuthenticated(
                    "X-Grid-Session-Secret holds a person's JupyterHub token; send it as "
                    "'Authorization: token ...' instead"
                )
            return
        if secret:
            # a session's own server: for a visitor it let in, else as its owner; the secret
            # decides even beside an API key (the narrower credential wins)
            visitor = self.request.headers.get("X-Grid-Visitor")
            if visitor:
                self.caller = await self.call(
                    self.store.visits.authenticate_visitor, secret, visitor
                )
            else:
                # a caller seen in the last seconds is known without SQL: no thread hop
                self.caller = self.store.visits.remembered_session(secret) or await self.call(
                    self.store.visits.authenticate_session, secret
                )
            await self.check_session_scope()
            return
        key = self.api_key()
        if key is None:
            raise NotAuthenticated(
                "missing API key: send 'Authorization: token <your key>' "
                "(create one with grid-collab-server admin create-key)"
            )
        if hub is not None and hub.identities.is_hub_token(key):
            await self.authenticate_hub_token(hub.identities, key)
            return
        self.caller = self.store.remembered(key) or await self.call(self.store.authenticate, key)
        if self.caller.is_launcher and self.request.method not in self.launcher_methods:
            raise NotAllowed("an experiment token can only report on its own experiment")

    async def authenticate_hub_token(self, identities, key: str) -> None:
        """A JupyterHub token (hub/tokens.py): a person, or a Hub server as its session
        (for its owner, or with ``X-Grid-Visitor`` for a visitor it was shared with)."""
        token = await identities.identify(key)
        visitor = self.request.headers.get("X-Grid-Visitor") if token.server is not None else None
        if visitor:
            self.caller = await self.call(identities.caller_for, token, key, visitor)
        else:
            # a caller seen in the last seconds is known without SQL, as for an API key
            self.caller = identities.remembered(token, key) or await self.call(
                identities.caller_for, token, key, None
            )
        if self.caller.via_session is not None:
            await self.check_session_scope()

    # ------------------------------------------------------------- session scopes
    def access_key(self) -> str:
        """This request as an entry of ``session_access`` / ``visitor_access``."""
        method = "GET" if self.request.method == "HEAD" else self.request.method
        if self.action_route and self.path_args:
            return f"{method} {self.path_args[-1]}"
        return method

    async def check_session_scope(self) -> None:
        """Refuse what a session's server may not call for this caller (audited in the
        session's team's log, naming the session)."""
        caller, key = self.caller, self.access_key()
        allowed = self.visitor_access if caller.via_visitor else self.session_access
        if key not in allowed:
            await self.refuse_via_session(
                visitor_refusal(caller) if caller.via_visitor else SESSION_REFUSAL
            )
        if caller.via_visitor or key not in self.session_owner_only:
            return
        owner, name = self.path_args[0], self.path_args[1]
        verb = key.rsplit(" ", 1)[-1].lower()
        if self.session_route and f"{owner}:{name}" != caller.via_session:
            await self.refuse_via_session(
                f"the server of session {caller.via_session} can {verb} only its own session, "
                f"not {owner}:{name}; use your own API key (grid login)"
            )
        if owner != caller.username:
            await self.refuse_via_session(
                f"the server of session {caller.via_session} can {verb} only "
                f"{caller.username}'s own resources, not {owner}'s; use your own API key "
                "(grid login)"
            )

    async def require_own_session(self, name: Any) -> None:
        """A session's server names only its own session in a request body (``session`` of
        attach, ``name`` of a re-registration), for its owner and for a visitor alike."""
        via = self.caller.via_session
        if via is not None and name is not None and name != via.split(":", 1)[1]:
            await self.refuse_via_session(
                f"the server of session {via} can name only its own session here, not {name!r}"
            )

    async def refuse_via_session(self, message: str) -> None:
        caller = self.caller
        await self.call(
            self.store.core.audit,
            None,
            caller.username,
            self.request.method,
            self.request.path,
            caller.session_team_id,
            "denied",
            message,
        )
        raise NotAllowed(message)

    async def require_site_admin(
        self,
        action: str,
        team: str | None = None,
        what: str = "create teams, users and add credits",
    ) -> None:
        """Refuse anyone but a site admin; a refused change is audited (in ``team``'s log
        when the caller is one of its members, so its admins see it)."""
        if self.caller.site_admin:
            return
        message = f"{self.caller.username} is not a site admin: only site admins can {what}"
        if self.request.method != "GET":
            await self.call(self.store.core.audit_site_refusal, self.caller, action, team, message)
        raise NotAllowed(message)

    # ------------------------------------------------------------- input
    def json_body(self, allow_nul: bool = False) -> dict[str, Any]:
        """The body as a JSON object; strings with NUL are refused unless ``allow_nul`` (the
        store then strips them): PostgreSQL cannot store NUL in text."""
        body = self.request.body
        if not body:
            return {}
        if len(body) > MAX_JSON_BODY:
            raise Invalid("the JSON body is larger than 1 MiB")
        try:
            data = json.loads(body, parse_constant=_no_constants)
        except (ValueError, UnicodeDecodeError):
            raise Invalid("the request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise Invalid("the request body must be a JSON object")
        if not allow_nul and _has_nul(data):
            raise Invalid(
                "the request body contains a NUL character (\\u0000), which no field may hold"
            )
        return data

    def body(self, cls: type[B], allow_nul: bool = False) -> B:
        """The body read as ``cls`` (a Struct of bodies.py), which is what the store takes; a
        field the Struct refuses is a 400 naming it."""
        data = self.json_body(allow_nul)
        try:
            return msgspec.convert(data, cls)
        except msgspec.ValidationError as exc:
            raise Invalid(bad_body.message(cls, data, exc)) from None

    def owner_and_name(self, owner: str, name: str, what: str = "name") -> tuple[str, str]:
        """Validate the ``{owner}/{name}`` path parts once for every handler."""
        try:
            validate_username(owner)
            validate_name(name, what)
        except ReferenceError as exc:
            raise Invalid(str(exc)) from None
        return owner, name

    def listing_args(self) -> dict[str, Any]:
        return {
            k: self.get_query_argument(k, None)
            for k in ("scope", "status", "team", "limit", "cursor")
        }

    # ------------------------------------------------------------- output
    def send(self, data: Any, status: int = 200) -> None:
        """Answer ``data`` as JSON, or the JSON a store call already encoded (bytes)."""
        self.set_status(status)
        self.finish(data if isinstance(data, bytes) else encode(data))

    def compute_etag(self) -> None:
        """No ETag on API answers: hashing every answer cost more than it saved, as every
        answer says Cache-Control: no-store, so no client keeps one to revalidate (none of
        ours sends If-None-Match). Blob downloads set their own (the sha256)."""
        return None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, DomainError):
            message = exc.message
        elif isinstance(exc, tornado.web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        elif status_code >= 500:
            message = "internal error in the team server; see its log"
        else:
            message = self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message}))

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, DomainError):
            if self._finished:
                return
            self.send_error(status_of(e), exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, DomainError):
            return  # a refusal: the access log line is enough (BlobCorrupted logs itself)
        super().log_exception(typ, value, tb)
