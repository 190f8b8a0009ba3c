"""A click group that lists when given no subcommand and takes an optional USERNAME:
``grid session --global alice`` and ``grid session pause NAME`` must both parse."""

from __future__ import annotations

import click

from ..models import validate_username

USERNAME_KEY = "grid.username"


class ListingGroup(click.Group):
    """Click reads the first free word of a group as a subcommand name; here a first word
    that names no subcommand is taken out as the USERNAME before click parses the rest."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("invoke_without_command", True)
        kwargs.setdefault("subcommand_metavar", "[USERNAME] | COMMAND [ARGS]...")
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = list(args)
        index = self._first_word(ctx, args)
        if index is not None and args[index] not in self.commands:
            ctx.meta[USERNAME_KEY] = args.pop(index)
        return super().parse_args(ctx, args)

    def _first_word(self, ctx: click.Context, args: list[str]) -> int | None:
        """Index of the first argument that is neither an option nor an option's value."""
        takes_value = {
            opt
            for param in self.get_params(ctx)
            if isinstance(param, click.Option) and not param.is_flag and not param.count
            for opt in param.opts + param.secondary_opts
        }
        skip_next = False
        for i, arg in enumerate(args):
            if skip_next:
                skip_next = False
                continue
            if arg == "--":
                return i + 1 if i + 1 < len(args) else None
            if arg.startswith("-") and len(arg) > 1:
                skip_next = arg in takes_value
                continue
            return i
        return None


def username_arg() -> str | None:
    """The USERNAME a ListingGroup took from the command line, if any."""
    return click.get_current_context().meta.get(USERNAME_KEY)


def listing_scope(global_: bool) -> str:
    """The team API scope of a listing: one teammate's (a USERNAME was given), everyone's in
    my teams (--global), or mine."""
    username = username_arg()
    if username:
        return f"user={validate_username(username)}"
    return "team" if global_ else "mine"
