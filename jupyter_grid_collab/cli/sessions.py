"""``grid session``: list my, the team's or one teammate's sessions; create one here;
pause, resume, delete."""

from __future__ import annotations

import time

import click

from .. import local_sessions
from ..controls import visible
from ..credentials import load_credentials
from ..models import ReferenceError, Session, parse_reference, validate_name
from ..paging import collect
from .context import get_grid, limit_option, note_more
from .groups import ListingGroup, listing_scope
from .suggest import did_you_mean
from .tables import Column, duration, emit_json, emit_table, output_option, size

VISITORS_TEXT = {"view": "view only", "full": "full (run code as you)"}


def github_identity(session: Session) -> str:
    """Whose GitHub identity git uses inside the session, and whether a token backs it."""
    gh = session.github or {}
    login = gh.get("login")
    if not login:
        return f"none ({gh.get('user', session.owner)} has no GitHub login)"
    return f"{login} ({'token set' if gh.get('credential_bound') else 'no token'})"


@click.group("session", cls=ListingGroup)
@click.option(
    "--global",
    "global_",
    is_flag=True,
    help="Sessions of everyone in my teams (with USERNAME: that teammate's).",
)
@limit_option
@output_option
@click.pass_context
def session(ctx: click.Context, global_: bool, limit: int, output: str) -> None:
    """List sessions: mine; with --global everyone's in my teams; with USERNAME one
    teammate's (`grid session --global alice`)."""
    if ctx.invoked_subcommand is not None:
        return
    scope = listing_scope(global_)
    grid = get_grid()
    items, more = collect(grid.client.list_sessions, limit, scope=scope)
    if output == "json":
        emit_json([s.to_json() for s in items])
        return
    show_owner = scope != "mine"
    # a narrow terminal drops the instance type and duration first, the status last
    columns = [
        Column("Session"),
        Column("Status", drop=5),
        Column("Duration", drop=2),
        Column("Instance Type", drop=1),
    ]
    columns += [Column("Created By")] if show_owner else []
    columns += [Column("URL"), Column("Visitors", drop=4), Column("GitHub identity", drop=3)]
    rows = []
    for s in items:
        row = [s.name, s.status, duration(s.duration_seconds), s.instance_type]
        row += [s.owner] if show_owner else []
        row += [s.url, s.visitors, github_identity(s)]
        rows.append(row)
    emit_table(columns, rows, empty="No sessions.")
    note_more(more, limit)


@session.command("create")
@click.argument("name")
@click.option(
    "--datastore_name",
    "--datastore-name",
    "datastore_name",
    default=None,
    metavar="[USER:]NAME",
    help="A datastore to attach (mine or a teammate's).",
)
@click.option(
    "--datastore_version",
    "--datastore-version",
    "datastore_version",
    type=int,
    default=None,
    help="Its version (default: the latest).",
)
@click.option(
    "--instance_type",
    "--instance-type",
    "instance_type",
    default="cpu-small",
    show_default=True,
    help="Instance type, for billing.",
)
@click.option("--team", default=None, help="The team it belongs to, if I am in several.")
@click.option(
    "--visitors",
    type=click.Choice(["view", "full"]),
    default="full",
    show_default=True,
    help="What teammates who open it may do: view (browse files, notebooks and the "
    "Team sidebar; no kernels, terminals or edits) or full (use it like you: "
    "code and terminals run as you).",
)
def create(
    name: str,
    datastore_name: str | None,
    datastore_version: int | None,
    instance_type: str,
    team: str | None,
    visitors: str,
) -> None:
    """Start a JupyterLab session on this machine (detached, registered with the team);
    under a JupyterHub, start a named server of yours there."""
    validate_name(name, "session name")
    grid = get_grid()
    grid.me  # noqa: B018 - checks the key before starting anything
    if grid.client.health().get("team_source") == "jupyterhub":
        _create_on_hub(grid, name, datastore_name, datastore_version)
        return
    ref = None
    if datastore_name:
        ref = datastore_name + (f"@{datastore_version}" if datastore_version else "")
        parse_reference(ref, allow_version=True)
    try:
        local = local_sessions.start(
            name,
            grid.url,
            load_credentials().api_key,
            instance_type=instance_type,
            team=team,
            visitors=visitors,
        )
        mounted = local_sessions.attach(local, ref, on_download=_say_downloading) if ref else None
    except local_sessions.LocalSessionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"session {grid.me.username}:{name} is running")
    click.echo(f"  open:   {local.login_url}")
    click.echo(f"  folder: {local.folder}")
    click.echo(f"  visitors: {VISITORS_TEXT[visitors]}")
    if mounted:
        click.echo(f"  datastore {mounted['reference']} mounted read-only at {mounted['path']}")


# how long `grid session create` under a Hub waits for the Hub to start the server and for
# its extension to become the team's session (a spawner pulling an image may take minutes)
HUB_START_SECONDS = 180


def _create_on_hub(grid, name: str, datastore_name: str | None, version: int | None) -> None:
    """Under a JupyterHub: start my named server there, then attach the datastore through
    the server's own extension (my Hub token lets me into my server)."""
    ref = None
    if datastore_name:
        ref = datastore_name + (f"@{version}" if version else "")
        parse_reference(ref, allow_version=True)
    me = grid.me.username
    session = grid.client.session_action(f"{me}:{name}", "start")
    deadline = time.monotonic() + HUB_START_SECONDS
    while session.status != "running" and time.monotonic() < deadline:
        time.sleep(1.0)
        session = grid.client.session(f"{me}:{name}")
    if session.status != "running":
        raise click.ClickException(
            f"the JupyterHub has not started {me}:{name} within {HUB_START_SECONDS}s "
            f"(it is {session.status}); see it with: grid session {name}"
        )
    click.echo(f"session {me}:{name} is running on the JupyterHub")
    click.echo(f"  open:   {session.url}")
    if ref and session.url:
        try:
            mounted = local_sessions.attach_at(
                session.url,
                load_credentials().api_key or "",
                ref,
                on_download=_say_downloading,
                wait_registered=HUB_START_SECONDS,
            )
        except local_sessions.LocalSessionError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"  datastore {mounted['reference']} mounted read-only at {mounted['path']}")


def _say_downloading(job: dict) -> None:
    click.echo(
        f"attaching {job['reference']}: the session downloads {size(job['bytes_total'])} first ...",
        err=True,
    )


def _action(name: str, action: str, past: str) -> None:
    grid = get_grid()
    try:
        ref = parse_reference(name)
    except ReferenceError as exc:
        raise click.ClickException(str(exc)) from None
    owner = ref.owner or grid.me.username
    local = local_sessions.load(ref.name) if owner == grid.me.username else None
    if local is not None and action == "resume":
        try:
            local = local_sessions.resume(ref.name, grid.url, load_credentials().api_key)
        except local_sessions.LocalSessionError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"resumed session {owner}:{ref.name} at {local.login_url}")
        return
    if local is not None:
        # my own server on this machine: stop it first (it reports itself stopped), then
        # record the pause or remove the record; the folder and its files stay
        local_sessions.stop(local)
    with did_you_mean(ref, "session"):
        if action == "delete":
            grid.client.delete_session(f"{owner}:{ref.name}")
        else:
            grid.client.session_action(f"{owner}:{ref.name}", action)
    click.echo(f"{past} session {owner}:{ref.name}")


@session.command("pause")
@click.argument("name", metavar="[USER:]NAME")
def pause(name: str) -> None:
    """Pause a session: its server stops, its folder and name stay."""
    _action(name, "pause", "paused")


@session.command("resume")
@click.argument("name", metavar="[USER:]NAME")
def resume(name: str) -> None:
    """Resume a paused session (started again here when it was created here)."""
    _action(name, "resume", "resumed")


@session.command("delete")
@click.argument("name", metavar="[USER:]NAME")
def delete(name: str) -> None:
    """Stop a session and remove its record (never the files in its folder)."""
    _action(name, "delete", "deleted")


class SessionsAreNotStopped(click.ClickException):
    """A usage mistake, so click's usage status (2), said in one line like every error."""

    exit_code = 2


@session.command("stop", hidden=True)
@click.argument("name", metavar="[USER:]NAME", default="NAME")
def stop(name: str) -> None:
    """Sessions are paused or deleted: says which command does what."""
    # Grid users type `stop` (as for runs); a session has two ways to stop, and the wrong
    # one deletes its record, so this names both rather than guess
    name = visible(name)  # echoed back: its escapes shown, not obeyed
    raise SessionsAreNotStopped(
        f"sessions are paused or deleted, not stopped: `grid session pause {name}` stops "
        f"its server and keeps its folder and name (`grid session resume {name}` starts it "
        f"again); `grid session delete {name}` stops it and removes its record"
    )
