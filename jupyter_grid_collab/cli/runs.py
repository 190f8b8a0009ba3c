"""Runs and experiments: ``grid status``, ``grid history``, ``grid stop``, ``grid delete``,
``grid clone``."""

from __future__ import annotations

import click

from ..hyperparams import parse_script_args
from ..models import RUN_STATUSES, Experiment, Run
from ..paging import collect
from ..references import RUN, Ref
from .context import get_grid, limit_option, note_more
from .refs import EXPERIMENT_REF, RUN_OR_EXPERIMENT_REF, RUN_REF
from .suggest import did_you_mean
from .tables import Column, duration, emit_json, emit_table, output_option, when

# a listing's columns; on a narrow terminal the lower-value ones go first (drop=1 first):
# when it was created and how long it took, then the counts the status already sums up
COUNT_COLUMNS = {
    "pending": Column("Pending", drop=4),
    "running": Column("Running", drop=6),
    "succeeded": Column("Succeeded", drop=5),
    "failed": Column("Failed", drop=7),
    "cancelled": Column("Cancelled", drop=3),
}
RUN_DETAIL_COLUMNS = [
    Column("Experiment"),
    Column("Status", drop=2),
    Column("Duration", drop=1),
    Column("Command", wrap=True),
]


def _runs_table(runs: list[Run], show_owner: bool, empty: str) -> None:
    columns = [Column("Run")] + ([Column("Created By")] if show_owner else [])
    columns += [Column("Status", drop=9), Column("Experiments", drop=8)]
    columns += [COUNT_COLUMNS[s] for s in RUN_STATUSES]
    columns += [Column("Duration", drop=2), Column("Created At", drop=1)]
    rows = []
    for r in runs:
        counts = r.counts or {}
        row = [r.name] + ([r.owner] if show_owner else []) + [r.status, sum(counts.values())]
        row += [counts.get(s, 0) for s in RUN_STATUSES]
        row += [duration(r.duration_seconds), when(r.created_at)]
        rows.append(row)
    emit_table(columns, rows, empty=empty)


def _run_detail(ref: Ref, output: str) -> None:
    with did_you_mean(ref):
        run, experiments = get_grid().client.run(ref)
    if output == "json":
        emit_json({"run": run.to_json(), "experiments": [e.to_json() for e in experiments]})
        return
    click.echo(
        f"Run {run.owner}:{run.name} ({run.status}, {duration(run.duration_seconds)}, "
        f"{run.instance_type}, team {run.team})"
    )
    emit_table(
        RUN_DETAIL_COLUMNS,
        [[e.name, _status(e), duration(e.duration_seconds), e.command] for e in experiments],
        empty="No experiments.",
    )


def _status(e: Experiment) -> str:
    if e.status == "failed" and e.exit_code is not None:
        return f"failed (exit {e.exit_code})"
    return e.status


def _listing(global_: bool, active: bool, limit: int, output: str) -> None:
    grid = get_grid()
    kwargs = {"scope": "team" if global_ else "mine"}
    if active:
        kwargs["status"] = "active"
    runs, more = collect(grid.client.list_runs, limit, **kwargs)
    if output == "json":
        emit_json([r.to_json() for r in runs])
        return
    empty = ("No active runs." if active else "No runs.") + (
        "" if global_ else " (--global shows your team's)"
    )
    _runs_table(runs, global_, empty)
    note_more(more, limit)


@click.command("status")
@click.argument("run", required=False, type=RUN_REF, metavar="[[USER:]RUN]")
@click.option("--global", "global_", is_flag=True, help="Active runs of everyone in my teams.")
@limit_option
@output_option
def status(run: Ref | None, global_: bool, limit: int, output: str) -> None:
    """Active runs with experiment counts by status; with RUN, its experiments."""
    if run:
        _run_detail(run, output)
    else:
        _listing(global_, True, limit, output)


@click.command("history")
@click.option("--global", "global_", is_flag=True, help="Runs of everyone in my teams.")
@limit_option
@output_option
def history(global_: bool, limit: int, output: str) -> None:
    """All runs, finished ones included."""
    _listing(global_, False, limit, output)


@click.group("stop")
def stop() -> None:
    """Stop a run (all its experiments) or one experiment."""


@stop.command("run")
@click.argument("ref", type=RUN_REF, metavar="[USER:]RUN")
def stop_run(ref: Ref) -> None:
    """Stop every pending or running experiment of a run."""
    with did_you_mean(ref):
        run, experiments = get_grid().client.stop_run(ref)
    cancelled = sum(1 for e in experiments if e.status == "cancelled")
    click.echo(f"stopped run {run.owner}:{run.name}: {cancelled} experiment(s) cancelled")


@stop.command("experiment")
@click.argument("ref", type=EXPERIMENT_REF, metavar="[USER:]EXPERIMENT")
def stop_experiment(ref: Ref) -> None:
    """Stop one experiment."""
    with did_you_mean(ref):
        e = get_grid().client.stop_experiment(ref)
    click.echo(f"stopped experiment {e.owner}:{e.name}: {e.status}")


@click.group("delete")
def delete() -> None:
    """Delete a run or one experiment, with its logs and artifacts."""


def _confirm(what: str, owner: str, team: str, yes: bool) -> None:
    # when the server will refuse anyway, let it say why rather than ask first
    if yes or not get_grid().may_modify(owner, team):
        return
    click.confirm(f"Delete {what}? This cannot be undone", abort=True, err=True)


@delete.command("run")
@click.argument("ref", type=RUN_REF, metavar="[USER:]RUN")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_run(ref: Ref, yes: bool) -> None:
    """Delete a run and all its experiments, logs and artifacts."""
    client = get_grid().client
    with did_you_mean(ref):
        run, experiments = client.run(ref)
    _confirm(
        f"run {run.owner}:{run.name} with its {len(experiments)} experiment(s), logs and artifacts",
        run.owner,
        run.team,
        yes,
    )
    client.delete_run(ref)
    click.echo(f"deleted run {run.owner}:{run.name}")


@delete.command("experiment")
@click.argument("ref", type=EXPERIMENT_REF, metavar="[USER:]EXPERIMENT")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_experiment(ref: Ref, yes: bool) -> None:
    """Delete one experiment with its logs and artifacts."""
    client = get_grid().client
    with did_you_mean(ref):
        e = client.experiment(ref)
    run, _ = client.run(Ref(RUN, e.run, e.owner))
    _confirm(f"experiment {e.owner}:{e.name} with its logs and artifacts", e.owner, run.team, yes)
    client.delete_experiment(ref)
    click.echo(f"deleted experiment {e.owner}:{e.name}")


@click.command("clone", context_settings={"ignore_unknown_options": True})
@click.argument("ref", type=RUN_OR_EXPERIMENT_REF, metavar="[USER:]RUN_OR_EXPERIMENT")
@click.option("--name", default=None, help="Name of the new run (default: chosen by the server).")
@output_option
@click.argument("overrides", nargs=-1, type=click.UNPROCESSED)
def clone(ref: Ref, name: str | None, output: str, overrides: tuple[str, ...]) -> None:
    """Clone anyone's run (or one experiment of it, `alice:r-exp2`) into a new run of mine;
    parameters may be overridden the way `grid run` takes them: `grid clone alice:r --lr 0.5`.
    A name ending in -exp<N> is an experiment; any other (`cifar-explore`) a run."""
    positional, params = parse_script_args(list(overrides))
    if positional:
        raise click.ClickException(
            f"unexpected argument(s) {' '.join(positional)}: overrides are --name value pairs"
        )
    with did_you_mean(ref):
        run, experiments = get_grid().client.clone(ref, name=name, params=params or None)
    if output == "json":
        emit_json({"run": run.to_json(), "experiments": [e.to_json() for e in experiments]})
        return
    click.echo(
        f"cloned {ref.owned(get_grid().me.username)} into {run.owner}:{run.name} "
        f"({len(experiments)} experiment(s), {run.status})"
    )
