"""The one-line format a script prints to report metrics, for scripts that only print.

    grid-metric loss=0.42 acc=0.91 step=3

A line that starts with ``grid-metric `` holds ``name=value`` pairs separated by spaces and
at most one ``step=N`` (left out: one past the metric's last step). A value is a number, or
``nan`` / ``inf`` / ``-inf`` (stored as not a number). ``grid run``'s launcher reads these
lines from the script's stdout and stores them as the experiment's metrics; the line stays
in the log too. ``track.log_metric`` prints this line when the script was started by ``grid
run`` (it needs no API key there).

Standard library only: the launcher's start path imports this.
"""

from __future__ import annotations

import math
import re

PREFIX = "grid-metric "
# fields.METRIC_NAME_PATTERN without the space (a space separates pairs here)
_NAME = re.compile(r"[A-Za-z0-9_./:-]{1,200}")
_STEP_MAX = 2**62


class MetricLineError(ValueError):
    """A ``grid-metric`` line that cannot be read; the message names the part."""


def is_metric_line(line: str) -> bool:
    return line.startswith(PREFIX)


def parse(line: str, ts: float | None = None) -> list[dict]:
    """The points of one ``grid-metric`` line, as the team API's MetricPointIn values."""
    pairs = line[len(PREFIX) :].split()
    step: int | None = None
    values: list[tuple[str, float | None]] = []
    for pair in pairs:
        name, eq, text = pair.partition("=")
        if not eq or not text:
            raise MetricLineError(f"{pair[:80]!r} is not name=value")
        if name == "step":
            if step is not None:
                raise MetricLineError("step is given twice")
            if not text.isdigit() or int(text) > _STEP_MAX:
                raise MetricLineError(f"step={text[:30]} is not a whole number from 0")
            step = int(text)
            continue
        if not _NAME.fullmatch(name):
            raise MetricLineError(
                f"{name[:60]!r} is not a metric name (letters, digits, _ . / : -)"
            )
        try:
            value = float(text)
        except ValueError:
            raise MetricLineError(f"{name}={text[:30]} is not a number") from None
        values.append((name, value if math.isfinite(value) else None))
    if not values:
        raise MetricLineError("no name=value pair")
    points = []
    for name, shown in values:
        point: dict = {"name": name, "value": shown}
        if step is not None:
            point["step"] = step
        if ts is not None:
            point["ts"] = ts
        points.append(point)
    return points


def format_line(values: dict[str, float], step: int | None = None) -> str:
    """The ``grid-metric`` line for ``values`` (and ``step``), as ``parse`` reads it."""
    for name in values:
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"metric name {name[:60]!r}: letters, digits, _ . / : - only, at most 200"
            )
    text = " ".join(f"{name}={float(v)!r}" for name, v in values.items())
    return PREFIX + text + (f" step={int(step)}" if step is not None else "")
