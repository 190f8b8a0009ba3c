"""The team server's side of a JupyterHub: settings from the Hub's environment, and the
pieces handlers use (``settings["hub"]``).

A Hub-managed service gets ``JUPYTERHUB_API_URL``, ``JUPYTERHUB_API_TOKEN`` and
``JUPYTERHUB_SERVICE_NAME`` from the Hub; a team server run beside the Hub is given the same
three (docs/jupyterhub.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .api import HubAPI
from .sync import DEFAULT_SYNC_SECONDS, HubSync
from .tokens import HubIdentities

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from ..store import Store

DEFAULT_SERVICE_NAME = "grid-team"


class HubConfigError(Exception):
    pass


@dataclass(frozen=True)
class HubSettings:
    api_url: str
    token: str
    service: str = DEFAULT_SERVICE_NAME
    public_url: str | None = None
    sync_seconds: float = DEFAULT_SYNC_SECONDS
    groups: frozenset[str] | None = None

    @classmethod
    def from_environment(
        cls,
        environ: dict[str, str] | None = None,
        public_url: str | None = None,
        sync_seconds: float = DEFAULT_SYNC_SECONDS,
        groups: str | None = None,
    ) -> HubSettings:
        env = os.environ if environ is None else environ
        api_url, token = env.get("JUPYTERHUB_API_URL"), env.get("JUPYTERHUB_API_TOKEN")
        needed = (("JUPYTERHUB_API_URL", api_url), ("JUPYTERHUB_API_TOKEN", token))
        missing = [name for name, value in needed if not value]
        if missing:
            raise HubConfigError(
                f"--team-source jupyterhub needs {' and '.join(missing)} in the environment "
                "(the Hub sets them for a service it starts; see docs/jupyterhub.md)"
            )
        assert api_url and token
        if not api_url.startswith(("http://", "https://")):
            raise HubConfigError(f"JUPYTERHUB_API_URL must be an http(s) URL, not {api_url!r}")
        chosen = frozenset(g.strip() for g in groups.split(",") if g.strip()) if groups else None
        return cls(
            api_url=api_url,
            token=token,
            service=env.get("JUPYTERHUB_SERVICE_NAME") or DEFAULT_SERVICE_NAME,
            public_url=public_url or _public_url(env.get("JUPYTERHUB_PUBLIC_HUB_URL")),
            sync_seconds=sync_seconds,
            groups=chosen,
        )


def _public_url(public_hub_url: str | None) -> str | None:
    """The Hub's public URL from the one it gives its services ("https://hub.example/hub/")."""
    if not public_hub_url:
        return None
    base = public_hub_url.rstrip("/")
    return base[: -len("/hub")] if base.endswith("/hub") else base


class HubService:
    """The Hub's API, its tokens' identities and the sync, for one team server."""

    def __init__(self, settings: HubSettings, store: Store, pool: Executor):
        self.settings = settings
        self.api = HubAPI(settings.api_url, settings.token, settings.public_url)
        self.identities = HubIdentities(self.api, settings.service, store)
        self.sync = HubSync(self.api, store, pool, settings.sync_seconds, settings.groups)

    def start(self) -> None:
        self.sync.start()

    async def close(self) -> None:
        await self.sync.close()
        await self.api.close()
