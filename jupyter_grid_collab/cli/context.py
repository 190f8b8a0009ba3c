"""Per-invocation state: one GridClient, created on first use, and who I am."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from ..client import GridClient
from ..credentials import load_credentials

if TYPE_CHECKING:
    from ..models import User


class Grid:
    """The command's connection to the team server (``ctx.obj``)."""

    def __init__(self) -> None:
        creds = load_credentials()
        self.url = creds.url
        self.has_key = bool(creds.api_key)
        self._client: GridClient | None = None
        self._me: User | None = None

    @property
    def client(self) -> GridClient:
        """The client, after one /me call: it checks the key early and lets bare references
        (``name`` = mine) resolve."""
        if self._client is None:
            client = GridClient(self.url)
            try:
                self._me = client.me()
            except BaseException:
                client.close()
                raise
            self._client = client
        return self._client

    @property
    def me(self) -> User:
        self.client  # noqa: B018 - connects and fills self._me
        assert self._me is not None
        return self._me

    def role_in(self, team: str) -> str | None:
        return next((t["role"] for t in self.me.teams if t.get("name") == team), None)

    def may_modify(self, owner: str, team: str) -> bool:
        """What the permission table lets me do to ``owner``'s thing in ``team``; used only to
        skip a pointless confirmation prompt — the team server still decides."""
        return owner == self.me.username or self.role_in(team) in ("admin", "owner")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def get_grid() -> Grid:
    grid = click.get_current_context().find_object(Grid)
    assert grid is not None, "a grid command runs under the `grid` group, which makes one"
    return grid


def limit_option(f: Callable) -> Callable:
    return click.option(
        "--limit",
        type=click.IntRange(min=1),
        default=500,
        show_default=True,
        help="Show at most this many, newest first.",
    )(f)


def note_more(more: bool, limit: int) -> None:
    if more:
        click.echo(f"(showing the newest {limit}; use --limit to see more)", err=True)
