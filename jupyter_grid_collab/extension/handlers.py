"""The extension's HTTP API under ``<base_url>grid-collab/api/``: a proxy of team queries
and actions, the session's context, datastore attach, and artifacts into this session."""

from __future__ import annotations

import asyncio
import json
import os
import re

import tornado.iostream
from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ..client import GridError
from ..models import ReferenceError, validate_relative_path
from ..references import EXPERIMENT, parse_ref
from ..teamserver.blob_integrity import BlobVerifier
from .context import CONTEXT_MAX_AGE_SECONDS, SessionContext
from .datastores import AttachService
from .fetch import FetchService
from .identity import GridUser
from .jobs import JobTable
from .proxy_path import normalise, upstream_path
from .upstream import Upstream, file_path, segment
from .visitors import Visitors

__all__ = ["CONTEXT_MAX_AGE_SECONDS", "PROXY_ALLOWED", "handlers"]

_SEG = r"[^/]+"
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Large chunks: fewer trips through the event loop per byte, still flat memory (at most two
# chunks of a file download are held at once).
FILE_CHUNK = 4 << 20
# What the browser and kernels may ask the team server through this server, by method,
# matched against the normalised path (proxy_path.py). Registration, heartbeats, keys and
# credentials are not reachable this way.
PROXY_ALLOWED = {
    "GET": re.compile(
        rf"^(me|teams|teams/{_SEG}|teams/{_SEG}/(ledger|audit)|sessions|runs|datastores"
        rf"|sessions/{_SEG}/{_SEG}|runs/{_SEG}/{_SEG}(/artifacts)?"
        rf"|experiments/{_SEG}/{_SEG}(/artifacts|/logs)?|datastores/{_SEG}/{_SEG}(/files)?)$"
    ),
    "POST": re.compile(
        rf"^(sessions/{_SEG}/{_SEG}/(stop|pause|resume|open)|runs/{_SEG}/{_SEG}/(stop|clone)"
        rf"|experiments/{_SEG}/{_SEG}/(stop|clone))$"
    ),
    "DELETE": re.compile(rf"^(sessions|runs|experiments|datastores)/{_SEG}/{_SEG}$"),
}


class GridHandler(APIHandler):
    """Base of the extension's API handlers; each gets the services it uses from the
    extension app through ``initialize`` (see ``handlers()``), and nothing else."""

    auth_resource = "grid_collab:team"

    def initialize(self, upstream: Upstream) -> None:
        self.upstream = upstream

    def is_visitor(self) -> bool:
        return isinstance(self.current_user, GridUser) and self.current_user.visitor

    def body_json(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "the request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise web.HTTPError(400, "the request body must be a JSON object")
        return data

    def finish_job(self, jobs: JobTable, job_id: str, what: str) -> None:
        """Report a background job (an attach, an artifact download) as it stands."""
        job = jobs.get(job_id)
        if job is None:
            raise web.HTTPError(404, f"no {what} {job_id!r}")
        self.finish(json.dumps(job))

    def relay(self, response) -> None:
        """Send the team server's answer on unchanged (no JSON re-parsing); its 4xx
        messages reach the user as they are, its 5xx become a 502 naming it."""
        if response.status_code >= 500:
            raise web.HTTPError(
                502, f"the team server at {self.upstream.url} failed ({response.status_code})"
            )
        self.set_status(response.status_code)
        if response.status_code == 204:
            self.finish()
            return
        self.set_header("Content-Type", "application/json")
        self.finish(response.content)

    def refuse(self, exc: GridError, what: str | None = None) -> None:
        """Raise the team server's refusal (a GridError) as this API's error: its 4xx and
        message as they are, anything else a 502 naming it."""
        message = f"{what}: {exc.message}" if what else exc.message
        status = exc.status if exc.status and 400 <= exc.status < 500 else 502
        raise web.HTTPError(status, message) from None


class ProxyHandler(GridHandler):
    """GET / POST / DELETE ``grid-collab/api/<team API path>`` as the current user."""

    def compute_etag(self) -> None:
        return None  # a pass-through body: hashing it per request only adds latency

    def _team_api_path(self, method: str) -> str:
        """The allowed team API path this request names, normalised from the raw path
        (never tornado's decoded copy); 404 for anything else."""
        prefix = url_path_join(self.base_url, "grid-collab/api/")
        raw = self.request.path
        segments = normalise(raw[len(prefix) :]) if raw.startswith(prefix) else None
        if segments is None or not PROXY_ALLOWED[method].match("/".join(segments)):
            raise web.HTTPError(
                404, f"no team API {method} {raw[len(prefix) :]!r} through this server"
            )
        return upstream_path(segments)

    async def _proxy(self, method: str, path: str) -> None:
        # ``path`` (tornado's decoded copy) is not trusted: see proxy_path.py
        upstream = self._team_api_path(method)
        wait = self.get_query_argument("wait", None)
        timeout = None
        if wait:
            try:
                timeout = min(float(wait), 30.0) + 15
            except ValueError:
                raise web.HTTPError(400, "wait must be a number of seconds") from None
        response = await self.upstream.send(
            self.current_user,
            method,
            upstream,
            params=self.request.query or None,
            body=self.request.body or None,
            timeout=timeout,
        )
        self.relay(response)

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        await self._proxy("GET", path)

    @web.authenticated
    @authorized
    async def post(self, path: str) -> None:
        await self._proxy("POST", path)

    @web.authenticated
    @authorized
    async def delete(self, path: str) -> None:
        await self._proxy("DELETE", path)


class ContextHandler(GridHandler):
    """GET who is here (owner or visitor), whose session this is, and whose GitHub identity
    git uses in it."""

    def initialize(self, upstream: Upstream, context: SessionContext) -> None:
        super().initialize(upstream)
        self.context = context

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(json.dumps(await self.context.for_user(self.current_user)))


class AttachHandler(GridHandler):
    """POST ``{"ref": "alice:mnist@2"}``: mount a datastore version read-only in this
    session (the team server checks the caller may; the session record shows it).

    200 with the mounted path when it is mounted; 202 with a job when a large download is
    needed first, followed at GET ``.../attach/<id>`` until its state is done or failed."""

    # a write into this session (a mount): not for visitors who may only view
    auth_resource = "grid_collab:attach"

    def initialize(self, upstream: Upstream, attach: AttachService) -> None:
        super().initialize(upstream)
        self.attach = attach

    @web.authenticated
    @authorized
    async def post(self) -> None:
        ref = self.body_json().get("ref")
        try:
            job = await self.attach.attach(self.current_user, ref)
        except ReferenceError as exc:
            raise web.HTTPError(400, str(exc)) from None
        except GridError as exc:
            self.refuse(exc)
        except OSError as exc:
            raise web.HTTPError(500, f"could not mount {ref} here: {exc.strerror or exc}") from None
        self.set_status(200 if job["state"] == "done" else 202)
        self.finish(json.dumps(job))

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.finish_job(self.attach.jobs, job_id, "datastore attach")


class ArtifactFetchHandler(GridHandler):
    """POST ``{"ref": "alice:run-exp1", "dest": "results/", "match": "...", "kind": "run"}``
    downloads artifacts into this server's file tree; GET ``.../fetch/<id>`` reports progress.

    ``kind`` ("run" or "experiment") says what ``ref`` names; without it, Grid's rule reads
    it from the name (an experiment's ends with -exp<N>: ``cifar-explore`` is a run)."""

    # writes files into this session: not for visitors who may only view
    auth_resource = "grid_collab:files"

    def initialize(self, upstream: Upstream, fetch: FetchService) -> None:
        super().initialize(upstream)
        self.fetch = fetch

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body_json()
        try:
            ref = parse_ref(body.get("ref"), body.get("kind"))
        except ValueError as exc:  # a malformed reference, or a kind that is none
            raise web.HTTPError(400, str(exc)) from None
        dest = self.fetch.resolve_dest(body.get("dest") or "artifacts")
        try:
            job = await self.fetch.start(self.current_user, ref, dest, body.get("match") or None)
        except GridError as exc:
            self.refuse(exc)
        self.set_status(202)
        self.finish(json.dumps(job))

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.finish_job(self.fetch.jobs, job_id, "artifact download")


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
        ref = ref.owned(self.current_user.username)
        upstream = (
            f"/experiments/{segment(ref.owner)}/{segment(ref.name)}/artifacts/{file_path(path)}"
        )
        if self.blob_dir:
            local = await self._local_blob(upstream)
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
            # each piece goes out as the socket read gave it (up to a few hundred KiB) and is
            # flushed alone: tornado joins what waits in its buffer, so a lone piece is sent
            # without a copy; awaiting the flush is the backpressure that keeps memory flat
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

    async def _local_blob(self, upstream: str):
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
        blob = os.path.join(self.blob_dir, "objects", sha[:2], sha)
        loop = asyncio.get_running_loop()
        try:
            f = await loop.run_in_executor(None, open, blob, "rb")
        except OSError:
            return None  # not on this machine after all (or not readable by this server)
        st = os.fstat(f.fileno())
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        # the team server's own format of a stamp (one writer of it: blob_integrity.py)
        if BlobVerifier.header(stamp) != verified or st.st_size != int(size):
            f.close()  # not the file the team server verified: let it check and send
            return None
        return f, stamp, head.headers

    async def _send_file(self, f, stamp, headers) -> None:
        """Stream an open file in large chunks. The next chunk is read on a worker thread
        while the current one drains to the socket, so disk and network overlap; at most
        two chunks are in memory. Before the last chunk leaves, the file must still be the
        one verified (inode, size, mtime: a mount hard-linking the blob meanwhile changes
        only its ctime); else the download is cut, so the browser never sees it complete."""
        loop = asyncio.get_running_loop()
        self._copy_headers(headers)
        remaining = stamp[1]
        pending = loop.run_in_executor(None, f.read, FILE_CHUNK)
        try:
            while True:
                chunk = await pending
                if not chunk:
                    break
                remaining -= len(chunk)
                if remaining <= 0:
                    st = os.fstat(f.fileno())
                    if (st.st_ino, st.st_size, st.st_mtime_ns) != stamp[:3]:
                        self.log.error(
                            "grid-collab: blob %s changed while being sent; download cut short",
                            headers.get("X-Content-Sha256"),
                        )
                        self.request.connection.close()
                        return
                pending = loop.run_in_executor(None, f.read, FILE_CHUNK)
                self.write(chunk)
                del chunk
                try:
                    await self.flush()
                except tornado.iostream.StreamClosedError:
                    return  # the browser went away
            self.finish()
        finally:
            # never close the file under a read still running on the worker thread
            await asyncio.wait([pending])
            f.close()


class VisitHandler(APIHandler):
    """GET ``grid-collab/visit?ticket=...``: a teammate arrives with a single-use ticket from
    the team server; redeem it and let them in under their own name."""

    auth_resource = "grid_collab:visit"

    def initialize(self, visitors: Visitors) -> None:
        self.visitors = visitors

    def check_xsrf_cookie(self) -> None:
        return None  # a plain link click; the single-use ticket is the protection

    def _page(self, status: int, title: str, text: str) -> None:
        from html import escape

        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
            f"<p>{escape(text)}</p>"
        )

    @allow_unauthenticated
    async def get(self) -> None:
        ticket = self.get_query_argument("ticket", "")
        user = self.current_user
        if user is not None and not (isinstance(user, GridUser) and user.visitor):
            # the same browser is logged in as the owner: a visit would replace that login
            self._page(
                409,
                "You are this session's owner",
                "This browser is signed in to this server as its owner, so it cannot "
                "also visit it. Open the link in another browser or a private window.",
            )
            return
        try:
            visit = await self.visitors.redeem(ticket)
        except GridError as exc:
            self._page(
                exc.status if exc.status in (401, 403, 404) else 403,
                "This link cannot be used",
                exc.message,
            )
            return
        self.identity_provider.set_login_cookie(self, visit)
        self.xsrf_token  # noqa: B018 - reading it sets the _xsrf cookie the visitor's API calls need
        self.redirect(self.base_url + "lab")


def handlers(
    upstream: Upstream,
    context: SessionContext,
    attach: AttachService,
    fetch: FetchService,
    visitors: Visitors,
    blob_dir: str | None,
) -> list[tuple[str, type, dict]]:
    """The extension's routes, each handler with the services it uses."""
    plain = {"upstream": upstream}
    return [
        (r"grid-collab/api/context", ContextHandler, {**plain, "context": context}),
        (r"grid-collab/api/datastores/attach", AttachHandler, {**plain, "attach": attach}),
        (
            r"grid-collab/api/datastores/attach/([0-9a-f]{32})",
            AttachHandler,
            {**plain, "attach": attach},
        ),
        (r"grid-collab/api/artifacts/fetch", ArtifactFetchHandler, {**plain, "fetch": fetch}),
        (
            r"grid-collab/api/artifacts/fetch/([0-9a-f]{32})",
            ArtifactFetchHandler,
            {**plain, "fetch": fetch},
        ),
        (
            r"grid-collab/api/artifacts/download",
            ArtifactDownloadHandler,
            {**plain, "blob_dir": blob_dir},
        ),
        (r"grid-collab/api/(.+)", ProxyHandler, plain),
        (r"grid-collab/visit", VisitHandler, {"visitors": visitors}),
    ]
