"""The store's shared core: time, the caller's identity and teams, scopes, audit.

Every store method is synchronous and runs on a worker thread (see ``app.py``), so
no database call ever blocks the event loop.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Insert, and_, select
from sqlalchemy.engine import Connection, Engine

from ...answers import AuditEntry
from ...models import ReferenceError, validate_username
from .. import schema as t
from ..errors import Invalid, NotAllowed, NotAuthenticated, NotFound
from ..permissions import check
from .pagination import MAX_PAGE, PageRequest, fetch_page
from .rows import iso, row_builder

__all__ = ["MAX_PAGE", "Caller", "Scope", "StoreCore", "iso", "now"]

AUTH_CACHE_SECONDS = 5.0


def now() -> float:
    return time.time()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def insert_id(conn: Connection, statement: Insert) -> int:
    """Run ``statement``, the INSERT of one row, and return the row's new id."""
    key = conn.execute(statement).inserted_primary_key
    if key is None:  # every table has an integer id: not reached
        raise RuntimeError("the insert made no row")
    return int(key[0])


@dataclass
class Caller:
    """Who is asking: the user and their role in each of their teams."""

    id: int
    username: str
    site_admin: bool = False
    roles: dict[int, str] = field(default_factory=dict)  # team id -> role
    team_names: dict[int, str] = field(default_factory=dict)  # team id -> name
    # set when the caller is an experiment's launcher: it sees that experiment, its run
    # and its attached datastore version, nothing else
    experiment_id: int | None = None
    run_id: int | None = None
    datastore_version_id: int | None = None
    # set when a session's own Jupyter server calls with its secret: which session
    # ("alice:alice-lab"), whether it acts for a visitor it let in (else for its owner),
    # and the session's id and team (its audit log records what the server was refused)
    via_session: str | None = None
    via_visitor: bool = False
    session_id: int | None = None
    session_team_id: int | None = None

    @property
    def is_launcher(self) -> bool:
        return self.experiment_id is not None

    @property
    def scope(self) -> str:
        """Where the call comes from: ``user`` (an API key), ``session`` (a session's server
        for its owner), ``visitor`` (a session's server for a visitor) or ``launcher`` (an
        experiment token)."""
        if self.experiment_id is not None:
            return "launcher"
        if self.via_session is not None:
            return "visitor" if self.via_visitor else "session"
        return "user"

    @property
    def actor(self) -> str:
        """The name the audit log gives this caller: "bob via session alice:alice-lab" when a
        session's server acts, so its admins see who really asked."""
        if self.via_session is None:
            return self.username
        return f"{self.username} via session {self.via_session}"

    def role_in(self, team_id: int) -> str | None:
        return self.roles.get(team_id)

    def team_id(self, name: str) -> int:
        for tid, tname in self.team_names.items():
            if tname == name:
                return tid
        raise NotFound(f"no team {name!r} among your teams")

    def default_team(self, requested: str | None) -> int:
        """The team a new resource belongs to: the one named, or the caller's only team."""
        if requested:
            return self.team_id(requested)
        if len(self.roles) == 1:
            return next(iter(self.roles))
        if not self.roles:
            raise Invalid(f"{self.username} is not a member of any team yet; ask an admin")
        names = ", ".join(sorted(self.team_names.values()))
        raise Invalid(f"{self.username} is in several teams ({names}): say which with 'team'")


# The caller of the store call running on this thread when it comes through a session's
# server: every audit entry written for that person then names the session (audit() below),
# whichever store module writes it.
_via_session: ContextVar[Caller | None] = ContextVar("grid_via_session", default=None)


def acting_via(caller: Caller, fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run the store call ``fn`` with ``caller`` (one via a session) as the audit's actor."""
    token = _via_session.set(caller)
    try:
        return fn(*args, **kwargs)
    finally:
        _via_session.reset(token)


def _copy(caller: Caller) -> Caller:
    """A private copy of a cached Caller: handlers may not change the shared one."""
    return replace(caller, roles=dict(caller.roles), team_names=dict(caller.team_names))


@dataclass
class Scope:
    """Which owners' resources a listing covers, resolved against the caller's teams."""

    team_ids: list[int]
    owner_id: int | None = None


class StoreCore:
    """Engine access and the helpers every resource module shares."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # key hash -> (expiry, Caller): every request authenticates, and on PostgreSQL that
        # one query is a third of a listing's cost. Membership changes made through this
        # server clear it at once; changes by the admin CLI show within AUTH_CACHE_SECONDS.
        self._auth_cache: dict[str, tuple[float, Caller]] = {}
        # --team-source jupyterhub: every team's members are its Hub group's
        # (store/hub_mirror.py), never changed through this server
        self.members_from_hub = False

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads that need no transaction across statements: no BEGIN and
        COMMIT round trips (on PostgreSQL each is one), every statement its own snapshot."""
        if self.engine.dialect.name == "sqlite":
            # SQLite's driver begins a transaction only before a write, so reads are already
            # one statement each; asking for AUTOCOMMIT cost a PRAGMA to undo it on every
            # return of the connection to the pool
            with self.engine.connect() as conn:
                yield conn
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    # ------------------------------------------------------------- identity
    def authenticate(self, api_key: str) -> Caller:
        """Resolve an API key to a Caller, or raise NotAuthenticated (never echoing the key)."""
        digest = hash_secret(api_key)
        hit = self.cached_caller(digest)
        if hit is not None:
            return hit
        # one statement for the user and all their memberships
        with self.read() as conn:
            rows = conn.execute(
                select(
                    t.users.c.id,
                    t.users.c.username,
                    t.users.c.site_admin,
                    t.memberships.c.team_id,
                    t.memberships.c.role,
                    t.teams.c.name,
                )
                .select_from(t.api_keys)
                .join(t.users, t.users.c.id == t.api_keys.c.user_id)
                .outerjoin(t.memberships, t.memberships.c.user_id == t.users.c.id)
                .outerjoin(t.teams, t.teams.c.id == t.memberships.c.team_id)
                .where(t.api_keys.c.key_hash == digest)
            ).all()
        if not rows:
            raise NotAuthenticated("invalid API key")
        first = rows[0]
        caller = Caller(id=first.id, username=first.username, site_admin=bool(first.site_admin))
        for m in rows:
            if m.team_id is not None:
                caller.roles[m.team_id] = m.role
                caller.team_names[m.team_id] = m.name
        return self.remember_caller(digest, caller)

    def cached_caller(self, key: str) -> Caller | None:
        """A private copy of the Caller cached under ``key`` (a credential's hash), if fresh."""
        hit = self._auth_cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return _copy(hit[1])
        return None

    def remember_caller(self, key: str, caller: Caller) -> Caller:
        """Cache ``caller`` under ``key`` for AUTH_CACHE_SECONDS; returns a private copy."""
        if len(self._auth_cache) > 10_000:
            self._auth_cache.clear()
        self._auth_cache[key] = (time.monotonic() + AUTH_CACHE_SECONDS, caller)
        return _copy(caller)

    def forget_callers(self) -> None:
        """Drop cached identities (after a membership or role change)."""
        self._auth_cache.clear()

    def caller_for(self, username: str) -> Caller:
        with self.engine.begin() as conn:
            row = conn.execute(
                select(t.users.c.id, t.users.c.username, t.users.c.site_admin).where(
                    t.users.c.username == username
                )
            ).first()
            if row is None:
                raise NotFound(f"no user {username!r}")
            return self.caller_from_row(conn, row)

    def caller_from_row(self, conn: Connection, row) -> Caller:
        """The Caller of a users row, with their teams and roles."""
        caller = Caller(id=row.id, username=row.username, site_admin=bool(row.site_admin))
        for m in conn.execute(
            select(t.memberships.c.team_id, t.memberships.c.role, t.teams.c.name)
            .join(t.teams, t.teams.c.id == t.memberships.c.team_id)
            .where(t.memberships.c.user_id == row.id)
        ):
            caller.roles[m.team_id] = m.role
            caller.team_names[m.team_id] = m.name
        return caller

    # ------------------------------------------------------------- lookups
    def user_id(self, conn: Connection, username: str) -> int:
        try:
            validate_username(username)
        except ReferenceError as exc:
            raise Invalid(str(exc)) from None
        uid = conn.execute(select(t.users.c.id).where(t.users.c.username == username)).scalar()
        if uid is None:
            raise NotFound(f"no user {username!r}")
        return uid

    def resolve_scope(
        self, conn: Connection, caller: Caller, scope: str | None, team: str | None = None
    ) -> Scope:
        """``mine`` (default), ``team`` (all my teams), or ``user=<name>``; optional team filter."""
        team_ids = [caller.team_id(team)] if team else sorted(caller.roles)
        scope = scope or "mine"
        if scope == "mine":
            return Scope(team_ids=team_ids, owner_id=caller.id)
        if scope in ("team", "global", "all"):
            return Scope(team_ids=team_ids)
        if scope.startswith("user="):
            name = scope[len("user=") :]
            try:
                validate_username(name)
            except ReferenceError as exc:
                raise Invalid(str(exc)) from None
            uid = conn.execute(
                select(t.users.c.id)
                .join(t.memberships, t.memberships.c.user_id == t.users.c.id)
                .where(and_(t.users.c.username == name, t.memberships.c.team_id.in_(team_ids)))
                .limit(1)
            ).scalar()
            if uid is None:
                raise NotFound(f"no user {name!r} in your teams")
            return Scope(team_ids=team_ids, owner_id=uid)
        raise Invalid(f"unknown scope {scope!r}: use mine, team or user=<name>")

    # ------------------------------------------------------------- permissions
    def guard(self, caller: Caller, row, action: str, kind: str, name: str) -> None:
        """Apply the permission table to ``row`` (it has owner, owner_id and team_id); a
        denial is written to the team's audit log before it is raised."""
        try:
            check(
                actor=caller.username,
                actor_id=caller.id,
                role=caller.role_in(row.team_id),
                action=action,
                owner=row.owner,
                owner_id=row.owner_id,
                kind=kind,
                name=name,
            )
        except NotAllowed as exc:
            self.audit(
                None,
                caller.username,
                action,
                f"{kind} {row.owner}:{name}",
                row.team_id,
                "denied",
                exc.message,
            )
            raise

    def hidden(
        self, caller: Caller, row, kind: str, owner: str, name: str, message: str
    ) -> NotFound:
        """The NotFound for a lookup that found nothing the caller may see. When the resource
        exists in a team the caller is not in, they still get exactly that one (existence
        must not leak), and the attempt goes to that team's audit log as a denial."""
        if row is not None and caller.role_in(row.team_id) is None:
            self.audit(
                None,
                caller.username,
                "access",
                f"{kind} {owner}:{name}",
                row.team_id,
                "denied",
                f"{caller.username} is not a member of this team",
            )
        return NotFound(message)

    def audit_site_refusal(
        self, caller: Caller, action: str, team: str | None, message: str
    ) -> None:
        """A site-admin action refused: in ``team``'s audit log when the caller is one of its
        members (its admins see a member trying to add credits), else a team-less entry."""
        team_id = next((tid for tid, name in caller.team_names.items() if name == team), None)
        self.audit(
            None,
            caller.username,
            action,
            f"team {team}" if team else "site",
            team_id,
            "denied",
            message,
        )

    # ------------------------------------------------------------- audit
    def audit(
        self,
        conn: Connection | None,
        actor: str | None,
        action: str,
        resource: str,
        team_id: int | None = None,
        outcome: str = "ok",
        detail: str | None = None,
    ) -> None:
        """Record who did what; denials too. Opens its own transaction when conn is None.
        What a session's server did for someone is theirs "via session <owner>:<name>"."""
        via = _via_session.get()
        if via is not None and actor == via.username:
            actor = via.actor
        values = dict(
            ts=now(),
            actor=actor,
            action=action,
            resource=resource[:300],
            team_id=team_id,
            outcome=outcome,
            detail=detail,
        )
        if conn is not None:
            conn.execute(t.audit.insert().values(**values))
        else:
            with self.engine.begin() as own:
                own.execute(t.audit.insert().values(**values))

    def list_audit(self, caller: Caller, team: str, limit: Any = None, cursor: Any = None) -> dict:
        """Team admins and owners read their team's audit log."""
        team_id = caller.team_id(team)
        if caller.role_in(team_id) not in ("admin", "owner") and not caller.site_admin:
            raise NotAllowed(
                f"{caller.username} cannot read team {team!r}'s audit log: "
                "only its admins and owners can"
            )
        page = PageRequest.parse(limit, cursor)
        with self.read() as conn:
            return fetch_page(
                conn,
                select(t.audit).where(t.audit.c.team_id == team_id),
                t.audit.c.id,
                page,
                _audit_record,
            )


_audit_record = row_builder(AuditEntry)
