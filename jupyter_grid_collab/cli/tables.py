"""How the CLI shows things: rich tables for people, JSON for scripts, and the small
formatters (durations, sizes, times) every table shares. Sizes and durations are the
package's one convention (``formats``), the same the panel and the sidebar print.

One rule fits every table to the terminal: a cell is never cut. Names, references, URLs
and owners are what a reader copies from a table, and a cut one (``lr-…``, ``http://1…``)
is useless or, worse, names something else. So a table narrower than its content drops
its lower-value columns (created, duration, instance type, counts), lowest first, and only
free text such as a command wraps onto more lines. When even the columns that are never
dropped do not fit, each row is printed as ``Header: value`` lines instead: every value
stays whole and on one line.

A table rich would draw with no wrapping and no wide characters, on a console whose width
and styling this module can tell as rich would (``_plain_console``), is drawn here, byte
for byte as rich draws it, without importing rich (25 ms of every `grid user`);
tests/test_cli_tables_plain.py holds the two to the same output.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ..controls import visible
from ..formats import duration, size  # noqa: F401  (every table formats with these)

if TYPE_CHECKING:
    # rich is imported by the functions that draw (about 25 ms): a command that prints
    # JSON, a line or an error never loads it
    from rich.console import Console
    from rich.table import Table

#: what rich's default table (heavy head box, one space of padding each side) adds: each
#: column its left rule and two spaces, the table its right edge
FRAME_PER_COLUMN = 3
FRAME = 1


@dataclass(frozen=True)
class Column:
    """A table column. ``drop`` is None for a column every width shows whole (a name, a
    reference, a URL, an owner); otherwise its rank in the order a narrow terminal drops
    columns, 1 first. ``wrap``: free text (a command) that may continue on further lines;
    every other cell stays on one line."""

    header: str
    drop: int | None = None
    wrap: bool = False


def console(stderr: bool = False) -> Console:
    """A console; into a pipe it is wide enough that no column is wrapped or cut, so the
    output of `grid ... | grep` and pasted docs show every cell whole."""
    from rich.console import Console

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


def _cell(value: Any) -> str:
    # cells hold teammates' text (messages quoting their output): show escapes, not obey
    return "-" if value is None or value == "" else visible(str(value), True)


def needs(
    column: Column, cells: Iterable[str], cell_len: Callable[[str], int] | None = None
) -> int:
    """The fewest character columns ``column`` takes with no cell cut: its widest line,
    or for free text, which wraps, its longest word. ``cell_len``: how wide a text is on
    a terminal (rich's measure unless the texts are known to be ASCII)."""
    if cell_len is None:
        from rich.cells import cell_len as rich_len

        cell_len = rich_len
    measure = cell_len  # a name the generators below see as set
    texts = [column.header, *cells]
    if column.wrap:
        return max(measure(word) for text in texts for word in text.split() or [""])
    return max(measure(line) for text in texts for line in text.splitlines() or [""])


def table_width(widths: Iterable[int]) -> int:
    """The terminal columns a table takes whose columns take ``widths``."""
    widths = list(widths)
    return sum(widths) + FRAME_PER_COLUMN * len(widths) + FRAME


def _table(
    columns: Sequence[Column], rows: list[list[str]], shown: list[int], title: str | None
) -> Table:
    """The table of the ``shown`` columns (indexes into ``columns`` and each row)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", header_style="bold")
    for i in shown:
        column = columns[i]
        table.add_column(
            column.header,
            # "fold" keeps every character should a cell ever be narrowed (never "…");
            # a one-line column is held at its widest cell, so rich narrows only free text
            overflow="fold",
            no_wrap=not column.wrap,
            min_width=None if column.wrap else needs(column, (row[i] for row in rows)),
        )
    for row in rows:
        # Text, not str: a teammate's "[bold]" in a command is text, not rich markup
        table.add_row(*(Text(row[i]) for i in shown))
    return table


def _columns_that_fit(
    columns: Sequence[Column],
    rows: list[list[str]],
    width: int,
    cell_len: Callable[[str], int] | None = None,
) -> list[int] | None:
    """Indexes of the columns to show at ``width``: all of them, or fewer, dropped by
    ``drop`` rank, 1 first (the rightmost of equal ranks first); None when even the
    columns never dropped do not fit."""
    widths = [needs(column, (row[i] for row in rows), cell_len) for i, column in enumerate(columns)]
    shown = list(range(len(columns)))
    while True:
        if table_width(widths[i] for i in shown) <= width:
            return shown
        droppable = [i for i in shown if columns[i].drop is not None]
        if not droppable:
            return None
        shown.remove(min(reversed(droppable), key=lambda i: columns[i].drop or 0))


def _emit_records(columns: Sequence[Column], rows: list[list[str]], title: str | None) -> None:
    """Each row as ``Header: value`` lines, a blank line between rows: the layout for a
    terminal too narrow for the table, where every value must still be whole."""
    if title:
        click.echo(title)
    label_width = max(len(c.header) for c in columns) + 2
    for n, row in enumerate(rows):
        if n:
            click.echo()
        for column, cell in zip(columns, row, strict=True):
            lines = cell.splitlines() or [""]
            click.echo(f"{column.header + ':':<{label_width}}{lines[0]}")
            for more in lines[1:]:
                click.echo(" " * label_width + more)


def emit_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    empty: str,
    title: str | None = None,
) -> None:
    """Print a table that fits the terminal without cutting a cell (see the module's
    docstring), or ``empty`` when there is nothing to show."""
    cells = [[_cell(value) for value in row] for row in rows]
    if not cells:
        click.echo(empty)
        return
    plain = _plain_console() if title is None and _plain_cells(columns, cells) else None
    if plain is not None:
        width, bold = plain
        shown = _columns_that_fit(columns, cells, width, len)
        if shown is None:
            _emit_records(columns, cells, title)
            return
        # rich's widths when nothing wraps: each column's widest text
        widths = {i: max(len(columns[i].header), *(len(row[i]) for row in cells)) for i in shown}
        if table_width(widths.values()) <= width:
            # color=True: the bold codes rich would write (FORCE_COLOR into a pipe) stay
            click.echo(_drawn(columns, cells, widths, bold), nl=False, color=True)
            return
    out = console()
    shown = _columns_that_fit(columns, cells, out.width)
    if shown is None:
        _emit_records(columns, cells, title)
        return
    out.print(_table(columns, cells, shown, title))


def _plain_cells(columns: Sequence[Column], cells: list[list[str]]) -> bool:
    """Every header and cell one line of printable ASCII: one terminal column a character
    (and no header that rich would read as markup or an emoji code)."""
    if any("[" in c.header or ":" in c.header for c in columns):
        return False
    texts = [c.header for c in columns] + [cell for row in cells for cell in row]
    return all(text.isascii() and text.isprintable() for text in texts)


def _plain_console() -> tuple[int, bool] | None:
    """(width, bold headers) of the console ``console()`` makes, told as rich tells them,
    or None where only rich can: a notebook or IDLE, Windows, a stdout that is not UTF-8
    (rich draws ASCII boxes there) or that a rich live display holds."""
    out = sys.stdout
    if (
        out is None
        or sys.platform == "win32"
        or hasattr(builtins, "get_ipython")
        or hasattr(out, "rich_proxied_file")
        or getattr(sys.stdin, "__module__", "").startswith("idlelib")
        or not (getattr(out, "encoding", None) or "utf-8").lower().startswith("utf")
    ):
        return None
    env = os.environ
    tty, force = env.get("TTY_COMPATIBLE", ""), env.get("FORCE_COLOR")
    if tty in ("0", "1"):
        terminal = tty == "1"
    elif force is not None:
        terminal = force != ""
    else:
        try:
            terminal = bool(out.isatty())
        except ValueError:  # closed
            terminal = False
    dumb = terminal and env.get("TERM", "").lower() in ("dumb", "unknown")
    if "COLUMNS" not in env and not terminal:
        return 250, False  # console()'s width into a pipe
    columns, lines = env.get("COLUMNS", ""), env.get("LINES", "")
    if columns.isdigit() and not int(columns):
        return None  # rich's width would be 0
    if columns.isdigit() and lines.isdigit():  # both given: rich asks nothing more
        width = int(columns)
    elif dumb:
        width = 80
    else:
        width = 0
        for fd in (0, 1, 2):  # rich asks stdin, stdout, stderr in turn
            try:
                width = os.get_terminal_size(fd).columns
                break
            except (AttributeError, ValueError, OSError):
                pass
        width = int(columns) if columns.isdigit() else width or 80
    return width, terminal and not dumb


def _drawn(
    columns: Sequence[Column], rows: list[list[str]], widths: dict[int, int], bold: bool
) -> str:
    """The table as rich draws it (heavy head box, a space of padding each side, headers
    bold on a terminal) with these columns at these widths, no cell wider."""
    spans = [widths[i] + 2 for i in widths]
    on, off = ("\x1b[1m", "\x1b[0m") if bold else ("", "")

    def head(text: str, width: int) -> str:
        return f"{on} {off}{on}{text.ljust(width)}{off}{on} {off}"

    lines = [
        "┏" + "┳".join("━" * n for n in spans) + "┓",
        "┃" + "┃".join(head(columns[i].header, w) for i, w in widths.items()) + "┃",
        "┡" + "╇".join("━" * n for n in spans) + "┩",
        *("│" + "│".join(f" {row[i].ljust(w)} " for i, w in widths.items()) + "│" for row in rows),
        "└" + "┴".join("─" * n for n in spans) + "┘",
    ]
    return "\n".join(lines) + "\n"


def when(iso: str | None) -> str:
    """The API's ISO 8601 UTC time as ``2024-05-01 12:00:03``."""
    if not iso:
        return "-"
    return iso.replace("T", " ").removesuffix("Z")
