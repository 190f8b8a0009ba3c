"""The Hub's groups, members and servers mirrored as teams, memberships and sessions.

Under ``--team-source jupyterhub`` the Hub decides who is in which team: each sync
(hub/sync.py) hands ``apply`` what the Hub said, and the store is made to match in one
transaction. Teams are the groups that say they are (hub/api.py keeps those with the
``grid_roles`` property, or those ``--hub-groups`` names); a team made here keeps its credits,
runs and datastores, and every team's members are its group's. A member's role is the
group's ``grid_roles`` entry for them, else "user". Each member's Hub servers are sessions of
the first of their teams by name, with instance type "jupyterhub" (a price for it in
``--prices`` charges them credits); the default server is the session "default".

Names the team server cannot hold are skipped with a warning naming the rule, as is a Hub
server whose session name a session registered the old way already has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import and_, select

from ...hub_sessions import (
    DEFAULT_SERVER_SESSION,
    HUB_INSTANCE_TYPE,
    hub_server_name,
    session_name,
)
from ...models import ReferenceError, validate_name, validate_username
from .. import schema as t
from ..errors import Conflict, NotAllowed, NotAuthenticated
from .core import Caller, StoreCore, insert_id, now
from .money import money
from .sessions import _session_query, end_visit, end_visits, session_json

if TYPE_CHECKING:
    from ..hub.api import HubSnapshot
    from .billing import BillingRepository
    from .visits import VisitRepository

ROLES = ("owner", "admin", "user")
ACTOR = "jupyterhub"  # the audit log's name for what a sync changed


@dataclass(frozen=True)
class Revocation:
    """A Hub share the sync must take back: ``visitor`` left the team of ``owner``'s server."""

    owner: str
    server: str
    visitor: str


@dataclass
class SyncResult:
    changed: int = 0
    revocations: list[Revocation] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _invalid(check, value: str) -> str | None:
    """Why ``value`` cannot be a name here (``check``'s message), or None."""
    try:
        check(value)
    except ReferenceError as exc:
        return str(exc)
    return None


def _hub_visits():
    """Visits to Hub servers: the session, its owner and name, the visitor's id and name."""
    visitor = t.users.alias("visitor")
    return (
        select(
            t.visits.c.session_id,
            t.visits.c.visitor_id,
            t.sessions.c.name,
            t.users.c.username.label("owner"),
            visitor.c.username.label("visitor"),
        )
        .select_from(t.visits)
        .join(t.sessions, t.sessions.c.id == t.visits.c.session_id)
        .join(t.users, t.users.c.id == t.sessions.c.owner_id)
        .join(visitor, visitor.c.id == t.visits.c.visitor_id)
        .where(t.sessions.c.instance_type == HUB_INSTANCE_TYPE)
    )


class HubMirrorRepository:
    """Teams, members and sessions as the Hub has them; Callers for Hub tokens."""

    def __init__(self, core: StoreCore, visits: VisitRepository, billing: BillingRepository):
        self.core = core
        self.engine = core.engine
        self.visits = visits
        self.billing = billing

    # ------------------------------------------------------------- identities
    def person(self, username: str, cache_key: str) -> Caller:
        """A person's Hub token: that user, as an API key of theirs would be."""
        hit = self.core.cached_caller(cache_key)
        if hit is not None:
            return hit
        with self.engine.begin() as conn:
            row = conn.execute(
                select(t.users.c.id, t.users.c.username, t.users.c.site_admin).where(
                    t.users.c.username == username
                )
            ).first()
            caller = None if row is None else self.core.caller_from_row(conn, row)
            if caller is None or not (caller.roles or caller.site_admin):
                # (a users row left from before, or from a team the user has left, is not
                # enough: under a Hub, being someone here is being in one of its teams)
                raise NotAuthenticated(
                    f"{username} is in no team of this team server: ask a Hub admin to add you "
                    "to a team's group"
                )
        return self.core.remember_caller(cache_key, caller)

    def _server_session(self, conn, owner: str, server: str):
        row = conn.execute(
            _session_query().where(
                and_(
                    t.users.c.username == owner,
                    t.sessions.c.name == session_name(server),
                    t.sessions.c.instance_type == HUB_INSTANCE_TYPE,
                )
            )
        ).first()
        if row is None:
            raise NotAuthenticated(
                f"the Hub server {owner}/{server} is not a session of any team (yet: the team "
                "server reads the Hub every few seconds)"
            )
        return row

    def server(self, owner: str, server: str, cache_key: str) -> Caller:
        """A server's own Hub token: its session, acting for its owner (scope ``session``)."""
        hit = self.core.cached_caller(cache_key)
        if hit is not None:
            return hit
        with self.engine.begin() as conn:
            session = self._server_session(conn, owner, server)
            user = conn.execute(
                select(t.users.c.id, t.users.c.username, t.users.c.site_admin).where(
                    t.users.c.id == session.owner_id
                )
            ).one()
            caller = self.visits._narrow(
                self.core.caller_from_row(conn, user), session, visitor=False
            )
        return self.core.remember_caller(cache_key, caller)

    def server_visitor(self, owner: str, server: str, visitor: str) -> Caller:
        """A server's token with ``X-Grid-Visitor``: for a visitor whose visit (made when
        the team server shared the server with them) is live. Never cached."""
        with self.engine.begin() as conn:
            session = self._server_session(conn, owner, server)
            return self.visits.visitor_caller(conn, session, visitor)

    # ------------------------------------------------------------- actions on Hub servers
    def authorize(self, caller: Caller, owner: str, name: str, action: str) -> dict | None:
        """For a Hub session: apply the permission table to ``action`` (stop, pause,
        resume, delete), audit it, and return the session; the caller then asks the Hub.
        None when ``owner:name`` is not a Hub session (the usual path applies)."""
        with self.engine.begin() as conn:
            row = self.visits.sessions.session_row(conn, caller, owner, name)
            if row.instance_type != HUB_INSTANCE_TYPE:
                return None
            self.core.guard(caller, row, action, "session", row.name)
            if action == "resume":
                self.billing.require_credit(conn, row.team_id, row.team)
            self.core.audit(conn, caller.username, action, f"session {owner}:{name}", row.team_id)
            return session_json(row)

    def drop_visit(self, owner: str, name: str, visitor: str) -> None:
        """End ``visitor``'s visit to the Hub session ``owner:name`` (its share failed)."""
        with self.engine.begin() as conn:
            session = conn.execute(
                select(t.sessions.c.id)
                .join(t.users, t.users.c.id == t.sessions.c.owner_id)
                .where(and_(t.users.c.username == owner, t.sessions.c.name == name))
            ).scalar()
            uid = conn.execute(select(t.users.c.id).where(t.users.c.username == visitor)).scalar()
            end_visit(conn, session, uid)
        self.core.forget_callers()

    def live_visitors(self) -> dict[tuple[str, str], set[str]]:
        """(owner, Hub server) -> who has a live visit there: whom its shares may name."""
        live: dict[tuple[str, str], set[str]] = {}
        with self.core.read() as conn:
            for r in conn.execute(_hub_visits().where(t.visits.c.expires_at > now())):
                live.setdefault((r.owner, hub_server_name(r.name)), set()).add(r.visitor)
        return live

    def may_start(self, caller: Caller, owner: str, name: str) -> None:
        """Only a member starts a Hub server, and only their own (as one registers only
        their own session); an existing session that is not a Hub server is refused."""
        if owner != caller.username:
            raise NotAllowed(
                f"only {owner} can start {owner}'s JupyterHub servers; you can start your own"
            )
        if not caller.roles:
            raise NotAllowed(f"{owner} is in no team: ask a Hub admin to add you to a group")
        with self.engine.begin() as conn:
            row = conn.execute(
                select(t.sessions.c.instance_type)
                .join(t.users, t.users.c.id == t.sessions.c.owner_id)
                .where(and_(t.users.c.username == owner, t.sessions.c.name == name))
            ).first()
            # the session will be the first by name of the caller's teams, as the sync files it
            team_id = min(caller.team_names, key=caller.team_names.__getitem__)
            self.billing.require_credit(conn, team_id, caller.team_names[team_id])
            if row is not None and row.instance_type != HUB_INSTANCE_TYPE:
                raise Conflict(
                    f"{owner} has a registered session {name!r} that is not a Hub server"
                )
            self.core.audit(conn, owner, "start", f"session {owner}:{name}", None)

    # ------------------------------------------------------------- the sync
    def apply(self, snapshot: HubSnapshot) -> SyncResult:
        """Make teams, memberships and Hub sessions match ``snapshot``."""
        result = SyncResult()
        ts = now()
        groups = []
        for g in snapshot.groups:
            why = _invalid(validate_name, g.name)
            if why is None:
                groups.append(g)
            else:
                result.skipped.append(f"group {g.name!r}: {why}")
        with self.engine.begin() as conn:
            if not snapshot.groups and conn.execute(select(t.memberships.c.team_id)).first():
                # a Hub answering no group at all is more likely misconfigured (the service
                # lost list:groups) than every team gone: keep everyone and every session
                result.skipped.append(
                    "every group: the Hub listed none; teams, members and sessions kept as "
                    "they were (does the service still have list:groups and read:groups?)"
                )
                return result
            team_ids = {g.name: self._team(conn, g.name, ts, result) for g in groups}
            user_ids: dict[str, int] = {}
            wanted: dict[tuple[int, int], str] = {}
            for g in groups:
                for member in g.users:
                    uid = self._user(conn, member, ts, user_ids, result)
                    if uid is not None:
                        role = g.roles.get(member, "user")
                        wanted[(team_ids[g.name], uid)] = role if role in ROLES else "user"
            self._memberships(conn, team_ids, wanted, ts, result)
            first_team: dict[int, int] = {}
            for g in sorted(groups, key=lambda g: g.name):
                for member in g.users:
                    uid = user_ids.get(member)
                    if uid is not None:
                        first_team.setdefault(uid, team_ids[g.name])
            self._sessions(conn, snapshot, user_ids, first_team, ts, result)
            self._expire_visits(conn, ts, result)
        if result.changed:
            self.core.forget_callers()
        return result

    def _team(self, conn, name: str, ts: float, result: SyncResult) -> int:
        tid = conn.execute(select(t.teams.c.id).where(t.teams.c.name == name)).scalar()
        if tid is not None:
            return tid
        tid = insert_id(conn, t.teams.insert().values(name=name, balance=money(0), created_at=ts))
        self.core.audit(conn, ACTOR, "team", name, tid, detail="from the Hub group")
        result.changed += 1
        return tid

    def _user(
        self, conn, name: str, ts: float, ids: dict[str, int], result: SyncResult
    ) -> int | None:
        if name in ids:
            return ids[name]
        why = _invalid(validate_username, name)
        if why is not None:
            result.skipped.append(f"user {name!r}: {why}")
            return None
        uid = conn.execute(select(t.users.c.id).where(t.users.c.username == name)).scalar()
        if uid is None:
            uid = insert_id(
                conn, t.users.insert().values(username=name, site_admin=False, created_at=ts)
            )
            result.changed += 1
        ids[name] = uid
        return uid

    def _memberships(
        self,
        conn,
        team_ids: dict[str, int],
        wanted: dict[tuple[int, int], str],
        ts: float,
        result: SyncResult,
    ) -> None:
        names = dict(conn.execute(select(t.teams.c.id, t.teams.c.name)).all())
        have = {
            (m.team_id, m.user_id): (m.role, m.username)
            for m in conn.execute(
                select(
                    t.memberships.c.team_id,
                    t.memberships.c.user_id,
                    t.memberships.c.role,
                    t.users.c.username,
                ).join(t.users, t.users.c.id == t.memberships.c.user_id)
            )
        }
        for (tid, uid), (role, username) in have.items():
            if (tid, uid) in wanted:
                continue
            where = and_(t.memberships.c.team_id == tid, t.memberships.c.user_id == uid)
            conn.execute(t.memberships.delete().where(where))
            self._end_visits_of(conn, tid, uid, username, result)
            self.core.audit(
                conn, ACTOR, "member", f"{names[tid]}/{username}", tid, detail=f"{role} -> removed"
            )
            result.changed += 1
        for (tid, uid), role in wanted.items():
            old = have.get((tid, uid))
            where = and_(t.memberships.c.team_id == tid, t.memberships.c.user_id == uid)
            if old is None:
                conn.execute(
                    t.memberships.insert().values(
                        team_id=tid, user_id=uid, role=role, created_at=ts
                    )
                )
            elif old[0] != role:
                conn.execute(t.memberships.update().where(where).values(role=role))
            else:
                continue
            self.core.audit(
                conn,
                ACTOR,
                "member",
                f"{names[tid]}/{old[1] if old else uid}",
                tid,
                detail=f"{old[0] if old else 'none'} -> {role}",
            )
            result.changed += 1

    def _end_visits_of(self, conn, team_id: int, uid: int, username: str, result) -> None:
        """A member left ``team_id``: their visits to its sessions end, and their Hub shares
        of its Hub servers are to be revoked."""
        rows = conn.execute(
            select(
                t.visits.c.session_id,
                t.sessions.c.name,
                t.sessions.c.instance_type,
                t.users.c.username,
            )
            .join(t.sessions, t.sessions.c.id == t.visits.c.session_id)
            .join(t.users, t.users.c.id == t.sessions.c.owner_id)
            .where(and_(t.visits.c.visitor_id == uid, t.sessions.c.team_id == team_id))
        ).all()
        for r in rows:
            end_visit(conn, r.session_id, uid)
            if r.instance_type == HUB_INSTANCE_TYPE:
                result.revocations.append(Revocation(r.username, hub_server_name(r.name), username))

    def _expire_visits(self, conn, ts: float, result: SyncResult) -> None:
        """Visits to Hub servers that have run their length end, and so do their shares
        (the extension already refuses an expired visitor; the Hub would not)."""
        for r in conn.execute(_hub_visits().where(t.visits.c.expires_at <= ts)).all():
            end_visit(conn, r.session_id, r.visitor_id)
            result.revocations.append(Revocation(r.owner, hub_server_name(r.name), r.visitor))
            result.changed += 1

    def _charge(self, conn, session_id: int, until: float) -> None:
        """Bill a Hub session up to ``until`` before it stops or goes (a price for
        "jupyterhub" in --prices makes this more than nothing)."""
        row = conn.execute(_session_query().where(t.sessions.c.id == session_id)).first()
        if row is not None:
            self.billing.charge_session(conn, row, until)

    def _revoke_all(self, conn, session_id: int, owner: str, name: str, result) -> None:
        """Every visit to a Hub session ends (its server stopped or left the teams), and
        its shares are to be revoked."""
        for (visitor,) in conn.execute(
            select(t.users.c.username)
            .join(t.visits, t.visits.c.visitor_id == t.users.c.id)
            .where(t.visits.c.session_id == session_id)
        ):
            result.revocations.append(Revocation(owner, hub_server_name(name), visitor))
        end_visits(conn, session_id)

    def _sessions(
        self,
        conn,
        snapshot: HubSnapshot,
        user_ids: dict[str, int],
        first_team: dict[int, int],
        ts: float,
        result: SyncResult,
    ) -> None:
        existing = {
            (r.owner_id, r.name): r
            for r in conn.execute(
                select(
                    t.sessions.c.id,
                    t.sessions.c.owner_id,
                    t.sessions.c.team_id,
                    t.sessions.c.name,
                    t.sessions.c.status,
                    t.sessions.c.url,
                    t.sessions.c.instance_type,
                    t.sessions.c.started_at,
                )
            )
        }
        owners = {uid: name for name, uid in user_ids.items()}
        seen: set[int] = set()
        for s in snapshot.servers:
            uid = user_ids.get(s.user)
            if uid is None or uid not in first_team:
                continue
            if not (s.ready or s.pending or s.last_activity):
                continue  # a server never used (every user has a default one): no session
            name = session_name(s.name)
            why = _invalid(validate_name, name)
            if s.name == DEFAULT_SERVER_SESSION:
                why = f"a named server {name!r} would be taken for the default server"
            if why is not None:
                result.skipped.append(f"server {s.user}/{s.name}: {why}")
                continue
            row = existing.get((uid, name))
            if row is not None and row.instance_type != HUB_INSTANCE_TYPE:
                result.skipped.append(
                    f"server {s.user}/{s.name}: {s.user} has a registered session {name!r}"
                )
                continue
            status = "running" if s.ready else ("pending" if s.pending else "stopped")
            values = dict(
                team_id=first_team[uid],
                status=status,
                url=s.url if status == "running" else None,
                last_heartbeat=ts if status == "running" else None,
                started_at=s.started,
                stopped_at=None if status != "stopped" else (s.last_activity or ts),
            )
            if row is None:
                conn.execute(
                    t.sessions.insert().values(
                        owner_id=uid,
                        name=name,
                        instance_type=HUB_INSTANCE_TYPE,
                        datastores=[],
                        # until its extension says otherwise (a heartbeat), the narrow mode
                        visitors="view",
                        created_at=s.started or ts,
                        charged_until=ts,
                        cost=money(0),
                        **values,
                    )
                )
                result.changed += 1
                continue
            seen.add(row.id)
            if row.status == "running" and status != "running":
                self._charge(conn, row.id, ts)
                self._revoke_all(conn, row.id, owners[uid], name, result)
            stopped_now = status == "stopped" and row.status != "stopped"
            restarted = None not in (row.started_at, s.started) and row.started_at != s.started
            if stopped_now or restarted:
                # a new start is a new server: its extension must call in again. (Only on
                # these changes: pending to running is the same start, which the extension
                # may have called in from already, and a round must never undo that.)
                values.update(server_secret_hash=None, visitors="view")
            if status == "running" and row.status != "running":
                values["charged_until"] = ts
            if (
                row.status != status
                or row.team_id != values["team_id"]
                or row.url != values["url"]
                or row.started_at != values["started_at"]
            ):
                result.changed += 1
            conn.execute(t.sessions.update().where(t.sessions.c.id == row.id).values(**values))
        # Hub sessions whose server is gone, or whose owner is in no team any more
        for (uid, name), row in existing.items():
            if row.instance_type != HUB_INSTANCE_TYPE or row.id in seen:
                continue
            owner = conn.execute(select(t.users.c.username).where(t.users.c.id == uid)).scalar()
            self._charge(conn, row.id, ts)
            self._revoke_all(conn, row.id, owner, name, result)
            conn.execute(t.sessions.delete().where(t.sessions.c.id == row.id))
            self.core.audit(
                conn,
                ACTOR,
                "delete",
                f"session {owner}:{name}",
                row.team_id,
                detail="gone from the Hub",
            )
            result.changed += 1
