"""``grid artifacts``: download the artifacts of anyone's runs and experiments in my teams,
into ``DIR/<owner>/<run>/<experiment>/<path>`` (artifact_layout.py), skipping files already
complete."""

from __future__ import annotations

from pathlib import Path

import click

from ..artifact_layout import Placed, is_complete, place
from ..models import Artifact
from ..references import Ref
from .context import get_grid
from .refs import RUN_OR_EXPERIMENT_REF
from .suggest import did_you_mean
from .tables import console, emit_json, size


def listed(refs: tuple[Ref, ...], match: str | None) -> list[tuple[str, Artifact]]:
    """Every artifact of each run or experiment (all parsed before anything is fetched, by
    click), with the reference it was listed for; an empty one is said, not an error."""
    client = get_grid().client
    found: list[tuple[str, Artifact]] = []
    for ref in refs:
        with did_you_mean(ref):
            artifacts = client.list_artifacts(ref, match=match)
        if not artifacts:
            hint = f" matching {match!r}" if match else ""
            click.echo(f"no artifacts{hint} in {ref}", err=True)
        found += [(str(ref), a) for a in artifacts]
    return found


def plan(refs: tuple[Ref, ...], match: str | None, root: Path) -> list[Placed]:
    """What to fetch and where each file lands; two artifacts that would write one file
    stop the command (a DownloadClash, said by main.py) before anything is downloaded."""
    return place(root, listed(refs, match))


@click.command("artifacts")
@click.argument(
    "refs",
    nargs=-1,
    required=True,
    type=RUN_OR_EXPERIMENT_REF,
    metavar="[USER:]RUN_OR_EXPERIMENT...",
)
@click.option(
    "--download_dir",
    "--download-dir",
    "download_dir",
    default="grid_artifacts",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where files land, as DIR/<owner>/<run>/<experiment>/<path>.",
)
@click.option(
    "-m",
    "--match",
    "--match_regex",
    "--match-regex",
    "match",
    default=None,
    help="Only artifacts whose path matches this glob ('*.json', 'ckpt/*'), or "
    "contains this text when it has no '*' or '?'.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A summary line, or JSON listing every file.",
)
def artifacts(refs: tuple[Ref, ...], download_dir: Path, match: str | None, output: str) -> None:
    """Download artifacts of runs and experiments (`alice:run`, `alice:run-exp0`): a name
    ending in -exp<N> is an experiment, any other (`alice:cifar-explore`) a whole run."""
    client = get_grid().client
    planned = plan(refs, match, download_dir)
    complete = {id(p) for p in planned if is_complete(p.dest, p.artifact)}
    todo = [p for p in planned if id(p) not in complete]
    total = sum(p.artifact.size for p in todo)
    if todo:
        # imported here: a listing with nothing to fetch never loads rich's progress bars
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console(stderr=True), transient=False) as progress:
            task = progress.add_task(f"downloading {len(todo)} file(s)", total=total)
            for p in todo:
                client.download_artifact(
                    p.experiment,
                    p.artifact,
                    p.dest,
                    progress=lambda n: progress.advance(task, n),
                )
    if output == "json":
        emit_json(
            [
                {
                    "owner": p.experiment.owner,
                    "experiment": p.experiment.name,
                    "path": p.artifact.path,
                    "size": p.artifact.size,
                    "sha256": p.artifact.sha256,
                    "file": str(p.dest),
                    "action": "skipped" if id(p) in complete else "downloaded",
                }
                for p in planned
            ]
        )
        return
    click.echo(
        f"downloaded {len(todo)} file(s) ({size(total)}), skipped {len(complete)} "
        f"already complete, into {download_dir}"
    )
