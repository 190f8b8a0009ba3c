"""Users, API keys, teams, memberships and credits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from ...answers import LedgerEntry, TeamSummary
from ...models import ROLES, Member, ReferenceError, Team, validate_name, validate_username
from .. import schema as t
from ..errors import Conflict, Invalid, NotAllowed, NotFound
from ..permissions import check_member_change, require_member
from .core import Caller, StoreCore, hash_secret, insert_id, iso, new_secret, now
from .money import as_json, money, post
from .pagination import PageRequest, fetch_page
from .rows import Column, row_builder

if TYPE_CHECKING:
    from .quotas import QuotaRepository

_team_summary = row_builder(TeamSummary, member_count=Column("n"))
_team = row_builder(Team)
_member = row_builder(Member, joined_at=Column("created_at"))
_ledger_record = row_builder(
    LedgerEntry, user=Column("username"), amount=lambda m, ts: as_json(m["amount"], 6)
)


HUB_MEMBERSHIP = (
    "under JupyterHub a team's members are those of the Hub group of the same name: change "
    "the group (and its grid_roles property) in the Hub"
)


def _clean_name(value: Any, what: str) -> str:
    try:
        return validate_name(value, what)
    except ReferenceError as exc:
        raise Invalid(str(exc)) from None


def _check_role(role: Any) -> str:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


class TeamRepository:
    """Users, their API keys, teams, members and roles, credits added and the ledger."""

    def __init__(self, core: StoreCore, quotas: QuotaRepository) -> None:
        self.core = core
        self.engine = core.engine
        self.quotas = quotas

    # ------------------------------------------------------------- users and keys
    def create_user(
        self,
        username: str,
        email: str | None = None,
        github_login: str | None = None,
        site_admin: bool = False,
    ) -> dict:
        try:
            validate_username(username)
        except ReferenceError as exc:
            raise Invalid(str(exc)) from None
        if email is not None and (
            not isinstance(email, str) or "@" not in email or len(email) > 254
        ):
            raise Invalid(f"email {email!r} is not a valid address")
        if github_login is not None:
            try:
                validate_username(github_login.lower())
            except (ReferenceError, AttributeError):
                raise Invalid(f"GitHub login {github_login!r} is not valid") from None
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    t.users.insert().values(
                        username=username,
                        email=email,
                        github_login=github_login,
                        site_admin=site_admin,
                        created_at=now(),
                    )
                )
        except IntegrityError:
            raise Conflict(f"user {username!r} already exists") from None
        return self.user_info(self.core.caller_for(username))

    def create_key(self, username: str) -> str:
        """Create an API key for ``username``; the key is returned here and never again."""
        key = new_secret("gck")
        with self.engine.begin() as conn:
            uid = self.core.user_id(conn, username)
            conn.execute(
                t.api_keys.insert().values(
                    user_id=uid, key_hash=hash_secret(key), prefix=key[:8], created_at=now()
                )
            )
        return key

    def user_info(self, caller: Caller) -> dict:
        with self.engine.begin() as conn:
            row = conn.execute(select(t.users).where(t.users.c.id == caller.id)).one()
        return {
            "username": row.username,
            "email": row.email,
            "github_login": row.github_login,
            # the power this caller has: none through a session's server or an experiment token
            "site_admin": bool(row.site_admin) and caller.site_admin,
            "teams": [
                {"name": caller.team_names[tid], "role": role}
                for tid, role in sorted(
                    caller.roles.items(), key=lambda kv: caller.team_names[kv[0]]
                )
            ],
        }

    def list_users(self) -> list[dict]:
        with self.engine.begin() as conn:
            rows = conn.execute(select(t.users).order_by(t.users.c.username)).all()
        return [
            {
                "username": r.username,
                "email": r.email,
                "github_login": r.github_login,
                "site_admin": bool(r.site_admin),
                "created_at": iso(r.created_at),
            }
            for r in rows
        ]

    # ------------------------------------------------------------- teams
    def create_team(self, name: str, owner: str) -> dict:
        name = _clean_name(name, "team name")
        try:
            with self.engine.begin() as conn:
                owner_id = self.core.user_id(conn, owner)
                ts = now()
                team_id = insert_id(
                    conn, t.teams.insert().values(name=name, balance=money(0), created_at=ts)
                )
                conn.execute(
                    t.memberships.insert().values(
                        team_id=team_id, user_id=owner_id, role="owner", created_at=ts
                    )
                )
        except IntegrityError:
            raise Conflict(f"team {name!r} already exists") from None
        self.core.forget_callers()
        return self.team_detail(self.core.caller_for(owner), name)

    def _team_row(self, conn, name: str):
        row = conn.execute(select(t.teams).where(t.teams.c.name == name)).first()
        if row is None:
            raise NotFound(f"no team {name!r}")
        return row

    def list_teams(self, caller: Caller) -> list[dict]:
        if not caller.roles:
            return []
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(t.teams, func.count(t.memberships.c.user_id).label("n"))
                .join(t.memberships, t.memberships.c.team_id == t.teams.c.id)
                .where(t.teams.c.id.in_(list(caller.roles)))
                .group_by(t.teams.c.id)
                .order_by(t.teams.c.name)
            ).all()
        return [_team_summary({**r._mapping, "role": caller.roles[r.id]}) for r in rows]

    def team_detail(self, caller: Caller, name: str) -> dict:
        with self.engine.begin() as conn:
            row = conn.execute(select(t.teams).where(t.teams.c.name == name)).first()
            role = caller.role_in(row.id) if row is not None else None
            if row is None or (role is None and not caller.site_admin):
                raise NotFound(f"no team {name!r} among your teams")
            members = conn.execute(
                select(
                    t.users.c.username,
                    t.users.c.email,
                    t.users.c.github_login,
                    t.memberships.c.role,
                    t.memberships.c.created_at,
                )
                .join(t.memberships, t.memberships.c.user_id == t.users.c.id)
                .where(t.memberships.c.team_id == row.id)
                .order_by(t.users.c.username)
            ).all()
            used, quota = self.quotas.team_storage(conn, row.id)  # store/quotas.py
        order = {r: i for i, r in enumerate(ROLES)}
        return _team(
            {
                **row._mapping,
                "role": role,
                "storage_used_bytes": used,
                "storage_quota_bytes": quota,
                "members": sorted(
                    (_member(m._mapping) for m in members),
                    key=lambda m: (order[m["role"]], m["username"]),
                ),
            }
        )

    # ------------------------------------------------------------- members
    def set_member(self, caller: Caller | None, team: str, username: str, role: str | None) -> dict:
        """Add, change (role) or remove (role None) a member; caller None is the site admin."""
        if role is not None:
            _check_role(role)
        if self.core.members_from_hub:
            raise NotAllowed(f"team {team!r}: {HUB_MEMBERSHIP}")
        with self.engine.begin() as conn:
            row = conn.execute(select(t.teams).where(t.teams.c.name == team)).first()
            actor_role = (
                "owner"
                if caller is None or caller.site_admin
                else (caller.role_in(row.id) if row is not None else None)
            )
            if row is None:  # the same NotFound a non-member gets: existence does not leak
                require_member(None, "team", team)
            actor = caller.username if caller else "site-admin"
            require_member(actor_role, "team", team)
            uid = self.core.user_id(conn, username)
            old = conn.execute(
                select(t.memberships.c.role).where(
                    and_(t.memberships.c.team_id == row.id, t.memberships.c.user_id == uid)
                )
            ).scalar()
            if old is None and role is None:
                raise NotFound(f"{username} is not a member of team {team!r}")
            try:
                check_member_change(
                    actor=actor,
                    actor_role=actor_role,
                    team=team,
                    target=username,
                    old_role=old,
                    new_role=role,
                )
            except NotAllowed as exc:
                self.core.audit(
                    None, actor, "member", f"{team}/{username}", row.id, "denied", exc.message
                )
                raise
            if old == "owner" and role != "owner":
                owners = conn.execute(
                    select(func.count()).where(
                        and_(t.memberships.c.team_id == row.id, t.memberships.c.role == "owner")
                    )
                ).scalar()
                if owners <= 1:
                    raise Conflict(
                        f"{username} is the last owner of team {team!r}; "
                        "make someone else owner first"
                    )
            where = and_(t.memberships.c.team_id == row.id, t.memberships.c.user_id == uid)
            if role is None:
                conn.execute(t.memberships.delete().where(where))
            elif old is None:
                conn.execute(
                    t.memberships.insert().values(
                        team_id=row.id, user_id=uid, role=role, created_at=now()
                    )
                )
            else:
                conn.execute(t.memberships.update().where(where).values(role=role))
            self.core.audit(
                conn,
                actor,
                "member",
                f"{team}/{username}",
                row.id,
                "ok",
                f"{old or 'none'} -> {role or 'removed'}",
            )
        self.core.forget_callers()
        return {"team": team, "username": username, "role": role}

    # ------------------------------------------------------------- credits
    def add_credits(self, team: str, amount: float, actor: str = "site-admin") -> dict:
        if (
            isinstance(amount, bool)
            or not isinstance(amount, (int, float))
            or not (-1e9 < amount < 1e9)
            or amount != amount
        ):
            raise Invalid("amount must be a number between -1e9 and 1e9")
        credits = money(amount)
        with self.engine.begin() as conn:
            row = self._team_row(conn, team)
            post(
                conn,
                row.id,
                credits,
                kind="credit",
                resource=None,
                note=f"added by {actor}",
                created_at=now(),
            )
            balance = conn.execute(select(t.teams.c.balance).where(t.teams.c.id == row.id)).scalar()
        return {"team": team, "balance": as_json(balance)}

    def ledger(self, caller: Caller, team: str, limit: Any = None, cursor: Any = None) -> dict:
        team_id = caller.team_id(team)
        page = PageRequest.parse(limit, cursor)
        q = (
            select(t.ledger, t.users.c.username)
            .outerjoin(t.users, t.users.c.id == t.ledger.c.user_id)
            .where(t.ledger.c.team_id == team_id)
        )
        with self.core.read() as conn:
            return fetch_page(conn, q, t.ledger.c.id, page, _ledger_record)
