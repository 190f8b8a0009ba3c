"""What a blob is, for the person who must restore it: the datastore files, artifacts and run
sources that point at it, named as a read of them is ("the stored file points.csv of
alice:mnist@2"). Read-only queries over the schema's tables, for ``grid-collab-server
scrub``; a blob's name (its sha256) alone tells an admin nothing."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from . import schema as t

#: uses named per blob; the rest are counted
SHOWN = 5


def _uses(conn: Connection, shas: list[str]) -> Iterable[tuple[str, str]]:
    """(sha256, what points at it) for every record pointing at one of ``shas``."""
    owner = t.users.c.username
    files = (
        select(t.datastore_files.c.sha256, t.datastore_files.c.path, owner, t.datastores.c.name)
        .add_columns(t.datastore_versions.c.version)
        .join(t.datastore_versions, t.datastore_versions.c.id == t.datastore_files.c.version_id)
        .join(t.datastores, t.datastores.c.id == t.datastore_versions.c.datastore_id)
        .join(t.users, t.users.c.id == t.datastores.c.owner_id)
        .where(t.datastore_files.c.sha256.in_(shas))
    )
    for sha, path, user, name, version in conn.execute(files):
        yield sha, f"the stored file {path} of {user}:{name}@{version}"
    artifacts = (
        select(t.artifacts.c.sha256, t.artifacts.c.path, owner, t.runs.c.name)
        .add_columns(t.experiments.c.idx)
        .join(t.experiments, t.experiments.c.id == t.artifacts.c.experiment_id)
        .join(t.runs, t.runs.c.id == t.experiments.c.run_id)
        .join(t.users, t.users.c.id == t.runs.c.owner_id)
        .where(t.artifacts.c.sha256.in_(shas))
    )
    for sha, path, user, run, idx in conn.execute(artifacts):
        yield sha, f"the stored file {path} of {user}:{run}-exp{idx}"
    sources = (
        select(t.runs.c.source_sha256, owner, t.runs.c.name)
        .join(t.users, t.users.c.id == t.runs.c.owner_id)
        .where(t.runs.c.source_sha256.in_(shas))
    )
    for sha, user, run in conn.execute(sources):
        yield sha, f"the stored source of run {user}:{run}"
    uploaded = (
        select(t.sources.c.sha256, owner)
        .join(t.users, t.users.c.id == t.sources.c.user_id)
        .where(t.sources.c.sha256.in_(shas))
    )
    for sha, user in conn.execute(uploaded):
        yield sha, f"a run source {user} uploaded"
    staged = (
        select(t.upload_files.c.sha256, t.upload_files.c.path, owner, t.uploads.c.name)
        .join(t.uploads, t.uploads.c.id == t.upload_files.c.upload_id)
        .join(t.users, t.users.c.id == t.uploads.c.owner_id)
        .where(t.upload_files.c.sha256.in_(shas))
    )
    for sha, path, user, name in conn.execute(staged):
        yield sha, f"the file {path} of {user}'s upload of {name} (not committed yet)"


def blob_uses(engine: Engine, shas: Iterable[str]) -> dict[str, list[str]]:
    """sha256 -> what points at it (up to SHOWN, then "and N more"); none: nothing does."""
    wanted = sorted(set(shas))
    found: dict[str, list[str]] = {sha: [] for sha in wanted}
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):  # bounded IN lists
            for sha, what in _uses(conn, wanted[start : start + 500]):
                found[sha].append(what)
    for sha, uses in found.items():
        uses.sort()
        if len(uses) > SHOWN:
            found[sha] = [*uses[:SHOWN], f"and {len(uses) - SHOWN} more"]
    return found


def referenced_blobs(engine: Engine) -> set[str]:
    """Every sha256 a record points at: each should be a blob in the store."""
    columns = (
        t.datastore_files.c.sha256,
        t.artifacts.c.sha256,
        t.runs.c.source_sha256,
        t.sources.c.sha256,
        t.upload_files.c.sha256,
    )
    with engine.connect() as conn:
        return {
            sha
            for column in columns
            for (sha,) in conn.execute(select(column).where(column.is_not(None)).distinct())
        }
