"""``grid session``: list my, the team's or one teammate's sessions; pause, resume, delete.

``grid session create`` (a local JupyterLab with the extension) belongs to the extension
issue; it is added to this group there.
"""

from __future__ import annotations

import click

from ..models import Session, validate_username
from .context import collect, get_grid, limit_option, note_more
from .groups import ListingGroup, username_arg
from .tables import duration, emit_json, emit_table, output_option


def github_identity(session: Session) -> str:
    """Whose GitHub identity git uses inside the session, and whether a token backs it."""
    gh = session.github or {}
    login = gh.get("login")
    if not login:
        return f"none ({gh.get('user', session.owner)} has no GitHub login)"
    return f"{login} ({'token set' if gh.get('credential_bound') else 'no token'})"


@click.group("session", cls=ListingGroup)
@click.option("--global", "global_", is_flag=True,
              help="Sessions of everyone in my teams (with USERNAME: that teammate's).")
@limit_option
@output_option
@click.pass_context
def session(ctx: click.Context, global_: bool, limit: int, output: str) -> None:
    """List sessions: mine; with --global everyone's in my teams; with USERNAME one
    teammate's (`grid session --global alice`)."""
    if ctx.invoked_subcommand is not None:
        return
    username = username_arg()
    if username:
        scope = f"user={validate_username(username)}"
    else:
        scope = "team" if global_ else "mine"
    grid = get_grid()
    items, more = collect(grid.client.list_sessions, limit, scope=scope)
    if output == "json":
        emit_json([s.to_json() for s in items])
        return
    show_owner = scope != "mine"
    columns = ["Session", "Status", "Duration", "Instance Type"]
    columns += ["Created By"] if show_owner else []
    columns += ["URL", "GitHub identity"]
    rows = []
    for s in items:
        row = [s.name, s.status, duration(s.duration_seconds), s.instance_type]
        row += [s.owner] if show_owner else []
        row += [s.url, github_identity(s)]
        rows.append(row)
    emit_table(columns, rows, empty="No sessions.")
    note_more(more, limit)


def _action(name: str, action: str, past: str) -> None:
    grid = get_grid()
    if action == "delete":
        grid.client.delete_session(name)
    else:
        grid.client.session_action(name, action)
    ref = name if ":" in name else f"{grid.me.username}:{name}"
    click.echo(f"{past} session {ref}")


@session.command("pause")
@click.argument("name", metavar="[USER:]NAME")
def pause(name: str) -> None:
    """Pause a session (keeps its folder and name)."""
    _action(name, "pause", "paused")


@session.command("resume")
@click.argument("name", metavar="[USER:]NAME")
def resume(name: str) -> None:
    """Resume a paused session."""
    _action(name, "resume", "resumed")


@session.command("delete")
@click.argument("name", metavar="[USER:]NAME")
def delete(name: str) -> None:
    """Stop a session and remove its record (never the files in its folder)."""
    _action(name, "delete", "deleted")
