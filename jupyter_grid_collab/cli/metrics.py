"""``grid metrics``: compare experiments' metrics, anyone's in my teams, in one table."""

from __future__ import annotations

import json
import sys
import time

import click

from ..compare import Comparison, compare, number
from ..controls import visible
from .context import get_grid
from .refs import RUN_OR_EXPERIMENT_REF
from .tables import Column, emit_table

FINISHED = {"succeeded", "failed", "cancelled"}


def _columns(table: Comparison) -> list[Column]:
    # the experiment and its status never go; a narrow terminal drops each metric's min and
    # max before its last value, and the params last of all
    cols = [Column("Experiment"), Column("Status")]
    cols += [Column(visible(p, True), drop=3) for p in table.params]
    for m in table.metrics:
        shown = visible(m, True)
        cols += [
            Column(shown, drop=2),
            Column(f"{shown} min", drop=1),
            Column(f"{shown} max", drop=1),
        ]
    return cols


def _print(table: Comparison, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(table.to_json(), indent=2))
    elif output == "csv":
        click.echo(table.to_csv(), nl=False)
    else:
        rows = [[number(v) for v in table.cells(row)] for row in table.rows]
        emit_table(_columns(table), rows, empty="No experiments.")


@click.command("metrics")
@click.argument(
    "refs",
    nargs=-1,
    required=True,
    metavar="[USER:]RUN_OR_EXPERIMENT...",
    type=RUN_OR_EXPERIMENT_REF,
)
@click.option(
    "--metric",
    "names",
    multiple=True,
    metavar="NAME",
    help="Only this metric (repeatable); default: every metric.",
)
@click.option(
    "--sort",
    "sort_key",
    metavar="METRIC[:min|max]|PARAM",
    help="Order by a metric's last value (or its min or max), or by a param.",
)
@click.option("--desc", is_flag=True, help="With --sort: highest first.")
@click.option(
    "-o",
    "--output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="A table, JSON, or CSV (a spreadsheet's).",
)
@click.option(
    "-f",
    "--follow",
    is_flag=True,
    help="Print the table again every --interval seconds until every experiment has finished.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.5),
    default=2.0,
    show_default=True,
    help="Seconds between refreshes with --follow.",
)
def metrics(refs, names, sort_key, desc, output, follow, interval) -> None:
    """Compare runs and experiments (anyone's: `grid metrics alice:sweep bob:sweep`): one
    row per experiment, the params that differ, and each metric's last, min and max."""
    client = get_grid().client
    if follow and output != "table":
        raise click.UsageError("--follow redraws a table: use it without --output")
    redraw = follow and sys.stdout.isatty()
    while True:
        table = compare(client.metrics(list(refs), names=list(names) or None, max_points=0))
        if sort_key:
            try:
                table = table.sorted_by(sort_key, desc)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--sort") from None
        if redraw:
            click.clear()
        if follow:
            click.echo(time.strftime("%H:%M:%S"), err=True)
        _print(table, output)
        if not follow or all(r.status in FINISHED for r in table.rows):
            return
        time.sleep(interval)
