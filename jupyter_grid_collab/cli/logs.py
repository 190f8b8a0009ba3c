"""``grid logs``: print an experiment's logs, or follow a running one until it ends."""

from __future__ import annotations

import json

import click

from ..controls import visible
from ..log_follow import log_pages
from ..models import LogLine
from ..references import EXPERIMENT, Ref
from .context import get_grid
from .refs import RUN_OR_EXPERIMENT_REF
from .suggest import did_you_mean


def experiment_ref(ref: Ref) -> Ref:
    """A run means its first experiment, as the original Grid CLI did."""
    return ref if ref.kind == EXPERIMENT else ref.experiment(0)


def _emit(lines: list[LogLine], as_json: bool) -> None:
    for line in lines:
        if as_json:
            click.echo(json.dumps(line.to_json()))
        else:
            click.echo(visible(line.line))  # a teammate's escapes are shown, not obeyed


@click.command("logs")
# a name ending in -exp<N> is an experiment, anything else a run (Grid's rule); a malformed
# one (x-exp01) is an error, not a run whose experiment 0 does not exist
@click.argument("ref", metavar="[USER:]EXPERIMENT_OR_RUN", type=RUN_OR_EXPERIMENT_REF)
@click.option(
    "-n",
    "--tail_lines",
    "--tail-lines",
    "tail",
    type=click.IntRange(min=0),
    default=None,
    help="Only the last N lines.",
)
@click.option(
    "-f", "--follow", is_flag=True, help="Keep printing new lines until the experiment finishes."
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Plain lines, or one JSON object per line.",
)
def logs(ref: Ref, tail: int | None, follow: bool, output: str) -> None:
    """Print an experiment's logs (a bare run name means its first experiment)."""
    client = get_grid().client
    exp = experiment_ref(ref)
    last = None
    with did_you_mean(ref):
        for last in log_pages(client.read_logs, exp, tail=tail, follow=follow):
            _emit(last["lines"], output == "json")
    if follow and last is not None:
        click.echo(f"[{last.get('owner')}:{last.get('experiment')} {last['status']}]", err=True)
