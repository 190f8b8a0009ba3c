"""``grid datastore``: list mine, the team's or a teammate's datastores; create a version
from a local file or folder; delete a version or a whole datastore."""

from __future__ import annotations

import re
from pathlib import Path

import click

from ..models import Reference, parse_reference, validate_name, validate_relative_path
from ..paging import collect
from .context import get_grid, limit_option, note_more
from .groups import ListingGroup, listing_scope
from .suggest import did_you_mean
from .tables import Column, console, emit_json, emit_table, output_option, size, when


@click.group("datastore", cls=ListingGroup)
@click.option(
    "--global",
    "global_",
    is_flag=True,
    help="Datastores of everyone in my teams (with USERNAME: that teammate's).",
)
@limit_option
@output_option
@click.pass_context
def datastore(ctx: click.Context, global_: bool, limit: int, output: str) -> None:
    """List datastore versions: mine; with --global everyone's in my teams; with USERNAME
    one teammate's."""
    if ctx.invoked_subcommand is not None:
        return
    scope = listing_scope(global_)
    items, more = collect(get_grid().client.list_datastores, limit, scope=scope)
    if output == "json":
        emit_json([d.to_json() for d in items])
        return
    emit_table(
        [
            Column("Name"),
            Column("Version"),  # name@version is the reference: never dropped
            Column("Size", drop=4),
            Column("Created At", drop=1),
            Column("Created By"),
            Column("Team", drop=2),
            Column("Status", drop=3),
        ],
        [
            [d.name, d.version, size(d.size), when(d.created_at), d.owner, d.team, d.status]
            for d in items
        ],
        empty="No datastores.",
    )
    note_more(more, limit)


def default_name(source: Path) -> str:
    """A datastore name from a folder or file name: lowercase, other characters as '-'."""
    name = re.sub(r"[^a-z0-9._-]+", "-", source.resolve().name.lower()).strip("-._")[:64]
    return name or "datastore"


def _files(root: Path) -> list[Path]:
    # the same selection GridClient.upload_datastore makes, to size the progress bar
    if root.is_file():
        files = [root]
    else:
        files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    for p in files:  # a name the server would refuse fails before anything is sent
        validate_relative_path(p.name if p == root else p.relative_to(root).as_posix())
    return files


@datastore.command("create")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--name", default=None, help="Datastore name (default: from SOURCE).")
@click.option("--team", default=None, help="Team to share it with (default: my first team).")
@output_option
def create(source: Path, name: str | None, team: str | None, output: str) -> None:
    """Upload a local file or folder as a datastore (a new version if the name exists)."""
    name = validate_name(name, "datastore name") if name else default_name(source)
    total = sum(p.stat().st_size for p in _files(source))
    # imported here: loading this module for a listing or a delete skips rich's progress
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(*columns, console=console(stderr=True)) as progress:
        task = progress.add_task(f"uploading {name}", total=total)
        ds = get_grid().client.upload_datastore(
            name, source, team=team, progress=lambda n: progress.advance(task, n)
        )
    if output == "json":
        emit_json(ds.to_json())
        return
    click.echo(
        f"created datastore {ds.owner}:{ds.name}@{ds.version} ({ds.file_count} file(s), "
        f"{size(ds.size)}, team {ds.team})"
    )


@datastore.command("delete")
@click.argument("name", metavar="[USER:]NAME[@VERSION]")
@click.option(
    "--version",
    type=click.IntRange(min=1),
    default=None,
    help="Delete only this version (default: every version).",
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(name: str, version: int | None, yes: bool) -> None:
    """Delete one version of a datastore, or all of it."""
    ref = parse_reference(name, allow_version=True)
    version = version or ref.version
    grid = get_grid()
    with did_you_mean(Reference(ref.name, ref.owner, version), "datastore"):
        ds = grid.client.datastore(str(Reference(ref.name, ref.owner, version)))
    what = f"{ds.owner}:{ds.name}" + (f"@{version}" if version else " (every version)")
    if not yes and grid.may_modify(ds.owner, ds.team):
        click.confirm(f"Delete datastore {what}? This cannot be undone", abort=True, err=True)
    grid.client.delete_datastore(str(Reference(ref.name, ref.owner)), version=version)
    click.echo(f"deleted datastore {what}")
