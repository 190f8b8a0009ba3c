"""Runs and their experiments: create from a grid, status bookkeeping, stop, delete, clone."""

from __future__ import annotations

import functools
import json
import secrets
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import UNSET
from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.exc import IntegrityError

from ...bodies import CloneRequest, ExperimentStatus, NewRun
from ...hyperparams import GridError, expand, experiment_command
from ...models import (
    ACTIVE_RUN_STATUSES,
    RUN_STATUSES,
    Experiment,
    ReferenceError,
    Run,
    experiment_name,
    split_experiment_name,
)
from ...references import RUN, Kind, looks_like_experiment
from .. import schema as t
from ..errors import Conflict, Invalid, NotAllowed, NotFound
from .blob_refs import unreferenced
from .core import Caller, insert_id, now
from .metrics import delete_metrics
from .money import money, shown, stored
from .pagination import PageRequest, encoded_page, keyset
from .rows import Column, Columns, Computed, Converted, row_builder, stored_json

if TYPE_CHECKING:
    from .billing import BillingRepository
    from .core import StoreCore
    from .datastores import DatastoreRepository
    from .sources import SourceRepository

_RUN_COLUMNS = (t.runs, t.users.c.username.label("owner"), t.teams.c.name.label("team"))
FINISHED = ("succeeded", "failed", "cancelled")


@functools.cache
def _run_query():
    # built once: a Select is immutable (.where() returns a new one), and building the
    # joins on every request cost more than running the query
    return (
        select(*_RUN_COLUMNS)
        .join(t.users, t.users.c.id == t.runs.c.owner_id)
        .join(t.teams, t.teams.c.id == t.runs.c.team_id)
    )


# read in another form by the listing, or not shown in one
_NOT_LISTED = {"params", "cost", "owner_id", "team_id", "datastore_version_id", "source_sha256"}


@functools.cache
def _listing_query():
    # the columns a listed run shows, params and cost as the driver gives them: the params
    # as their stored JSON text (never decoded, to be encoded again), the cost as the
    # database holds it (no Decimal made on SQLite)
    runs = t.runs.c
    return (
        select(
            *[c for c in runs if c.name not in _NOT_LISTED],
            stored_json(runs.params).label("params"),
            stored(runs.cost).label("cost"),
            t.users.c.username.label("owner"),
            t.teams.c.name.label("team"),
        )
        .join(t.users, t.users.c.id == runs.owner_id)
        .join(t.teams, t.teams.c.id == runs.team_id)
    )


@functools.cache
def _listing_statement(by_owner: bool, status: str | None, after: bool) -> Select[Any]:
    """The listing's statement for one shape of its filters (``status``: None, "active" or
    "one"), its values bound at execution: built once per shape (pagination.keyset)."""
    q = _listing_query().where(t.runs.c.team_id.in_(bindparam("team_ids", expanding=True)))
    if by_owner:
        q = q.where(t.runs.c.owner_id == bindparam("owner_id"))
    if status == "active":
        q = q.where(t.runs.c.status.in_(ACTIVE_RUN_STATUSES))
    elif status:
        q = q.where(t.runs.c.status == bindparam("status"))
    return keyset(q, t.runs.c.id, after=after)


def _storable(params: dict[str, Any]) -> None:
    """Refuse params that JSON cannot hold (1e999 in a body reads as infinity): listings copy
    the stored text into answers as it is, so it must be valid JSON."""
    try:
        json.dumps(params, allow_nan=False)
    except ValueError:
        raise Invalid("params must be finite numbers, strings or booleans") from None


def _duration(started: float | None, finished: float | None, ts: float) -> float:
    return round(max(0.0, (finished or ts) - started), 1) if started else 0.0


_run_record = row_builder(
    Run,
    datastore=Column("datastore_ref"),
    duration_seconds=Computed(_duration, "started_at", "finished_at"),
    counts=Columns({status: f"n_{status}" for status in RUN_STATUSES}),
)
_run_listed = row_builder(
    Run,
    columns=_listing_query().selected_columns.keys(),
    datastore=Column("datastore_ref"),
    params=Converted("params", msgspec.Raw),
    cost=Converted("cost", shown),
    duration_seconds=Computed(_duration, "started_at", "finished_at"),
    counts=Columns({status: f"n_{status}" for status in RUN_STATUSES}),
)
_experiment_record = row_builder(
    Experiment,
    name=lambda m, ts: experiment_name(m["run"], m["idx"]),
    index=Column("idx"),
    duration_seconds=lambda m, ts: _duration(m["started_at"], m["finished_at"], ts),
)


def run_json(r, ts: float | None = None) -> dict:
    # by key through the row's mapping: Row attribute access costs ~4x more, and a listing
    # page reads 25 fields of each of its rows
    return _run_record(r._mapping, ts or now())


def experiment_json(e, run, ts: float | None = None) -> dict:
    """An experiment's record from its row and its run's (which names it and its owner)."""
    return _experiment_record({**e._mapping, "run": run.name, "owner": run.owner}, ts or now())


def _run_status(counts: dict[str, int]) -> str:
    """A run's status from its experiments' counts."""
    total = sum(counts.values())
    if counts["running"] or (counts["pending"] and counts["pending"] < total):
        return "running"
    if counts["pending"]:
        return "pending"
    if counts["failed"]:
        return "failed"
    if counts["cancelled"]:
        return "cancelled"
    return "succeeded"


class RunRepository:
    """Runs and their experiments: created from a grid (paid for, with a source and maybe a
    datastore), listed, stopped, deleted, cloned."""

    def __init__(
        self,
        core: StoreCore,
        billing: BillingRepository,
        sources: SourceRepository,
        datastores: DatastoreRepository,
    ) -> None:
        self.core = core
        self.engine = core.engine
        self.billing = billing
        self.sources = sources
        self.datastores = datastores

    # ------------------------------------------------------------- lookups
    def run_row(
        self, conn, caller: Caller, owner: str, name: str, asked_for: tuple[str, str] | None = None
    ):
        """The run ``owner:name``; ``asked_for`` (kind, name) is what the caller named, when
        that was one of its experiments: the NotFound and its audit entry speak of that."""
        row = conn.execute(
            _run_query().where(and_(t.users.c.username == owner, t.runs.c.name == name))
        ).first()
        if (
            row is None
            or caller.role_in(row.team_id) is None
            or (caller.is_launcher and row.id != caller.run_id)
        ):
            kind, named = asked_for or ("run", name)
            raise self.core.hidden(
                caller, row, kind, owner, named, f"no {kind} {owner}:{named} in your teams"
            )
        return row

    def experiment_rows(self, conn, caller: Caller, owner: str, name: str):
        """(experiment, run) for ``<run>-exp<N>`` of ``owner``."""
        try:
            run_name, idx = split_experiment_name(name)
        except ReferenceError as exc:
            raise Invalid(str(exc)) from None
        run = self.run_row(conn, caller, owner, run_name, asked_for=("experiment", name))
        exp = conn.execute(
            select(t.experiments).where(
                and_(t.experiments.c.run_id == run.id, t.experiments.c.idx == idx)
            )
        ).first()
        if exp is None or (caller.is_launcher and exp.id != caller.experiment_id):
            raise NotFound(f"no experiment {owner}:{name} in your teams")
        return exp, run

    def named_rows(self, conn, caller: Caller, kind: Kind, owner: str, name: str):
        """(experiment or None, run) for what the route named: a run, or one experiment.
        The kind is the route's, never guessed; the wrong one is that kind's NotFound (a run
        name ending in -exp<N> cannot exist) or, for an experiment, Invalid (not its name)."""
        if kind == RUN:
            return None, self.run_row(conn, caller, owner, name)
        return self.experiment_rows(conn, caller, owner, name)

    # ------------------------------------------------------------- create
    def create_run(
        self,
        caller: Caller,
        new: NewRun,
        prices: dict[str, float],
        *,
        cloned_from: str | None = None,
    ) -> dict:
        """Launch ``new`` (its values are a NewRun's: the domain's rules are checked here)."""
        command = new.command
        if not command.strip():
            raise Invalid("command must be a non-empty string of at most 4096 characters")
        name = new.name or f"run-{secrets.token_hex(3)}"
        if looks_like_experiment(name):
            # Grid's rule: a name ending in -exp<N> is an experiment's, so a reference that
            # may name either (grid artifacts, grid clone) is never ambiguous
            raise Invalid(f"run name {name!r} ends like an experiment's (-exp<N>); pick another")
        strategy, num_trials, params = new.strategy, new.num_trials, new.params
        _storable(params)
        try:
            sets = expand(params, strategy, num_trials, seed=new.seed)
        except GridError as exc:
            raise Invalid(str(exc)) from None
        instance_type = new.instance_type or "cpu-small"
        if instance_type not in prices:
            raise Invalid(
                f"unknown instance type {instance_type!r}: use one of {', '.join(sorted(prices))}"
            )
        source = new.source_sha256
        team_id = caller.default_team(new.team or None)
        ts = now()
        # a tracked run is one the caller runs by hand (a notebook): its experiments start
        # running at once and the executor leaves them alone
        tracked = new.tracked
        first = "running" if tracked else "pending"
        with self.engine.begin() as conn:
            self.billing.require_credit(conn, team_id, caller.team_names[team_id])
            if source is not None:
                self.sources.check_source(conn, caller, source)  # sources.py: hashes are scoped
            ds_version_id, ds_ref = None, None
            if new.datastore:
                ds_version_id, ds_ref = self.datastores.resolve_datastore_for_attach(
                    conn, caller, new.datastore, f"run {caller.username}:{name}"
                )
            try:
                run_id = insert_id(
                    conn,
                    t.runs.insert().values(
                        owner_id=caller.id,
                        team_id=team_id,
                        name=name,
                        command=command,
                        params=params,
                        strategy=strategy,
                        num_trials=num_trials,
                        instance_type=instance_type,
                        datastore_version_id=ds_version_id,
                        datastore_ref=ds_ref,
                        source_sha256=source,
                        cloned_from=cloned_from,
                        created_at=ts,
                        cost=money(0),
                        n_pending=0 if tracked else len(sets),
                        n_running=len(sets) if tracked else 0,
                        n_succeeded=0,
                        n_failed=0,
                        n_cancelled=0,
                        status=first,
                        started_at=ts if tracked else None,
                    ),
                )
            except IntegrityError:
                raise Conflict(
                    f"you already have a run named {name!r}; pick another name or delete it first"
                ) from None
            conn.execute(
                t.experiments.insert(),
                [
                    dict(
                        run_id=run_id,
                        idx=i,
                        status=first,
                        params=p,
                        command=experiment_command(command, p),
                        created_at=ts,
                        next_seq=0,
                        started_at=ts if tracked else None,
                        charged_until=ts if tracked else None,
                    )
                    for i, p in enumerate(sets)
                ],
            )
            self.core.audit(
                conn,
                caller.username,
                "clone" if cloned_from else "create",
                f"run {caller.username}:{name}",
                team_id,
                detail=cloned_from,
            )
            return self._run_detail(conn, self.run_row(conn, caller, caller.username, name))

    def clone_run(
        self,
        caller: Caller,
        kind: Kind,
        owner: str,
        name: str,
        clone: CloneRequest,
        prices: dict[str, float],
    ) -> dict:
        """A new run owned by the caller from a teammate's run, or from one experiment of
        it (``kind`` says which: the route's)."""
        with self.engine.begin() as conn:
            exp, run = self.named_rows(conn, caller, kind, owner, name)
            params = dict((exp or run).params)
            self.core.guard(caller, run, "clone", "run", run.name)
        params.update(clone.params)
        datastore = run.datastore_ref if clone.datastore is UNSET else clone.datastore
        new = NewRun(
            name=clone.name or f"{run.name[:50]}-clone-{secrets.token_hex(2)}",
            team=clone.team,
            command=run.command,
            params=params,
            strategy=run.strategy,
            num_trials=run.num_trials,
            instance_type=clone.instance_type or run.instance_type,
            datastore=datastore or UNSET,
            source_sha256=run.source_sha256,
        )
        return self.create_run(caller, new, prices, cloned_from=f"{owner}:{name}")

    # ------------------------------------------------------------- read
    def list_runs(self, caller: Caller, **listing: Any) -> dict:
        """``list_runs_json``'s page as data (for tools and tests: the API sends the JSON)."""
        return msgspec.json.decode(self.list_runs_json(caller, **listing))  # type: ignore[no-any-return]

    def list_runs_json(
        self,
        caller: Caller,
        scope: str | None = None,
        status: str | None = None,
        team: str | None = None,
        limit: Any = None,
        cursor: Any = None,
    ) -> bytes:
        """Runs newest first, the page's JSON; status may be one status, or ``active`` for
        pending+running."""
        page = PageRequest.parse(limit, cursor)
        if status is not None and status not in RUN_STATUSES + ("active",):
            raise Invalid(f"status must be one of {', '.join(RUN_STATUSES)} or active")
        with self.core.read() as conn:
            sc = self.core.resolve_scope(conn, caller, scope, team)
            shape = "active" if status == "active" else "one" if status else None
            statement = _listing_statement(sc.owner_id is not None, shape, page.after is not None)
            values: dict[str, Any] = {"team_ids": sc.team_ids}
            if sc.owner_id is not None:
                values["owner_id"] = sc.owner_id
            if shape == "one":
                values["status"] = status
            return encoded_page(conn, statement, values, page, _run_listed)

    def _run_detail(self, conn, run) -> dict:
        exps = conn.execute(
            select(t.experiments)
            .where(t.experiments.c.run_id == run.id)
            .order_by(t.experiments.c.idx)
        ).all()
        ts = now()
        out = run_json(run, ts)
        out["experiments"] = [experiment_json(e, run, ts) for e in exps]
        return out

    def get_run(self, caller: Caller, owner: str, name: str) -> dict:
        with self.engine.begin() as conn:
            return self._run_detail(conn, self.run_row(conn, caller, owner, name))

    def get_experiment(self, caller: Caller, owner: str, name: str) -> dict:
        with self.engine.begin() as conn:
            exp, run = self.experiment_rows(conn, caller, owner, name)
            return experiment_json(exp, run)

    # ------------------------------------------------------------- status
    def set_experiment_status(self, conn, exp, run, status: str, **extra) -> None:
        """Move one experiment to ``status`` and keep the run's counts and status in step."""
        if exp.status == status:
            conn.execute(
                t.experiments.update().where(t.experiments.c.id == exp.id).values(**extra)
            ) if extra else None
            return
        ts = now()
        values: dict[str, Any] = {"status": status, **extra}
        if status == "running" and exp.started_at is None:
            values["started_at"] = ts
            values["charged_until"] = ts
        if status in FINISHED:
            values["finished_at"] = ts
            self.billing.charge_experiment(conn, exp, run, ts)
        conn.execute(t.experiments.update().where(t.experiments.c.id == exp.id).values(**values))
        old_col, new_col = f"n_{exp.status}", f"n_{status}"
        conn.execute(
            t.runs.update()
            .where(t.runs.c.id == run.id)
            .values(
                {old_col: getattr(t.runs.c, old_col) - 1, new_col: getattr(t.runs.c, new_col) + 1}
            )
        )
        counts_row = conn.execute(
            select(*[getattr(t.runs.c, f"n_{s}") for s in RUN_STATUSES]).where(
                t.runs.c.id == run.id
            )
        ).one()
        counts = dict(zip(RUN_STATUSES, counts_row, strict=True))
        run_status = _run_status(counts)
        run_values: dict[str, Any] = {"status": run_status}
        if run_status == "running" and run.started_at is None:
            run_values["started_at"] = ts
        if run_status in FINISHED:
            run_values["finished_at"] = ts
        conn.execute(t.runs.update().where(t.runs.c.id == run.id).values(**run_values))

    def update_experiment(
        self, caller: Caller, owner: str, name: str, report: ExperimentStatus
    ) -> dict:
        """The executor (or the run's owner, for hand-tracked runs) reports progress; an
        exit code or message left out stays as it was."""
        status = report.status
        extra: dict[str, Any] = {}
        if report.exit_code is not UNSET:
            extra["exit_code"] = report.exit_code
        if report.message is not UNSET:
            msg = report.message
            # a failed script's last lines may hold NUL bytes: drop them, as logs do
            extra["message"] = msg.replace("\x00", "")[-4000:] if msg else msg
        with self.engine.begin() as conn:
            exp, run = self.experiment_rows(conn, caller, owner, name)
            if run.owner_id != caller.id:
                raise NotAllowed(
                    f"{caller.username} cannot report the status of {owner}'s "
                    f'experiment "{name}": only its run\'s executor can'
                )
            if exp.status in FINISHED and status != exp.status:
                raise Conflict(f"experiment {owner}:{name} already {exp.status}")
            self.set_experiment_status(conn, exp, run, status, **extra)
            exp, run = self.experiment_rows(conn, caller, owner, name)
            return experiment_json(exp, run)

    def stop_run(self, caller: Caller, owner: str, name: str) -> dict:
        """Cancel every pending or running experiment of the run (the executor kills them)."""
        with self.engine.begin() as conn:
            run = self.run_row(conn, caller, owner, name)
            self.core.guard(caller, run, "stop", "run", name)
            exps = conn.execute(
                select(t.experiments).where(
                    and_(
                        t.experiments.c.run_id == run.id,
                        t.experiments.c.status.in_(ACTIVE_RUN_STATUSES),
                    )
                )
            ).all()
            for exp in exps:
                self.set_experiment_status(
                    conn, exp, run, "cancelled", message=f"stopped by {caller.username}"
                )
            self.core.audit(conn, caller.username, "stop", f"run {owner}:{name}", run.team_id)
            return self._run_detail(conn, self.run_row(conn, caller, owner, name))

    def stop_experiment(self, caller: Caller, owner: str, name: str) -> dict:
        with self.engine.begin() as conn:
            exp, run = self.experiment_rows(conn, caller, owner, name)
            self.core.guard(caller, run, "stop", "experiment", name)
            if exp.status in ACTIVE_RUN_STATUSES:
                self.set_experiment_status(
                    conn, exp, run, "cancelled", message=f"stopped by {caller.username}"
                )
            self.core.audit(
                conn, caller.username, "stop", f"experiment {owner}:{name}", run.team_id
            )
            exp, run = self.experiment_rows(conn, caller, owner, name)
            return experiment_json(exp, run)

    def delete_run(self, caller: Caller, owner: str, name: str) -> tuple[list[str], list[int]]:
        """Delete the run with its experiments, logs and artifacts; returns the orphaned blobs
        and the ids of experiments that were still active (their launchers must stop)."""
        with self.engine.begin() as conn:
            run = self.run_row(conn, caller, owner, name)
            self.core.guard(caller, run, "delete", "run", name)
            exp_ids = select(t.experiments.c.id).where(t.experiments.c.run_id == run.id)
            active = list(
                conn.execute(
                    exp_ids.where(t.experiments.c.status.in_(ACTIVE_RUN_STATUSES))
                ).scalars()
            )
            shas = {
                r.sha256
                for r in conn.execute(
                    select(t.artifacts.c.sha256).where(t.artifacts.c.experiment_id.in_(exp_ids))
                )
            }
            conn.execute(t.log_lines.delete().where(t.log_lines.c.experiment_id.in_(exp_ids)))
            delete_metrics(conn, exp_ids)
            conn.execute(t.artifacts.delete().where(t.artifacts.c.experiment_id.in_(exp_ids)))
            conn.execute(t.experiments.delete().where(t.experiments.c.run_id == run.id))
            conn.execute(t.runs.delete().where(t.runs.c.id == run.id))
            self.core.audit(conn, caller.username, "delete", f"run {owner}:{name}", run.team_id)
            return unreferenced(conn, shas), active

    def delete_experiment(
        self, caller: Caller, owner: str, name: str
    ) -> tuple[list[str], list[int]]:
        with self.engine.begin() as conn:
            exp, run = self.experiment_rows(conn, caller, owner, name)
            self.core.guard(caller, run, "delete", "experiment", name)
            active = [exp.id] if exp.status in ACTIVE_RUN_STATUSES else []
            if exp.status in ACTIVE_RUN_STATUSES:
                self.set_experiment_status(conn, exp, run, "cancelled")
            shas = {
                r.sha256
                for r in conn.execute(
                    select(t.artifacts.c.sha256).where(t.artifacts.c.experiment_id == exp.id)
                )
            }
            conn.execute(t.log_lines.delete().where(t.log_lines.c.experiment_id == exp.id))
            delete_metrics(conn, [exp.id])
            conn.execute(t.artifacts.delete().where(t.artifacts.c.experiment_id == exp.id))
            conn.execute(t.experiments.delete().where(t.experiments.c.id == exp.id))
            # the experiment leaves the run's counts under its final status
            col = f"n_{'cancelled' if exp.status in ACTIVE_RUN_STATUSES else exp.status}"
            conn.execute(
                t.runs.update()
                .where(t.runs.c.id == run.id)
                .values({col: getattr(t.runs.c, col) - 1})
            )
            self.core.audit(
                conn, caller.username, "delete", f"experiment {owner}:{name}", run.team_id
            )
            return unreferenced(conn, shas), active

    def run_source(self, caller: Caller, owner: str, name: str) -> dict:
        """The sha256 and size of a run's source snapshot, for download (any teammate)."""
        with self.engine.begin() as conn:
            run = self.run_row(conn, caller, owner, name)
        if not run.source_sha256:
            raise NotFound(f"run {owner}:{name} has no source snapshot")
        return {"sha256": run.source_sha256}
