"""``grid-collab-server``: run the team server, and administer a team's data directory.

Admin commands work directly on the data directory (or ``--db``), with or without the
server running: SQLite in WAL mode and PostgreSQL both allow that safely.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path

import click
from sqlalchemy.engine import Engine
from tornado.netutil import bind_sockets

from ..sizes import SizeError, parse_size, show_size
from .app import ServerConfig, TeamServer, data_dir_paths
from .blobs import BlobStore
from .errors import DomainError
from .executor.sandbox import DEFAULT_UID_BASE, MODES
from .http_server import GuardedHTTPServer, bounded_connections, connection_limit_options
from .hub.service import HubConfigError, HubSettings
from .migrations import SchemaError, prepare
from .schema import make_engine
from .scrub import DEFAULT_INTERVAL_HOURS, DEFAULT_MB_PER_SECOND
from .store import DEFAULT_PRICES, Store
from .store.metrics import DEFAULT_MAX_METRIC_POINTS
from .store.outputs import DEFAULT_MAX_LOG_MB
from .store.sources import DEFAULT_SOURCE_GRACE_HOURS
from .store.teams import HUB_MEMBERSHIP

log = logging.getLogger("grid_collab.teamserver")


def _secret_key(path: Path) -> bytes:
    """The key that encrypts stored GitHub tokens: env, else a 0600 file made on first start."""
    env = os.environ.get("GRID_COLLAB_SECRET_KEY")
    if env:
        return env.encode()
    if not path.exists():
        from cryptography.fernet import Fernet

        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())
    os.chmod(path, 0o600)  # one made by an older version may be world-readable
    return path.read_bytes().strip()


def _private_data_dir(root: Path, sqlite: Path | None) -> None:
    """The data folder and the SQLite files private to the team server's user (0700/0600),
    including ones an older version left world-readable. SQLite gives its -wal and -shm
    files the database file's mode, so making that file first is enough for new ones."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)
    if sqlite is None:
        return
    os.close(os.open(sqlite, os.O_WRONLY | os.O_CREAT, 0o600))
    for path in (
        sqlite,
        sqlite.with_name(sqlite.name + "-wal"),
        sqlite.with_name(sqlite.name + "-shm"),
    ):
        if path.exists():
            os.chmod(path, 0o600)


def open_engine(data_dir: str, db: str | None, upgrade: bool = True) -> tuple[Engine, str | None]:
    """The database's engine, its schema made this code's (``migrations.prepare``), and what
    that did (None: nothing)."""
    root = Path(data_dir).resolve()
    paths = data_dir_paths(root)
    _private_data_dir(root, None if db else paths["db"])
    engine = make_engine(db or f"sqlite:///{paths['db']}")
    try:
        done = prepare(engine, upgrade=upgrade)
    except SchemaError as exc:
        engine.dispose()
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        engine.dispose()
        # never print a connection URL: it may hold a password
        raise click.ClickException(
            f"cannot open the database ({type(exc).__name__}); check --db"
        ) from None
    return engine, done


def open_store(
    data_dir: str, db: str | None, prices: str | None = None, upgrade: bool = True
) -> Store:
    """Open (creating on first use, upgrading unless told not to) the store for a data
    directory."""
    root = Path(data_dir).resolve()
    paths = data_dir_paths(root)
    engine, _ = open_engine(data_dir, db, upgrade)
    price_list = DEFAULT_PRICES
    if prices:
        try:
            price_list = json.loads(Path(prices).read_text())
            assert isinstance(price_list, dict) and all(
                isinstance(v, (int, float)) for v in price_list.values()
            )
        except (OSError, ValueError, AssertionError):
            raise click.ClickException(
                f"--prices {prices}: expected a JSON object of instance type -> credits/hour"
            ) from None
    return Store(engine, _secret_key(paths["secret"]), price_list)


_data_dir = click.option(
    "--data-dir",
    envvar="GRID_COLLAB_DATA_DIR",
    default="./team-data",
    show_default=True,
    help="SQLite database, blobs and secret key live here.",
)
_db = click.option(
    "--db",
    envvar="GRID_COLLAB_DB",
    default=None,
    help="Database URL instead of SQLite in the data dir, e.g. postgresql://...",
)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@_data_dir
@_db
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0: a free port, which the 'listening on' line it prints names.",
)
@click.option(
    "--blobs",
    "blobs_url",
    default=None,
    help="fsspec URL for blobs (default: <data-dir>/blobs), e.g. s3://bucket/prefix",
)
@click.option("--prices", default=None, help="JSON file: instance type -> credits per hour.")
@click.option(
    "--heartbeat-timeout",
    default=90.0,
    show_default=True,
    help="Seconds without a heartbeat before a session is marked lost.",
)
@click.option(
    "--tick",
    default=30.0,
    show_default=True,
    help="Seconds between credit accrual and housekeeping passes.",
)
@click.option(
    "--executor",
    "executor_name",
    type=click.Choice(["local", "ray", "none"]),
    default="local",
    show_default=True,
    help="Where experiments run.",
)
@click.option(
    "--max-parallel",
    default=os.cpu_count() or 1,
    show_default=True,
    help="Experiments running at once.",
)
@click.option("--ray-address", default=None, help="Ray dashboard URL, e.g. http://HEAD:8265.")
@click.option(
    "--public-url",
    default=None,
    help="The URL launchers use to reach this server (default http://HOST:PORT).",
)
@click.option(
    "--datastore-root",
    default=None,
    help="Where runs mount datastores (default /datastores, else ~/datastores).",
)
@click.option(
    "--stop-grace",
    default=10.0,
    show_default=True,
    help="Seconds between SIGTERM and SIGKILL when an experiment is stopped.",
)
@click.option(
    "--ticket-seconds",
    default=30.0,
    show_default=True,
    help="How long a ticket to open a teammate's session stays valid (max 60).",
)
@click.option(
    "--visit-hours",
    envvar="GRID_COLLAB_VISIT_HOURS",
    default=8.0,
    show_default=True,
    type=click.FloatRange(min=0.0, min_open=True),
    help="How long a visit to a teammate's session lasts; the session's server may "
    "ask for less, never more.",
)
@click.option(
    "--work-root",
    envvar="GRID_COLLAB_WORK_ROOT",
    default=None,
    help="Where experiments' work folders live (default: <data-dir>-runs, beside "
    "the data folder); every folder above it must be passable (o+x).",
)
@click.option(
    "--runner-isolation",
    envvar="GRID_COLLAB_RUNNER_ISOLATION",
    type=click.Choice(MODES),
    default="auto",
    show_default=True,
    help="auto: run each team's experiments as an unprivileged uid of its own "
    "(needs root and setpriv), else refuse them; none: run them as this "
    "server's user (only where one trusted user runs everything).",
)
@click.option(
    "--runner-uid-base",
    envvar="GRID_COLLAB_RUNNER_UID_BASE",
    type=int,
    default=DEFAULT_UID_BASE,
    show_default=True,
    help="A team's experiments run as this uid + the team's id; keep the range free.",
)
@click.option(
    "--runner-python",
    envvar="GRID_COLLAB_RUNNER_PYTHON",
    default="auto",
    show_default=True,
    help="The interpreter isolated experiments' 'python' means; auto: this server's "
    "own where runner uids can use it, else a venv from the system Python.",
)
@click.option(
    "--runner-network",
    envvar="GRID_COLLAB_RUNNER_NETWORK",
    type=click.Choice(["host", "none"]),
    default="host",
    show_default=True,
    help="none: isolated experiments get an empty network namespace (no service of "
    "this machine, nothing beyond); host: this machine's network.",
)
@click.option(
    "--max-metric-points",
    envvar="GRID_COLLAB_MAX_METRIC_POINTS",
    default=DEFAULT_MAX_METRIC_POINTS,
    show_default=True,
    type=click.IntRange(min=0),
    help="Metric points kept per experiment (24 bytes each; 0: no cap); later points are "
    "dropped and the answer counts them.",
)
@click.option(
    "--max-log-mb",
    envvar="GRID_COLLAB_MAX_LOG_MB",
    default=DEFAULT_MAX_LOG_MB,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="Log bytes kept per experiment (1 MB = 10^6 bytes; 0: no cap); past it one "
    "truncation line is stored and later lines are dropped.",
)
@click.option(
    "--source-grace-hours",
    envvar="GRID_COLLAB_SOURCE_GRACE_HOURS",
    default=DEFAULT_SOURCE_GRACE_HOURS,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="How long an uploaded run source that no run uses is kept before the "
    "housekeeping deletes it.",
)
@click.option(
    "--scrub-interval-hours",
    envvar="GRID_COLLAB_SCRUB_INTERVAL_HOURS",
    default=DEFAULT_INTERVAL_HOURS,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="Hash every stored blob again this often, in the background (0: never); one "
    "that fails is refused from then on. See also the scrub command.",
)
@click.option(
    "--scrub-mb-per-second",
    envvar="GRID_COLLAB_SCRUB_MB_PER_SECOND",
    default=DEFAULT_MB_PER_SECOND,
    show_default=True,
    type=click.FloatRange(min=0.0, min_open=True),
    help="The background scrub reads at most this many MB (10^6 bytes) a second.",
)
@click.option(
    "--upgrade-db/--no-upgrade-db",
    envvar="GRID_COLLAB_UPGRADE_DB",
    default=True,
    show_default=True,
    help="Upgrade an older database's schema at start (saying so in the log); with "
    "--no-upgrade-db, refuse to start and name the command to run (upgrade-db).",
)
@click.option(
    "--team-source",
    envvar="GRID_COLLAB_TEAM_SOURCE",
    type=click.Choice(["local", "jupyterhub"]),
    default="local",
    show_default=True,
    help="Where teams and members come from: this server's own records (admin commands), "
    "or a JupyterHub whose service this server is (its groups are the teams, its servers "
    "the sessions; needs JUPYTERHUB_API_URL and JUPYTERHUB_API_TOKEN; docs/jupyterhub.md).",
)
@click.option(
    "--hub-sync-seconds",
    envvar="GRID_COLLAB_HUB_SYNC_SECONDS",
    default=15.0,
    show_default=True,
    type=click.FloatRange(min=0.2),
    help="With jupyterhub: read the Hub's groups and servers this often.",
)
@click.option(
    "--hub-groups",
    envvar="GRID_COLLAB_HUB_GROUPS",
    default=None,
    help="With jupyterhub: only these groups (comma-separated) are teams; default: every "
    "group the service may read.",
)
@click.option(
    "--hub-public-url",
    envvar="GRID_COLLAB_HUB_PUBLIC_URL",
    default=None,
    help="With jupyterhub: the Hub's URL as users reach it (default: from "
    "JUPYTERHUB_PUBLIC_HUB_URL, which the Hub gives its services, else JUPYTERHUB_API_URL's "
    "origin); sessions' URLs start with it.",
)
@connection_limit_options
@click.pass_context
def main(
    ctx,
    data_dir,
    db,
    host,
    port,
    blobs_url,
    prices,
    heartbeat_timeout,
    tick,
    executor_name,
    max_parallel,
    ray_address,
    public_url,
    datastore_root,
    stop_grace,
    ticket_seconds,
    visit_hours,
    work_root,
    runner_isolation,
    runner_uid_base,
    runner_python,
    runner_network,
    max_log_mb,
    max_metric_points,
    source_grace_hours,
    scrub_interval_hours,
    scrub_mb_per_second,
    upgrade_db,
    team_source,
    hub_sync_seconds,
    hub_groups,
    hub_public_url,
    **connection_limits,
):
    """Run the team server (no subcommand), or administer it (``admin ...``)."""
    ctx.ensure_object(dict)
    ctx.obj.update(
        data_dir=data_dir,
        db=db,
        prices=prices,
        upgrade_db=upgrade_db,
        blobs_url=blobs_url,
        team_source=team_source,
    )
    if ctx.invoked_subcommand is not None:
        return
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="[%(asctime)s %(name)s %(levelname)s] %(message)s",
    )
    store = open_store(data_dir, db, prices, upgrade_db)
    store.core.members_from_hub = team_source == "jupyterhub"
    store.visits.ticket_seconds = max(0.1, min(ticket_seconds, 60.0))
    blobs = BlobStore(blobs_url or str(data_dir_paths(Path(data_dir).resolve())["blobs"]))
    removed = blobs.clear_staging()
    if removed:
        log.info("removed %d staged upload(s) left by a previous run", removed)
    config = ServerConfig(
        heartbeat_timeout=heartbeat_timeout,
        tick_seconds=tick,
        visit_hours=visit_hours,
        runner_isolation=runner_isolation,
        runner_uid_base=runner_uid_base,
        runner_python=runner_python,
        runner_network=runner_network,
        work_root=Path(work_root) if work_root else None,
        max_log_mb=max_log_mb,
        max_metric_points=max_metric_points,
        source_grace_hours=source_grace_hours,
        scrub_interval_hours=scrub_interval_hours,
        scrub_mb_per_second=scrub_mb_per_second,
        hub=_hub_settings(team_source, hub_sync_seconds, hub_groups, hub_public_url),
    )
    server = TeamServer(store, blobs, config)
    engine = None
    if executor_name == "local":
        engine = _local_engine(
            config,
            Path(data_dir).resolve(),
            Path(datastore_root) if datastore_root else None,
            blobs.root if blobs.is_local else None,
            stop_grace,
        )
    elif executor_name == "ray":
        if not ray_address:
            raise click.ClickException("--executor ray needs --ray-address http://HEAD:8265")
        from .executor.ray import RayEngine

        engine = RayEngine(ray_address, datastore_root)
    asyncio.run(_serve(server, host, port, engine, public_url, max_parallel, connection_limits))


def _hub_settings(source: str, sync_seconds: float, groups, public_url) -> HubSettings | None:
    if source != "jupyterhub":
        return None
    try:
        return HubSettings.from_environment(
            public_url=public_url, sync_seconds=sync_seconds, groups=groups
        )
    except HubConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _local_engine(
    config: ServerConfig,
    data_dir: Path,
    datastore_root: Path | None,
    blob_dir: str | None,
    stop_grace: float,
):
    """The local engine, with its sandbox decided and checked (a probe run as a runner uid)
    before the server answers anything."""
    from .executor.local import LocalEngine
    from .executor.sandbox import SandboxError, describe, resolve

    work_root = config.work_root or data_dir_paths(data_dir)["runs"]
    try:
        sandbox = resolve(
            config.runner_isolation,
            work_root,
            config.runner_uid_base,
            config.runner_python,
            datastore_root,
        )
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from None
    sandbox.network = config.runner_network
    (log.warning if sandbox.refusal else log.info)(describe(sandbox))
    return LocalEngine(sandbox, datastore_root, blob_dir, stop_grace)


async def _serve(
    server: TeamServer,
    host: str,
    port: int,
    engine,
    public_url: str | None,
    max_parallel: int,
    connection_limits: dict,
) -> None:
    # JSON bodies are small; streamed uploads raise this limit per request
    http = GuardedHTTPServer(
        server.make_app(), max_body_size=2 << 20, **bounded_connections(**connection_limits)
    )
    try:
        sockets = bind_sockets(port, address=host)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    http.add_sockets(sockets)
    # --port 0: the system picked a free port; launchers are told, and the line below says,
    # the one bound (a test or a supervisor reads it there instead of guessing a free one)
    port = sockets[0].getsockname()[1]
    url = public_url or f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    server.start_housekeeping()
    executor = None
    if engine is not None:
        from .executor import Executor

        executor = Executor(server.store, engine, url, max(1, max_parallel), server.db_pool)
        server.run_listeners.append(executor.on_run_created)
        server.stop_listeners.append(executor.on_stop)
        await executor.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    db = server.store.engine.url.get_backend_name()
    print(f"grid-collab-server listening on http://{host}:{port} (database: {db})", flush=True)
    await stop.wait()
    log.info("shutting down")
    if executor is not None:
        # while the server still answers, so stopped experiments report themselves cancelled
        await executor.close()
    http.stop()
    await http.close_all_connections()
    if server.hub is not None:
        await server.hub.close()
    server.close()


# ----------------------------------------------------------------- admin commands
@main.group()
def admin():
    """Administer users, teams, members, credits, quotas and keys (works on the data
    directory)."""


def _store(ctx) -> Store:
    obj = ctx.obj
    return open_store(obj["data_dir"], obj["db"], obj.get("prices"), obj.get("upgrade_db", True))


# ----------------------------------------------------------------- schema
@main.command("upgrade-db")
@click.option("--data-dir", default=None, help="As the server's --data-dir (SQLite there).")
@click.option(
    "--db", "--database-url", "db", default=None, help="As the server's --db: a database URL."
)
@click.pass_context
def upgrade_db(ctx, data_dir, db):
    """Upgrade the database's schema to this version's (back it up first); a new database is
    created. Safe while another server starts: PostgreSQL upgrades hold a lock."""
    engine, done = open_engine(data_dir or ctx.obj["data_dir"], db or ctx.obj["db"])
    engine.dispose()
    click.echo(done or "the database's schema is already this version's; nothing to do")


@main.command("scrub")
@click.option("--data-dir", default=None, help="As the server's --data-dir.")
@click.option("--db", default=None, help="As the server's --db: a database URL.")
@click.option("--blobs", "blobs_url", default=None, help="As the server's --blobs.")
@click.option(
    "--mb-per-second",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Read at most this many MB a second (default: as fast as the disk goes).",
)
@click.pass_context
def scrub(ctx, data_dir, db, blobs_url, mb_per_second):
    """Hash every stored blob now and say which are corrupted (and which blobs records point
    at are missing); exit 1 if any is. A corrupted one is refused from then on, by a running
    server too. Safe while the server runs."""
    from .scrub_command import run_scrub

    data_dir = data_dir or ctx.obj["data_dir"]
    engine, _ = open_engine(data_dir, db or ctx.obj["db"], ctx.obj.get("upgrade_db", True))
    blobs = blobs_url or ctx.obj.get("blobs_url")
    try:
        wrong = run_scrub(
            engine,
            blobs or str(data_dir_paths(Path(data_dir).resolve())["blobs"]),
            mb_per_second,
            click.echo,
        )
    finally:
        engine.dispose()
    ctx.exit(1 if wrong else 0)


def _refuse_under_hub(ctx) -> None:
    if ctx.obj.get("team_source") == "jupyterhub":
        raise click.ClickException(HUB_MEMBERSHIP)


def _run(fn, *args):
    try:
        return fn(*args)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@admin.command("create-user")
@click.argument("username")
@click.option("--email", default=None)
@click.option("--github", "github_login", default=None, help="The user's GitHub login.")
@click.option("--site-admin", is_flag=True, help="May create teams and users, add credits.")
@click.pass_context
def create_user(ctx, username, email, github_login, site_admin):
    """Create a user."""
    user = _run(_store(ctx).teams.create_user, username, email, github_login, site_admin)
    click.echo(f"created user {user['username']}")


@admin.command("create-team")
@click.argument("name")
@click.option("--owner", required=True, help="The team's first owner.")
@click.pass_context
def create_team(ctx, name, owner):
    """Create a team with its owner."""
    _run(_store(ctx).teams.create_team, name, owner)
    click.echo(f"created team {name} (owner {owner})")


@admin.command("add-member")
@click.argument("team")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["owner", "admin", "user"]), default="user", show_default=True
)
@click.pass_context
def add_member(ctx, team, username, role):
    """Add a member to a team, or change their role."""
    _refuse_under_hub(ctx)
    _run(_store(ctx).teams.set_member, None, team, username, role)
    click.echo(f"{username} is now {role} of team {team}")


@admin.command("remove-member")
@click.argument("team")
@click.argument("username")
@click.pass_context
def remove_member(ctx, team, username):
    """Remove a member from a team."""
    _refuse_under_hub(ctx)
    _run(_store(ctx).teams.set_member, None, team, username, None)
    click.echo(f"removed {username} from team {team}")


@admin.command("add-credits")
@click.argument("team")
@click.argument("amount", type=float)
@click.pass_context
def add_credits(ctx, team, amount):
    """Add credits to a team's balance."""
    out = _run(_store(ctx).teams.add_credits, team, amount)
    click.echo(f"team {team} balance: {out['balance']:.2f} credits")


@admin.command("set-quota")
@click.argument("team")
@click.argument("size")
@click.pass_context
def set_quota(ctx, team, size):
    """Set a team's storage quota (datastores + artifacts + run sources), e.g. 50GB, 500MB,
    2TiB; 'none' removes it. Uploads past it are refused; nothing stored is deleted."""
    try:
        quota = None if size.strip().lower() in ("none", "off") else parse_size(size)
    except SizeError as exc:
        raise click.ClickException(str(exc)) from None
    out = _run(_store(ctx).quotas.set_storage_quota, team, quota)
    used = show_size(out["storage_used_bytes"])
    if quota is None:
        click.echo(f"team {team} has no storage quota now ({used} stored)")
    else:
        click.echo(f"team {team} storage quota: {show_size(quota, exact=True)} ({used} stored)")


@admin.command("create-key")
@click.argument("username")
@click.pass_context
def create_key(ctx, username):
    """Create an API key for a user and print it (shown once; stored hashed)."""
    click.echo(_run(_store(ctx).teams.create_key, username))


@admin.command("list-users")
@click.pass_context
def list_users(ctx):
    """List users."""
    for user in _store(ctx).teams.list_users():
        flags = " (site admin)" if user["site_admin"] else ""
        click.echo(
            f"{user['username']}\t{user['email'] or ''}\t{user['github_login'] or ''}{flags}"
        )


if __name__ == "__main__":
    main()
