"""Sessions: list, register, heartbeat, stop/pause/resume/delete, visits, and the owner's git
credential for the session's own server.

A session's server (its secret) may keep its own session alive and up to date, stop it, and
let visitors in and out; it may not touch its owner's other sessions. For a visitor it may
only read.
"""

from __future__ import annotations

from msgspec import UNSET

from ...bodies import CredentialSet, Heartbeat, SessionRegistration, TicketRedeem
from ...hub_sessions import hub_server_name
from ...models import ReferenceError, validate_username
from ..errors import Conflict, Invalid, NotAllowed, NotFound
from ..hub.api import HubError
from .base import READ, BaseHandler


class SessionsHandler(BaseHandler):
    """GET lists sessions by scope; POST registers the caller's Jupyter server as a session
    (a session's server: only itself again, which replaces its secret and ends its visits)."""

    session_access = frozenset({"GET", "POST"})
    visitor_access = READ

    async def get(self) -> None:
        self.send(
            await self.call(self.store.sessions.list_sessions, self.caller, **self.listing_args())
        )

    async def post(self) -> None:
        registration = self.body(SessionRegistration)
        await self.require_own_session(registration.name)
        out = await self.call(
            self.store.sessions.register_session,
            self.caller,
            registration,
            self.store.billing.prices,
        )
        self.send(out, 201)


class SessionHandler(BaseHandler):
    """GET one session; DELETE removes its record (creator or team admin)."""

    session_access = frozenset({"GET", "DELETE"})
    session_owner_only = frozenset({"DELETE"})
    session_route = True
    visitor_access = READ

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        self.send(await self.call(self.store.sessions.get_session, self.caller, owner, name))

    async def delete(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        hub = self.settings.get("hub")
        if hub is not None and await self.call(
            self.store.hub.authorize, self.caller, owner, name, "delete"
        ):
            # a named Hub server is removed; the default one can only be stopped
            await hub.api.stop_server(
                owner, hub_server_name(name), remove=bool(hub_server_name(name))
            )
        await self.call(self.store.sessions.delete_session, self.caller, owner, name)
        self.set_status(204)
        self.finish()


class SessionActionHandler(BaseHandler):
    """POST stop | pause | resume | heartbeat (the body may update url, datastores and
    visitors)."""

    session_access = session_owner_only = frozenset(
        {"POST heartbeat", "POST stop", "POST pause", "POST resume"}
    )
    action_route = session_route = True

    async def post(self, owner: str, name: str, action: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        hub = self.settings.get("hub")
        if action == "start":
            self.send(await self.start_hub_server(hub, owner, name))
            return
        if (
            hub is not None
            and action in ("stop", "pause", "resume")
            and await self.call(self.store.hub.authorize, self.caller, owner, name, action)
        ):
            # the Hub runs it: stopping and pausing stop the server, resuming starts it
            if action == "resume":
                await hub.api.start_server(owner, hub_server_name(name))
            else:
                await hub.api.stop_server(owner, hub_server_name(name))
            await hub.sync.refresh()
            self.send(await self.call(self.store.sessions.get_session, self.caller, owner, name))
            return
        if action == "heartbeat":
            beat = self.body(Heartbeat)
            out = await self.call(self.store.sessions.heartbeat, self.caller, owner, name, beat)
        elif action in ("stop", "pause", "resume"):
            out = await self.call(
                self.store.sessions.session_action, self.caller, owner, name, action
            )
        else:
            raise Invalid(f"unknown session action {action!r}")
        self.send(out)

    async def start_hub_server(self, hub, owner: str, name: str) -> dict:
        """Start (creating if need be) one of my JupyterHub servers: it is a session once
        the Hub has it (the sync runs at once)."""
        if hub is None:
            raise Invalid(
                "starting a session needs a team server run as a JupyterHub service; here, "
                "start one with grid session create (it runs JupyterLab on your machine)"
            )
        await self.call(self.store.hub.may_start, self.caller, owner, name)
        await hub.api.start_server(owner, hub_server_name(name))
        if not await hub.sync.refresh():
            raise Conflict(
                f"the JupyterHub is starting {owner}:{name}; the team server lists it at its "
                "next reading of the Hub, in a few seconds"
            )
        return await self.call(self.store.sessions.get_session, self.caller, owner, name)


class SessionOpenHandler(BaseHandler):
    """POST: a ticket and URL to open a teammate's session as a visitor (or my own URL).

    Never for a visitor: the ticket is a login link, and the session's server would get one
    to log in as its visitor elsewhere."""

    session_access = frozenset({"POST"})

    async def post(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        out = await self.call(
            self.store.visits.open_session,
            self.caller,
            owner,
            name,
            self.settings["max_visit_seconds"],
        )
        share = out.pop("hub_share", None)
        if share is not None:
            # a Hub server: the Hub lets the visitor in as themselves once it is shared
            hub = self.settings.get("hub")
            try:
                if hub is None:
                    raise Conflict(
                        f"{owner}:{name} is a JupyterHub server, and this team server is not "
                        "running as the Hub's service: it cannot share it"
                    )
                await hub.api.share(share["owner"], share["server"], share["user"])
            except (HubError, Conflict):
                # no share, no visit: nothing is left that a Hub-level access could use
                await self.call(self.store.hub.drop_visit, share["owner"], name, share["user"])
                raise
        self.send(out)


class TicketRedeemHandler(BaseHandler):
    """POST by the session's own server (``X-Grid-Session-Secret``): redeem a visitor's
    single-use ticket and start the visit."""

    public = True

    async def post(self) -> None:
        redeem = self.body(TicketRedeem)
        secret = self.request.headers.get("X-Grid-Session-Secret", "")
        # the team server fixes how long a visit lasts; the session may only ask for less
        self.send(
            await self.call(
                self.store.visits.redeem_ticket,
                secret,
                redeem.ticket,
                None if redeem.visit_seconds is UNSET else redeem.visit_seconds,
                self.settings["max_visit_seconds"],
            )
        )


class VisitsHandler(BaseHandler):
    """DELETE by the session's own server (the secret alone): end its visits, every one or
    (``/visits/<username>``) one visitor's."""

    session_access = frozenset({"DELETE"})

    async def delete(self, visitor: str | None = None) -> None:
        if self.caller.scope != "session":
            raise NotAllowed(
                "only a session's own server (X-Grid-Session-Secret) ends its "
                "visits; to end a visit to your session, stop it"
            )
        if visitor is not None:
            try:
                validate_username(visitor)
            except ReferenceError as exc:
                raise Invalid(str(exc)) from None
        self.send(await self.call(self.store.visits.end_visits, self.caller, visitor))


class SessionGitCredentialHandler(BaseHandler):
    """GET the owner's GitHub token: only for the session's own server, proven by the secret
    it was given at registration (header ``X-Grid-Session-Secret``)."""

    public = True

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "session name")
        secret = self.request.headers.get("X-Grid-Session-Secret", "")
        hub = self.settings.get("hub")
        if secret and hub is not None and hub.identities.is_hub_server_token(secret):
            # a Hub server's own token: the Hub says which server it is
            if await hub.identities.server_of(secret) != (owner, name):
                raise NotFound(f"no session {owner}:{name} for this server secret")
            self.send(
                await self.call(self.store.sessions.session_git_credential, owner, name, None)
            )
            return
        if not secret:
            raise NotFound(f"no session {owner}:{name} for this server secret")
        self.send(await self.call(self.store.sessions.session_git_credential, owner, name, secret))


class CredentialsHandler(BaseHandler):
    """GET my credentials (provider, login, when set; never the token)."""

    session_access = READ

    async def get(self) -> None:
        self.send({"items": await self.call(self.store.credentials.list_credentials, self.caller)})


class CredentialHandler(BaseHandler):
    """PUT sets my credential for a provider (write-only); DELETE removes it."""

    async def put(self, provider: str) -> None:
        credential = self.body(CredentialSet)
        self.send(
            await self.call(
                self.store.credentials.set_credential, self.caller, provider, credential
            )
        )

    async def delete(self, provider: str) -> None:
        await self.call(self.store.credentials.delete_credential, self.caller, provider)
        self.set_status(204)
        self.finish()
