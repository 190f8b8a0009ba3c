"""A metric's points as stored (packed chunks) and as answered (downsampled, shape kept).

An experiment reports ``(name, step, value, time)`` points while it runs. Stored one row per
point, 100 experiments of 10,000 points are a million rows to read for one chart; stored as
chunks of up to ``CHUNK_POINTS`` points packed as three little-endian arrays (steps as int64,
values and times as float64: 24 bytes a point), they are some five hundred blobs that
``array.frombytes`` reads at memory speed.

A chart has a few hundred pixels across, so an answer holds at most ``max_points`` points
per series: the first and the last, and of each of ``(max_points - 2) // 2`` equal buckets of
the points between, its lowest and its highest value, in their order. A spike or a
divergence survives (an average or a stride would drop it), and the work is C-speed
``min``/``max`` over array slices.
"""

from __future__ import annotations

import math
import sys
from array import array
from dataclasses import dataclass

#: points per stored chunk: an append fills the series' last chunk up to this, then starts
#: a new one, so a series of n points is about n / CHUNK_POINTS rows however it was sent
CHUNK_POINTS = 2048
POINT_BYTES = 24
_LITTLE = sys.byteorder == "little"


@dataclass
class Points:
    """A series' points in order of arrival, as parallel arrays."""

    steps: array  # 'q'
    values: array  # 'd'
    times: array  # 'd'

    @classmethod
    def empty(cls) -> Points:
        return cls(array("q"), array("d"), array("d"))

    def __len__(self) -> int:
        return len(self.steps)

    def extend(self, other: Points) -> None:
        self.steps.extend(other.steps)
        self.values.extend(other.values)
        self.times.extend(other.times)

    def slice(self, start: int, stop: int | None = None) -> Points:
        return Points(self.steps[start:stop], self.values[start:stop], self.times[start:stop])


def pack(points: Points) -> bytes:
    """One chunk's bytes: the steps, then the values, then the times."""
    parts = [points.steps, points.values, points.times]
    if not _LITTLE:
        parts = [array(p.typecode, p) for p in parts]
        for p in parts:
            p.byteswap()
    return b"".join(p.tobytes() for p in parts)


def unpack_into(blob: bytes, into: Points) -> None:
    """Append one chunk's points to ``into``."""
    n, rest = divmod(len(blob), POINT_BYTES)
    if rest:
        raise ValueError(f"a metric chunk of {len(blob)} bytes is not whole points")
    view = memoryview(blob)
    for i, target in enumerate((into.steps, into.values, into.times)):
        part = array(target.typecode)
        part.frombytes(view[i * 8 * n : (i + 1) * 8 * n])
        if not _LITTLE:
            part.byteswap()
        target.extend(part)


def downsample(points: Points, max_points: int) -> Points:
    """At most ``max_points`` (>= 2) of ``points``: all of them when they fit; else the first,
    the last, and the lowest and highest value of each bucket between, in order."""
    n = len(points)
    if n <= max_points:
        return points
    values = points.values
    buckets = max(1, (max_points - 2) // 2)
    inner = n - 2  # the first and last points are always kept
    keep = [0]
    for b in range(buckets):
        lo = 1 + b * inner // buckets
        hi = 1 + (b + 1) * inner // buckets
        if lo >= hi:
            continue
        low, high = _extremes(values, lo, hi)
        keep.extend((low, high) if low <= high else (high, low))
    keep.append(n - 1)
    chosen = sorted(set(keep))
    return Points(
        array("q", [points.steps[i] for i in chosen]),
        array("d", [values[i] for i in chosen]),
        array("d", [points.times[i] for i in chosen]),
    )


def _extremes(values: array, lo: int, hi: int) -> tuple[int, int]:
    """Indexes of the lowest and the highest value in ``values[lo:hi]``; NaN is neither (a
    bucket of only NaN keeps its first point)."""
    part = values[lo:hi]
    # min() and max() pass over a NaN, unless it comes first: then it is all they return
    if not math.isnan(part[0]):
        return lo + part.index(min(part)), lo + part.index(max(part))
    finite = [(v, k) for k, v in enumerate(part) if v == v]
    if not finite:
        return lo, lo
    return lo + min(finite)[1], lo + max(finite)[1]


def json_value(value: float) -> float | None:
    """A value as the API writes it: JSON has no NaN or infinity, so those are null."""
    return value if math.isfinite(value) else None
