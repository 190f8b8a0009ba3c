"""Who I am and my teams: ``grid login``, ``grid user``, ``grid teams [TEAM]``."""

from __future__ import annotations

import click

from ..client import GridClient, Unauthorized
from ..credentials import save_credentials
from ..sizes import show_size
from .context import get_grid
from .tables import Column, emit_json, emit_table, output_option, when


def storage(used: int, quota: int | None) -> str:
    """ "1.2 GB of 50 GB (2%)", or "1.2 GB (no quota)"; decimal units, as the server's."""
    if quota is None:
        return f"{show_size(used)} used (no quota)"
    percent = f" ({100 * used / quota:.0f}%)" if quota else ""
    return f"{show_size(used)} used of {show_size(quota, exact=True)}{percent}"


@click.command("login")
@click.option("--url", required=True, help="The team server, e.g. http://grid.example:8765.")
@click.option("--key", default=None, help="Your API key (asked for, hidden, when not given).")
def login(url: str, key: str | None) -> None:
    """Check an API key against the team server and save both for later commands."""
    if not key:
        key = click.prompt("API key", hide_input=True).strip()
    with GridClient(url, key) as client:
        try:
            me = client.me()
        except Unauthorized as exc:
            raise click.ClickException(
                f"the team server at {client.url} rejected this API key ({exc.message}); "
                "nothing was saved"
            ) from None
        url = client.url
    path = save_credentials(url, key)
    teams = ", ".join(f"{t['name']} ({t['role']})" for t in me.teams) or "no team yet"
    click.echo(f"logged in to {url} as {me.username}: {teams}")
    click.echo(f"credentials saved to {path} (readable only by you)")


@click.command("user")
@output_option
def user(output: str) -> None:
    """Who am I: username, email, GitHub login, my teams and roles."""
    grid = get_grid()
    me = grid.me
    if output == "json":
        emit_json({**me.to_json(), "url": grid.url})
        return
    click.echo(f"username:     {me.username}")
    click.echo(f"email:        {me.email or '-'}")
    click.echo(f"GitHub login: {me.github_login or '-'}")
    if me.site_admin:
        click.echo("site admin:   yes")
    click.echo(f"team server:  {grid.url}")
    emit_table(
        [Column("Team"), Column("Role")],
        [[t["name"], t["role"]] for t in me.teams],
        empty="teams:        none",
    )


@click.command("teams")
@click.argument("team", required=False)
@output_option
def teams(team: str | None, output: str) -> None:
    """My teams; with TEAM: when it was created, its members and roles, its credit balance."""
    client = get_grid().client
    if team is None:
        items = client.list_teams()
        if output == "json":
            emit_json([t.to_json() for t in items])
            return
        emit_table(
            [
                Column("Team"),
                Column("My Role", drop=3),
                Column("Credits", drop=2),
                Column("Created At", drop=1),
            ],
            [[t.name, t.role, f"{t.balance:,.2f}", when(t.created_at)] for t in items],
            empty="You are in no team yet: ask a team owner to add you.",
        )
        return
    detail = client.team(team)
    if output == "json":
        emit_json(detail.to_json())
        return
    click.echo(
        f"Team {detail.name}: created {when(detail.created_at)}, {detail.balance:,.2f} credits left"
    )
    click.echo(f"Storage: {storage(detail.storage_used_bytes, detail.storage_quota_bytes)}")
    emit_table(
        [
            Column("Member"),
            Column("Role", drop=4),
            Column("Email", drop=2),
            Column("GitHub", drop=3),
            Column("Joined", drop=1),
        ],
        [[m.username, m.role, m.email, m.github_login, when(m.joined_at)] for m in detail.members],
        empty="No members.",
    )
