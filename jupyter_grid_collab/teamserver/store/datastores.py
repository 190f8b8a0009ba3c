"""Datastores: named, versioned, immutable file sets. Files arrive into a staged upload and
become a version only at commit, so no partial datastore is ever listed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from ...bodies import NewUpload
from ...models import Datastore, ReferenceError, parse_reference
from .. import schema as t
from ..errors import Invalid, NotFound
from .blob_refs import unreferenced
from .core import Caller, insert_id, now
from .pagination import PageRequest, fetch_page
from .rows import row_builder

if TYPE_CHECKING:
    from .core import StoreCore

UPLOAD_TTL = 24 * 3600

_DS_COLUMNS = (
    t.datastore_versions,
    t.datastores.c.name,
    t.users.c.username.label("owner"),
    t.teams.c.name.label("team"),
)


def _ds_query():
    return (
        select(*_DS_COLUMNS)
        .join(t.datastores, t.datastores.c.id == t.datastore_versions.c.datastore_id)
        .join(t.users, t.users.c.id == t.datastore_versions.c.owner_id)
        .join(t.teams, t.teams.c.id == t.datastore_versions.c.team_id)
    )


_datastore_record = row_builder(
    Datastore, reference=lambda m, ts: f"{m['owner']}:{m['name']}@{m['version']}"
)


def datastore_json(r) -> dict:
    return _datastore_record(r._mapping)


class DatastoreRepository:
    """Datastores: staged uploads, versions, their files, attach references."""

    def __init__(self, core: StoreCore) -> None:
        self.core = core
        self.engine = core.engine

    # ------------------------------------------------------------- uploads
    def begin_upload(self, caller: Caller, upload: NewUpload) -> dict:
        """Stage an upload of the next version of the caller's datastore ``upload.name``, in
        the team named (by default: the datastore's, or the caller's only team)."""
        name, team = upload.name, upload.team or None
        with self.engine.begin() as conn:
            existing = conn.execute(
                select(t.datastores.c.team_id).where(
                    and_(t.datastores.c.owner_id == caller.id, t.datastores.c.name == name)
                )
            ).scalar()
            team_id = existing if existing is not None and not team else caller.default_team(team)
            if caller.role_in(team_id) is None:
                raise NotFound("no such team among your teams")
            upload_id = insert_id(
                conn,
                t.uploads.insert().values(
                    owner_id=caller.id, team_id=team_id, name=name, created_at=now()
                ),
            )
        return {"upload_id": upload_id, "name": name}

    def _upload_row(self, conn, caller: Caller, upload_id: Any):
        try:
            upload_id = int(upload_id)
        except (TypeError, ValueError):
            raise Invalid("upload id must be an integer") from None
        if not 0 < upload_id < 2**63:  # larger ones overflow the database's integers
            raise Invalid("upload id must be a positive 64-bit integer")
        row = conn.execute(select(t.uploads).where(t.uploads.c.id == upload_id)).first()
        if row is None or row.owner_id != caller.id:
            raise NotFound(f"no upload {upload_id} of yours (it may have expired)")
        return row

    def check_upload(self, caller: Caller, upload_id: Any) -> int:
        """Before a file streams in: the upload is the caller's. Returns its team (whose
        storage quota the file counts against from now on, staged or committed)."""
        with self.engine.begin() as conn:
            return self._upload_row(conn, caller, upload_id).team_id

    def add_upload_file(
        self, caller: Caller, upload_id: Any, path: str, sha: str, size: int
    ) -> dict:
        with self.engine.begin() as conn:
            row = self._upload_row(conn, caller, upload_id)
            where = and_(t.upload_files.c.upload_id == row.id, t.upload_files.c.path == path)
            if conn.execute(select(t.upload_files.c.path).where(where)).first():
                conn.execute(t.upload_files.update().where(where).values(size=size, sha256=sha))
            else:
                conn.execute(
                    t.upload_files.insert().values(
                        upload_id=row.id, path=path, size=size, sha256=sha
                    )
                )
        return {"path": path, "size": size, "sha256": sha}

    def commit_upload(self, caller: Caller, upload_id: Any) -> dict:
        """Turn a complete upload into the next version of the datastore, in one transaction."""
        with self.engine.begin() as conn:
            up = self._upload_row(conn, caller, upload_id)
            files = conn.execute(
                select(t.upload_files).where(t.upload_files.c.upload_id == up.id)
            ).all()
            if not files:
                raise Invalid("the upload has no files; upload at least one before commit")
            ds_id = conn.execute(
                select(t.datastores.c.id).where(
                    and_(t.datastores.c.owner_id == caller.id, t.datastores.c.name == up.name)
                )
            ).scalar()
            if ds_id is None:
                ds_id = insert_id(
                    conn,
                    t.datastores.insert().values(
                        owner_id=caller.id, team_id=up.team_id, name=up.name, created_at=now()
                    ),
                )
            version = (
                conn.execute(
                    select(func.max(t.datastore_versions.c.version)).where(
                        t.datastore_versions.c.datastore_id == ds_id
                    )
                ).scalar()
                or 0
            ) + 1
            vid = insert_id(
                conn,
                t.datastore_versions.insert().values(
                    datastore_id=ds_id,
                    team_id=up.team_id,
                    owner_id=caller.id,
                    version=version,
                    status="available",
                    size=sum(f.size for f in files),
                    file_count=len(files),
                    created_at=now(),
                ),
            )
            conn.execute(
                t.datastore_files.insert(),
                [dict(version_id=vid, path=f.path, size=f.size, sha256=f.sha256) for f in files],
            )
            conn.execute(t.upload_files.delete().where(t.upload_files.c.upload_id == up.id))
            conn.execute(t.uploads.delete().where(t.uploads.c.id == up.id))
            self.core.audit(
                conn,
                caller.username,
                "upload",
                f"datastore {caller.username}:{up.name}@{version}",
                up.team_id,
            )
            row = conn.execute(_ds_query().where(t.datastore_versions.c.id == vid)).one()
            return datastore_json(row)

    def abort_upload(self, caller: Caller, upload_id: Any) -> list[str]:
        with self.engine.begin() as conn:
            up = self._upload_row(conn, caller, upload_id)
            return self._drop_uploads(conn, [up.id])

    def _drop_uploads(self, conn, ids: list[int]) -> list[str]:
        shas = {
            r.sha256
            for r in conn.execute(
                select(t.upload_files.c.sha256).where(t.upload_files.c.upload_id.in_(ids))
            )
        }
        conn.execute(t.upload_files.delete().where(t.upload_files.c.upload_id.in_(ids)))
        conn.execute(t.uploads.delete().where(t.uploads.c.id.in_(ids)))
        return unreferenced(conn, shas)

    def expire_uploads(self, ttl: float = UPLOAD_TTL) -> list[str]:
        """Uploads never committed (a killed client) are dropped after ``ttl`` seconds."""
        with self.engine.begin() as conn:
            ids = [
                r.id
                for r in conn.execute(
                    select(t.uploads.c.id).where(t.uploads.c.created_at < now() - ttl)
                )
            ]
            return self._drop_uploads(conn, ids) if ids else []

    # ------------------------------------------------------------- read
    def list_datastores(
        self,
        caller: Caller,
        scope: str | None = None,
        status: str | None = None,
        team: str | None = None,
        limit: Any = None,
        cursor: Any = None,
    ) -> dict:
        page = PageRequest.parse(limit, cursor)
        if status not in (None, "available"):
            raise Invalid("status must be 'available'")
        with self.core.read() as conn:
            sc = self.core.resolve_scope(conn, caller, scope, team)
            q = _ds_query().where(t.datastore_versions.c.team_id.in_(sc.team_ids))
            if sc.owner_id is not None:
                q = q.where(t.datastore_versions.c.owner_id == sc.owner_id)
            return fetch_page(conn, q, t.datastore_versions.c.id, page, _datastore_record)

    def _version_row(self, conn, caller: Caller, owner: str, name: str, version: Any = None):
        q = _ds_query().where(and_(t.users.c.username == owner, t.datastores.c.name == name))
        if version not in (None, ""):
            try:
                version = int(version)
            except (TypeError, ValueError):
                raise Invalid("version must be a positive integer") from None
            if not 0 < version < 2**31:  # larger ones overflow the database's integers
                raise Invalid("version must be a positive integer")
            q = q.where(t.datastore_versions.c.version == version)
        row = conn.execute(q.order_by(t.datastore_versions.c.version.desc()).limit(1)).first()
        if (
            row is None
            or caller.role_in(row.team_id) is None
            or (caller.is_launcher and row.id != caller.datastore_version_id)
        ):
            at = f"@{version}" if version not in (None, "") else ""
            raise self.core.hidden(
                caller,
                row,
                "datastore",
                owner,
                f"{name}{at}",
                f"no datastore {owner}:{name}{at} in your teams",
            )
        return row

    def get_datastore(self, caller: Caller, owner: str, name: str, version: Any = None) -> dict:
        with self.engine.begin() as conn:
            row = self._version_row(conn, caller, owner, name, version)
            versions = (
                conn.execute(
                    select(t.datastore_versions.c.version)
                    .where(t.datastore_versions.c.datastore_id == row.datastore_id)
                    .order_by(t.datastore_versions.c.version)
                )
                .scalars()
                .all()
            )
        out = datastore_json(row)
        out["versions"] = list(versions)
        return out

    def list_datastore_files(
        self, caller: Caller, owner: str, name: str, version: Any = None
    ) -> dict:
        with self.engine.begin() as conn:
            row = self._version_row(conn, caller, owner, name, version)
            files = conn.execute(
                select(t.datastore_files)
                .where(t.datastore_files.c.version_id == row.id)
                .order_by(t.datastore_files.c.path)
            ).all()
        out = datastore_json(row)
        out["files"] = [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files]
        return out

    def get_datastore_file(
        self, caller: Caller, owner: str, name: str, path: str, version: Any = None
    ) -> dict:
        with self.engine.begin() as conn:
            row = self._version_row(conn, caller, owner, name, version)
            f = conn.execute(
                select(t.datastore_files).where(
                    and_(t.datastore_files.c.version_id == row.id, t.datastore_files.c.path == path)
                )
            ).first()
            if f is None:
                raise NotFound(f"no file {path!r} in datastore {owner}:{name}@{row.version}")
            self.core.audit(
                conn,
                caller.username,
                "download",
                f"datastore {owner}:{name}@{row.version}/{path}",
                row.team_id,
            )
        return {"path": f.path, "size": f.size, "sha256": f.sha256, "version": row.version}

    # ------------------------------------------------------------- attach and delete
    def resolve_datastore_for_attach(
        self, conn, caller: Caller, ref: Any, target: str
    ) -> tuple[int, str]:
        """A datastore reference any teammate may attach; records the attach. Returns
        (version id, "owner:name@version")."""
        try:
            parsed = parse_reference(ref, allow_version=True)
        except ReferenceError as exc:
            raise Invalid(str(exc)) from None
        owner = parsed.owner_or(caller.username)
        row = self._version_row(conn, caller, owner, parsed.name, parsed.version)
        self.core.audit(
            conn,
            caller.username,
            "attach",
            f"datastore {owner}:{row.name}@{row.version}",
            row.team_id,
            detail=f"to {target}",
        )
        return row.id, f"{owner}:{row.name}@{row.version}"

    def attach_datastore(self, caller: Caller, ref: Any, session: str | None = None) -> dict:
        """Attach a datastore version (to one of the caller's sessions, when named) and return
        it with its files, so the session can mount it."""
        with self.engine.begin() as conn:
            target = f"session {caller.username}:{session}" if session else caller.username
            srow = None
            if session:
                srow = conn.execute(
                    select(t.sessions).where(
                        and_(t.sessions.c.owner_id == caller.id, t.sessions.c.name == session)
                    )
                ).first()
                if srow is None:
                    raise NotFound(
                        f"no session {caller.username}:{session}; you can attach "
                        "datastores to your own sessions only"
                    )
            vid, full_ref = self.resolve_datastore_for_attach(conn, caller, ref, target)
            if srow is not None:
                mounted = [
                    d
                    for d in (srow.datastores or [])
                    if d.rpartition("@")[0] != full_ref.rpartition("@")[0]
                ]
                conn.execute(
                    t.sessions.update()
                    .where(t.sessions.c.id == srow.id)
                    .values(datastores=mounted + [full_ref])
                )
            row = conn.execute(_ds_query().where(t.datastore_versions.c.id == vid)).one()
            files = conn.execute(
                select(t.datastore_files)
                .where(t.datastore_files.c.version_id == vid)
                .order_by(t.datastore_files.c.path)
            ).all()
        out = datastore_json(row)
        out["files"] = [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files]
        return out

    def delete_datastore(
        self, caller: Caller, owner: str, name: str, version: Any = None
    ) -> list[str]:
        """Delete one version, or every version and the name; returns orphaned blobs."""
        with self.engine.begin() as conn:
            row = self._version_row(conn, caller, owner, name, version)
            self.core.guard(caller, row, "delete", "datastore", name)
            vids = (
                [row.id]
                if version not in (None, "")
                else list(
                    conn.execute(
                        select(t.datastore_versions.c.id).where(
                            t.datastore_versions.c.datastore_id == row.datastore_id
                        )
                    ).scalars()
                )
            )
            shas = {
                r.sha256
                for r in conn.execute(
                    select(t.datastore_files.c.sha256).where(
                        t.datastore_files.c.version_id.in_(vids)
                    )
                )
            }
            conn.execute(t.datastore_files.delete().where(t.datastore_files.c.version_id.in_(vids)))
            conn.execute(t.datastore_versions.delete().where(t.datastore_versions.c.id.in_(vids)))
            left = conn.execute(
                select(func.count()).where(t.datastore_versions.c.datastore_id == row.datastore_id)
            ).scalar()
            if not left:
                conn.execute(t.datastores.delete().where(t.datastores.c.id == row.datastore_id))
            what = f"{owner}:{name}" + (f"@{row.version}" if version not in (None, "") else "")
            self.core.audit(conn, caller.username, "delete", f"datastore {what}", row.team_id)
            return unreferenced(conn, shas)
