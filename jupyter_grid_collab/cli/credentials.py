"""``grid credential``: the GitHub credential git uses inside my sessions. The token is
read from a hidden prompt or stdin, sent once to the team server, and never shown again."""

from __future__ import annotations

import sys

import click

from .context import get_grid
from .tables import Column, emit_json, emit_table, output_option, when


@click.group("credential")
def credential() -> None:
    """Set, list or delete the credentials git uses in my sessions."""


def _read_token(provider: str) -> str:
    if sys.stdin.isatty():
        token = click.prompt(f"{provider} token", hide_input=True, err=True)
    else:  # piped: `gh auth token | grid credential set github`
        token = sys.stdin.readline()
    token = token.strip()
    if not token:
        raise click.ClickException(
            f"no {provider} token given (type it at the prompt or pipe it on stdin)"
        )
    return token


@credential.command("set")
@click.argument("provider", type=click.Choice(["github"]))
@click.option("--login", default=None, help="The account the token belongs to.")
def set_(provider: str, login: str | None) -> None:
    """Store a token (from a hidden prompt, or stdin when piped)."""
    cred = get_grid().client.set_credential(provider, _read_token(provider), login=login)
    who = f" for {cred.login}" if cred.login else ""
    click.echo(f"{provider} credential set{who}; git in your sessions now uses it")


@credential.command("list")
@output_option
def list_(output: str) -> None:
    """My credentials: provider, login, when set (never the token)."""
    items = get_grid().client.list_credentials()
    if output == "json":
        emit_json([c.to_json() for c in items])
        return
    emit_table(
        [Column("Provider"), Column("Login"), Column("Set At", drop=1)],
        [[c.provider, c.login, when(c.created_at)] for c in items],
        empty="No credentials: `grid credential set github` adds one.",
    )


@credential.command("delete")
@click.argument("provider", type=click.Choice(["github"]))
def delete(provider: str) -> None:
    """Delete a stored token."""
    get_grid().client.delete_credential(provider)
    click.echo(f"{provider} credential deleted")
