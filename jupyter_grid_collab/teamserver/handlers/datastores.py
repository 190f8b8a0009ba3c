"""Datastores: list, describe, files, attach, delete; staged uploads that commit atomically."""

from __future__ import annotations

from .base import BaseHandler


class DatastoresHandler(BaseHandler):
    """GET lists datastore versions by scope."""

    async def get(self) -> None:
        self.send(await self.call(self.store.list_datastores, self.caller,
                                  **self.listing_args()))


class DatastoreHandler(BaseHandler):
    """GET a datastore (``?version=``, default the latest); DELETE one version or all."""

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "datastore name")
        self.send(await self.call(self.store.get_datastore, self.caller, owner, name,
                                  self.get_query_argument("version", None)))

    async def delete(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "datastore name")
        orphans = await self.call(self.store.delete_datastore, self.caller, owner, name,
                                  self.get_query_argument("version", None))
        await self.call(self.settings["drop_blobs"], orphans)
        self.set_status(204)
        self.finish()


class DatastoreFilesHandler(BaseHandler):
    """GET the file list (path, size, sha256) of a version."""

    launcher_methods = frozenset({"GET"})

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "datastore name")
        self.send(await self.call(self.store.list_datastore_files, self.caller, owner, name,
                                  self.get_query_argument("version", None)))


class DatastoreAttachHandler(BaseHandler):
    """POST attaches a version (to one of my sessions when ``session`` is given)."""

    async def post(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "datastore name")
        body = self.json_body()
        version = body.get("version")
        ref = f"{owner}:{name}" + (f"@{version}" if version not in (None, "") else "")
        self.send(await self.call(self.store.attach_datastore, self.caller, ref,
                                  body.get("session")))


class UploadsHandler(BaseHandler):
    """POST begins a staged datastore upload: files go to it, then commit makes a version."""

    async def post(self) -> None:
        self.send(await self.call(self.store.begin_upload, self.caller, self.json_body()), 201)


class UploadHandler(BaseHandler):
    """DELETE aborts an upload (its staged files are dropped)."""

    async def delete(self, upload_id: str) -> None:
        orphans = await self.call(self.store.abort_upload, self.caller, upload_id)
        await self.call(self.settings["drop_blobs"], orphans)
        self.set_status(204)
        self.finish()


class UploadCommitHandler(BaseHandler):
    """POST turns a complete upload into the next version of its datastore."""

    async def post(self, upload_id: str) -> None:
        self.send(await self.call(self.store.commit_upload, self.caller, upload_id), 201)
