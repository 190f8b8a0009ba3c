"""Sessions: JupyterLab servers registered by the extension, heartbeats, owner-only actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import UNSET
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from ...bodies import Heartbeat, SessionRegistration
from ...hub_sessions import HUB_EXTENSION_SEEN, HUB_INSTANCE_TYPE
from ...models import SESSION_STATUSES, Session
from .. import schema as t
from ..errors import Conflict, Invalid, NotAllowed, NotFound
from .core import Caller, StoreCore, hash_secret, new_secret, now
from .money import money
from .pagination import PageRequest, fetch_page
from .rows import row_builder

if TYPE_CHECKING:
    from .billing import BillingRepository
    from .credentials import CredentialRepository

_github = t.credentials.alias("gh")

# One select for every session view: owner, team and the owner's GitHub context
# come from joins, so a page of sessions is one query.
_SESSION_COLUMNS = (
    t.sessions,
    t.users.c.username.label("owner"),
    t.users.c.github_login.label("user_github"),
    t.teams.c.name.label("team"),
    _github.c.login.label("cred_login"),
    _github.c.user_id.label("cred_user"),
)


def _session_query():
    return (
        select(*_SESSION_COLUMNS)
        .join(t.users, t.users.c.id == t.sessions.c.owner_id)
        .join(t.teams, t.teams.c.id == t.sessions.c.team_id)
        .outerjoin(
            _github,
            and_(_github.c.user_id == t.sessions.c.owner_id, _github.c.provider == "github"),
        )
    )


def _session_duration(m, ts: float) -> float:
    if not m["started_at"]:
        return 0.0
    end = m["stopped_at"] if m["status"] != "running" else ts
    return round(max(0.0, (end or ts) - m["started_at"]), 1)


_session_record = row_builder(
    Session,
    datastores=lambda m, ts: list(m["datastores"] or []),
    duration_seconds=_session_duration,
    github=lambda m, ts: {
        "user": m["owner"],
        "login": m["cred_login"] or m["user_github"],
        "credential_bound": m["cred_user"] is not None,
    },
)


def session_json(r, ts: float | None = None) -> dict:
    return _session_record(r._mapping, ts or now())


def start_visit(conn, session_id: int, visitor_id: int, ts: float, seconds: float) -> None:
    """``visitor_id``'s visit to the session, from ``ts`` for ``seconds`` (replacing one)."""
    end_visit(conn, session_id, visitor_id)
    conn.execute(
        t.visits.insert().values(
            session_id=session_id, visitor_id=visitor_id, started_at=ts, expires_at=ts + seconds
        )
    )


def end_visit(conn, session_id: int | None, visitor_id: int | None) -> int:
    """End one visitor's visit to a session (0 or 1 ended; 0 for an unknown session or
    visitor); the caller forgets cached identities, as after ``end_visits``."""
    if session_id is None or visitor_id is None:
        return 0
    return conn.execute(
        t.visits.delete().where(
            and_(t.visits.c.session_id == session_id, t.visits.c.visitor_id == visitor_id)
        )
    ).rowcount


def end_visits(conn, session_id: int) -> int:
    """End every visit to a session (its server stopped, was lost, deleted or replaced, or
    what visitors may do changed): further calls for them are NotAuthenticated. The caller must then
    forget cached identities (``forget_callers``)."""
    return conn.execute(t.visits.delete().where(t.visits.c.session_id == session_id)).rowcount


class SessionRepository:
    """Sessions: registered JupyterLab servers, their heartbeats, costs and owner actions."""

    def __init__(
        self, core: StoreCore, billing: BillingRepository, credentials: CredentialRepository
    ) -> None:
        self.core = core
        self.engine = core.engine
        self.billing = billing
        self.credentials = credentials

    def session_row(self, conn, caller: Caller, owner: str, name: str):
        row = conn.execute(
            _session_query().where(and_(t.users.c.username == owner, t.sessions.c.name == name))
        ).first()
        if row is None or caller.role_in(row.team_id) is None:
            raise self.core.hidden(
                caller, row, "session", owner, name, f"no session {owner}:{name} in your teams"
            )
        return row

    def register_session(
        self, caller: Caller, registration: SessionRegistration, prices: dict[str, float]
    ) -> dict:
        """Register (or re-register) the caller's own Jupyter server as a running session.

        Returns the session and, once, the secret the session's server uses to read the
        owner's GitHub credential.
        """
        name, url, datastores = registration.name, registration.url, registration.datastores
        instance_type = registration.instance_type or "cpu-small"
        if instance_type not in prices:
            raise Invalid(
                f"unknown instance type {instance_type!r}: use one of {', '.join(sorted(prices))}"
            )
        visitors = None if registration.visitors is UNSET else registration.visitors
        team_id = caller.default_team(registration.team or None)
        secret = new_secret("gcs")
        ts = now()
        values = dict(
            status="running",
            url=url,
            instance_type=instance_type,
            datastores=datastores,
            started_at=ts,
            stopped_at=None,
            last_heartbeat=ts,
            charged_until=ts,
            server_secret_hash=hash_secret(secret),
        )
        if visitors is not None:  # else: "full" for a new session, unchanged for a known one
            values["visitors"] = visitors
        with self.engine.begin() as conn:
            self.billing.require_credit(conn, team_id, caller.team_names[team_id])
            existing = conn.execute(
                select(t.sessions.c.id, t.sessions.c.status, t.sessions.c.instance_type).where(
                    and_(t.sessions.c.owner_id == caller.id, t.sessions.c.name == name)
                )
            ).first()
            if existing is not None and existing.instance_type == HUB_INSTANCE_TYPE:
                raise Conflict(
                    f"session {name!r} is a JupyterHub server: the Hub runs it, it is not "
                    "registered"
                )
            if existing is not None and existing.status == "running" and not registration.replace:
                raise Conflict(f"session {name!r} is already running; stop it or pick another name")
            try:
                if existing is None:
                    conn.execute(
                        t.sessions.insert().values(
                            owner_id=caller.id,
                            team_id=team_id,
                            name=name,
                            created_at=ts,
                            cost=money(0),
                            **values,
                        )
                    )
                else:
                    conn.execute(
                        t.sessions.update()
                        .where(t.sessions.c.id == existing.id)
                        .values(team_id=team_id, **values)
                    )
                    # a new server with a new secret: the old one's visitors are not its own
                    end_visits(conn, existing.id)
            except IntegrityError:
                raise Conflict(f"session {name!r} already exists") from None
            self.core.audit(
                conn, caller.username, "register", f"session {caller.username}:{name}", team_id
            )
            row = self.session_row(conn, caller, caller.username, name)
        self.core.forget_callers()  # the replaced secret must stop working at once
        return {"session": session_json(row), "server_secret": secret}

    def list_sessions(
        self,
        caller: Caller,
        scope: str | None = None,
        status: str | None = None,
        team: str | None = None,
        limit: Any = None,
        cursor: Any = None,
    ) -> dict:
        page = PageRequest.parse(limit, cursor)
        if status is not None and status not in SESSION_STATUSES:
            raise Invalid(f"status must be one of {', '.join(SESSION_STATUSES)}")
        with self.core.read() as conn:
            sc = self.core.resolve_scope(conn, caller, scope, team)
            q = _session_query().where(t.sessions.c.team_id.in_(sc.team_ids))
            if sc.owner_id is not None:
                q = q.where(t.sessions.c.owner_id == sc.owner_id)
            if status:
                q = q.where(t.sessions.c.status == status)
            return fetch_page(conn, q, t.sessions.c.id, page, _session_record)

    def get_session(self, caller: Caller, owner: str, name: str) -> dict:
        with self.engine.begin() as conn:
            return session_json(self.session_row(conn, caller, owner, name))

    def session_action(self, caller: Caller, owner: str, name: str, action: str) -> dict:
        """stop, pause or resume: the creator or a team admin only."""
        transitions = {"stop": "stopped", "pause": "paused", "resume": "running"}
        if action not in transitions:
            raise Invalid(f"unknown session action {action!r}")
        with self.engine.begin() as conn:
            row = self.session_row(conn, caller, owner, name)
            self.core.guard(caller, row, action, "session", row.name)
            ts = now()
            self.billing.charge_session(conn, row, ts)
            values: dict[str, Any] = {"status": transitions[action]}
            if action == "resume":
                self.billing.require_credit(conn, row.team_id, row.team)
                values.update(
                    started_at=row.started_at or ts,
                    stopped_at=None,
                    last_heartbeat=ts,
                    charged_until=ts,
                )
            else:
                values.update(stopped_at=ts)
                end_visits(conn, row.id)  # nobody visits a server that is not running
            conn.execute(t.sessions.update().where(t.sessions.c.id == row.id).values(**values))
            self.core.audit(conn, caller.username, action, f"session {owner}:{name}", row.team_id)
            out = session_json(self.session_row(conn, caller, owner, name))
        self.core.forget_callers()
        return out

    def delete_session(self, caller: Caller, owner: str, name: str) -> None:
        with self.engine.begin() as conn:
            row = self.session_row(conn, caller, owner, name)
            self.core.guard(caller, row, "delete", "session", row.name)
            self.billing.charge_session(conn, row, now())
            end_visits(conn, row.id)  # (the foreign key cascades too; this says it)
            conn.execute(t.sessions.delete().where(t.sessions.c.id == row.id))
            self.core.audit(conn, caller.username, "delete", f"session {owner}:{name}", row.team_id)
        self.core.forget_callers()  # its secret and its visits stop working at once

    def heartbeat(self, caller: Caller, owner: str, name: str, beat: Heartbeat) -> dict:
        """The session's own server reports it is alive (and may update its URL, datastores
        and what visitors may do: what the beat leaves out stays as it was)."""
        with self.engine.begin() as conn:
            row = self.session_row(conn, caller, owner, name)
            if row.owner_id != caller.id:
                raise NotAllowed(
                    f"{caller.username} cannot send heartbeats for {owner}'s "
                    f'session "{name}": only its own server can'
                )
            ts = now()
            values: dict[str, Any] = {"last_heartbeat": ts}
            hub = row.instance_type == HUB_INSTANCE_TYPE
            if hub and caller.via_session is not None:
                # the extension in this Hub server called in with the server's own token
                values["server_secret_hash"] = HUB_EXTENSION_SEEN
            if row.status == "lost" and not hub:  # (a Hub server's status is the Hub's)
                values.update(status="running", stopped_at=None, charged_until=ts)
            if beat.url is not UNSET and not hub:
                # a Hub server's URL is the Hub's, never what code in the server says
                values["url"] = beat.url
            if beat.datastores is not UNSET:
                values["datastores"] = beat.datastores
            changed = beat.visitors is not UNSET and beat.visitors != row.visitors
            if changed:
                values["visitors"] = beat.visitors
                # current visitors agreed to the old mode when they opened it: they open
                # again, and the Open dialog tells them what the new one lets them do
                end_visits(conn, row.id)
                self.core.audit(
                    conn,
                    caller.username,
                    "visitors",
                    f"session {owner}:{name}",
                    row.team_id,
                    detail=f"{row.visitors} -> {beat.visitors}",
                )
            conn.execute(t.sessions.update().where(t.sessions.c.id == row.id).values(**values))
            out = session_json(self.session_row(conn, caller, owner, name))
        if changed:
            self.core.forget_callers()
        return out

    def session_git_credential(self, owner: str, name: str, secret: str | None) -> dict:
        """The owner's GitHub token, for the session's own server only: checked by its
        secret, or (``secret`` None) a Hub session whose server the Hub vouched for."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(
                    t.sessions.c.server_secret_hash,
                    t.sessions.c.instance_type,
                    t.sessions.c.owner_id,
                    t.users.c.username,
                    t.users.c.github_login,
                )
                .join(t.users, t.users.c.id == t.sessions.c.owner_id)
                .where(and_(t.users.c.username == owner, t.sessions.c.name == name))
            ).first()
            vouched = secret is None and row is not None and row.instance_type == HUB_INSTANCE_TYPE
            if row is None or not (
                vouched or (secret and row.server_secret_hash == hash_secret(secret))
            ):
                raise NotFound(f"no session {owner}:{name} for this server secret")
            cred = conn.execute(
                select(t.credentials).where(
                    and_(
                        t.credentials.c.user_id == row.owner_id,
                        t.credentials.c.provider == "github",
                    )
                )
            ).first()
        if cred is None:
            return {"user": owner, "login": row.github_login, "token": None}
        return {
            "user": owner,
            "login": cred.login or row.github_login,
            "token": self.credentials.decrypt(cred.secret),
        }

    def mark_lost(self, timeout: float) -> int:
        """Running sessions with no heartbeat for ``timeout`` seconds become lost."""
        ts = now()
        with self.engine.begin() as conn:
            rows = conn.execute(
                _session_query().where(
                    and_(
                        t.sessions.c.status == "running", t.sessions.c.last_heartbeat < ts - timeout
                    )
                )
            ).all()
            for row in rows:
                self.billing.charge_session(conn, row, row.last_heartbeat)
                conn.execute(
                    t.sessions.update()
                    .where(t.sessions.c.id == row.id)
                    .values(status="lost", stopped_at=row.last_heartbeat)
                )
                end_visits(conn, row.id)
                self.core.audit(
                    conn,
                    None,
                    "lost",
                    f"session {row.owner}:{row.name}",
                    row.team_id,
                    detail=f"no heartbeat for {timeout:.0f}s",
                )
        if rows:
            self.core.forget_callers()
        return len(rows)
