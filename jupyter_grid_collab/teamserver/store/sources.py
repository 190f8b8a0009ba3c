"""Run sources are scoped: who uploaded which source snapshot, and whether a run's creator
may name a given ``source_sha256``.

Blobs are content-addressed and shared by every team, so a sha256 that leaked (a log, a
shared link) must not become a way to another team's bytes: a run may name a source its
creator uploaded (uploading proves they hold those bytes) or one that a run they can see
already uses (``grid clone`` of a teammate's run). Anything else, unknown hashes included,
is one and the same NotFound, so the answer does not tell whether the hash exists.

A source counts against the storage quota of the team it was uploaded for (``?team=``, else
the uploader's only team; a member of several teams who did not say counts it in each), and
one that no run uses is collected after a grace period (``collect_sources``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError

from .. import schema as t
from ..errors import NotFound
from .blob_refs import unreferenced
from .core import Caller, now

if TYPE_CHECKING:
    from .core import StoreCore

#: the team server's --source-grace-hours default: how long an unused source is kept
DEFAULT_SOURCE_GRACE_HOURS = 24.0


class SourceRepository:
    """Run sources: who uploaded which, which a run may name, and collecting unused ones."""

    def __init__(self, core: StoreCore) -> None:
        self.core = core
        self.engine = core.engine

    def source_teams(self, caller: Caller, team: str | None) -> tuple[int | None, list[int]]:
        """For a ``PUT /sources``: (the team it is recorded for, or None when a member of
        several teams did not say; the teams whose quota it counts against)."""
        if team:
            team_id = caller.team_id(team)
            return team_id, [team_id]
        if len(caller.roles) == 1:
            team_id = next(iter(caller.roles))
            return team_id, [team_id]
        return None, sorted(caller.roles)

    def record_source(
        self, caller: Caller, sha: str, size: int, team_id: int | None = None
    ) -> None:
        """Remember that the caller uploaded the source ``sha`` (again is fine: it is kept
        once, for the team it was first uploaded for, and its grace period starts again)."""
        mine = and_(t.sources.c.user_id == caller.id, t.sources.c.sha256 == sha)
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(t.sources.c.sha256).where(mine)).first() is None:
                    conn.execute(
                        t.sources.insert().values(
                            user_id=caller.id,
                            sha256=sha,
                            size=size,
                            created_at=now(),
                            team_id=team_id,
                        )
                    )
                else:
                    conn.execute(t.sources.update().where(mine).values(created_at=now()))
        except IntegrityError:
            pass  # the same upload recorded at the same moment by a parallel request

    def collect_sources(self, grace_seconds: float) -> tuple[int, list[str]]:
        """Forget sources uploaded more than ``grace_seconds`` ago that no run uses (a
        ``grid run`` uses its source within seconds; a run deleted later frees its source
        the same way). Returns (records removed, blobs nothing else references)."""
        used = exists().where(t.runs.c.source_sha256 == t.sources.c.sha256)
        stale = and_(t.sources.c.created_at < now() - grace_seconds, ~used)
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(t.sources.c.user_id, t.sources.c.sha256).where(stale).limit(1000)
            ).all()
            for row in rows:
                # again with the condition: a run that named it meanwhile keeps it
                conn.execute(
                    t.sources.delete().where(
                        and_(
                            t.sources.c.user_id == row.user_id,
                            t.sources.c.sha256 == row.sha256,
                            stale,
                        )
                    )
                )
            return len(rows), unreferenced(conn, {r.sha256 for r in rows})

    def check_source(self, conn, caller: Caller, sha: str) -> None:
        """Refuse (NotFound) a ``source_sha256`` the caller may not name for a new run."""
        uploaded = conn.execute(
            select(t.sources.c.sha256).where(
                and_(t.sources.c.user_id == caller.id, t.sources.c.sha256 == sha)
            )
        ).first()
        if uploaded is not None:
            return
        used = conn.execute(
            select(t.runs.c.id)
            .where(and_(t.runs.c.source_sha256 == sha, t.runs.c.team_id.in_(list(caller.roles))))
            .limit(1)
        ).first()
        if used is not None:
            return
        raise NotFound(
            f"no source {sha} that you uploaded or that a run in your teams uses; "
            "upload the source first (PUT /sources; `grid run` does)"
        )
