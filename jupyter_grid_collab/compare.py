"""A comparison of experiments, anyone's in the team: one row per experiment with the
params that differ between them and where each metric ended (last, min, max).

``grid metrics`` prints it, TeamPanel's Compare view shows it; both sort it and export it
as CSV from here, so a table means the same wherever it is read.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: what a sort key may name of a metric: its last value, or its lowest or highest
STATS = ("last", "min", "max")
#: what a spreadsheet reads as a formula at the start of a text cell: a teammate's param
#: "=HYPERLINK(...)" must open as that text, not run (CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Row:
    """One experiment of the comparison."""

    ref: str  # owner:experiment
    owner: str
    run: str
    experiment: str
    status: str
    params: dict[str, Any]
    # metric -> stat -> value (None: not a number, or no finite value)
    metrics: dict[str, dict[str, float | None]] = field(default_factory=dict)


@dataclass
class Comparison:
    rows: list[Row]
    #: the params whose values differ between rows (every param when there is one row)
    params: list[str]
    metrics: list[str]

    def sorted_by(self, key: str, descending: bool = False) -> Comparison:
        """Rows ordered by ``metric`` (its last value), ``metric:min`` or ``metric:max``, or
        a param's name; rows without a value go last either way."""
        # a metric's own name may hold a colon (val:acc): the whole key first
        metric, stat = key, "last"
        if key not in self.metrics and ":" in key:
            metric, _, stat = key.rpartition(":")
            if stat not in STATS:
                raise ValueError(f"sort by {key!r}: after the colon, one of {', '.join(STATS)}")
        if metric in self.metrics:

            def value(row: Row) -> Any:
                return row.metrics.get(metric, {}).get(stat)
        elif metric in self.params or any(metric in r.params for r in self.rows):

            def value(row: Row) -> Any:
                return row.params.get(metric)
        else:
            known = ", ".join(self.metrics + self.params) or "none"
            raise ValueError(f"sort by {metric!r}: no such metric or param (there are: {known})")
        present = [r for r in self.rows if _sortable(value(r))]
        absent = [r for r in self.rows if not _sortable(value(r))]
        present.sort(key=lambda r: _key(value(r)), reverse=descending)
        return Comparison(present + absent, self.params, self.metrics)

    def header(self) -> list[str]:
        cols = ["experiment", "status", *self.params]
        for m in self.metrics:
            cols += [m, f"{m} min", f"{m} max"]
        return cols

    def cells(self, row: Row) -> list[Any]:
        """The row's values under ``header()``: numbers and text as they are."""
        out: list[Any] = [row.ref, row.status, *(row.params.get(p) for p in self.params)]
        for m in self.metrics:
            stats = row.metrics.get(m, {})
            out += [stats.get("last"), stats.get("min"), stats.get("max")]
        return out

    def to_csv(self) -> str:
        """The table as CSV; a text cell a spreadsheet would take for a formula starts with
        an apostrophe (numbers are written as they are, negative ones too)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([_as_text(h) for h in self.header()])
        for row in self.rows:
            writer.writerow(["" if v is None else _as_text(v) for v in self.cells(row)])
        return buf.getvalue()

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "experiment": r.ref,
                "owner": r.owner,
                "run": r.run,
                "status": r.status,
                "params": r.params,
                "metrics": r.metrics,
            }
            for r in self.rows
        ]


def compare(experiments: Sequence[Any]) -> Comparison:
    """The comparison of ExperimentMetrics answers (GridClient.metrics), in their order."""
    rows = [
        Row(
            ref=f"{e.owner}:{e.experiment}",
            owner=e.owner,
            run=e.run,
            experiment=e.experiment,
            status=e.status,
            params=dict(e.params),
            metrics={s.name: {"last": s.last, "min": s.min, "max": s.max} for s in e.summaries},
        )
        for e in experiments
    ]
    names: list[str] = []
    for r in rows:
        names += [p for p in r.params if p not in names]
    if len(rows) > 1:
        names = [p for p in names if len({_hashable(r.params.get(p)) for r in rows}) > 1]
    metrics = sorted({m for r in rows for m in r.metrics})
    return Comparison(rows, names, metrics)


def number(value: Any) -> str:
    """A metric's value for a table: four significant digits; '-' for none."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _as_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _sortable(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _key(value: Any) -> tuple[int, Any]:
    # numbers before text, so a param that is sometimes a string still sorts
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
