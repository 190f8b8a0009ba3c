"""The ``grid`` command group, and the one place errors become a single line on stderr."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from .._version import __version__
from .lazy import Lazy, LazyGroup

#: the shell's status for a command ended by Ctrl-C (128 + SIGINT)
INTERRUPTED = 130

#: every command: its module here, its name there, and its help's first sentence, which
#: is all `grid --help` shows (tests/test_cli_lazy.py holds each to its docstring)
COMMANDS = {
    "artifacts": Lazy(
        "artifacts",
        "artifacts",
        "Download artifacts of runs and experiments (`alice:run`, `alice:run-exp0`): a name "
        "ending in -exp<N> is an experiment, any other (`alice:cifar-explore`) a whole run.",
    ),
    "clone": Lazy(
        "runs",
        "clone",
        "Clone anyone's run (or one experiment of it, `alice:r-exp2`) into a new run of "
        "mine; parameters may be overridden the way `grid run` takes them: "
        "`grid clone alice:r --lr 0.5`.",
    ),
    "credential": Lazy(
        "credentials",
        "credential",
        "Set, list or delete the credentials git uses in my sessions.",
    ),
    "datastore": Lazy(
        "datastores",
        "datastore",
        "List datastore versions: mine; with --global everyone's in my teams; with USERNAME "
        "one teammate's.",
    ),
    "delete": Lazy(
        "runs", "delete", "Delete a run or one experiment, with its logs and artifacts."
    ),
    "history": Lazy("runs", "history", "All runs, finished ones included."),
    "login": Lazy(
        "teams",
        "login",
        "Check an API key against the team server and save both for later commands.",
    ),
    "logs": Lazy(
        "logs",
        "logs",
        "Print an experiment's logs (a bare run name means its first experiment).",
    ),
    "metrics": Lazy(
        "metrics",
        "metrics",
        "Compare runs and experiments (anyone's: `grid metrics alice:sweep bob:sweep`): one "
        "row per experiment, the params that differ, and each metric's last, min and max.",
    ),
    "run": Lazy(
        "submit",
        "run",
        'Run SCRIPT over a grid: list-valued arguments ("[a, b]") make one experiment per '
        "combination.",
    ),
    "session": Lazy(
        "sessions",
        "session",
        "List sessions: mine; with --global everyone's in my teams; with USERNAME one "
        "teammate's (`grid session --global alice`).",
    ),
    "status": Lazy(
        "runs",
        "status",
        "Active runs with experiment counts by status; with RUN, its experiments.",
    ),
    "stop": Lazy("runs", "stop", "Stop a run (all its experiments) or one experiment."),
    "teams": Lazy(
        "teams",
        "teams",
        "My teams; with TEAM: when it was created, its members and roles, its credit balance.",
    ),
    "user": Lazy("teams", "user", "Who am I: username, email, GitHub login, my teams and roles."),
}


class GridCommand(LazyGroup):
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
        except (click.ClickException, click.exceptions.Exit):
            raise  # click's own: its message, or a --help / --version done
        except Exception as exc:
            explained = _explained(ctx, exc)
            if explained is None:
                raise
            raise explained from None


def _explained(ctx: click.Context, exc: Exception) -> click.ClickException | None:
    """The one-line error for what a user can get wrong, None for a bug. Imported here,
    not at the top: a `grid` start that fails nothing never loads the client or models."""
    from ..client import GridError, Unauthorized
    from ..controls import visible
    from ..models import ReferenceError
    from .context import Grid

    if isinstance(exc, Unauthorized):
        grid = ctx.find_object(Grid)
        url = grid.url if grid else "the team server"
        if grid is not None and not grid.has_key:
            return click.ClickException(
                f"no API key for the team server at {url}: run `grid login --url {url} "
                "--key KEY` or set GRID_API_KEY"
            )
        return click.ClickException(
            f"the team server at {url} rejected your API key ({exc.message}): run "
            "`grid login` again or check GRID_API_KEY"
        )
    if isinstance(exc, GridError):
        # a refusal may quote a teammate's text: its escapes are shown, not obeyed
        return click.ClickException(visible(exc.message, True))
    if isinstance(exc, ReferenceError):
        return click.ClickException(str(exc))
    if isinstance(exc, BrokenPipeError):
        # `grid logs ... | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        ctx.exit(0)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return click.ClickException(f"{exc.strerror or exc}{where}")
    return None


def _interrupted(ctx: click.Context) -> NoReturn:
    """Ctrl-C is how `grid logs --follow` and any long wait end: the user knows, so neither
    click's "Aborted!" nor a traceback, and the status shells expect."""
    if sys.stderr.isatty():
        click.echo(err=True)  # the terminal echoed "^C": the shell's prompt starts below it
    ctx.exit(INTERRUPTED)


@click.group(
    cls=GridCommand,
    lazy=COMMANDS,
    package=__package__,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "-V", "--version", prog_name="grid")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Grid team collaboration from the terminal: sessions, runs, experiments, artifacts,
    logs and datastores of everyone in your teams.

    The team server and key come from `grid login`, or GRID_URL and GRID_API_KEY.
    """
    from .context import Grid

    grid = Grid()
    ctx.obj = grid
    ctx.call_on_close(grid.close)


def main() -> None:
    """Console script entry point."""
    cli(prog_name="grid")


if __name__ == "__main__":
    main()
