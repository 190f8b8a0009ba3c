"""Submit a run: snapshot the script's source, upload it, create the run from a grid.

Shared by ``grid run`` and anything else that launches runs from a script.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from .client import GridClient
from .hyperparams import parse_script_args
from .source_snapshot import make_snapshot


def submit_run(
    client: GridClient,
    script: str | Path,
    script_args: list[str],
    *,
    name: str | None = None,
    strategy: str = "grid_search",
    num_trials: int | None = None,
    instance_type: str | None = None,
    datastore: str | None = None,
    team: str | None = None,
):
    """Returns (Run, [Experiment]). List-valued ``--param "[a, b]"`` arguments form the grid."""
    snapshot = make_snapshot(script)
    try:
        sha = client.upload_source(snapshot.archive, team)
    finally:
        snapshot.archive.unlink(missing_ok=True)
    positional, params = parse_script_args(script_args)
    command = shlex.join(["python", snapshot.script, *positional])
    return client.create_run(
        command,
        params,
        name=name,
        team=team,
        strategy=strategy,
        num_trials=num_trials,
        instance_type=instance_type,
        datastore=datastore,
        source_sha256=sha,
    )
