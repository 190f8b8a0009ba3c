"""The ``GridCollab`` jupyter_server extension: configuration, wiring and lifecycle."""

from __future__ import annotations

import asyncio
import getpass
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Enum, Float, Int, Unicode, default

from ..client import SESSION_SECRET_HEADER, AsyncGridClient, GridClient, GridError, _raise_for
from ..credentials import load_credentials
from ..datastore_mount import bytes_to_fetch, describe_mount, mount_datastore
from ..launcher import default_datastore_root
from .authorizer import VISITOR_MODES, install_authorizer, refuse_view_write
from .environ import drop_owner_secrets
from .git import GitCredentialContext
from .handlers import handlers
from .http1 import Http1Transport
from .identity import GridUser, install_identity
from .jobs import JobTable, new_job, progress_of, settle
from .session import SessionRegistrar
from .upstream import Upstream


def _hide_token_from_visitors(previous):
    """A JupyterLab ``page_config_hook`` (chained after ``previous``) that leaves the
    owner's token out of the pages a visitor loads."""

    def hook(handler, page_config: dict[str, Any]) -> dict[str, Any]:
        if previous is not None:
            page_config = previous(handler, page_config)
        user = handler.current_user
        if isinstance(user, GridUser) and user.visitor:
            page_config = {**page_config, "token": ""}  # a copy: the dict is shared
        return page_config

    return hook


#: what the visitor banner and the context say each mode gives a visitor
VISITOR_MODE_TEXT = {
    "view": "view only: no kernels, terminals or edits",
    "full": "full access: code you run here runs as {owner}",
}


class GridCollab(ExtensionApp):
    """Team collaboration for this Jupyter server: it registers as a session of its owner,
    proxies team queries, lets teammates visit, and mounts datastores."""

    name = "jupyter_grid_collab"
    load_other_extensions = True

    url = Unicode(help="The team server's URL (env GRID_URL, then ~/.grid/credentials.json).").tag(
        config=True
    )
    api_key = Unicode(
        help="The owner's API key (env GRID_API_KEY, then "
        "~/.grid/credentials.json), used only to register this server as a "
        "session: afterwards it calls with the session's secret and forgets the "
        "key. GRID_API_KEY and JUPYTER_TOKEN are removed from the environment "
        "kernels and terminals inherit."
    ).tag(config=True)
    session_name = Unicode(
        help="This session's name (env GRID_SESSION_NAME; default a generated one)."
    ).tag(config=True)
    instance_type = Unicode(
        "cpu-small", help="Instance type reported for billing (env GRID_INSTANCE_TYPE)."
    ).tag(config=True)
    team = Unicode(
        help="Team the session belongs to, when the owner is in several (env GRID_TEAM)."
    ).tag(config=True)
    public_url = Unicode(help="The URL teammates open (default: this server's URL).").tag(
        config=True
    )
    register = Bool(True, help="Register this server as a team session.").tag(config=True)
    heartbeat_interval = Float(30.0, help="Seconds between session heartbeats.").tag(config=True)
    datastore_root = Unicode(
        help="Where datastores are mounted (env GRID_DATASTORE_ROOT; "
        "default /datastores, else ~/datastores)."
    ).tag(config=True)
    blob_dir = Unicode(
        help="The team server's blob folder when it is on this machine (env "
        "GRID_BLOB_DIR): attach then hard-links instead of downloading."
    ).tag(config=True)
    share_github_credential_with_visitors = Bool(
        True,
        help="Let git used by visitors use the owner's GitHub credential. When False, "
        "git asks for credentials while a visitor is active.",
    ).tag(config=True)
    attach_inline_bytes = Int(
        64 << 20,
        help="An attach that must download more than this many bytes (blobs not on "
        "this machine, not cached yet) runs in the background: the request answers 202 with "
        "a job to follow. Smaller ones answer when mounted.",
    ).tag(config=True)
    visitors = Enum(
        VISITOR_MODES,
        default_value="full",
        help="What a visiting teammate may "
        "do here (env GRID_SESSION_VISITORS): 'view' browses files, notebooks and "
        "the Team sidebar but starts no kernel or terminal and changes no file; "
        "'full' (Grid's behaviour) uses JupyterLab like the owner, so code and "
        "terminals run as the owner. The team server fixes how long a visit "
        "lasts.",
    ).tag(config=True)
    visitor_check_seconds = Float(
        60.0, help="How often a visitor's team membership is re-checked with the team server."
    ).tag(config=True)

    @default("url")
    def _url_default(self) -> str:
        return load_credentials().url

    @default("api_key")
    def _key_default(self) -> str:
        return load_credentials().api_key or ""

    @default("visitors")
    def _visitors_default(self) -> str:
        mode = os.environ.get("GRID_SESSION_VISITORS", "full").strip().lower() or "full"
        if mode not in VISITOR_MODES:
            # a typo must not open the session wider than meant: the narrower mode
            self.log.error(
                "grid-collab: GRID_SESSION_VISITORS=%r is not 'view' or 'full'; "
                "visitors may only view",
                mode,
            )
            return "view"
        return mode

    @default("session_name")
    def _session_name_default(self) -> str:
        return os.environ.get("GRID_SESSION_NAME") or f"session-{secrets.token_hex(3)}"

    @default("datastore_root")
    def _datastore_root_default(self) -> str:
        return os.environ.get("GRID_DATASTORE_ROOT") or str(default_datastore_root())

    @default("blob_dir")
    def _blob_dir_default(self) -> str:
        return os.environ.get("GRID_BLOB_DIR", "")

    # ------------------------------------------------------------- lifecycle
    def initialize_settings(self) -> None:
        self.instance_type = os.environ.get("GRID_INSTANCE_TYPE", self.instance_type)
        self.team = os.environ.get("GRID_TEAM", self.team)
        # read the key and the token (their defaults come from the environment) before
        # they leave it: no kernel or terminal has started yet, and each one inherits
        # os.environ as it is when it starts
        self.client = AsyncGridClient(self.url, self.api_key or None, transport=Http1Transport())
        provider = self.serverapp.identity_provider
        provider.token  # noqa: B018 - evaluates its JUPYTER_TOKEN default now
        dropped = drop_owner_secrets()
        if dropped:
            self.log.info(
                "grid-collab: removed %s from the environment kernels and terminals inherit",
                " and ".join(dropped),
            )
        self.upstream = Upstream(
            self.client, lambda: self.registrar.secret, lambda: self.registrar.gone
        )
        self.fetch_jobs = JobTable()
        self.attach_jobs = JobTable()
        self._membership: dict[str, tuple[float, bool]] = {}
        self._mount_lock = threading.Lock()
        self.git = GitCredentialContext(
            self.serverapp.runtime_dir, self.share_github_credential_with_visitors
        )
        # the owner's login is named after the team user; visitors are checked on a cache
        install_identity(provider, self._owner_name())
        provider.grid_visit_check = self.visitor_still_welcome
        # the owner's choice of what visitors may do, enforced by jupyter_server's authorizer
        # (and, for the few handlers that ask none, by the identity provider)
        install_authorizer(self.serverapp.authorizer, lambda: self.visitors)
        provider.grid_request_check = lambda handler, user: refuse_view_write(
            handler, user, self.visitors
        )
        scrub = self.serverapp.web_app.settings.setdefault("extra_log_scrub_param_keys", [])
        if "ticket" not in scrub:
            scrub.append("ticket")  # tickets never reach the access log
        # JupyterLab writes this server's token into every page it serves; a visitor's
        # browser would send it with each API call and so act as the owner
        settings = self.serverapp.web_app.settings
        settings["page_config_hook"] = _hide_token_from_visitors(settings.get("page_config_hook"))
        self.registrar = SessionRegistrar(
            self.client,
            self.session_name,
            self.public_url or self._server_url(),
            self.instance_type,
            self.team or None,
            self.heartbeat_interval,
            on_registered=self._on_registered,
            logger=self.log,
            visitors=self.visitors,
        )
        # kernels and terminals inherit these: the `grid` CLI, TeamPanel and
        # attach_datastore() inside this session find the team and this session
        os.environ.update(
            GRID_URL=self.client.url,
            GRID_SESSION_NAME=self.session_name,
            GRID_DATASTORE_ROOT=self.datastore_root,
            GRID_SESSION_VISITORS=self.visitors,
        )
        # this server's own URL (never its token: a visitor's kernel can read env), so
        # TeamPanel finds its runtime file and talks through this extension
        os.environ["GRID_JUPYTER_URL"] = self._server_url()
        if self.blob_dir:
            os.environ["GRID_BLOB_DIR"] = self.blob_dir
        self.git.install_env()
        if self.register:
            self.serverapp.io_loop.add_callback(self.registrar.start)

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers())

    async def stop_extension(self) -> None:
        await self.registrar.stop()
        self.git.remove()
        await self.client.aclose()

    def _owner_name(self) -> str:
        """The team username, asked once at start (short timeout); the OS user if the team
        server cannot say yet (registration fixes it once it can)."""
        try:
            with GridClient(self.client.url, self.api_key or None, timeout=3) as c:
                return c.whoami()
        except GridError as exc:
            self.log.warning(
                "grid-collab: the team server did not confirm who owns this "
                "server (%s); using %s for now",
                exc.message,
                getpass.getuser(),
            )
            return getpass.getuser()

    def _server_url(self) -> str:
        url = self.serverapp.connection_url
        return url.replace("://0.0.0.0", "://127.0.0.1").replace("://[::]", "://127.0.0.1")

    def _on_registered(self, registrar: SessionRegistrar) -> None:
        self.serverapp.identity_provider.grid_owner = registrar.owner
        os.environ["GRID_SESSION_OWNER"] = registrar.owner
        # the session credential file: git's helper, and `grid` / attach_datastore() /
        # TeamPanel in kernels and terminals, call the team server with it
        self.git.write(self.client.url, registrar.owner, registrar.name, registrar.secret)
        if self.api_key:
            # from now on this server calls as the session (the registrar switched the
            # client); the owner's key is not kept (see session.py for what that means)
            self.api_key = ""
            for config in (self.config, self.serverapp.config):
                if "api_key" in config.get("GridCollab", {}):
                    del config.GridCollab["api_key"]
            self.log.info(
                "grid-collab: registered; calling the team server as session "
                "%s:%s from now on, the owner's API key dropped",
                registrar.owner,
                registrar.name,
            )

    def _team_client(self, timeout: float = 30.0) -> GridClient:
        """A blocking client (for worker threads) with this server's current credential:
        the session's secret once registered, the owner's key only before."""
        if self.registrar.secret:
            return GridClient(
                self.client.url, session_secret=self.registrar.secret, timeout=timeout
            )
        if self.registrar.gone:
            raise GridError(self.registrar.gone, 503)
        return GridClient(self.client.url, self.api_key or None, timeout=timeout)

    # ------------------------------------------------------------- visitors
    async def redeem(self, ticket: str) -> GridUser:
        if self.registrar.gone:
            raise GridError(self.registrar.gone, 503)
        try:
            await asyncio.wait_for(self.registrar.registered.wait(), 10)
        except asyncio.TimeoutError:
            raise GridError(
                "this session is not registered with the team server yet; "
                "open it again in a moment",
                503,
            ) from None
        # this server proves itself by its session secret, so a ticket only works here; the
        # team server fixes how long the visit lasts
        response = await self.upstream.send(
            None,
            "POST",
            "/visits/redeem",
            json={"ticket": ticket},
            headers={SESSION_SECRET_HEADER: self.registrar.secret},
        )
        if response.status_code >= 400:
            _raise_for(response)
        data = response.json()
        return GridUser(
            username=data["visitor"],
            name=data["visitor"],
            display_name=f"{data['visitor']} (visiting)",
            visitor=True,
            expires_at=data["expires_at"],
        )

    async def visitor_still_welcome(self, username: str) -> bool:
        """Re-check a visitor with the team server at most once a minute."""
        self.git.mark_visitor_activity()
        cached = self._membership.get(username)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await self.upstream.send(
                GridUser(username=username, visitor=True), "GET", "/me", timeout=5
            )
            ok = response.status_code == 200
        except Exception:  # the team server is down: keep the last answer a little longer
            return cached[1] if cached else False
        self._membership[username] = (time.monotonic() + self.visitor_check_seconds, ok)
        return ok

    # ------------------------------------------------------------- context
    def context(self, user) -> dict[str, Any]:
        session = self.registrar.session
        github = (session.github if session else None) or {
            "user": self.registrar.owner,
            "login": None,
            "credential_bound": False,
        }
        visitor = isinstance(user, GridUser) and user.visitor
        owner = self.registrar.owner or self.serverapp.identity_provider.grid_owner
        identity = f"{owner}'s GitHub identity" + (
            f" ({github['login']})" if github.get("login") else ""
        )
        shared = self.share_github_credential_with_visitors or not visitor
        mode = VISITOR_MODE_TEXT[self.visitors].format(owner=owner)
        return {
            "user": {"username": user.username, "visitor": visitor},
            "visitor": visitor,
            "visitors": self.visitors,
            "session": {
                "owner": owner,
                "name": self.session_name,
                "visitors": self.visitors,
                "url": self.registrar.url,
                "registered": self.registrar.secret is not None,
                "status": (
                    "deleted"
                    if self.registrar.gone
                    else session.status
                    if session
                    else "unregistered"
                ),
                "instance_type": self.instance_type,
                "datastores": list(self.registrar.datastores),
            },
            "github": {
                **github,
                "shared_with_visitors": self.share_github_credential_with_visitors,
            },
            "git_uses": identity if shared else "your own credentials (git will ask)",
            "banner": (
                f"You are visiting {owner}'s session ({mode}) — git here uses {identity}"
                if visitor and shared
                else f"You are visiting {owner}'s session ({mode}) — git here asks for your "
                "own credentials"
                if visitor
                else None
            ),
            "team_server": self.client.url,
            "datastore_root": self.datastore_root,
        }

    # ------------------------------------------------------------- datastores, artifacts
    def mount(self, reference: str, progress=None, files=None) -> Path:
        """Mount a datastore version (blocking: run in a thread) and record it."""
        with self._mount_lock, self._team_client() as c:
            path = mount_datastore(
                c, reference, Path(self.datastore_root), self.blob_dir or None, progress, files
            )
        self.registrar.add_datastore(reference)
        if self.registrar.registered.is_set():
            self.serverapp.io_loop.add_callback(self.registrar.heartbeat)
        return path

    def attach(self, info: dict[str, Any]) -> dict[str, Any]:
        """Mount the datastore version the team server allowed (``info`` is its answer);
        blocking, run in a thread. What must be downloaded beyond ``attach_inline_bytes``
        is left to a background job, so no request waits on copying a large datastore."""
        reference = info["reference"]
        with self._team_client() as c:
            files = c.datastore_files(reference)
        pending = bytes_to_fetch(files, Path(self.datastore_root), self.blob_dir)
        job = new_job(
            reference=reference,
            size=info["size"],
            file_count=info["file_count"],
            bytes_total=pending,
            path=None,
            hint=None,
        )

        def mount() -> None:
            path = self.mount(reference, progress_of(job), files)
            # say how: hard links are O(1); a consumer that could write them gets copies
            how = describe_mount(path)
            job.update(
                path=str(path),
                how=how,
                hint=f"read it in code as {str(path)!r} (read-only" + (f"; {how})" if how else ")"),
            )

        if pending <= self.attach_inline_bytes:
            settle(job, mount)  # its errors reach the request
            return dict(job)
        return self.attach_jobs.start(job, mount, "grid-attach")

    def resolve_dest(self, dest: Any) -> Path:
        """A destination inside this server's root folder; anything escaping it is refused."""
        from tornado import web

        if not isinstance(dest, str) or "\x00" in dest:
            raise web.HTTPError(400, "dest must be a folder path inside the server's root")
        root = Path(self.serverapp.root_dir).resolve()
        target = (
            (root / dest.lstrip("/")).resolve() if not os.path.isabs(dest) else Path(dest).resolve()
        )
        if target != root and root not in target.parents:
            raise web.HTTPError(400, f"dest {dest!r} escapes the server's root folder")
        return target

    def start_fetch(self, owner: str, artifacts, dest: Path) -> dict[str, Any]:
        root = Path(self.serverapp.root_dir).resolve()
        job = new_job(
            files_total=len(artifacts),
            files_done=0,
            bytes_total=sum(a.size for a in artifacts),
            dest=str(dest.relative_to(root)) if dest != root else ".",
            files=[],
        )
        progress = progress_of(job)

        def fetch() -> None:
            with self._team_client() as c:
                for art in artifacts:
                    run = art.experiment.rsplit("-exp", 1)[0]
                    local = dest / run / art.experiment / art.path
                    if not (local.exists() and local.stat().st_size == art.size):
                        c.download_artifact(f"{owner}:{art.experiment}", art, local, progress)
                    else:
                        progress(art.size)
                    job["files_done"] += 1
                    job["files"].append(str(local.relative_to(root)))

        return self.fetch_jobs.start(job, fetch, "grid-fetch")
