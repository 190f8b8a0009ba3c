"""Run sources are scoped: who uploaded which source snapshot, and whether a run's creator
may name a given ``source_sha256``.

Blobs are content-addressed and shared by every team, so a sha256 that leaked (a log, a
shared link) must not become a way to another team's bytes: a run may name a source its
creator uploaded (uploading proves they hold those bytes) or one that a run they can see
already uses (``grid clone`` of a teammate's run). Anything else, unknown hashes included,
is one and the same 404, so the answer does not tell whether the hash exists.
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from .. import schema as t
from ..errors import NotFound
from .core import Caller, now


class SourceStore:
    """Mixed into Store."""

    def record_source(self, caller: Caller, sha: str, size: int) -> None:
        """Remember that the caller uploaded the source ``sha`` (again is fine)."""
        mine = and_(t.sources.c.user_id == caller.id, t.sources.c.sha256 == sha)
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(t.sources.c.sha256).where(mine)).first() is None:
                    conn.execute(t.sources.insert().values(
                        user_id=caller.id, sha256=sha, size=size, created_at=now()))
        except IntegrityError:
            pass  # the same upload recorded at the same moment by a parallel request

    def check_source(self, conn, caller: Caller, sha: str) -> None:
        """Refuse (404) a ``source_sha256`` the caller may not name for a new run."""
        uploaded = conn.execute(select(t.sources.c.sha256).where(and_(
            t.sources.c.user_id == caller.id, t.sources.c.sha256 == sha))).first()
        if uploaded is not None:
            return
        used = conn.execute(select(t.runs.c.id).where(and_(
            t.runs.c.source_sha256 == sha,
            t.runs.c.team_id.in_(list(caller.roles)))).limit(1)).first()
        if used is not None:
            return
        raise NotFound(f"no source {sha} that you uploaded or that a run in your teams uses; "
                       "upload the source first (PUT /sources; `grid run` does)")
