"""Which blobs no record points at any more: an artifact, a datastore file (committed or
staged), a run's source or a recorded source upload. A blob is deleted only when this says
so, after the transaction that dropped its last record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .. import schema as t


def unreferenced(conn: Connection, shas: set[str]) -> list[str]:
    """Of ``shas``, those no artifact, datastore file or run source points at any more."""
    shas = {s for s in shas if s}
    if not shas:
        return []
    used: set[str] = set()
    for _table, col in (
        (t.artifacts, t.artifacts.c.sha256),
        (t.datastore_files, t.datastore_files.c.sha256),
        (t.upload_files, t.upload_files.c.sha256),
        (t.runs, t.runs.c.source_sha256),
        (t.sources, t.sources.c.sha256),
    ):
        used |= {r[0] for r in conn.execute(select(col).where(col.in_(shas)).distinct())}
    return sorted(shas - used)
