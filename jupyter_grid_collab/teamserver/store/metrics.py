"""Experiments' metrics: points appended in batches while they run, read back downsampled.

Each (experiment, metric name) is a series row holding the summary a comparison shows (the
last point, the lowest and highest value, the count), kept current by every append; its
points are packed in chunks (metric_series.py). An append fills the series' last chunk, so
a script that sends one point a second still leaves about one row per 2,048 points. Reads
see what a log reader sees: teammates read, anyone else gets the 404 of a run they cannot
see. Only the run's executor (or a hand-tracked run's owner) writes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from msgspec import UNSET
from sqlalchemy import and_, select

from ...bodies import MetricAppend
from ...fields import METRIC_NAME_PATTERN
from ...models import ReferenceError, experiment_name
from ...references import EXPERIMENT, RUN, parse_ref
from .. import schema as t
from ..errors import Invalid, NotAllowed
from ..metric_series import CHUNK_POINTS, Points, downsample, joined, pack, unpack
from .core import Caller, now
from .rows import iso

if TYPE_CHECKING:
    from .core import StoreCore
    from .runs import RunRepository

#: the team server's --max-metric-points default: points kept per experiment (24 bytes each)
DEFAULT_MAX_METRIC_POINTS = 1_000_000
#: metric names per experiment: a script that logs a new name per step is bounded too
MAX_SERIES = 1000
#: experiments one batch read may cover (a run counts all of its experiments)
MAX_EXPERIMENTS_PER_READ = 500
#: the most points of one series an answer holds
MAX_POINTS_PER_SERIES = 10_000
DEFAULT_POINTS_PER_SERIES = 500
#: points one read may go through (24 bytes each), and how many it holds at once
MAX_POINTS_PER_READ = 20_000_000
READ_BATCH_POINTS = 2_000_000
_METRIC_NAME = re.compile(METRIC_NAME_PATTERN)


class MetricRepository:
    """Metric points of experiments, found through their runs."""

    #: points kept per experiment (0: no cap); the team server sets it from --max-metric-points
    max_points: int = DEFAULT_MAX_METRIC_POINTS

    def __init__(self, core: StoreCore, runs: RunRepository) -> None:
        self.core = core
        self.engine = core.engine
        self.runs = runs

    # ------------------------------------------------------------- write
    def append(self, caller: Caller, owner: str, name: str, body: MetricAppend) -> dict:
        """Store a batch of points: one summary update and one chunk write per metric named
        in it. Points past --max-metric-points, or of a metric past MAX_SERIES, are dropped
        and counted (a 200 still: a launcher that retried them would never stop)."""
        batches: dict[str, list[Any]] = {}
        for p in body.points:
            batches.setdefault(p.name, []).append(p)
        for metric in batches:
            _check_name(metric)
        stored = dropped = 0
        with self.engine.begin() as conn:
            exp, run = self.runs.experiment_rows(conn, caller, owner, name)
            if run.owner_id != caller.id:
                raise NotAllowed(
                    f"{caller.username} cannot write the metrics of {owner}'s experiment "
                    f'"{name}": only its run\'s executor can'
                )
            # one writer per experiment at a time: PostgreSQL would let two appends read the
            # same last chunk and both write it (SQLite serialises writers already)
            conn.execute(
                select(t.experiments.c.id).where(t.experiments.c.id == exp.id).with_for_update()
            )
            series = {
                r.name: r
                for r in conn.execute(
                    select(t.metric_series).where(t.metric_series.c.experiment_id == exp.id)
                )
            }
            room = (
                self.max_points - sum(r.n_points for r in series.values())
                if self.max_points
                else math.inf
            )
            ts_now = now()
            named = len(series)
            for metric, points in batches.items():
                row = series.get(metric)
                if row is None and named >= MAX_SERIES:
                    dropped += len(points)
                    continue
                kept = points if len(points) <= room else points[: max(0, int(room))]
                dropped += len(points) - len(kept)
                if not kept:
                    continue
                room -= len(kept)
                stored += len(kept)
                named += row is None
                self._append_series(conn, exp.id, metric, row, kept, ts_now)
        return {"stored": stored, "dropped": dropped, "experiment_id": exp.id}

    def _append_series(
        self, conn, experiment_id: int, metric: str, row, kept, ts_now: float
    ) -> None:
        steps, values, times = [], [], []
        step = row.last_step if row is not None else -1
        for p in kept:
            step = step + 1 if p.step is UNSET else p.step
            steps.append(step)
            values.append(math.nan if p.value is None else p.value)
            times.append(ts_now if p.ts is UNSET else p.ts)
        finite = [v for v in values if math.isfinite(v)]
        low = min(finite, default=None)
        high = max(finite, default=None)
        if row is not None:
            low = _either(min, low, row.min_value)
            high = _either(max, high, row.max_value)
        summary = {
            "last_step": steps[-1],
            "last_value": values[-1] if math.isfinite(values[-1]) else None,
            "last_ts": times[-1],
            "min_value": low,
            "max_value": high,
        }
        points = Points.of(steps, values, times)
        chunks = t.metric_chunks
        if row is None:
            series_id = conn.execute(
                t.metric_series.insert().values(
                    experiment_id=experiment_id, name=metric, n_points=len(points), **summary
                )
            ).inserted_primary_key[0]
            seq = 0
        else:
            series_id = row.id
            conn.execute(
                t.metric_series.update()
                .where(t.metric_series.c.id == series_id)
                .values(n_points=row.n_points + len(points), **summary)
            )
            last = conn.execute(
                select(chunks.c.seq, chunks.c.points)
                .where(chunks.c.series_id == series_id)
                .order_by(chunks.c.seq.desc())
                .limit(1)
            ).first()
            seq = 0 if last is None else last.seq
            if last is not None:
                held = unpack(last.points)
                if len(held) < CHUNK_POINTS:
                    # fill the last chunk before starting another
                    points = joined([held, points])
                    conn.execute(
                        chunks.delete().where(
                            and_(chunks.c.series_id == series_id, chunks.c.seq == last.seq)
                        )
                    )
                else:
                    seq += 1
        conn.execute(
            chunks.insert(),
            [
                {
                    "series_id": series_id,
                    "seq": seq + i,
                    "points": pack(points.slice(start, start + CHUNK_POINTS)),
                }
                for i, start in enumerate(range(0, len(points), CHUNK_POINTS))
            ],
        )

    # ------------------------------------------------------------- read
    def read(
        self, caller: Caller, owner: str, name: str, names: Any = None, max_points: Any = None
    ) -> dict:
        """One experiment's metrics (``ExperimentMetrics``)."""
        wanted, limit = _names(names), _max_points(max_points)
        with self.core.read() as conn:
            exp, run = self.runs.experiment_rows(conn, caller, owner, name)
            return self._answers(conn, [(exp, run)], wanted, limit)[0]

    def query(
        self,
        caller: Caller,
        runs: Any = None,
        experiments: Any = None,
        names: Any = None,
        max_points: Any = None,
    ) -> dict:
        """Several runs' and experiments' metrics in one answer (``MetricsPage``): each run
        named stands for all of its experiments, in order; a name seen twice is answered
        once. Anything the caller may not see is the 404 it would be alone."""
        wanted, limit = _names(names), _max_points(max_points)
        refs = [(RUN, r) for r in _listed(runs)] + [(EXPERIMENT, e) for e in _listed(experiments)]
        if not refs:
            raise Invalid("name at least one run (runs=owner:name) or experiment (experiments=)")
        if len(refs) > MAX_EXPERIMENTS_PER_READ:
            raise Invalid(f"name at most {MAX_EXPERIMENTS_PER_READ} runs and experiments at a time")
        with self.core.read() as conn:
            found: dict[int, tuple[Any, Any]] = {}
            for kind, text in refs:
                try:
                    ref = parse_ref(text, kind).owned(caller.username)
                except ReferenceError as exc:
                    raise Invalid(str(exc)) from None
                assert ref.owner is not None
                if kind == EXPERIMENT:
                    exp, run = self.runs.experiment_rows(conn, caller, ref.owner, ref.name)
                    found.setdefault(exp.id, (exp, run))
                else:
                    run = self.runs.run_row(conn, caller, ref.owner, ref.name)
                    for exp in conn.execute(
                        select(t.experiments)
                        .where(t.experiments.c.run_id == run.id)
                        .order_by(t.experiments.c.idx)
                    ):
                        found.setdefault(exp.id, (exp, run))
                if len(found) > MAX_EXPERIMENTS_PER_READ:
                    raise Invalid(
                        f"these runs hold more than {MAX_EXPERIMENTS_PER_READ} experiments: "
                        "ask for fewer at a time"
                    )
            return {"experiments": self._answers(conn, list(found.values()), wanted, limit)}

    def _answers(self, conn, pairs: list[tuple[Any, Any]], wanted, limit: int) -> list[dict]:
        ids = [exp.id for exp, _ in pairs]
        by_exp: dict[int, list[Any]] = {i: [] for i in ids}
        if ids:
            s = t.metric_series
            for row in conn.execute(
                select(s).where(s.c.experiment_id.in_(ids)).order_by(s.c.experiment_id, s.c.name)
            ):
                by_exp[row.experiment_id].append(row)
        chosen = [
            row
            for rows in by_exp.values()
            for row in rows
            if limit and (wanted is None or row.name in wanted)
        ]
        total = sum(row.n_points for row in chosen)
        if total > MAX_POINTS_PER_READ:
            raise Invalid(
                f"these series hold {total:,} points, more than {MAX_POINTS_PER_READ:,} a "
                "request: name fewer runs or metrics (names=), or max_points=0 for summaries"
            )
        series = {
            series_id: _series(row, downsampled)
            for series_id, row, downsampled in self._downsampled(conn, chosen, limit)
        }
        answers = []
        for exp, run in pairs:
            rows = by_exp[exp.id]
            answers.append(
                {
                    "experiment": experiment_name(run.name, exp.idx),
                    "run": run.name,
                    "owner": run.owner,
                    "status": exp.status,
                    "params": exp.params,
                    "summaries": [_summary(r) for r in rows if wanted is None or r.name in wanted],
                    "series": [series[r.id] for r in rows if r.id in series],
                }
            )
        return answers

    @staticmethod
    def _downsampled(conn, rows: list[Any], limit: int) -> Iterator[tuple[int, Any, Points]]:
        """(series id, row, its points cut to ``limit``) for each row, read a batch of series
        at a time (at most READ_BATCH_POINTS points, or one series): what one request holds
        in memory is a batch's chunks, not every series asked for."""
        c = t.metric_chunks
        for batch in _batches(rows):
            chunks: dict[int, list[Points]] = {row.id: [] for row in batch}
            for series_id, blob in conn.execute(
                select(c.c.series_id, c.c.points)
                .where(c.c.series_id.in_(list(chunks)))
                .order_by(c.c.series_id, c.c.seq)
            ):
                chunks[series_id].append(unpack(blob))
            for row in batch:
                yield row.id, row, downsample(chunks.pop(row.id), limit)


def _batches(rows: list[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    held = 0
    for row in rows:
        if batch and held + row.n_points > READ_BATCH_POINTS:
            yield batch
            batch, held = [], 0
        batch.append(row)
        held += row.n_points
    if batch:
        yield batch


def _either(pick, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else pick(a, b)


def _summary(row) -> dict:
    return {
        "name": row.name,
        "count": row.n_points,
        "last": row.last_value,
        "last_step": row.last_step,
        "min": row.min_value,
        "max": row.max_value,
        "updated_at": iso(row.last_ts),
    }


def _series(row, points: Points) -> dict:
    return {
        "name": row.name,
        "count": row.n_points,
        "step": points.steps.tolist(),
        # NaN as it is: the answer's encoder (msgspec) writes it as null, as JSON must
        "value": points.values.tolist(),
        "ts": points.times.tolist(),
    }


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [part for part in str(value).split(",") if part]


def _names(value: Any) -> set[str] | None:
    """The metric names asked for (None: all of them)."""
    names = _listed(value)
    if not names:
        return None
    for name in names:
        _check_name(name)
    return set(names)


def _check_name(name: str) -> None:
    # the Struct's pattern lets a final line break through (a JSON Schema "$"): not here
    if not _METRIC_NAME.fullmatch(name):
        raise Invalid(
            f"{name[:60]!r} is not a metric name: letters, digits, _ . / : - and spaces, "
            "at most 200, not starting with a space"
        )


def delete_metrics(conn, experiment_ids) -> None:
    """Delete the metrics of ``experiment_ids`` (a list, or a select of ids)."""
    series = select(t.metric_series.c.id).where(t.metric_series.c.experiment_id.in_(experiment_ids))
    conn.execute(t.metric_chunks.delete().where(t.metric_chunks.c.series_id.in_(series)))
    conn.execute(
        t.metric_series.delete().where(t.metric_series.c.experiment_id.in_(experiment_ids))
    )


def _max_points(value: Any) -> int:
    if value is None:
        return DEFAULT_POINTS_PER_SERIES
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = -1
    if n != 0 and not 2 <= n <= MAX_POINTS_PER_SERIES:
        raise Invalid(f"max_points must be 0 (summaries only) or from 2 to {MAX_POINTS_PER_SERIES}")
    return n
