"""Opening a teammate's session: single-use tickets, visits, and a session's server's credential.

bob asks to open alice's session; the team server checks they share its team and issues a
ticket bound to (that session, bob) that lives seconds and works once. alice's server
redeems it with its session secret and lets bob in for a visit whose length the team server
fixes (never the session's server). For the visit's lifetime alice's server can act for bob
(``X-Grid-Session-Secret`` + ``X-Grid-Visitor: bob``), but only within the visitor scope
(read, download, attach: see handlers/base.py); bob's membership is re-checked on every
call, and a visit ends when the session stops, is lost, deleted or replaced.

The secret alone is the session credential: alice's server acting as alice, narrowed to what
a session needs (no members, roles, credits, keys or credentials).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, select

from ...hub_sessions import HUB_EXTENSION_SEEN, HUB_INSTANCE_TYPE, hub_server_name
from .. import schema as t
from ..errors import Conflict, NotAllowed, NotAuthenticated
from .core import Caller, hash_secret, new_secret, now
from .sessions import _session_query, end_visit, end_visits, session_json, start_visit

if TYPE_CHECKING:
    from .core import StoreCore
    from .sessions import SessionRepository

TICKET_SECONDS = 30.0
DEFAULT_VISIT_SECONDS = 8 * 3600.0
MIN_VISIT_SECONDS = 60.0

# What the Open dialog tells a visitor before the session opens, by the owner's choice.
VISITOR_WARNINGS = {
    "full": "code you run there runs as {owner}, with {owner}'s files and GitHub identity",
    "view": "you can browse files and notebooks but not run code or change files",
}


def visit_warning(owner: str, name: str, mode: str, identity: str) -> str:
    text = VISITOR_WARNINGS[mode].format(owner=owner)
    git = f" (git there uses {identity})" if mode == "full" else ""
    return f'You are opening {owner}\'s session "{name}" as a visitor ({mode} access): {text}{git}.'


def _warning(session: dict, row) -> str:
    gh = session["github"]
    identity = f"{gh['user']}'s GitHub identity" + (f" ({gh['login']})" if gh["login"] else "")
    return visit_warning(row.owner, row.name, row.visitors, identity)


class VisitRepository:
    """Visits: tickets to a teammate's session, redeemed by its server, and the session's own
    credential acting for its owner or a visitor."""

    def __init__(self, core: StoreCore, sessions: SessionRepository) -> None:
        self.core = core
        self.engine = core.engine
        self.sessions = sessions
        #: how long an Open ticket may wait to be redeemed (the team server's setting)
        self.ticket_seconds = TICKET_SECONDS

    def open_session(
        self,
        caller: Caller,
        owner: str,
        name: str,
        visit_seconds: float = DEFAULT_VISIT_SECONDS,
    ) -> dict:
        """Issue a ticket for ``caller`` to open ``owner``'s session (any teammate may); for a
        JupyterHub server, start the visit at once and name the Hub share to create
        (``hub_share``: the handler asks the Hub, and the answer never carries it)."""
        with self.engine.begin() as conn:
            row = self.sessions.session_row(conn, caller, owner, name)
            if row.status != "running" or not row.url:
                raise Conflict(
                    f'{owner}\'s session "{name}" is {row.status}; it can be opened '
                    "only while it is running"
                )
            session = session_json(row)
            if caller.id == row.owner_id:
                # the owner needs no ticket: their own server's login applies
                self.core.audit(
                    conn, caller.username, "open", f"session {owner}:{name}", row.team_id
                )
                return {
                    "url": row.url,
                    "visitor": False,
                    "session": session,
                    "visitors": row.visitors,
                    "expires_in": None,
                }
            if row.instance_type == HUB_INSTANCE_TYPE:
                return self._open_hub_server(conn, caller, row, session, visit_seconds)
            ticket = new_secret("gct")
            conn.execute(
                t.session_tickets.delete().where(t.session_tickets.c.expires_at < now() - 3600)
            )
            conn.execute(
                t.session_tickets.insert().values(
                    ticket_hash=hash_secret(ticket),
                    session_id=row.id,
                    visitor_id=caller.id,
                    expires_at=now() + self.ticket_seconds,
                )
            )
            self.core.audit(conn, caller.username, "open", f"session {owner}:{name}", row.team_id)
        return {
            "url": row.url.rstrip("/") + "/grid-collab/visit?ticket=" + ticket,
            "visitor": True,
            "expires_in": self.ticket_seconds,
            "session": session,
            "visitors": row.visitors,
            "warning": _warning(session, row),
        }

    def _open_hub_server(self, conn, caller: Caller, row, session: dict, seconds: float) -> dict:
        """A teammate opens a Hub server: the Hub's share lets them in as themselves (its
        own login), so the visit starts now, for the team server's visit length."""
        if row.server_secret_hash != HUB_EXTENSION_SEEN:
            # without the extension nothing in the server would stop the visitor, or hold
            # them to view-only: a share would hand them the owner's server
            raise Conflict(
                f'{row.owner}\'s session "{row.name}" cannot be opened: the grid extension '
                "in that JupyterHub server has not called in (is jupyter_grid_collab installed "
                "there, with GRID_URL set?)"
            )
        start_visit(conn, row.id, caller.id, now(), seconds)
        self.core.audit(
            conn, caller.username, "open", f"session {row.owner}:{row.name}", row.team_id
        )
        return {
            "url": row.url,
            "visitor": True,
            "expires_in": None,
            "session": session,
            "visitors": row.visitors,
            "warning": _warning(session, row),
            "hub_share": {
                "owner": row.owner,
                "server": hub_server_name(row.name),
                "user": caller.username,
            },
        }

    def _session_by_secret(self, conn, secret: str):
        if not secret:
            raise NotAuthenticated("missing session server secret")
        row = conn.execute(
            _session_query().where(t.sessions.c.server_secret_hash == hash_secret(secret))
        ).first()
        if row is None:
            raise NotAuthenticated("invalid session server secret")
        return row

    def redeem_ticket(
        self,
        secret: str,
        ticket: str,
        visit_seconds: float | None,
        max_visit_seconds: float = DEFAULT_VISIT_SECONDS,
    ) -> dict:
        """The session's own server redeems a visitor's ticket: single use, unexpired, and
        only for the session it was issued for. Starts (or renews) the visit.

        The visit lasts ``max_visit_seconds`` (the team server's setting); the session's
        server may ask for a shorter one, never a longer one: it is not the party to trust
        with how long it may act for someone else. ``expires_at`` says what was granted."""
        if visit_seconds is None:
            visit_seconds = max_visit_seconds
        visit_seconds = max(
            min(MIN_VISIT_SECONDS, max_visit_seconds), min(visit_seconds, max_visit_seconds)
        )
        with self.engine.begin() as conn:
            session = self._session_by_secret(conn, secret)
            where = t.session_tickets.c.ticket_hash == hash_secret(ticket)
            row = conn.execute(select(t.session_tickets).where(where)).first()
            ts = now()
            refusal = None
            if row is None:
                refusal = "unknown ticket"
            elif row.session_id != session.id:
                refusal = "this ticket was issued for another session"
            elif row.used_at is not None:
                refusal = "this ticket was already used; open the session again"
            elif row.expires_at < ts:
                refusal = "this ticket expired; open the session again"
            elif session.status != "running":
                refusal = (
                    f'{session.owner}\'s session "{session.name}" is {session.status}; '
                    "it can be visited only while it is running"
                )
            if refusal:
                self.core.audit(
                    conn,
                    None,
                    "visit",
                    f"session {session.owner}:{session.name}",
                    session.team_id,
                    "denied",
                    refusal,
                )
                raise NotAllowed(refusal)
            conn.execute(t.session_tickets.update().where(where).values(used_at=ts))
            visitor = conn.execute(select(t.users).where(t.users.c.id == row.visitor_id)).one()
            member = conn.execute(
                select(t.memberships.c.role).where(
                    and_(
                        t.memberships.c.user_id == visitor.id,
                        t.memberships.c.team_id == session.team_id,
                    )
                )
            ).scalar()
            if member is None:
                raise NotAllowed(f"{visitor.username} is no longer in team {session.team!r}")
            start_visit(conn, session.id, visitor.id, ts, visit_seconds)
            self.core.audit(
                conn,
                visitor.username,
                "visit",
                f"session {session.owner}:{session.name}",
                session.team_id,
                detail=f"{session.visitors} access for {visit_seconds / 3600:.2f} h",
            )
        self.core.forget_callers()  # a renewed visit's new expiry applies at once
        return {
            "visitor": visitor.username,
            "github_login": visitor.github_login,
            "expires_at": ts + visit_seconds,
            "visitors": session.visitors,
            "session": session_json(session),
        }

    # ------------------------------------------------------------- a session's credential
    @staticmethod
    def _narrow(caller: Caller, session, visitor: bool) -> Caller:
        # no site-admin power ever reaches a session's server
        caller.site_admin = False
        caller.via_session = f"{session.owner}:{session.name}"
        caller.via_visitor = visitor
        caller.session_id = session.id
        caller.session_team_id = session.team_id
        # a session belongs to one team: through it, neither its owner nor a visitor reaches
        # their other teams (a member's trap session would otherwise read a visitor's other
        # teams, where that member is an outsider)
        caller.roles = {tid: r for tid, r in caller.roles.items() if tid == session.team_id}
        caller.team_names = {
            tid: n for tid, n in caller.team_names.items() if tid == session.team_id
        }
        return caller

    def remembered_session(self, secret: str) -> Caller | None:
        """``authenticate_session``'s cached Caller, from memory (no SQL: the event loop may
        ask); None when it must be looked up."""
        return self.core.cached_caller("session:" + hash_secret(secret or ""))

    def authenticate_session(self, secret: str) -> Caller:
        """The session credential: the session's own server acting as its owner (scope
        ``session``). It works while the session's record exists; deleting or re-registering
        the session revokes it at once. Cached like an API key (the owner's calls go this way,
        listings included): a membership change by the admin CLI shows within seconds."""
        cached = self.remembered_session(secret)
        if cached is not None:
            return cached
        key = "session:" + hash_secret(secret or "")
        with self.engine.begin() as conn:
            session = self._session_by_secret(conn, secret)
            owner = conn.execute(
                select(t.users.c.id, t.users.c.username, t.users.c.site_admin).where(
                    t.users.c.id == session.owner_id
                )
            ).one()
            caller = self._narrow(self.core.caller_from_row(conn, owner), session, visitor=False)
        return self.core.remember_caller(key, caller)

    def authenticate_visitor(self, secret: str, visitor: str) -> Caller:
        """The session's server acting for a visitor (scope ``visitor``): the visit must be
        live, the session running and the visitor still a member of the session's team.
        Never cached: a visitor removed from the team (by the admin CLI too, in another
        process) loses the visit on the next call."""
        with self.engine.begin() as conn:
            session = self._session_by_secret(conn, secret)
            return self.visitor_caller(conn, session, visitor)

    def visitor_caller(self, conn, session, visitor: str) -> Caller:
        """``visitor`` acting through ``session``'s server: NotAuthenticated unless their
        visit is live, the session running and they are still in its team."""
        uid = conn.execute(select(t.users.c.id).where(t.users.c.username == visitor)).scalar()
        visit = conn.execute(
            select(t.visits.c.expires_at).where(
                and_(t.visits.c.session_id == session.id, t.visits.c.visitor_id == uid)
            )
        ).scalar()
        if uid is None or visit is None or visit <= now() or session.status != "running":
            raise NotAuthenticated(f"{visitor} has no live visit to this session")
        user = conn.execute(
            select(t.users.c.id, t.users.c.username, t.users.c.site_admin).where(
                t.users.c.id == uid
            )
        ).one()
        caller = self.core.caller_from_row(conn, user)
        if caller.role_in(session.team_id) is None:
            raise NotAuthenticated(f"{visitor} is no longer in team {session.team!r}")
        return self._narrow(caller, session, visitor=True)

    def end_visits(self, caller: Caller, visitor: str | None = None) -> dict:
        """The session's own server ends its visits (all, or ``visitor``'s): further calls
        for them are NotAuthenticated."""
        with self.engine.begin() as conn:
            if visitor is None:
                ended = end_visits(conn, caller.session_id)
            else:
                uid = conn.execute(
                    select(t.users.c.id).where(t.users.c.username == visitor)
                ).scalar()
                ended = end_visit(conn, caller.session_id, uid)
            if ended:
                self.core.audit(
                    conn,
                    caller.username,
                    "end-visits",
                    f"session {caller.via_session}",
                    caller.session_team_id,
                    detail=f"{ended} visit(s)" + (f" of {visitor}" if visitor else ""),
                )
        self.core.forget_callers()
        return {"ended": ended}

    def mount_in_visited_session(self, caller: Caller, reference: str) -> None:
        """Record a datastore a visitor attached in the session they visit (the session's
        record lists what is mounted there)."""
        with self.engine.begin() as conn:
            mounted = (
                conn.execute(
                    select(t.sessions.c.datastores).where(t.sessions.c.id == caller.session_id)
                ).scalar()
                or []
            )
            kept = [d for d in mounted if d.rpartition("@")[0] != reference.rpartition("@")[0]]
            conn.execute(
                t.sessions.update()
                .where(t.sessions.c.id == caller.session_id)
                .values(datastores=kept + [reference])
            )
