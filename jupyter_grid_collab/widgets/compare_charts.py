"""The Compare view's charts: one bqplot figure per metric, one line per experiment (the
same colour in every chart and beside its row in the table), each savable as PNG or SVG.
bqplot (and numpy) load with the first chart, so a panel that never compares starts
without them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from ..answers import ExperimentMetrics
from .compare_data import file_stem

#: bqplot's category10, so a line's colour matches its row's swatch
COLORS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
SAVE_NOTE = (
    "PNG and SVG are saved by your browser, into its downloads folder: the chart must be "
    "showing on screen (nothing is written next to the notebook)."
)


class Chart(w.VBox):
    """One metric's figure: a line per experiment, x the step, and its save buttons."""

    def __init__(self, metric: str, log: bool):
        import bqplot as bq

        self.metric = metric
        self.x_scale = bq.LinearScale()
        self.y_scale = self._y(log)
        self.x_axis = bq.Axis(scale=self.x_scale, label="step", side="bottom", tick_format="d")
        self.y_axis = bq.Axis(scale=self.y_scale, side="left", tick_format=".3~g")
        # the title and legend are SVG text (not HTML): a teammate's metric name is shown
        # as it is, never interpreted
        self.figure = bq.Figure(
            marks=[],
            axes=[self.x_axis, self.y_axis],
            title=metric,
            legend_location="top-right",
            # see-through, so a curve under the legend still shows
            legend_style={"fill": "white", "fill-opacity": 0.6},
            fig_margin={"top": 40, "bottom": 40, "left": 60, "right": 20},
            layout=w.Layout(width="460px", height="320px"),
        )
        self.lines: dict[str, Any] = {}  # owner:experiment -> its Lines
        self.png = w.Button(description="PNG", icon="download", layout=w.Layout(width="auto"))
        self.svg = w.Button(description="SVG", icon="download", layout=w.Layout(width="auto"))
        self.png.on_click(lambda _b: self.figure.save_png(f"{file_stem(metric)}.png"))
        self.svg.on_click(lambda _b: self.figure.save_svg(f"{file_stem(metric)}.svg"))
        self.png.tooltip = self.svg.tooltip = "Your browser saves it (into its downloads)"
        super().__init__([self.figure, w.HBox([self.png, self.svg])])

    @staticmethod
    def _y(log: bool) -> Any:
        import bqplot as bq

        return bq.LogScale() if log else bq.LinearScale()

    def set_log(self, log: bool) -> None:
        """A log y axis (a diverging curve no longer flattens the others) or a linear one."""
        self.y_scale = self._y(log)
        with self.figure.hold_sync():
            for line in self.lines.values():
                line.scales = {"x": self.x_scale, "y": self.y_scale}
            self.y_axis.scale = self.y_scale

    def show(self, ref: str, color: str, steps: list[int], values: list[float | None]) -> None:
        """``ref``'s curve as it now stands (a new line the first time)."""
        import bqplot as bq
        import numpy as np

        x = np.asarray(steps, dtype=float)
        # None is a point that was not a number: a gap in the line
        y = np.asarray([np.nan if v is None else v for v in values], dtype=float)
        line = self.lines.get(ref)
        if line is None:
            line = bq.Lines(
                x=x,
                y=y,
                scales={"x": self.x_scale, "y": self.y_scale},
                labels=[ref],
                display_legend=True,
                colors=[color],
                stroke_width=2,
            )
            self.lines[ref] = line
            self.figure.marks = [*self.figure.marks, line]
        elif not (np.array_equal(line.x, x) and np.array_equal(line.y, y, equal_nan=True)):
            with line.hold_sync():
                line.x, line.y = x, y
        self._step_ticks()

    def _step_ticks(self) -> None:
        # steps are whole numbers: a tick on each while there are few, instead of d3's
        # halves (a format alone would label 2.5 as 3)
        import numpy as np

        ends = [(m.x[0], m.x[-1]) for m in self.lines.values() if len(m.x)]
        lo, hi = (min(a for a, _ in ends), max(b for _, b in ends)) if ends else (0, 0)
        ticks = np.arange(int(lo), int(hi) + 1) if hi - lo <= 10 else None
        if ticks is None or self.x_axis.tick_values is None:
            self.x_axis.tick_values = ticks
        elif not np.array_equal(self.x_axis.tick_values, ticks):
            self.x_axis.tick_values = ticks

    def keep(self, refs: set[str]) -> None:
        """Drop the lines of experiments no longer compared."""
        gone = [r for r in self.lines if r not in refs]
        if gone:
            for r in gone:
                del self.lines[r]
            self.figure.marks = list(self.lines.values())


class Charts(w.VBox):
    """Every metric's chart, side by side, wrapping in a narrow notebook."""

    def __init__(self) -> None:
        self.log_y = w.Checkbox(value=False, description="log y", indent=False)
        self.log_y.layout.width = "auto"
        self.log_y.observe(lambda _c: self._relog(), names="value")
        self.note = w.HTML(f"<small>{SAVE_NOTE}</small>")
        self.box = w.Box(layout=w.Layout(flex_flow="row wrap"))
        self.charts: dict[str, Chart] = {}
        super().__init__([w.HBox([self.log_y, self.note]), self.box])
        self.layout.display = "none"

    def show(
        self, experiments: Sequence[ExperimentMetrics], metrics: list[str], colors: dict[str, str]
    ) -> None:
        """Draw ``metrics`` (the table's, in its order) for ``experiments``."""
        for metric in metrics:
            if metric not in self.charts:
                self.charts[metric] = Chart(metric, self.log_y.value)
        refs = {f"{e.owner}:{e.experiment}" for e in experiments}
        for e in experiments:
            ref = f"{e.owner}:{e.experiment}"
            for s in e.series:
                if s.name in self.charts:
                    self.charts[s.name].show(ref, colors[ref], s.step, s.value)
        for chart in self.charts.values():
            chart.keep(refs)
        wanted = [self.charts[m] for m in metrics]
        if list(self.box.children) != wanted:
            self.box.children = wanted
        self.layout.display = "" if wanted else "none"

    def _relog(self) -> None:
        for chart in self.charts.values():
            chart.set_log(self.log_y.value)
