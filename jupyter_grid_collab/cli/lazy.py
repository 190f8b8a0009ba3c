"""A click group that imports a command's module only when that command runs.

Importing every command module up front (rich, the client, the models, the session and
snapshot helpers) cost about 150 ms on every `grid` start, `grid --help` included. Here
the group knows its commands from a static table: `grid --help` is drawn from that table
and `grid user` imports only the module that defines ``user``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import click


class Lazy(NamedTuple):
    """Where a command lives, and its help up to the end of its first sentence: all that
    the group's help shows of it (tests/test_cli_lazy.py holds it to the docstring)."""

    module: str
    attribute: str
    help: str


class LazyGroup(click.Group):
    """``lazy``: command name -> where it is, module names relative to ``package``."""

    def __init__(self, *args: Any, lazy: Mapping[str, Lazy], package: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)
        self.package = package

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.lazy, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        where = self.lazy[cmd_name]
        module = importlib.import_module(f"{self.package}.{where.module}")
        command = getattr(module, where.attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{where.module}.{where.attribute} is not a click command")
        self.add_command(command, cmd_name)  # loaded once per process
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's own listing, with each line's help from the table: listing the commands
        imports none of them."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.lazy and name not in self.commands:
                rows.append((name, short_help(self.lazy[name].help, limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def short_help(help_: str, limit: int) -> str:
    """The line click's help shows for a command whose help is ``help_``, at ``limit``
    characters (cut at the first sentence, else at a word, with "...")."""
    return click.Command(None, help=help_).get_short_help_str(limit)
