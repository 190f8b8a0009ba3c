"""Datastores: list, describe, files, attach, delete; staged uploads that commit atomically.

A session's server may upload, attach and delete its owner's own datastores; for a visitor
it may read, download and attach read-only to the visited session.
"""

from __future__ import annotations

from msgspec import UNSET

from ...bodies import Attach, NewUpload
from .base import READ, BaseHandler


class DatastoresHandler(BaseHandler):
    """GET lists datastore versions by scope."""

    session_access = visitor_access = READ

    async def get(self) -> None:
        self.send(
            await self.call(
                self.store.datastores.list_datastores, self.caller, **self.listing_args()
            )
        )


class DatastoreHandler(BaseHandler):
    """GET a datastore (``?version=``, default the latest); DELETE one version or all."""

    session_access = frozenset({"GET", "DELETE"})
    session_owner_only = frozenset({"DELETE"})
    visitor_access = READ

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "datastore name")
        self.send(
            await self.call(
                self.store.datastores.get_datastore,
                self.caller,
                owner,
                name,
                self.get_query_argument("version", None),
            )
        )

    async def delete(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "datastore name")
        orphans = await self.call(
            self.store.datastores.delete_datastore,
            self.caller,
            owner,
            name,
            self.get_query_argument("version", None),
        )
        await self.call(self.settings["drop_blobs"], orphans)
        self.set_status(204)
        self.finish()


class DatastoreFilesHandler(BaseHandler):
    """GET the file list (path, size, sha256) of a version."""

    launcher_methods = READ
    session_access = visitor_access = READ

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "datastore name")
        self.send(
            await self.call(
                self.store.datastores.list_datastore_files,
                self.caller,
                owner,
                name,
                self.get_query_argument("version", None),
            )
        )


class DatastoreAttachHandler(BaseHandler):
    """POST attaches a version (to one of my sessions when ``session`` is given). Through a
    session's server, ``session`` may name only that session; a visitor's attach is
    checked as the visitor and recorded on the session visited."""

    session_access = visitor_access = frozenset({"POST"})

    async def post(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "datastore name")
        attach = self.body(Attach)
        ref = f"{owner}:{name}" + ("" if attach.version is UNSET else f"@{attach.version}")
        session = None if attach.session is UNSET else attach.session
        await self.require_own_session(session)
        if self.caller.via_visitor:
            # bob may read it (checked and audited as bob); the mount is in alice's session
            out = await self.call(self.store.datastores.attach_datastore, self.caller, ref, None)
            if session is not None:
                await self.call(
                    self.store.visits.mount_in_visited_session, self.caller, out["reference"]
                )
            self.send(out)
            return
        self.send(
            await self.call(self.store.datastores.attach_datastore, self.caller, ref, session)
        )


class UploadsHandler(BaseHandler):
    """POST begins a staged datastore upload: files go to it, then commit makes a version."""

    session_access = frozenset({"POST"})

    async def post(self) -> None:
        upload = self.body(NewUpload)
        self.send(await self.call(self.store.datastores.begin_upload, self.caller, upload), 201)


class UploadHandler(BaseHandler):
    """DELETE aborts an upload (its staged files are dropped)."""

    session_access = frozenset({"DELETE"})

    async def delete(self, upload_id: str) -> None:
        orphans = await self.call(self.store.datastores.abort_upload, self.caller, upload_id)
        await self.call(self.settings["drop_blobs"], orphans)
        self.set_status(204)
        self.finish()


class UploadCommitHandler(BaseHandler):
    """POST turns a complete upload into the next version of its datastore."""

    session_access = frozenset({"POST"})

    async def post(self, upload_id: str) -> None:
        self.send(await self.call(self.store.datastores.commit_upload, self.caller, upload_id), 201)
