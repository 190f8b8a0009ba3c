"""Streamed bodies: uploads written chunk by chunk to staging (bounded memory, committed only
when complete) and downloads sent by the kernel from the blob file (download_body.py) or, where
it cannot, in large chunks with awaited flushes (backpressure)."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

import tornado.web

from ... import download_body
from ...references import EXPERIMENT, RUN, Kind
from ..errors import DomainError, Invalid, TooLarge
from ..store.outputs import clean_path
from ..store.quotas import QuotaExceeded, Room
from .base import READ, BaseHandler, log

_RANGE = re.compile(r"^bytes=(\d+)-$")

#: a body up to this size, refused by its declared size, is read (and dropped) before the
#: answer, so the answer is not lost to a connection reset
DRAIN_BEFORE_REFUSING = 1 << 20

#: how long an authorised upload may take to stream in (64 GiB at 1 MB/s is ~18 h)
UPLOAD_SECONDS = 24 * 3600.0


def declared_length(handler: BaseHandler) -> int | None:
    """The body's Content-Length, when the client said it (a chunked body has none)."""
    value = handler.request.headers.get("Content-Length", "")
    return int(value) if value.isdigit() else None


class StreamedUploadHandler(BaseHandler):
    """PUT with the body streamed into a staged blob; subclasses check and record it.

    The team's storage quota (store/quotas.py) is checked before any byte when the size is
    declared, as each chunk arrives (a body that crosses it is discarded from that chunk
    on: nothing of it is kept), and once more with fresh usage before the blob is kept."""

    async def prepare(self) -> None:
        self.staged = None
        self.failure: BaseException | None = None
        self.quota_teams: list[int] = []
        self.room: Room | None = None
        try:
            await super().prepare()
            if self.request.method != "PUT":
                return
            self.request.connection.set_max_body_size(self.settings["max_upload_bytes"])
            self.quota_teams = await self.check_target(*self.path_args)
            self.room = await self.call(self.store.quotas.storage_room, self.quota_teams)
            if self.room is not None:
                self.room.check(declared_length(self))
        except DomainError as exc:
            # answering before the body is read closes the connection on unread bytes, which
            # resets it: under load the client lost the refusal (a 401, 404 or 413) to a
            # ReadError. A small body is read and discarded first (data_received drops it,
            # commit raises); a large one is still refused before any byte
            if self.request.method != "PUT" or (declared_length(self) or 0) > DRAIN_BEFORE_REFUSING:
                raise
            self.failure = exc
            return
        # an authorised upload may stream for hours; --body-timeout bounds anonymous bodies
        self.request.connection.set_body_timeout(UPLOAD_SECONDS)
        self.staged = self.settings["blobs"].begin(self.settings["max_upload_bytes"])

    async def check_target(self, *args: str) -> list[int]:
        """Validate the destination and the caller's right to write it, before any byte.
        Returns the teams whose storage quota the upload counts against."""
        raise NotImplementedError

    def data_received(self, chunk: bytes) -> None:
        if self.staged is None or self.failure is not None:
            return
        if self.room is not None and self.staged.size + len(chunk) > self.room.left:
            # crossed the quota: drop what was staged, discard the rest as it arrives and
            # answer 413 once it is in (a response cut short by a reset could be lost)
            self.failure = QuotaExceeded(
                self.room.refusal(self.staged.size + len(chunk), so_far=True)
            )
            self.staged.abort()
            return
        try:
            self.staged.write(chunk)
        except OverflowError:
            self.failure = TooLarge(
                f"the upload is larger than {self.settings['max_upload_bytes']} bytes"
            )
            self.staged.abort()
        except DomainError as exc:  # a full disk: the staged file is already removed
            self.failure = exc

    async def commit(self) -> tuple[str, int]:
        if self.failure is not None:
            raise self.failure
        expected = self.request.headers.get("X-Content-Sha256")
        # check before the blob moves into the store: a refused body must leave nothing behind
        # (on_finish aborts the staged write)
        if expected and expected.lower() != self.staged.sha256:
            raise Invalid(
                f"the upload arrived with sha256 {self.staged.sha256}, not the "
                f"{expected} sent; send it again"
            )
        if self.room is not None:
            # usage again, now: uploads of the team that finished meanwhile count
            room = await self.call(self.store.quotas.storage_room, self.quota_teams)
            if room is not None:
                room.check(self.staged.size)
        sha, size = await self.call(self.staged.commit)
        self.staged = None
        return sha, size

    def on_connection_close(self) -> None:
        # a killed client: drop the partial blob; nothing was recorded yet
        if self.staged is not None:
            self.staged.abort()
            self.staged = None
            log.info("upload to %s aborted by the client; staged data removed", self.request.path)

    def on_finish(self) -> None:
        if self.staged is not None:
            self.staged.abort()
            self.staged = None


class DownloadMixin:
    """Send a blob by the kernel (sendfile) or in 4 MiB chunks (download_body.py);
    ``Range: bytes=N-`` resumes.

    A blob is sent only once it is known to match its sha256 (``BlobVerifier``: a stamp
    check, or a full hash when the file is new to this server or changed); a corrupted or
    missing one is refused with a 500 and a message naming it, before any header."""

    async def open_blob(self: BaseHandler, sha: str, size: int | None, what: str):
        """(open file, verified stamp) on the I/O pool; BlobCorrupted when it is bad."""
        verifier = self.settings["blobs"].verifier
        return await asyncio.get_running_loop().run_in_executor(
            self.settings["io_pool"], verifier.open_verified, sha, what, size
        )

    def blob_headers(self: BaseHandler, sha: str, size: int, filename: str) -> int:
        """Set a blob response's headers (Range honoured); return the offset to send from."""
        start = 0
        match = _RANGE.match(self.request.headers.get("Range", ""))
        if match and 0 < int(match[1]) < size:
            start = int(match[1])
            self.set_status(206)
            self.set_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Length", str(size - start))
        self.set_header("Accept-Ranges", "bytes")
        self.set_header("ETag", f'"{sha}"')
        self.set_header("X-Content-Sha256", sha)
        self.set_header(
            "Content-Disposition",
            f"attachment; filename*=UTF-8''{quote(filename.rsplit('/', 1)[-1])}",
        )
        return start

    async def head_blob(
        self: BaseHandler, sha: str, size: int | None, filename: str, what: str
    ) -> None:
        """GET's checks and headers without the body, the blob verified as for a GET. The
        verified stamp goes along (``X-Grid-Blob-Stamp``): a Jupyter server that sends the
        file from its own disk checks that the file it opens is the one verified."""
        loop = asyncio.get_running_loop()
        f, stamp = await self.open_blob(sha, size, what)
        await loop.run_in_executor(self.settings["io_pool"], f.close)
        self.blob_headers(sha, stamp[1], filename)
        self.set_header("X-Grid-Blob-Stamp", self.settings["blobs"].verifier.header(stamp))
        self.finish()

    async def stream_blob(
        self: BaseHandler, sha: str, size: int | None, filename: str, what: str
    ) -> None:
        loop = asyncio.get_running_loop()
        pool = self.settings["io_pool"]
        verifier = self.settings["blobs"].verifier
        f, stamp = await self.open_blob(sha, size, what)

        async def still_good() -> bool:
            """Checked before the last chunk leaves (download_body): a file written to while
            being sent never reaches the client whole, so it sees a cut download, not bad
            bytes."""
            if await loop.run_in_executor(pool, verifier.still, f, sha, stamp):
                return True
            log.error(
                "download of %s (blob %s) cut short: the file changed while being sent", what, sha
            )
            return False

        try:
            size = stamp[1]
            start = self.blob_headers(sha, size, filename)
            await download_body.send(self, f, start, size - start, still_good, pool)
        finally:
            f.close()


@tornado.web.stream_request_body
class UploadFileHandler(StreamedUploadHandler):
    """PUT one file of a staged datastore upload."""

    session_access = frozenset({"PUT"})

    async def check_target(self, upload_id: str, path: str) -> list[int]:
        self.path = clean_path(path, "datastore file path")
        return [await self.call(self.store.datastores.check_upload, self.caller, upload_id)]

    async def put(self, upload_id: str, path: str) -> None:
        sha, size = await self.commit()
        self.send(
            await self.call(
                self.store.datastores.add_upload_file, self.caller, upload_id, self.path, sha, size
            )
        )


@tornado.web.stream_request_body
class ArtifactHandler(StreamedUploadHandler, DownloadMixin):
    """PUT uploads an artifact (the run's executor); GET downloads it (any teammate)."""

    launcher_methods = frozenset({"PUT"})
    # HEAD counts as GET; PUT for the owner's tracked runs (the store checks whose)
    session_access = frozenset({"GET", "PUT"})
    visitor_access = READ

    async def check_target(self, owner: str, name: str, path: str) -> list[int]:
        self.owner_and_name(owner, name, "experiment name")
        self.path = clean_path(path)
        return [await self.call(self.store.outputs.check_artifact_writer, self.caller, owner, name)]

    async def put(self, owner: str, name: str, path: str) -> None:
        sha, size = await self.commit()
        out, orphans = await self.call(
            self.store.outputs.add_artifact, self.caller, owner, name, self.path, sha, size
        )
        await self.call(self.settings["drop_blobs"], orphans)
        self.send(out, 201)

    async def get(self, owner: str, name: str, path: str) -> None:
        owner, name = self.owner_and_name(owner, name, "experiment name")
        meta = await self.call(self.store.outputs.get_artifact, self.caller, owner, name, path)
        await self.stream_blob(
            meta["sha256"],
            meta["size"],
            meta["path"],
            f"the stored file {meta['path']} of {owner}:{name}",
        )

    async def head(self, owner: str, name: str, path: str) -> None:
        # GET's checks and headers without the body: a Jupyter server that has the blob on
        # its own disk asks this, then sends the file itself. Audited as the download it is.
        owner, name = self.owner_and_name(owner, name, "experiment name")
        meta = await self.call(self.store.outputs.get_artifact, self.caller, owner, name, path)
        await self.head_blob(
            meta["sha256"],
            meta["size"],
            meta["path"],
            f"the stored file {meta['path']} of {owner}:{name}",
        )


class ArtifactsHandler(BaseHandler):
    """GET the artifacts of a whole run or of one experiment (``match``: a glob or a
    substring, see pathmatch.py). The route says which: never guessed from the name."""

    session_access = visitor_access = READ
    kind: Kind = RUN

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name)
        items = await self.call(
            self.store.outputs.list_artifacts,
            self.caller,
            owner,
            name,
            self.get_query_argument("match", None),
            kind=self.kind,
        )
        self.send({"items": items})


class RunArtifactsHandler(ArtifactsHandler):
    """GET the artifacts of every experiment of a run."""

    kind = RUN


class ExperimentArtifactsHandler(ArtifactsHandler):
    """GET one experiment's artifacts."""

    kind = EXPERIMENT


class DatastoreFileHandler(BaseHandler, DownloadMixin):
    """GET one file of a datastore version."""

    launcher_methods = READ
    session_access = visitor_access = READ

    async def get(self, owner: str, name: str, path: str) -> None:
        owner, name = self.owner_and_name(owner, name, "datastore name")
        path = clean_path(path, "datastore file path")
        meta = await self.call(
            self.store.datastores.get_datastore_file,
            self.caller,
            owner,
            name,
            path,
            self.get_query_argument("version", None),
        )
        what = f"the stored file {meta['path']} of {owner}:{name}@{meta['version']}"
        await self.stream_blob(meta["sha256"], meta["size"], meta["path"], what)


@tornado.web.stream_request_body
class SourcesHandler(StreamedUploadHandler):
    """PUT a run's source snapshot (an archive); returns its sha256 for ``source_sha256``.
    ``?team=`` says whose storage it counts against (default: the caller's only team)."""

    session_access = frozenset({"PUT"})

    async def check_target(self) -> list[int]:
        self.team_id, teams = self.store.sources.source_teams(
            self.caller, self.get_query_argument("team", None)
        )
        return teams

    async def put(self) -> None:
        sha, size = await self.commit()
        # who uploaded it: only they (and runs of their teams, by cloning) may name it
        await self.call(self.store.sources.record_source, self.caller, sha, size, self.team_id)
        self.send({"sha256": sha, "size": size}, 201)


class RunSourceHandler(BaseHandler, DownloadMixin):
    """GET a run's source snapshot (to reproduce or clone it)."""

    launcher_methods = READ
    session_access = visitor_access = READ

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "run name")
        meta = await self.call(self.store.runs.run_source, self.caller, owner, name)
        await self.stream_blob(
            meta["sha256"],
            None,
            f"{name}-source.tar.gz",
            f"the stored source of run {owner}:{name}",
        )
