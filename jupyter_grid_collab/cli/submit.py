"""``grid run``: launch a script over a hyperparameter grid, as the original Grid did.

    grid run train.py --lr "[0.001, 0.01]" --layers "[2, 4]"

makes four experiments, ``<run>-exp0`` ... ``<run>-exp3``, each run with one combination
as ordinary command-line arguments.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import click

from ..hyperparams import GridError as GridSpecError
from ..models import parse_reference
from ..source_snapshot import SnapshotError
from ..submit import submit_run
from .context import get_grid
from .suggest import did_you_mean
from .tables import Column, emit_json, emit_table, output_option


@click.command(
    "run", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.option("--name", default=None, help="Run name (default: generated).")
@click.option(
    "--strategy",
    type=click.Choice(["grid_search", "random_search"]),
    default="grid_search",
    show_default=True,
)
@click.option(
    "--num_trials",
    "--num-trials",
    "num_trials",
    type=click.IntRange(1, 1000),
    default=None,
    help="With random_search: how many parameter sets to draw.",
)
@click.option(
    "--instance_type",
    "--instance-type",
    "instance_type",
    default=None,
    help="Instance type, for billing (default cpu-small).",
)
@click.option(
    "--datastore_name",
    "--datastore-name",
    "datastore_name",
    default=None,
    metavar="[USER:]NAME",
    help="A datastore to mount read-only (anyone's in my teams).",
)
@click.option(
    "--datastore_version",
    "--datastore-version",
    "datastore_version",
    type=int,
    default=None,
    help="Its version (default: the latest).",
)
@click.option("--team", default=None, help="The team it belongs to, if I am in several.")
@output_option
@click.argument("script", type=click.Path(exists=True, dir_okay=False))
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED)
def run(
    name,
    strategy,
    num_trials,
    instance_type,
    datastore_name,
    datastore_version,
    team,
    output,
    script,
    script_args,
) -> None:
    """Run SCRIPT over a grid: list-valued arguments ("[a, b]") make one experiment per
    combination. The script's folder (or git checkout) is snapshotted for reproducibility."""
    if strategy == "random_search" and num_trials is None:
        raise click.ClickException("random_search needs --num_trials N")
    datastore = None
    # a datastore that is not found may be a teammate's of that name
    looking_up: AbstractContextManager[None] = nullcontext()
    if datastore_name:
        datastore = datastore_name + (f"@{datastore_version}" if datastore_version else "")
        looking_up = did_you_mean(parse_reference(datastore, allow_version=True), "datastore")
    client = get_grid().client
    try:
        with looking_up:
            created, experiments = submit_run(
                client,
                script,
                list(script_args),
                name=name,
                strategy=strategy,
                num_trials=num_trials,
                instance_type=instance_type,
                datastore=datastore,
                team=team,
            )
    except (GridSpecError, SnapshotError) as exc:
        raise click.ClickException(str(exc)) from None
    if output == "json":
        emit_json({"run": created.to_json(), "experiments": [e.to_json() for e in experiments]})
        return
    click.echo(
        f"started run {created.owner}:{created.name} with {len(experiments)} "
        f"experiment(s) on {created.instance_type}"
        + (f", datastore {created.datastore}" if created.datastore else "")
    )
    emit_table(
        [Column("Experiment"), Column("Command", wrap=True)],
        [[e.name, e.command] for e in experiments],
        empty="No experiments.",
    )
    click.echo(
        f"follow it with: grid status {created.name}   |   grid logs {experiments[0].name} --follow"
    )
