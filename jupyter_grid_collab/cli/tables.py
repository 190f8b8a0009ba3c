"""How the CLI shows things: rich tables for people, JSON for scripts, and the small
formatters (durations, sizes, times) every table shares. Sizes and durations are the
package's one convention (``formats``), the same the panel and the sidebar print."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ..controls import visible
from ..formats import duration, size  # noqa: F401  (every table formats with these)


def console(stderr: bool = False) -> Console:
    """A console; into a pipe it is wide enough that no column is wrapped or cut, so the
    output of `grid ... | grep` and pasted docs show every cell whole."""
    if "COLUMNS" not in os.environ:
        probe = Console(stderr=stderr)
        if not probe.is_terminal:
            return Console(stderr=stderr, highlight=False, width=250)
    return Console(stderr=stderr, highlight=False)


def output_option(f: Callable) -> Callable:
    """``-o/--output table|json`` on every listing."""
    return click.option(
        "-o",
        "--output",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="Print a table, or JSON for scripts.",
    )(f)


def emit_json(data: Any) -> None:
    # click.echo, not rich: JSON must reach a script byte for byte (no wrapping, no colour)
    click.echo(json.dumps(data, indent=2))


def emit_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str, title: str | None = None
) -> None:
    """Print a table, or ``empty`` when there is nothing to show."""
    rows = list(rows)
    if not rows:
        click.echo(empty)
        return
    table = Table(*columns, title=title, title_justify="left", header_style="bold")
    for row in rows:
        # cells hold teammates' text (messages quoting their output): show escapes, not obey
        table.add_row(
            *("-" if cell is None or cell == "" else visible(str(cell), True) for cell in row)
        )
    console().print(table)


def when(iso: str | None) -> str:
    """The API's ISO 8601 UTC time as ``2024-05-01 12:00:03``."""
    if not iso:
        return "-"
    return iso.replace("T", " ").removesuffix("Z")
