"""The ``grid`` command group, and the one place errors become a single line on stderr."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from .._version import __version__
from ..client import GridError, Unauthorized
from ..controls import visible
from ..models import ReferenceError
from . import artifacts, credentials, datastores, logs, runs, sessions, submit, teams
from .context import Grid

#: the shell's status for a command ended by Ctrl-C (128 + SIGINT)
INTERRUPTED = 130


class GridCommand(click.Group):
    """Turns what a user can get wrong (bad reference, refused action, unknown user, server
    down, wrong key, a local file) into click's one-line ``Error: ...`` and exit 1, and
    Ctrl-C into a quiet exit 130."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _interrupted(ctx)
        except click.Abort as exc:
            # a prompt turns Ctrl-C into Abort; answering "no" (or closed stdin) stays
            # click's "Aborted!" and exit 1
            if isinstance(exc.__context__, KeyboardInterrupt):
                _interrupted(ctx)
            raise
        except Unauthorized as exc:
            grid = ctx.find_object(Grid)
            url = grid.url if grid else "the team server"
            if grid is not None and not grid.has_key:
                raise click.ClickException(
                    f"no API key for the team server at {url}: run `grid login --url {url} "
                    "--key KEY` or set GRID_API_KEY"
                ) from None
            raise click.ClickException(
                f"the team server at {url} rejected your API key ({exc.message}): run "
                "`grid login` again or check GRID_API_KEY"
            ) from None
        except GridError as exc:
            # a refusal may quote a teammate's text: its escapes are shown, not obeyed
            raise click.ClickException(visible(exc.message, True)) from None
        except ReferenceError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            # `grid logs ... | head`: the reader left; that is not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"{exc.strerror or exc}{where}") from None


def _interrupted(ctx: click.Context) -> NoReturn:
    """Ctrl-C is how `grid logs --follow` and any long wait end: the user knows, so neither
    click's "Aborted!" nor a traceback, and the status shells expect."""
    if sys.stderr.isatty():
        click.echo(err=True)  # the terminal echoed "^C": the shell's prompt starts below it
    ctx.exit(INTERRUPTED)


@click.group(cls=GridCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="grid")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Grid team collaboration from the terminal: sessions, runs, experiments, artifacts,
    logs and datastores of everyone in your teams.

    The team server and key come from `grid login`, or GRID_URL and GRID_API_KEY.
    """
    grid = Grid()
    ctx.obj = grid
    ctx.call_on_close(grid.close)


for command in (
    teams.login,
    teams.user,
    teams.teams,
    sessions.session,
    credentials.credential,
    submit.run,
    runs.status,
    runs.history,
    runs.stop,
    runs.delete,
    runs.clone,
    artifacts.artifacts,
    logs.logs,
    datastores.datastore,
):
    cli.add_command(command)


def main() -> None:
    """Console script entry point."""
    cli(prog_name="grid")


if __name__ == "__main__":
    main()
