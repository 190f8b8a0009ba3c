"""``grid logs``: print an experiment's logs, or follow a running one until it ends."""

from __future__ import annotations

import json

import click

from ..controls import visible
from ..log_follow import log_pages
from ..models import EXPERIMENT_RE, LogLine, Reference, experiment_name, parse_reference
from .context import get_grid


def experiment_ref(text: str) -> str:
    """A bare run name means its first experiment, as the original Grid CLI did."""
    ref = parse_reference(text)
    if EXPERIMENT_RE.match(ref.name):
        return text
    return str(Reference(experiment_name(ref.name, 0), ref.owner))


def _emit(lines: list[LogLine], as_json: bool) -> None:
    for line in lines:
        if as_json:
            click.echo(json.dumps(line.to_json()))
        else:
            click.echo(visible(line.line))  # a teammate's escapes are shown, not obeyed


@click.command("logs")
@click.argument("ref", metavar="[USER:]EXPERIMENT_OR_RUN")
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
def logs(ref: str, tail: int | None, follow: bool, output: str) -> None:
    """Print an experiment's logs (a bare run name means its first experiment)."""
    client = get_grid().client
    exp = experiment_ref(ref)
    last = None
    for last in log_pages(client.read_logs, exp, tail=tail, follow=follow):
        _emit(last["lines"], output == "json")
    if follow and last is not None:
        click.echo(f"[{last.get('owner')}:{last.get('experiment')} {last['status']}]", err=True)
