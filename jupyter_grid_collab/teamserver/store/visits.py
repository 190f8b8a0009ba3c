"""Opening a teammate's session: single-use tickets, visits, and acting as the visitor.

bob asks to open alice's session; the team server checks they share its team and issues a
ticket bound to (that session, bob) that lives seconds and works once. alice's server
redeems it with its server secret and lets bob in; from then on, for the visit's
lifetime, alice's server can act for bob (never as alice) by presenting its secret and
bob's name, and the team server re-checks bob's membership on every such call.
"""

from __future__ import annotations

from sqlalchemy import and_, select

from .. import schema as t
from ..errors import BadRequest, Conflict, Forbidden, Unauthorized
from .core import Caller, hash_secret, new_secret, now
from .sessions import _session_query, session_json

TICKET_SECONDS = 30.0
MAX_VISIT_SECONDS = 24 * 3600.0


class VisitStore:
    """Mixed into Store."""

    ticket_seconds: float = TICKET_SECONDS

    def open_session(self, caller: Caller, owner: str, name: str) -> dict:
        """Issue a ticket for ``caller`` to open ``owner``'s session (any teammate may)."""
        with self.engine.begin() as conn:
            row = self._session_row(conn, caller, owner, name)
            if row.status != "running" or not row.url:
                raise Conflict(f"{owner}'s session \"{name}\" is {row.status}; it can be opened "
                               "only while it is running")
            session = session_json(row)
            if caller.id == row.owner_id:
                # the owner needs no ticket: their own server's login applies
                self.audit(conn, caller.username, "open", f"session {owner}:{name}", row.team_id)
                return {"url": row.url, "visitor": False, "session": session,
                        "expires_in": None}
            ticket = new_secret("gct")
            conn.execute(t.session_tickets.delete().where(
                t.session_tickets.c.expires_at < now() - 3600))
            conn.execute(t.session_tickets.insert().values(
                ticket_hash=hash_secret(ticket), session_id=row.id, visitor_id=caller.id,
                expires_at=now() + self.ticket_seconds))
            self.audit(conn, caller.username, "open", f"session {owner}:{name}", row.team_id)
        gh = session["github"]
        identity = f"{gh['user']}'s GitHub identity" + (f" ({gh['login']})" if gh["login"]
                                                          else "")
        return {
            "url": row.url.rstrip("/") + "/grid-collab/visit?ticket=" + ticket,
            "visitor": True, "expires_in": self.ticket_seconds, "session": session,
            "warning": f"You are opening {owner}'s session \"{name}\" as a visitor: git there "
                       f"uses {identity}, and code you run there runs as {owner}.",
        }

    def _session_by_secret(self, conn, secret: str):
        if not secret:
            raise Unauthorized("missing session server secret")
        row = conn.execute(_session_query().where(
            t.sessions.c.server_secret_hash == hash_secret(secret))).first()
        if row is None:
            raise Unauthorized("invalid session server secret")
        return row

    def redeem_ticket(self, secret: str, ticket: str, visit_seconds: float) -> dict:
        """The session's own server redeems a visitor's ticket: single use, unexpired, and
        only for the session it was issued for. Starts (or renews) the visit."""
        if not isinstance(ticket, str) or not ticket or len(ticket) > 200:
            raise BadRequest("ticket must be a non-empty string")
        if not isinstance(visit_seconds, (int, float)) or isinstance(visit_seconds, bool):
            raise BadRequest("visit_seconds must be a number")
        visit_seconds = max(60.0, min(float(visit_seconds), MAX_VISIT_SECONDS))
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
            if refusal:
                self.audit(conn, None, "visit", f"session {session.owner}:{session.name}",
                           session.team_id, "denied", refusal)
                raise Forbidden(refusal)
            conn.execute(t.session_tickets.update().where(where).values(used_at=ts))
            visitor = conn.execute(select(t.users).where(t.users.c.id == row.visitor_id)).one()
            member = conn.execute(select(t.memberships.c.role).where(and_(
                t.memberships.c.user_id == visitor.id,
                t.memberships.c.team_id == session.team_id))).scalar()
            if member is None:
                raise Forbidden(f"{visitor.username} is no longer in team {session.team!r}")
            key = and_(t.visits.c.session_id == session.id, t.visits.c.visitor_id == visitor.id)
            conn.execute(t.visits.delete().where(key))
            conn.execute(t.visits.insert().values(session_id=session.id, visitor_id=visitor.id,
                                                  started_at=ts, expires_at=ts + visit_seconds))
            self.audit(conn, visitor.username, "visit", f"session {session.owner}:{session.name}",
                       session.team_id)
        return {"visitor": visitor.username, "github_login": visitor.github_login,
                "expires_at": ts + visit_seconds, "session": session_json(session)}

    def authenticate_visitor(self, secret: str, visitor: str) -> Caller:
        """The session's server acting for a visitor: the visit must be live and the visitor
        still a member of the session's team."""
        with self.engine.begin() as conn:
            session = self._session_by_secret(conn, secret)
            uid = conn.execute(select(t.users.c.id).where(t.users.c.username == visitor)).scalar()
            visit = conn.execute(select(t.visits.c.expires_at).where(and_(
                t.visits.c.session_id == session.id, t.visits.c.visitor_id == uid))).scalar()
            if uid is None or visit is None or visit < now():
                raise Unauthorized(f"{visitor} has no live visit to this session")
            user = conn.execute(select(t.users.c.id, t.users.c.username, t.users.c.site_admin)
                                .where(t.users.c.id == uid)).one()
            caller = self._caller(conn, user)
        if caller.role_in(session.team_id) is None:
            raise Unauthorized(f"{visitor} is no longer in team {session.team!r}")
        caller.site_admin = False
        return caller

    def end_visits(self, secret: str) -> int:
        with self.engine.begin() as conn:
            session = self._session_by_secret(conn, secret)
            return conn.execute(t.visits.delete().where(
                t.visits.c.session_id == session.id)).rowcount

