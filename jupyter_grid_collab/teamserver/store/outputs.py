"""What experiments produce: log lines (readable from an offset, so they can be followed)
and artifacts (files committed atomically after their blob is in place)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import UNSET
from sqlalchemy import and_, select

from ...bodies import LogAppend, LogLineIn
from ...models import Artifact, LogLine, ReferenceError, experiment_name, validate_relative_path
from ...pathmatch import PatternError, check_pattern, path_matches
from ...references import Kind
from .. import schema as t
from ..errors import Invalid, NotAllowed, NotFound
from .blob_refs import unreferenced
from .core import Caller, now
from .rows import row_builder

if TYPE_CHECKING:
    from .core import StoreCore
    from .runs import RunRepository

MAX_LINE = 16_384
#: the team server's --max-log-mb default: log bytes kept per experiment (1 MB = 10^6 bytes)
DEFAULT_MAX_LOG_MB = 20.0
#: what a stored line costs beyond its text (its row: experiment, seq, time, stream), counted
#: so that a flood of empty lines is bounded too
LINE_OVERHEAD = 40

_artifact = row_builder(Artifact)
_log_line = row_builder(LogLine)


def truncation_line(max_log_mb: float) -> str:
    return (
        f"[grid] log truncated: this experiment wrote more than {max_log_mb:g} MB of logs; "
        "later lines are not kept (team server --max-log-mb)"
    )


def clean_path(path: Any, what: str = "artifact path") -> str:
    try:
        return validate_relative_path(path, what)
    except ReferenceError as exc:
        raise Invalid(str(exc)) from None


class OutputRepository:
    """What experiments produce: log lines and artifacts, found through their runs."""

    def __init__(self, core: StoreCore, runs: RunRepository) -> None:
        self.core = core
        self.engine = core.engine
        self.runs = runs

    #: log bytes kept per experiment (0: no cap); the team server sets it from --max-log-mb
    max_log_mb: float = DEFAULT_MAX_LOG_MB

    def _require_writer(self, caller: Caller, run, name: str, what: str) -> None:
        if run.owner_id != caller.id:
            raise NotAllowed(
                f"{caller.username} cannot write {what} of {run.owner}'s experiment "
                f'"{name}": only its run\'s executor can'
            )

    # ------------------------------------------------------------- logs
    def append_logs(self, caller: Caller, owner: str, name: str, logs: LogAppend) -> dict:
        """Append the lines a launcher (or a hand-tracked run's owner) reports: a bare string
        is a stdout line of now; NUL characters are dropped and a line is cut at MAX_LINE."""
        rows = []
        for entry in logs.lines:
            if isinstance(entry, str):
                entry = LogLineIn(line=entry)
            ts = now() if entry.ts is UNSET else entry.ts
            rows.append((ts, entry.stream, entry.line.replace("\x00", "")[:MAX_LINE]))
        with self.engine.begin() as conn:
            exp, run = self.runs.experiment_rows(conn, caller, owner, name)
            self._require_writer(caller, run, name, "the logs")
            start = exp.next_seq
            rows, used, dropped = self._within_log_cap(exp, rows)
            if rows:
                conn.execute(
                    t.log_lines.insert(),
                    [
                        dict(experiment_id=exp.id, seq=start + i, ts=ts, stream=stream, line=line)
                        for i, (ts, stream, line) in enumerate(rows)
                    ],
                )
            if rows or dropped:
                conn.execute(
                    t.experiments.update()
                    .where(t.experiments.c.id == exp.id)
                    .values(
                        next_seq=start + len(rows),
                        log_bytes=used,
                        log_dropped=exp.log_dropped + dropped,
                    )
                )
        # dropped lines are still a success: a launcher that retried them would never stop
        return {
            "next_offset": start + len(rows),
            "experiment_id": exp.id,
            "dropped": dropped,
            "truncated": bool(exp.log_dropped or dropped),
        }

    def _within_log_cap(self, exp, rows: list) -> tuple[list, int, int]:
        """(rows to store, log bytes then stored, lines dropped) under --max-log-mb: O(1) in
        the experiment's stored lines. The first line that does not fit is replaced by one
        truncation line; from then on every line is dropped (even if the cap is raised
        later), so the stored log ends with that line."""
        if exp.log_dropped:
            return [], exp.log_bytes, len(rows)
        cap = int(self.max_log_mb * 1_000_000)
        used = exp.log_bytes
        for i, (_ts, _stream, line) in enumerate(rows):
            cost = len(line.encode("utf-8", "surrogatepass")) + LINE_OVERHEAD
            if cap and used + cost > cap:
                return (
                    [*rows[:i], (now(), "system", truncation_line(self.max_log_mb))],
                    used,
                    len(rows) - i,
                )
            used += cost
        return rows, used, 0

    def read_logs(
        self,
        caller: Caller,
        owner: str,
        name: str,
        offset: Any = None,
        limit: Any = None,
        tail: Any = None,
    ) -> dict:
        """Lines from ``offset`` (or the last ``tail`` lines); ``finished`` tells a follower
        to stop once it has read everything."""
        try:
            offset = int(offset) if offset not in (None, "") else 0
            limit = int(limit) if limit not in (None, "") else 1000
            tail = int(tail) if tail not in (None, "") else None
        except (TypeError, ValueError):
            raise Invalid("offset, limit and tail must be integers") from None
        if not 0 <= offset < 2**62 or not 1 <= limit <= 10_000 or (tail is not None and tail < 0):
            raise Invalid("offset >= 0, 1 <= limit <= 10000 and tail >= 0 are required")
        with self.engine.begin() as conn:
            exp, run = self.runs.experiment_rows(conn, caller, owner, name)
            if tail is not None:
                offset = max(0, exp.next_seq - tail)
            rows = conn.execute(
                select(
                    t.log_lines.c.seq, t.log_lines.c.ts, t.log_lines.c.stream, t.log_lines.c.line
                )
                .where(and_(t.log_lines.c.experiment_id == exp.id, t.log_lines.c.seq >= offset))
                .order_by(t.log_lines.c.seq)
                .limit(limit)
            ).all()
        next_offset = rows[-1].seq + 1 if rows else offset
        return {
            "experiment": experiment_name(run.name, exp.idx),
            "owner": owner,
            "status": exp.status,
            "experiment_id": exp.id,
            "lines": [_log_line(r._mapping) for r in rows],
            "next_offset": next_offset,
            "finished": exp.status in ("succeeded", "failed", "cancelled")
            and next_offset >= exp.next_seq,
        }

    # ------------------------------------------------------------- artifacts
    def check_artifact_writer(self, caller: Caller, owner: str, name: str) -> int:
        """Before an upload streams in: the experiment exists and the caller may write it.
        Returns the run's team (whose storage quota the artifact counts against)."""
        with self.engine.begin() as conn:
            exp, run = self.runs.experiment_rows(conn, caller, owner, name)
            self._require_writer(caller, run, name, "artifacts")
            return run.team_id

    def add_artifact(
        self, caller: Caller, owner: str, name: str, path: str, sha: str, size: int
    ) -> tuple[dict, list[str]]:
        """Record an uploaded artifact (its blob is already in place); replaces one at the same
        path. Returns the artifact and any blob no longer referenced."""
        with self.engine.begin() as conn:
            exp, run = self.runs.experiment_rows(conn, caller, owner, name)
            self._require_writer(caller, run, name, "artifacts")
            where = and_(t.artifacts.c.experiment_id == exp.id, t.artifacts.c.path == path)
            old = conn.execute(select(t.artifacts.c.sha256).where(where)).scalar()
            ts = now()
            if old is None:
                conn.execute(
                    t.artifacts.insert().values(
                        experiment_id=exp.id, path=path, size=size, sha256=sha, created_at=ts
                    )
                )
            else:
                conn.execute(
                    t.artifacts.update().where(where).values(size=size, sha256=sha, created_at=ts)
                )
            orphans = unreferenced(conn, {old}) if old and old != sha else []
        stored = {"path": path, "size": size, "sha256": sha, "created_at": ts}
        return _artifact({**stored, "experiment": name, "run": run.name, "owner": owner}), orphans

    def list_artifacts(
        self,
        caller: Caller,
        owner: str,
        name: str,
        match: str | None = None,
        *,
        kind: Kind,
    ) -> list[dict]:
        """Artifacts of one experiment (``kind`` experiment) or of every experiment of a run
        (``kind`` run): the route's kind, so the wrong one is that kind's NotFound or Invalid."""
        if match:
            try:
                check_pattern(match)
            except PatternError as exc:
                raise Invalid(str(exc)) from None
        with self.engine.begin() as conn:
            exp, run = self.runs.named_rows(conn, caller, kind, owner, name)
            if exp is not None:
                where = t.artifacts.c.experiment_id == exp.id
            else:
                where = t.experiments.c.run_id == run.id
            rows = conn.execute(
                select(t.artifacts, t.experiments.c.idx)
                .join(t.experiments, t.experiments.c.id == t.artifacts.c.experiment_id)
                .where(where)
                .order_by(t.experiments.c.idx, t.artifacts.c.path)
            ).all()
        mine = {"run": run.name, "owner": owner}
        return [
            _artifact({**r._mapping, "experiment": experiment_name(run.name, r.idx), **mine})
            for r in rows
            if not match or path_matches(match, r.path)
        ]

    def get_artifact(self, caller: Caller, owner: str, name: str, path: str) -> dict:
        path = clean_path(path)
        with self.engine.begin() as conn:
            exp, run = self.runs.experiment_rows(conn, caller, owner, name)
            row = conn.execute(
                select(t.artifacts).where(
                    and_(t.artifacts.c.experiment_id == exp.id, t.artifacts.c.path == path)
                )
            ).first()
            if row is None:
                raise NotFound(f"no artifact {path!r} in experiment {owner}:{name}")
            self.core.audit(
                conn, caller.username, "download", f"artifact {owner}:{name}/{path}", run.team_id
            )
        return {"path": row.path, "size": row.size, "sha256": row.sha256}
