"""Per-team storage quotas: what a team stores, the room it has left, and the refusal.

A team's stored bytes are counted logically, as the records say: its datastore versions'
files, the files of its uploads not committed yet, its experiments' artifacts and the run
sources uploaded for it. Blobs are content-addressed and shared, so two teams storing the
same file each count it (and a team storing a file twice counts it twice): the quota bounds
what a team asks the server to keep, not the disk's exact use.

Uploads are checked before any byte is stored when their size is known (Content-Length),
then as the body streams (handlers/blobs.py), then once more just before the blob is kept.
Concurrent uploads of one team each see the usage without the others, so together they may
overshoot the quota by at most what was in flight at once.

Sizes are integers of bytes; they are shown in decimal units (1 GB = 10^9 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select

from ...sizes import MAX_SIZE, show_size, size_unit
from .. import schema as t
from ..errors import Invalid, NotFound, TooLarge
from .core import StoreCore

#: the largest quota: what a BIGINT holds
MAX_QUOTA = MAX_SIZE


def quota_message(
    team: str, used: int, quota: int, incoming: int | None = None, so_far: bool = False
) -> str:
    """The refusal a member reads: where the team is, and what they can do about it."""
    unit = size_unit(quota) if quota else ("bytes", 1)
    where = f"team {team} is at {show_size(used, unit)} of {show_size(quota, unit, True)}"
    if incoming is not None:
        size = f"more than {show_size(incoming - 1)}" if so_far else show_size(incoming)
        where += f" and this upload ({size}) does not fit"
    return (
        f"{where}; delete old artifacts or datastore versions, or ask a site admin to "
        f"raise the quota (grid-collab-server admin set-quota {team} SIZE); nothing was "
        "stored"
    )


class QuotaExceeded(TooLarge):
    """The upload is larger than the room the team has left. Not NoSpace (the server's own
    storage is full) nor NotAllowed (who may do it, not how much): a member with every right
    still cannot send this many bytes."""


@dataclass
class Room:
    """A team's storage quota and usage when an upload starts."""

    team_id: int
    team: str
    quota: int
    used: int

    @property
    def left(self) -> int:
        return max(0, self.quota - self.used)

    def refusal(self, incoming: int | None, so_far: bool = False) -> str:
        return quota_message(self.team, self.used, self.quota, incoming, so_far)

    def check(self, incoming: int | None) -> None:
        """Refuse ``incoming`` more bytes that would take the team past its quota; a body of
        unknown size (None) when the team has no room left at all."""
        if incoming is None:
            if self.left == 0:
                raise QuotaExceeded(self.refusal(None))
        elif self.used + incoming > self.quota:
            raise QuotaExceeded(self.refusal(incoming))


def usage_query(team_id: Any):
    """One statement: the bytes a team stores (see the module docstring)."""
    datastores = (
        select(func.coalesce(func.sum(t.datastore_versions.c.size), 0))
        .where(t.datastore_versions.c.team_id == team_id)
        .scalar_subquery()
    )
    staged = (
        select(func.coalesce(func.sum(t.upload_files.c.size), 0))
        .join(t.uploads, t.uploads.c.id == t.upload_files.c.upload_id)
        .where(t.uploads.c.team_id == team_id)
        .scalar_subquery()
    )
    artifacts = (
        select(func.coalesce(func.sum(t.artifacts.c.size), 0))
        .join(t.experiments, t.experiments.c.id == t.artifacts.c.experiment_id)
        .join(t.runs, t.runs.c.id == t.experiments.c.run_id)
        .where(t.runs.c.team_id == team_id)
        .scalar_subquery()
    )
    members = select(t.memberships.c.user_id).where(t.memberships.c.team_id == team_id)
    sources = (
        select(func.coalesce(func.sum(t.sources.c.size), 0))
        .where(
            or_(
                t.sources.c.team_id == team_id,
                and_(t.sources.c.team_id.is_(None), t.sources.c.user_id.in_(members)),
            )
        )
        .scalar_subquery()
    )
    return select(datastores + staged + artifacts + sources)


class QuotaRepository:
    """Teams' storage: what they use and the quota uploads are held to."""

    def __init__(self, core: StoreCore) -> None:
        self.core = core
        self.engine = core.engine

    def team_storage(self, conn, team_id: int) -> tuple[int, int | None]:
        """(bytes stored, quota or None) of a team."""
        quota = conn.execute(
            select(t.teams.c.storage_quota_bytes).where(t.teams.c.id == team_id)
        ).scalar()
        return int(conn.execute(usage_query(team_id)).scalar() or 0), quota

    def storage_room(self, team_ids: list[int]) -> Room | None:
        """The tightest room of ``team_ids`` that have a quota; None when none has one (then
        nothing is counted: a server without quotas pays one indexed read per upload)."""
        if not team_ids:
            return None
        with self.core.read() as conn:
            rows = conn.execute(
                select(t.teams.c.id, t.teams.c.name, t.teams.c.storage_quota_bytes).where(
                    and_(t.teams.c.id.in_(team_ids), t.teams.c.storage_quota_bytes.is_not(None))
                )
            ).all()
            rooms = [
                Room(
                    r.id,
                    r.name,
                    int(r.storage_quota_bytes),
                    int(conn.execute(usage_query(r.id)).scalar() or 0),
                )
                for r in rows
            ]
        return min(rooms, key=lambda room: room.left) if rooms else None

    def set_storage_quota(self, team: str, quota: Any, actor: str = "site-admin") -> dict:
        """Set (bytes) or clear (None) a team's storage quota; the site admin's call."""
        if quota is not None and (
            isinstance(quota, bool) or not isinstance(quota, int) or not 0 <= quota <= MAX_QUOTA
        ):
            raise Invalid(
                "storage_quota_bytes must be a whole number of bytes (0 to 2^63-1)"
                " or null for no quota"
            )
        with self.engine.begin() as conn:
            row = conn.execute(select(t.teams.c.id).where(t.teams.c.name == team)).first()
            if row is None:
                raise NotFound(f"no team {team!r}")
            conn.execute(
                t.teams.update().where(t.teams.c.id == row.id).values(storage_quota_bytes=quota)
            )
            used, _ = self.team_storage(conn, row.id)
            shown = "none" if quota is None else f"{quota} bytes"
            self.core.audit(
                conn, actor, "quota", f"team {team}", row.id, "ok", f"storage quota set to {shown}"
            )
        return {"team": team, "storage_used_bytes": used, "storage_quota_bytes": quota}
