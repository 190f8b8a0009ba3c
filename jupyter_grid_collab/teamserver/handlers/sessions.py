"""Sessions: list, register, heartbeat, stop/pause/resume/delete, and the owner's git credential
for the session's own server."""

from __future__ import annotations

from ..errors import BadRequest
from .base import BaseHandler


class SessionsHandler(BaseHandler):
    """GET lists sessions by scope; POST registers the caller's Jupyter server as a session."""

    async def get(self) -> None:
        self.send(await self.call(self.store.list_sessions, self.caller, **self.listing_args()))

    async def post(self) -> None:
        out = await self.call(self.store.register_session, self.caller, self.json_body(),
                              self.store.prices)
        self.send(out, 201)


class SessionHandler(BaseHandler):
    """GET one session; DELETE removes its record (creator or team admin)."""

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        self.send(await self.call(self.store.get_session, self.caller, owner, name))

    async def delete(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        await self.call(self.store.delete_session, self.caller, owner, name)
        self.set_status(204)
        self.finish()


class SessionActionHandler(BaseHandler):
    """POST stop | pause | resume | heartbeat."""

    async def post(self, owner: str, name: str, action: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        if action == "heartbeat":
            out = await self.call(self.store.heartbeat, self.caller, owner, name,
                                  self.json_body())
        elif action in ("stop", "pause", "resume"):
            out = await self.call(self.store.session_action, self.caller, owner, name, action)
        else:
            raise BadRequest(f"unknown session action {action!r}")
        self.send(out)


class SessionOpenHandler(BaseHandler):
    """POST: a ticket and URL to open a teammate's session as a visitor (or my own URL)."""

    async def post(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        self.send(await self.call(self.store.open_session, self.caller, owner, name))


class TicketRedeemHandler(BaseHandler):
    """POST by the session's own server (``X-Grid-Session-Secret``): redeem a visitor's
    single-use ticket and start the visit."""

    public = True

    async def post(self) -> None:
        body = self.json_body()
        secret = self.request.headers.get("X-Grid-Session-Secret", "")
        self.send(await self.call(self.store.redeem_ticket, secret, body.get("ticket"),
                                  body.get("visit_seconds", 8 * 3600)))


class SessionGitCredentialHandler(BaseHandler):
    """GET the owner's GitHub token: only for the session's own server, proven by the secret
    it was given at registration (header ``X-Grid-Session-Secret``)."""

    public = True

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        secret = self.request.headers.get("X-Grid-Session-Secret", "")
        self.send(await self.call(self.store.session_git_credential, owner, name, secret))


class CredentialsHandler(BaseHandler):
    """GET my credentials (provider, login, when set; never the token)."""

    async def get(self) -> None:
        self.send({"items": await self.call(self.store.list_credentials, self.caller)})


class CredentialHandler(BaseHandler):
    """PUT sets my credential for a provider (write-only); DELETE removes it."""

    async def put(self, provider: str) -> None:
        self.send(await self.call(self.store.set_credential, self.caller, provider,
                                  self.json_body()))

    async def delete(self, provider: str) -> None:
        await self.call(self.store.delete_credential, self.caller, provider)
        self.set_status(204)
        self.finish()
