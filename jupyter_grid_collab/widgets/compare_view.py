"""TeamPanel's Compare view: runs and experiments of anyone in the team side by side, as a
sortable table (the params that differ, each metric's last, min and max: compare.py's) and a
chart per metric with a line per experiment, kept up to date while any of them runs.

Like the rest of the panel it works on the kernel's event loop: one task polls every
``interval`` seconds with an awaited request and changes the widgets on that loop, never from
a thread (ipywidgets are not thread-safe). It stops once every experiment has finished, when
"live" is unticked, and when the view is closed; like every task of the kernel's loop, it
waits while a cell of the same kernel runs."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import ipywidgets as w

from ..answers import ExperimentMetrics
from ..client import AsyncGridClient, GridError, ServerError, Unreachable
from ..compare import Comparison, compare, number
from ..references import Ref, ReferenceError
from .compare_charts import COLORS, Charts
from .compare_data import (
    column_keys,
    fetch,
    owned,
    running,
    sort_choices,
)
from .compare_export import CsvExport

INTERVAL = 2.0
ERROR = "var(--jp-error-color1, #d32f2f)"


def _esc(value: object) -> str:
    return html.escape(str(value))


def _retrying(exc: GridError) -> bool:
    """A failure that may pass by itself (the team server out of reach, or overloaded)."""
    return isinstance(exc, Unreachable) or (
        isinstance(exc, ServerError) and exc.status in (500, 502, 503, 504)
    )


class CompareView(w.VBox):
    """Pick runs or experiments (``add("alice:sweep", "bob:sweep-exp0")``), see them
    compared; ``spawn`` runs a coroutine on the kernel's loop (TeamPanel.spawn)."""

    def __init__(
        self,
        client: AsyncGridClient,
        spawn: Callable[[Awaitable[Any]], asyncio.Task[Any] | None],
        *,
        interval: float = INTERVAL,
        folder: str | None = None,
        on_change: Callable[[], None] | None = None,
    ):
        self.client = client
        self.spawn = spawn
        self.interval = interval
        self.on_change = on_change
        self.refs: list[Ref] = []
        self.experiments: list[ExperimentMetrics] = []
        self.comparison: Comparison | None = None  # the table as sorted and shown
        self.colors: dict[str, str] = {}
        self._poller: asyncio.Task[Any] | None = None
        self._load_failed = False
        self._quiet = False
        self._shape: tuple[Any, ...] = ()
        self._cells: list[list[w.HTML]] = []
        self._heads: list[w.Widget] = []

        self.add_text = w.Text(
            placeholder="alice:mnist-sweep bob:lr-too-high-exp0",
            description="Compare",
            layout=w.Layout(width="420px"),
        )
        self.add_button = w.Button(description="Add", icon="plus", layout=w.Layout(width="auto"))
        self.add_button.on_click(
            lambda _b: self.add(*self.add_text.value.replace(",", " ").split())
        )
        self.clear_button = w.Button(description="Clear", layout=w.Layout(width="auto"))
        self.clear_button.on_click(lambda _b: self.clear())
        self.refresh_button = w.Button(
            description="Refresh", icon="refresh", layout=w.Layout(width="auto")
        )
        self.refresh_button.on_click(lambda _b: self.reload())
        self.live = w.Checkbox(
            value=True,
            description=f"live (every {interval:g} s while any runs)",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.live.observe(lambda _c: self.reload() if self.live.value else self.stop(), "value")
        self.picked = w.Box(layout=w.Layout(flex_flow="row wrap"))
        self.message = w.HTML()
        self.status_line = w.HTML(
            "<i>Nothing compared yet: tick “compare” on runs or experiments in the Runs tab, "
            "or type references above (anyone's in your teams).</i>"
        )

        self.sort = w.Dropdown(
            options=[("as named", "")],
            value="",
            description="Sort by",
            layout=w.Layout(width="260px"),
        )
        self.descending = w.Checkbox(value=False, description="highest first", indent=False)
        self.descending.layout.width = "auto"
        for control in (self.sort, self.descending):
            control.observe(lambda _c: None if self._quiet else self.draw(), names="value")
        self.table = w.GridBox(layout=w.Layout(grid_gap="2px 12px", overflow="auto"))

        # folder: where CSV files go; None: the kernel's working folder (the notebook's)
        self.export = CsvExport(lambda: self.comparison, self.say, folder)
        self.charts = Charts()
        self.results = w.VBox(
            [w.HBox([self.sort, self.descending]), self.table, self.export, self.charts],
            layout=w.Layout(display="none"),
        )
        super().__init__(
            [
                w.HBox(
                    [
                        self.add_text,
                        self.add_button,
                        self.clear_button,
                        self.refresh_button,
                        self.live,
                    ]
                ),
                self.picked,
                self.message,
                self.status_line,
                self.results,
            ]
        )

    # ------------------------------------------------------------- picking
    def add(self, *refs: str | Ref) -> None:
        """Add runs or experiments (``alice:sweep``, ``sweep`` for mine, or a row's Ref)."""
        if refs:
            self.spawn(self._add(refs))

    def has(self, ref: Ref) -> bool:
        return ref in self.refs

    def remove(self, ref: Ref) -> None:
        if ref in self.refs:
            self.refs.remove(ref)
            self._changed()

    def clear(self) -> None:
        self.refs = []
        self.say("")
        self._changed()

    async def _add(self, items: Sequence[str | Ref]) -> None:
        # each new reference is checked alone first, so one that does not exist (or is an
        # outsider's) is named and left out instead of failing the whole comparison
        async def check(item: str | Ref) -> Ref | str:
            try:
                ref = (
                    item.owned(await self.client.whoami())
                    if isinstance(item, Ref)
                    else await owned(self.client, item)
                )
                if ref not in self.refs:
                    await fetch(self.client, [ref], max_points=0)
                return ref
            except (ReferenceError, ValueError) as exc:
                return str(exc)
            except GridError as exc:
                return exc.message

        outcomes = await asyncio.gather(*(check(item) for item in items))
        problems = [o for o in outcomes if isinstance(o, str)]
        new = [o for o in outcomes if isinstance(o, Ref) and o not in self.refs]
        for ref in new:
            if ref not in self.refs:
                self.refs.append(ref)
        if problems:
            self.say("; ".join(_esc(p) for p in problems), error=True)
        else:
            self.say("")
            if any(isinstance(i, str) for i in items):
                self.add_text.value = ""
        if new:
            self._changed()
        elif self.on_change is not None:
            self.on_change()  # a row's tick that was refused goes back

    def _changed(self) -> None:
        self.picked.children = [self._chip(r) for r in self.refs]
        if self.on_change is not None:
            self.on_change()
        if self.refs:
            self.reload()
        else:
            self.stop()
            self.experiments, self.comparison = [], None
            self.results.layout.display = "none"
            self.status_line.value = "<i>Nothing compared.</i>"

    def _chip(self, ref: Ref) -> w.Button:
        chip = w.Button(
            description=f"{ref} ✕",
            tooltip=f"Stop comparing {ref}",
            layout=w.Layout(width="auto"),
        )
        chip.on_click(lambda _b: self.remove(ref))
        return chip

    # ------------------------------------------------------------- loading
    @property
    def polling(self) -> bool:
        """Whether the view is still fetching and will fetch again."""
        return self._poller is not None and not self._poller.done()

    def reload(self) -> None:
        """Fetch now, then keep fetching every ``interval`` s while any experiment runs."""
        self.stop()
        if self.refs:
            self._poller = self.spawn(self._poll())

    def stop(self) -> None:
        """No more fetching (until a reload or a change of what is compared)."""
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None

    async def _poll(self) -> None:
        while True:
            failed = await self.load()
            if failed is not None and not _retrying(failed):
                return
            if failed is None and not running(self.experiments):
                return
            if not self.live.value:
                return
            await asyncio.sleep(self.interval)

    async def load(self) -> GridError | None:
        """Fetch and show the compared experiments once; the failure, shown, if any."""
        try:
            found = await fetch(self.client, self.refs)
        except GridError as exc:
            again = f" Trying again every {self.interval:g} s." if _retrying(exc) else ""
            self.say(_esc(exc.message) + again, error=True)
            self._load_failed = True
            return exc
        if self._load_failed:
            self.say("")
            self._load_failed = False
        self.experiments = found
        for e in found:
            ref = f"{e.owner}:{e.experiment}"
            self.colors.setdefault(ref, COLORS[len(self.colors) % len(COLORS)])
        self.draw()
        return None

    # ------------------------------------------------------------- showing
    def draw(self) -> None:
        """Show the fetched experiments: the table in the chosen order, and the charts."""
        table = compare(self.experiments)
        self._sort_choices(table)
        shown = table
        if self.sort.value:
            try:
                shown = table.sorted_by(self.sort.value, self.descending.value)
            except ValueError as exc:
                self.say(_esc(exc), error=True)
        self.comparison = shown
        self._table(shown)
        self.charts.show(self.experiments, table.metrics, self.colors)
        self.results.layout.display = ""
        live = running(self.experiments)
        n = len(self.experiments)
        state = (
            f"{live} running: updating every {self.interval:g} s"
            if live and self.live.value
            else f"{live} running: not updating (tick live)"
            if live
            else "all finished"
        )
        self.status_line.value = (
            f"{n} experiment{'s' if n != 1 else ''} · {state} · updated {time.strftime('%H:%M:%S')}"
        )

    def _sort_choices(self, table: Comparison) -> None:
        choices = sort_choices(table)
        if list(self.sort.options) != choices:
            keep = self.sort.value if self.sort.value in {k for _, k in choices} else ""
            self._quiet = True
            try:
                self.sort.options = choices
                self.sort.value = keep
            finally:
                self._quiet = False

    def sort_by(self, key: str, descending: bool | None = None) -> None:
        """Order the table by ``key`` (a metric, ``metric:min|max``, a param, '' as named);
        a header's click: the same column again flips the order."""
        self._quiet = True
        try:
            if descending is None:
                descending = not self.descending.value if self.sort.value == key else False
            self.sort.value = key
            self.descending.value = descending
        finally:
            self._quiet = False
        self.draw()

    def _table(self, table: Comparison) -> None:
        header, keys = table.header(), column_keys(table)
        shape = (tuple(header), len(table.rows), self.sort.value, self.descending.value)
        if shape != self._shape:
            self._shape = shape
            self._heads = [self._head(text, key) for text, key in zip(header, keys, strict=True)]
            self._cells = [[w.HTML() for _ in header] for _ in table.rows]
            self.table.layout.grid_template_columns = f"repeat({len(header)}, max-content)"
            self.table.children = [*self._heads, *(c for row in self._cells for c in row)]
        for row, cells in zip(table.rows, self._cells, strict=True):
            values = table.cells(row)
            swatch = self.colors.get(row.ref, "transparent")
            texts = [
                f'<span style="color:{swatch}">■</span> {_esc(row.ref)}',
                _esc(row.status),
                *(_esc(number(v)) for v in values[2:]),
            ]
            for cell, text in zip(cells, texts, strict=True):
                if cell.value != text:
                    cell.value = text

    def _head(self, text: str, key: str) -> w.Widget:
        if not key:
            return w.HTML(f"<b>{_esc(text)}</b>")
        arrow = ""
        if self.sort.value == key:
            arrow = " ▼" if self.descending.value else " ▲"
        head = w.Button(
            description=text + arrow,
            tooltip=f"Sort by {text}" + (" (click again to flip)" if arrow else ""),
            layout=w.Layout(width="auto"),
        )
        head.on_click(lambda _b: self.sort_by(key))
        return head

    def say(self, text: str, error: bool = False) -> None:
        """``text`` is HTML: escape a teammate's part of it first."""
        color = ERROR if error else "inherit"
        self.message.value = f'<span style="color:{color}">{text}</span>' if text else ""

    def close(self) -> None:
        """Stop fetching, and close the view's widgets."""
        self.stop()
        super().close()
