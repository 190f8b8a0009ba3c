"""The text of a ``jupyterhub_config.py`` for a team whose team server is a JupyterHub
service (``grid-collab-server --team-source jupyterhub``): one place for what the Hub must
be told, used by ``grid-collab demo --hub`` and by the tests' Hub (tests/hub_harness.py).

What it writes:

- the Hub's URLs, its sqlite database, cookie secret and pid files in ``state_dir``;
- the groups (``load_groups``): each group is a team, its ``grid_roles`` property gives
  members their roles ({"alice": "owner", ...}; everyone else is a "user");
- single-user servers started by ``SimpleLocalProcessSpawner`` (same uid as the Hub, homes
  under ``state_dir``), with ``GRID_URL`` (the team server) in their environment, so the
  extension in each finds its team server;
- the team server as the service ``service_name``: external (the team server runs beside
  the Hub and is given ``JUPYTERHUB_API_URL``/``JUPYTERHUB_API_TOKEN``; the Hub reads that
  token from its own environment) or Hub-managed (``managed_command``: the Hub starts it,
  restarts it if it dies, stops it with itself, and hands it a token it generates);
- the roles: the service's ``SERVICE_SCOPES``, and ``access:services!service=<name>`` for
  every user, so a person's Hub token is accepted by the team server as that person.

No secret is written in the file: tokens and the demo password are read from the Hub's
environment (``os.environ[...]``) when the Hub loads it. Values in ``environment`` and
``managed_environment`` are written as they are: nothing secret there.

Standard library only: the team server and the demo import it without JupyterHub.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from pprint import pformat
from typing import Any

# the team server's default (teamserver/hub/service.py DEFAULT_SERVICE_NAME)
DEFAULT_SERVICE_NAME = "grid-team"

# the environment variables the written config reads its secrets from
SERVICE_TOKEN_ENV = "GRID_HUB_SERVICE_TOKEN"  # the external team server's token
ADMIN_TOKEN_ENV = "GRID_HUB_ADMIN_TOKEN"  # the admin service's token (admin_service)
PASSWORD_ENV = "GRID_HUB_PASSWORD"  # DummyAuthenticator's shared password

# What the team server may do with its own token (each exists in JupyterHub 6.1's
# scopes.py). Who owns a person's token needs no scope: ``GET /hub/api/user`` with that
# token answers it.
SERVICE_SCOPES = [
    # each sync round lists every user (GET /users?include_stopped_servers=1) ...
    "list:users",
    # ... with their models: names, groups and the default server
    "read:users",
    # the groups are the teams: GET /groups every round ...
    "list:groups",
    # ... with their members and properties (``grid_roles``: the members' roles)
    "read:groups",
    # members' servers in that listing (name, url, ready, pending, started, last
    # activity) are the team's sessions
    "read:servers",
    # start, stop and remove members' servers: resume, pause, delete in the team server's
    # API and ``grid session create`` under a Hub (it includes read:servers)
    "servers",
    # Open on a teammate's server shares it with the visitor (POST /shares/...), and a
    # sync takes shares back (PATCH) when their visitor leaves the team. NB: it implies an
    # unfiltered ``access:servers``: this token can use every user's server.
    "shares",
    # read shares (``shares`` includes it; listed so the role says so on its own)
    "read:shares",
]


def user_role(service_name: str = DEFAULT_SERVICE_NAME) -> dict[str, Any]:
    """The Hub's ``user`` role: every user's own things (``self``) and the team server, so
    a token a person makes (default scopes: everything they may do) reaches it."""
    return {"name": "user", "scopes": ["self", f"access:services!service={service_name}"]}


def team_server_command(
    *,
    port: int,
    data_dir: str | Path,
    hub_public_url: str,
    sync_seconds: float = 15.0,
    host: str = "127.0.0.1",
    program: str = "grid-collab-server",
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The command of a Hub-managed team server. The Hub gives a managed service its own
    bind URL as ``JUPYTERHUB_API_URL``, so the public URL (where people reach the Hub's
    servers) is passed on, for the sessions' URLs."""
    return [
        program,
        "--team-source",
        "jupyterhub",
        "--hub-sync-seconds",
        f"{sync_seconds:g}",
        "--hub-public-url",
        hub_public_url,
        "--host",
        host,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        *extra_args,
    ]


def jupyterhub_config(
    *,
    state_dir: str | Path,
    bind_url: str,
    hub_bind_url: str,
    proxy_api_url: str,
    groups: Mapping[str, Mapping[str, Any]],
    users: Iterable[str] = (),
    grid_url: str | None = None,
    environment: Mapping[str, str] | None = None,
    allow_root: bool = False,
    service_name: str = DEFAULT_SERVICE_NAME,
    managed_command: Sequence[str] | None = None,
    managed_environment: Mapping[str, str] | None = None,
    admin_service: str | None = None,
    dummy_password: bool = True,
    proxy_command: Sequence[str] | None = None,
    singleuser_command: Sequence[str] | None = None,
    spawn_timeout: int = 60,
    title: str = "A JupyterHub whose groups are grid-collab teams.",
) -> str:
    """The text of a ``jupyterhub_config.py``.

    ``bind_url``: where people reach the Hub (its proxy); ``hub_bind_url`` and
    ``proxy_api_url``: the Hub's own API and the proxy's, on free ports. ``groups``:
    ``{"team": {"users": [...], "properties": {"grid_roles": {...}}}}``; ``users``: more
    users allowed to log in, in no group. ``grid_url``: the team server's URL, given to
    every single-user server as ``GRID_URL``, beside ``environment``. ``allow_root``: pass
    ``--allow-root`` to the single-user servers (a Hub run as root spawns them as root).
    ``managed_command``: the Hub starts the team server with it (``team_server_command``),
    giving it ``managed_environment`` too; without it the service is external, its token
    read from ``$GRID_HUB_SERVICE_TOKEN``. ``admin_service``: one more service with the
    admin role, its token from ``$GRID_HUB_ADMIN_TOKEN`` (the demo and the tests mint
    people's tokens and start servers with it). ``dummy_password``: log in with any
    allowed name and the password in ``$GRID_HUB_PASSWORD`` (a demo; give a real Hub its
    own authenticator). ``proxy_command``, ``singleuser_command``: the programs (default:
    as found on the Hub's PATH)."""
    members = {u for g in groups.values() for u in g.get("users", [])}
    allowed = sorted(members | set(users))
    server_env = dict(environment or {})
    if grid_url:
        server_env["GRID_URL"] = grid_url
    service: dict[str, Any] = {"name": service_name}
    if managed_command:
        service["command"] = list(managed_command)
        if managed_environment:
            service["environment"] = dict(managed_environment)
    services = [_literal(service, token_env=None if managed_command else SERVICE_TOKEN_ENV)]
    roles = [
        repr(user_role(service_name)),
        _pretty(
            {
                "name": f"{service_name}-service",
                "scopes": list(SERVICE_SCOPES),
                "services": [service_name],
            },
            indent=4,
        ),
    ]
    if admin_service:
        services.append(_literal({"name": admin_service}, token_env=ADMIN_TOKEN_ENV))
        roles.append(repr({"name": "admin", "services": [admin_service]}))

    lines = [
        f'"""{title}\n\nWritten by jupyter_grid_collab/hub_config.py."""',
        "import os",
        "",
        "c = get_config()  # noqa: F821",
        f"here = {str(state_dir)!r}",
        f"c.JupyterHub.bind_url = {bind_url!r}",
        f"c.JupyterHub.public_url = {bind_url.rstrip('/') + '/'!r}",
        f"c.JupyterHub.hub_bind_url = {hub_bind_url!r}",
        f"c.ConfigurableHTTPProxy.api_url = {proxy_api_url!r}",
    ]
    if proxy_command:
        lines.append(f"c.ConfigurableHTTPProxy.command = {list(proxy_command)!r}")
    lines += [
        'c.ConfigurableHTTPProxy.pid_file = os.path.join(here, "proxy.pid")',
        'c.JupyterHub.db_url = "sqlite:///" + os.path.join(here, "jupyterhub.sqlite")',
        'c.JupyterHub.cookie_secret_file = os.path.join(here, "jupyterhub_cookie_secret")',
        'c.JupyterHub.pid_file = os.path.join(here, "jupyterhub.pid")',
        "# the Hub stops its servers and its proxy when it stops",
        "c.JupyterHub.cleanup_servers = True",
        "c.JupyterHub.cleanup_proxy = True",
        "c.JupyterHub.allow_named_servers = True",
        "",
    ]
    if dummy_password:
        lines += [
            'c.JupyterHub.authenticator_class = "dummy"',
            f"c.DummyAuthenticator.password = os.environ[{PASSWORD_ENV!r}]",
        ]
    lines += [
        f"c.Authenticator.allowed_users = set({allowed!r})",
        "# each group is a team; grid_roles: its members' roles (default: user)",
        _assign("c.JupyterHub.load_groups", groups),
        "",
        'c.JupyterHub.spawner_class = "simple"',
        'c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(here, "home", "{username}")',
    ]
    if singleuser_command:
        lines.append(f"c.Spawner.cmd = {list(singleuser_command)!r}")
    lines += [
        f"c.Spawner.args = {['--allow-root'] if allow_root else []!r}",
        _assign("c.Spawner.environment", server_env),
        f"c.Spawner.start_timeout = {spawn_timeout}",
        f"c.Spawner.http_timeout = {spawn_timeout}",
        "",
        "c.JupyterHub.services = [",
        *(f"    {s}," for s in services),
        "]",
        "c.JupyterHub.load_roles = [",
        *(f"    {r}," for r in roles),
        "]",
        "",
    ]
    return "\n".join(lines)


def _literal(service: dict[str, Any], token_env: str | None) -> str:
    """A service's dict as Python source, its ``api_token`` read from ``token_env``."""
    text = repr(service)
    if token_env is None:
        return text
    return text[:-1] + f", 'api_token': os.environ[{token_env!r}]}}"


def _pretty(value: object, indent: int = 0) -> str:
    """``value`` as Python source, its lines continued ``indent`` columns in."""
    text = pformat(value, width=max(40, 96 - indent), sort_dicts=True)
    return text.replace("\n", "\n" + " " * indent)


def _assign(target: str, value: object) -> str:
    return f"{target} = {_pretty(value, indent=len(target) + 3)}"
