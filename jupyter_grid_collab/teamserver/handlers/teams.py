"""Who am I, teams, members, credits, ledger, audit log, and site-admin user management.

A session's server may read here (for its owner and for a visitor) and change nothing:
members, roles, credits, teams and users take the person's own API key.
"""

from __future__ import annotations

from ...bodies import Credits, NewMember, NewTeam, NewUser, QuotaChange, RoleChange
from .base import READ, BaseHandler


class MeHandler(BaseHandler):
    """GET the caller, with their teams and roles (a visitor's session checks with it that the
    visit still stands: 401 once it ended)."""

    session_access = visitor_access = READ

    async def get(self) -> None:
        self.send(await self.call(self.store.teams.user_info, self.caller))


class UsersHandler(BaseHandler):
    """Site admins list and create users."""

    async def get(self) -> None:
        await self.require_site_admin("list users")
        self.send({"items": await self.call(self.store.teams.list_users)})

    async def post(self) -> None:
        await self.require_site_admin("create user")
        new = self.body(NewUser)
        user = await self.call(
            self.store.teams.create_user, new.username, new.email, new.github_login, new.site_admin
        )
        self.send(user, 201)


class TeamsHandler(BaseHandler):
    """GET my teams; POST (site admin) creates a team with its owner."""

    session_access = visitor_access = READ

    async def get(self) -> None:
        self.send({"items": await self.call(self.store.teams.list_teams, self.caller)})

    async def post(self) -> None:
        await self.require_site_admin("create team")
        new = self.body(NewTeam)
        self.send(await self.call(self.store.teams.create_team, new.name, new.owner), 201)


class TeamHandler(BaseHandler):
    """GET a team: created, members with roles, remaining balance, storage used and quota;
    PATCH (site admins) sets or clears its storage quota."""

    session_access = visitor_access = READ

    async def get(self, team: str) -> None:
        self.send(await self.call(self.store.teams.team_detail, self.caller, team))

    async def patch(self, team: str) -> None:
        await self.require_site_admin("quota", team, "set a team's storage quota")
        quota = self.body(QuotaChange)
        await self.call(
            self.store.quotas.set_storage_quota,
            team,
            quota.storage_quota_bytes,
            self.caller.username,
        )
        self.send(await self.call(self.store.teams.team_detail, self.caller, team))


class MembersHandler(BaseHandler):
    """POST adds a member (team admins: role user; owners: any role)."""

    async def post(self, team: str) -> None:
        new = self.body(NewMember)
        self.send(
            await self.call(self.store.teams.set_member, self.caller, team, new.username, new.role),
            201,
        )


class MemberHandler(BaseHandler):
    """PATCH changes a member's role; DELETE removes them."""

    async def patch(self, team: str, username: str) -> None:
        change = self.body(RoleChange)
        self.send(
            await self.call(self.store.teams.set_member, self.caller, team, username, change.role)
        )

    async def delete(self, team: str, username: str) -> None:
        await self.call(self.store.teams.set_member, self.caller, team, username, None)
        self.set_status(204)
        self.finish()


class CreditsHandler(BaseHandler):
    """POST (site admin) adds credits to a team."""

    async def post(self, team: str) -> None:
        await self.require_site_admin("add credits", team)
        credits = self.body(Credits)
        self.send(
            await self.call(
                self.store.teams.add_credits, team, credits.amount, self.caller.username
            )
        )


class LedgerHandler(BaseHandler):
    """GET the team's usage ledger, newest first."""

    session_access = visitor_access = READ

    async def get(self, team: str) -> None:
        self.send(
            await self.call(
                self.store.teams.ledger,
                self.caller,
                team,
                self.get_query_argument("limit", None),
                self.get_query_argument("cursor", None),
            )
        )


class AuditHandler(BaseHandler):
    """GET the team's audit log (team admins and owners)."""

    session_access = visitor_access = READ

    async def get(self, team: str) -> None:
        self.send(
            await self.call(
                self.store.core.list_audit,
                self.caller,
                team,
                self.get_query_argument("limit", None),
                self.get_query_argument("cursor", None),
            )
        )
