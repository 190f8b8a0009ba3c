"""A metric's points as stored (packed chunks) and as answered (downsampled, shape kept).

An experiment reports ``(name, step, value, time)`` points while it runs. Stored one row per
point, 100 experiments of 10,000 points are a million rows to read for one chart; stored as
chunks of up to ``CHUNK_POINTS`` points packed as three little-endian arrays (steps as int64,
values and times as float64: 24 bytes a point), they are some five hundred blobs that numpy
reads at memory speed.

A chart has a few hundred pixels across, so an answer holds at most ``max_points`` points
per series: the first and the last, and of each bucket of equal size between, its lowest
and its highest value, in their order. A spike or a divergence survives (an average or a
stride would drop it). numpy finds them a whole series at a time: in Python, ``min`` and
``max`` over a million values cost the batch read half a second.

numpy is imported on the first metrics call, not with the team server: most of its
requests never need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: points per stored chunk: an append fills the series' last chunk up to this, then starts
#: a new one, so a series of n points is about n / CHUNK_POINTS rows however it was sent
CHUNK_POINTS = 2048
POINT_BYTES = 24
STEP, VALUE = "<i8", "<f8"


def _np() -> Any:
    import numpy

    return numpy


@dataclass
class Points:
    """A series' points in order of arrival, as parallel numpy arrays."""

    steps: np.ndarray  # int64
    values: np.ndarray  # float64; NaN: not a number
    times: np.ndarray  # float64, seconds since the epoch

    @classmethod
    def of(cls, steps: list[int], values: list[float], times: list[float]) -> Points:
        np = _np()
        return cls(
            np.asarray(steps, dtype=STEP),
            np.asarray(values, dtype=VALUE),
            np.asarray(times, dtype=VALUE),
        )

    def __len__(self) -> int:
        return len(self.steps)

    def __eq__(self, other: object) -> bool:
        np = _np()
        return isinstance(other, Points) and all(
            np.array_equal(a, b, equal_nan=True)
            for a, b in (
                (self.steps, other.steps),
                (self.values, other.values),
                (self.times, other.times),
            )
        )

    def slice(self, start: int, stop: int | None = None) -> Points:
        return Points(self.steps[start:stop], self.values[start:stop], self.times[start:stop])

    def take(self, index: np.ndarray) -> Points:
        return Points(self.steps[index], self.values[index], self.times[index])


def joined(parts: list[Points]) -> Points:
    """One series of several, in order."""
    np = _np()
    if len(parts) == 1:
        return parts[0]
    return Points(
        np.concatenate([p.steps for p in parts]).astype(STEP, copy=False),
        np.concatenate([p.values for p in parts]).astype(VALUE, copy=False),
        np.concatenate([p.times for p in parts]).astype(VALUE, copy=False),
    )


def pack(points: Points) -> bytes:
    """One chunk's bytes: the steps, then the values, then the times."""
    return b"".join(
        (
            points.steps.astype(STEP, copy=False).tobytes(),
            points.values.astype(VALUE, copy=False).tobytes(),
            points.times.astype(VALUE, copy=False).tobytes(),
        )
    )


def unpack(blob: bytes) -> Points:
    """One chunk's points (views of ``blob``: read-only)."""
    np = _np()
    n, rest = divmod(len(blob), POINT_BYTES)
    if rest:
        raise ValueError(f"a metric chunk of {len(blob)} bytes is not whole points")
    return Points(
        np.frombuffer(blob, STEP, n, 0),
        np.frombuffer(blob, VALUE, n, 8 * n),
        np.frombuffer(blob, VALUE, n, 16 * n),
    )


def empty() -> Points:
    return Points.of([], [], [])


def downsample(points: Points | list[Points], max_points: int) -> Points:
    """At most ``max_points`` (>= 2) of ``points`` (a series, or its chunks in order): all of
    them when they fit; else the first, the last, and the lowest and highest value of each
    bucket between (buckets of ``size`` points, the last one shorter), in order. NaN is
    neither lowest nor highest; a bucket of only NaN keeps its first point.

    Given chunks, only their values are joined: the steps and times of the points kept are
    read from the chunks they are in (a read of many series joined a third as much)."""
    np = _np()
    parts = points if isinstance(points, list) else [points]
    n = sum(len(p) for p in parts)
    if n <= max_points:
        return joined(parts) if parts else empty()
    if max_points < 4:  # room for no bucket
        return _gather(parts, np.array([0, n - 1]))
    values = np.concatenate([p.values for p in parts]) if len(parts) > 1 else parts[0].values
    inner = n - 2  # the first and the last are kept apart
    # at most (max_points - 2) // 2 buckets, each giving two points
    size = -(-inner // ((max_points - 2) // 2))
    between = values[1:-1]
    full = inner // size * size
    if np.isnan(between).any():
        nan = np.isnan(between)
        lows, highs = np.where(nan, np.inf, between), np.where(nan, -np.inf, between)
    else:
        lows = highs = between
    picked = np.sort(
        np.concatenate((_arg(np.argmin, lows, full, size), _arg(np.argmax, highs, full, size)))
    )
    # a bucket whose lowest is its highest (all equal) gives one point, not two
    picked = picked[np.concatenate(([True], picked[1:] != picked[:-1]))]
    return _gather(parts, np.concatenate(([0], picked + 1, [n - 1])))


def _gather(parts: list[Points], index: np.ndarray) -> Points:
    """The points at ``index`` (sorted) of the series the chunks ``parts`` make."""
    np = _np()
    if len(parts) == 1:
        return parts[0].take(index)
    starts = np.cumsum([0] + [len(p) for p in parts])
    chunk = np.searchsorted(starts, index, side="right") - 1
    taken = [parts[c].take(index[chunk == c] - starts[c]) for c in np.unique(chunk).tolist()]
    return joined(taken)


def _arg(arg: Any, values: np.ndarray, full: int, size: int) -> np.ndarray:
    """Per bucket of ``size`` (the last may be shorter), the index of ``arg``'s pick."""
    np = _np()
    picks = [arg(values[:full].reshape(-1, size), axis=1) + np.arange(0, full, size)]
    if full < len(values):
        picks.append(np.array([full + arg(values[full:])]))
    return np.concatenate(picks)
