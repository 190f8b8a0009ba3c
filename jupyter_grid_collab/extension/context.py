"""What the sidebar, the panel and the visitor banner show about this session: who is
here, whose session it is, what visitors may do, and whose GitHub identity git uses."""

from __future__ import annotations

from typing import Any

from .identity import GridUser
from .session import SessionRegistrar

#: what the visitor banner and the context say each mode gives a visitor
VISITOR_MODE_TEXT = {
    "view": "view only: no kernels, terminals or edits",
    "full": "full access: code you run here runs as {owner}",
}
# the context re-reads this session's record when it is older than this (heartbeats are
# far apart; a GitHub token set a moment ago must show as bound)
CONTEXT_MAX_AGE_SECONDS = 1.0


class SessionContext:
    """The context of this session for one user (the owner or a visitor)."""

    def __init__(
        self,
        registrar: SessionRegistrar,
        identity_provider,
        *,
        visitors: str,
        share_github_credential_with_visitors: bool,
        instance_type: str,
        datastore_root: str,
    ) -> None:
        self.registrar = registrar
        self.identity_provider = identity_provider
        self.visitors = visitors
        self.share_github = share_github_credential_with_visitors
        self.instance_type = instance_type
        self.datastore_root = datastore_root

    async def for_user(self, user) -> dict[str, Any]:
        """The context for ``user``, from a session record at most a second old."""
        await self.registrar.fresh_session(max_age=CONTEXT_MAX_AGE_SECONDS)
        return self.describe(user)

    def describe(self, user) -> dict[str, Any]:
        registrar = self.registrar
        session = registrar.session
        github = (session.github if session else None) or {
            "user": registrar.owner,
            "login": None,
            "credential_bound": False,
        }
        visitor = isinstance(user, GridUser) and user.visitor
        owner = registrar.owner or self.identity_provider.grid_owner
        identity = f"{owner}'s GitHub identity" + (
            f" ({github['login']})" if github.get("login") else ""
        )
        shared = self.share_github or not visitor
        mode = VISITOR_MODE_TEXT[self.visitors].format(owner=owner)
        if not visitor:
            banner = None
        elif shared:
            banner = f"You are visiting {owner}'s session ({mode}) — git here uses {identity}"
        else:
            banner = (
                f"You are visiting {owner}'s session ({mode}) — git here asks for your "
                "own credentials"
            )
        if registrar.gone:
            status = "deleted"
        else:
            status = session.status if session else "unregistered"
        return {
            "user": {"username": user.username, "visitor": visitor},
            "visitor": visitor,
            "visitors": self.visitors,
            "session": {
                "owner": owner,
                "name": registrar.name,
                "visitors": self.visitors,
                "url": registrar.url,
                "registered": registrar.secret is not None,
                "status": status,
                "instance_type": self.instance_type,
                # the team server's record is the one account of what is mounted here
                "datastores": list(session.datastores) if session else [],
            },
            "github": {**github, "shared_with_visitors": self.share_github},
            "git_uses": identity if shared else "your own credentials (git will ask)",
            "banner": banner,
            "team_server": registrar.client.url,
            "datastore_root": self.datastore_root,
        }
