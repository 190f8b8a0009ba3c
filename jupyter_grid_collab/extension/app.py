"""The ``GridCollab`` jupyter_server extension: configuration, wiring and lifecycle."""

from __future__ import annotations

import getpass
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Enum, Float, Int, Unicode, default

from ..client import AsyncGridClient
from ..credentials import load_credentials
from ..launcher import default_datastore_root
from .authorizer import VISITOR_MODES, install_authorizer, refuse_view_write
from .context import VISITOR_MODE_TEXT, SessionContext
from .datastores import AttachService
from .environ import ChildEnv, drop_owner_secrets, install_kernel_env, install_terminal_env
from .fetch import FetchService
from .git import GitCredentialContext
from .handlers import handlers
from .http1 import Http1Transport
from .hub import HubSessionRegistrar, hub_server, install_hub_identity
from .identity import GridUser, install_identity
from .jobs import JobRunner
from .session import SessionRegistrar
from .upstream import Upstream
from .visitors import Visitors

__all__ = ["VISITOR_MODE_TEXT", "GridCollab"]


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


class GridCollab(ExtensionApp):
    """Team collaboration for this Jupyter server: it registers as a session of its owner,
    proxies team queries, lets teammates visit, and mounts datastores.

    The app owns the configuration and builds, once, the services the handlers are given
    (``initialize_handlers``): the one client to the team server (``Upstream``), the
    session's registration, its context, visitors, datastore attaches and artifact
    downloads, and the bounded runner of their background jobs."""

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
    job_threads = Int(
        4,
        help="How many background jobs (datastore attaches, artifact downloads) run at once; "
        "more wait their turn.",
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
        # they leave it: no kernel or terminal has started yet
        hub = hub_server(os.environ)
        self.client = AsyncGridClient(
            self.url, None if hub else (self.api_key or None), transport=Http1Transport()
        )
        if hub is not None:
            # the Hub's token of this server is its session credential (extension/hub.py)
            self.client.use_session_secret(hub.token)
            self.session_name = hub.session
        provider = self.serverapp.identity_provider
        provider.token  # noqa: B018 - evaluates its JUPYTER_TOKEN default now
        dropped = drop_owner_secrets()
        if dropped:
            self.log.info(
                "grid-collab: removed %s from the environment kernels and terminals inherit",
                " and ".join(dropped),
            )
        self.git = GitCredentialContext(
            self.serverapp.runtime_dir, self.share_github_credential_with_visitors
        )
        self._install_child_env()
        self.registrar = (
            HubSessionRegistrar(
                self.client,
                hub,
                self.heartbeat_interval,
                on_registered=self._on_registered,
                logger=self.log,
                visitors=self.visitors,
            )
            if hub is not None
            else self._registrar()
        )
        self.upstream = Upstream(
            self.client, lambda: self.registrar.secret, lambda: self.registrar.gone
        )
        self._build_services()
        if hub is not None:
            # the Hub's login names who is here: its user is the owner, or a visitor
            install_hub_identity(provider, hub.owner)
        else:
            # the owner's login is named after the team user once the team server says who
            # that is (registration); until then after the OS user
            install_identity(provider, getpass.getuser())
        provider.grid_visit_check = self.visitors_service.still_welcome
        # the owner's choice of what visitors may do, enforced by jupyter_server's authorizer
        # (and, for the few handlers that ask none, by the identity provider)
        install_authorizer(self.serverapp.authorizer, lambda: self.visitors)
        provider.grid_request_check = lambda handler, user: refuse_view_write(
            handler, user, self.visitors
        )
        settings = self.serverapp.web_app.settings
        scrub = settings.setdefault("extra_log_scrub_param_keys", [])
        if "ticket" not in scrub:
            scrub.append("ticket")  # tickets never reach the access log
        # JupyterLab writes this server's token into every page it serves; a visitor's
        # browser would send it with each API call and so act as the owner
        settings["page_config_hook"] = _hide_token_from_visitors(settings.get("page_config_hook"))
        if self.register or hub is not None:
            self.serverapp.io_loop.add_callback(self._start_registration)

    def _registrar(self) -> SessionRegistrar:
        return SessionRegistrar(
            self.client,
            self.session_name,
            self.public_url,  # or this server's URL, known once it listens: see below
            self.instance_type,
            self.team or None,
            self.heartbeat_interval,
            on_registered=self._on_registered,
            logger=self.log,
            visitors=self.visitors,
        )

    def _start_registration(self) -> None:
        # on the running loop, so after the server has bound its port: with --port=0 the
        # URL says the port it got, not 0 (extensions load before the server listens)
        self.registrar.url = self.public_url or self._server_url()
        self.registrar.start()

    def _build_services(self) -> None:
        """The services handlers are given; each holds what it needs and nothing more."""
        self.stopping = threading.Event()  # tells job workers to stop waiting on the loop
        self.runner = JobRunner(self.job_threads)
        self.context_service = SessionContext(
            self.registrar,
            self.serverapp.identity_provider,
            visitors=self.visitors,
            share_github_credential_with_visitors=self.share_github_credential_with_visitors,
            instance_type=self.instance_type,
            datastore_root=self.datastore_root,
        )
        self.visitors_service = Visitors(
            self.upstream, self.registrar, self.git, self.visitor_check_seconds
        )
        self.attach_service = AttachService(
            self.upstream,
            self.registrar,
            self.runner,
            Path(self.datastore_root),
            self.blob_dir or None,
            self.attach_inline_bytes,
            self.stopping,
        )
        self.fetch_service = FetchService(
            self.upstream, self.runner, self.serverapp.root_dir, self.stopping
        )

    def _install_child_env(self) -> None:
        """What kernels and terminals get (the extension leaves os.environ as it is): the
        `grid` CLI, TeamPanel and attach_datastore() inside this session find the team
        server, this session and its credential file; git finds the helper."""
        self.child_env = ChildEnv()
        self.child_env.set(
            GRID_URL=self.client.url,
            GRID_SESSION_NAME=self.session_name,
            GRID_DATASTORE_ROOT=self.datastore_root,
            GRID_SESSION_VISITORS=self.visitors,
            # this server's own URL (never its token: a visitor's kernel can read env), so
            # TeamPanel finds its runtime file and talks through this extension
            GRID_JUPYTER_URL=self._server_url(),
        )
        if self.blob_dir:
            self.child_env.set(GRID_BLOB_DIR=self.blob_dir)
        self.child_env.derived.append(self.git.env)
        install_kernel_env(self.serverapp.kernel_manager, self.child_env)
        self._install_terminal_env()

    def _install_terminal_env(self) -> None:
        # the terminals extension makes its manager when it loads, which may be after this
        # one; _start_jupyter_server_extension (all extensions loaded) tries again
        manager = self.serverapp.web_app.settings.get("terminal_manager")
        if manager is not None:
            install_terminal_env(manager, self.child_env)

    async def _start_jupyter_server_extension(self, serverapp) -> None:
        self._install_terminal_env()

    def initialize_handlers(self) -> None:
        self.handlers.extend(
            handlers(
                self.upstream,
                self.context_service,
                self.attach_service,
                self.fetch_service,
                self.visitors_service,
                self.blob_dir or None,
            )
        )

    async def stop_extension(self) -> None:
        self.stopping.set()
        self.runner.shutdown()
        await self.registrar.stop()
        self.git.remove()
        await self.client.aclose()

    def _server_url(self) -> str:
        url = self.serverapp.connection_url
        return url.replace("://0.0.0.0", "://127.0.0.1").replace("://[::]", "://127.0.0.1")

    def _on_registered(self, registrar: SessionRegistrar) -> None:
        self.serverapp.identity_provider.grid_owner = registrar.owner
        self.child_env.set(GRID_SESSION_OWNER=registrar.owner)
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
