"""GET ``grid-collab/api/artifacts/download``: one artifact streamed to the browser, from
the team server or, where its blobs are on this machine, straight from the blob file."""

from __future__ import annotations

import asyncio
import json
import os
import re

import tornado.iostream
from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import download_body
from ..client import _path, _seg
from ..models import ReferenceError, validate_relative_path
from ..references import EXPERIMENT, parse_ref
from ..teamserver.blob_integrity import BlobVerifier, local_stamp, same_bytes
from . import zerocopy
from .base import GridHandler
from .upstream import Upstream

_SHA256 = re.compile(r"[0-9a-f]{64}")


class ArtifactDownloadHandler(GridHandler):
    """GET ``?ref=alice:run-exp1&path=model.pt``: stream one artifact to the browser in
    chunks, awaiting each flush, so memory stays flat whatever its size.

    Where the team server's blobs are on this machine (``GridCollab.blob_dir``) the bytes
    come straight from its content-addressed file, with no HTTP hop; the team server is
    still asked first, as the current user, so it decides, audits the download, checks the
    file against its sha256 and names the file (sha256 and stamp) to send. A corrupted blob
    reaches the browser as an error with the team server's message, never as a download."""

    def initialize(self, upstream: Upstream, blob_dir: str | None) -> None:
        super().initialize(upstream)
        self.blob_dir = blob_dir or None

    @web.authenticated
    @authorized
    async def get(self) -> None:
        try:
            # artifacts are an experiment's: the route says so, not the name
            ref = parse_ref(self.get_query_argument("ref", ""), EXPERIMENT)
            path = validate_relative_path(self.get_query_argument("path", ""))
        except ReferenceError as exc:
            raise web.HTTPError(400, str(exc)) from None
        owner = ref.owner or self.current_user.username
        upstream = f"/experiments/{_seg(owner)}/{_seg(ref.name)}/artifacts/{_path(path)}"
        if self.blob_dir:
            local = await self._local_blob(self.blob_dir, upstream)
            if local is not None:
                await self._send_file(*local)
                return
        response = await self.upstream.send(
            self.current_user, "GET", upstream, stream=True, timeout=300
        )
        try:
            if response.status_code >= 400:
                await response.aread()
                self._refuse_if_bad_blob(response)
                self.relay(response)
                return
            self._copy_headers(response.headers)
            # plain TCP on both sides (Linux): the body never enters this process
            if await zerocopy.relay(self, response):
                return
            # each piece goes out as the socket read gave it (up to http1.RECV_SIZE, 2 MiB)
            # and is flushed alone: tornado joins what waits in its buffer, so a lone piece
            # is sent without a copy; awaiting the flush is the backpressure that keeps
            # memory flat (the transport pauses its socket while the browser is slower)
            async for piece in response.aiter_raw():
                self.write(piece)
                try:
                    await self.flush()
                except tornado.iostream.StreamClosedError:
                    return
            self.finish()
        finally:
            await response.aclose()

    def _copy_headers(self, headers) -> None:
        for header in ("Content-Length", "Content-Disposition", "ETag", "X-Content-Sha256"):
            if header in headers:
                self.set_header(header, headers[header])
        self.set_header("Content-Type", "application/octet-stream")

    def _refuse_if_bad_blob(self, response) -> None:
        """A stored file the team server found corrupted (its 500) reaches the browser as a
        502 that keeps the team server's message (which file, ask an admin), not only that
        it failed."""
        if response.status_code != 500:
            return
        try:
            message = json.loads(response.content)["message"]
        except (ValueError, KeyError, TypeError):
            return
        raise web.HTTPError(
            502, f"the team server at {self.upstream.url} refused to send it: {message}"
        )

    async def _local_blob(self, blob_dir: str, upstream: str):
        """(open file, verified stamp, team server's headers) when the blob is readable here
        and is the very file the team server just verified, else None (then the proxied
        GET answers, with the team server's own message on a refusal).

        The HEAD is the team server's check: it answers 200 only for a blob whose bytes
        match its sha256, with the stamp of the file it verified (``X-Grid-Blob-Stamp``:
        inode, size, mtime_ns, ctime_ns). The file opened here must have that stamp, so a
        write after the check (ctime cannot be set back) sends the download the slow, safe
        way; a team server that sends no stamp does not verify, so it gets no fast path."""
        head = await self.upstream.send(self.current_user, "HEAD", upstream, timeout=60)
        if head.status_code != 200:
            return None
        sha = head.headers.get("X-Content-Sha256", "")
        size = head.headers.get("Content-Length", "")
        verified = head.headers.get("X-Grid-Blob-Stamp", "")
        if not (_SHA256.fullmatch(sha) and size.isdigit() and verified):
            return None
        blob = os.path.join(blob_dir, "objects", sha[:2], sha)
        loop = asyncio.get_running_loop()
        try:
            f = await loop.run_in_executor(None, open, blob, "rb")
        except OSError:
            return None  # not on this machine after all (or not readable by this server)
        stamp = local_stamp(f.fileno())
        # the team server's own format of a stamp (one writer of it: blob_integrity.py)
        if BlobVerifier.header(stamp) != verified or stamp[1] != int(size):
            f.close()  # not the file the team server verified: let it check and send
            return None
        return f, stamp, head.headers

    async def _send_file(self, f, stamp, headers) -> None:
        """Send an open file (download_body.py: by the kernel over plain TCP, else in
        chunks). Before the last chunk leaves, the file must still be the one verified
        (inode, size, mtime: a mount hard-linking the blob meanwhile changes only its
        ctime); else the download is cut, so the browser never sees it complete."""
        self._copy_headers(headers)

        async def still_good() -> bool:
            if same_bytes(local_stamp(f.fileno()), stamp):
                return True
            self.log.error(
                "grid-collab: blob %s changed while being sent; download cut short",
                headers.get("X-Content-Sha256"),
            )
            return False

        try:
            await download_body.send(self, f, 0, stamp[1], still_good)
        finally:
            f.close()
