"""The extension's HTTP API under ``<base_url>grid-collab/api/``: a proxy of team queries
and actions, the session's context, datastore attach, and artifacts into this session."""

from __future__ import annotations

import asyncio
import json
import os
import re
from urllib.parse import quote

import tornado.iostream
from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from jupyter_server.utils import url_path_join
from tornado import web

from ..client import Artifact, GridError
from ..models import ReferenceError, parse_reference, validate_relative_path
from .identity import GridUser
from .proxy_path import normalise, upstream_path

_SEG = r"[^/]+"
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Large chunks: fewer trips through the event loop per byte, still flat memory (at most two
# chunks of a file download are held at once).
FILE_CHUNK = 4 << 20
# the context re-reads this session's record when it is older than this (heartbeats are
# far apart; a GitHub token set a moment ago must show as bound)
CONTEXT_MAX_AGE_SECONDS = 1.0
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


class GridHandler(ExtensionHandlerMixin, APIHandler):
    """Base of the extension's API handlers."""

    auth_resource = "grid_collab:team"

    @property
    def app(self):
        return self.extensionapp

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

    def finish_job(self, jobs, job_id: str, what: str) -> None:
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
                502, f"the team server at {self.app.upstream.url} failed ({response.status_code})"
            )
        self.set_status(response.status_code)
        if response.status_code == 204:
            self.finish()
            return
        self.set_header("Content-Type", "application/json")
        self.finish(response.content)


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
        response = await self.app.upstream.send(
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

    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.app.registrar.fresh_session(max_age=CONTEXT_MAX_AGE_SECONDS)
        self.finish(json.dumps(self.app.context(self.current_user)))


class AttachHandler(GridHandler):
    """POST ``{"ref": "alice:mnist@2"}``: mount a datastore version read-only in this
    session (the team server checks the caller may; the session record shows it).

    200 with the mounted path when it is mounted; 202 with a job when a large download is
    needed first, followed at GET ``.../attach/<id>`` until its state is done or failed."""

    # a write into this session (a mount): not for visitors who may only view
    auth_resource = "grid_collab:attach"

    @web.authenticated
    @authorized
    async def post(self) -> None:
        ref = self.body_json().get("ref")
        try:
            parsed = parse_reference(ref, allow_version=True)
        except ReferenceError as exc:
            raise web.HTTPError(400, str(exc)) from None
        owner = parsed.owner or self.current_user.username
        body = {"version": parsed.version} if parsed.version else {}
        response = await self.app.upstream.send(
            self.current_user,
            "POST",
            f"/datastores/{quote(owner)}/{quote(parsed.name)}/attach",
            json=body,
        )
        if response.status_code >= 400:
            self.relay(response)
            return
        try:
            job = await asyncio.get_running_loop().run_in_executor(
                None, self.app.attach, response.json()
            )
        except GridError as exc:
            status = exc.status if exc.status and 400 <= exc.status < 500 else 502
            raise web.HTTPError(status, f"could not mount {ref}: {exc.message}") from None
        except OSError as exc:
            raise web.HTTPError(500, f"could not mount {ref} here: {exc.strerror or exc}") from None
        self.set_status(200 if job["state"] == "done" else 202)
        self.finish(json.dumps(job))

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.finish_job(self.app.attach_jobs, job_id, "datastore attach")


class ArtifactFetchHandler(GridHandler):
    """POST ``{"ref": "alice:run-exp1", "dest": "results/", "match": "..."}`` downloads
    artifacts into this server's file tree; GET ``.../fetch/<id>`` reports progress."""

    # writes files into this session: not for visitors who may only view
    auth_resource = "grid_collab:files"

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body_json()
        try:
            ref = parse_reference(body.get("ref"))
        except ReferenceError as exc:
            raise web.HTTPError(400, str(exc)) from None
        dest = self.app.resolve_dest(body.get("dest") or "artifacts")
        owner = ref.owner or self.current_user.username
        kind = "experiments" if "-exp" in ref.name else "runs"
        params = {"match": body["match"]} if body.get("match") else None
        # listing as the current user: the team server decides and audits who may download
        response = await self.app.upstream.send(
            self.current_user,
            "GET",
            f"/{kind}/{quote(owner)}/{quote(ref.name)}/artifacts",
            params=params,
        )
        if response.status_code >= 400:
            self.relay(response)
            return
        artifacts = [Artifact.from_json(a) for a in response.json()["items"]]
        job = self.app.start_fetch(owner, artifacts, dest)
        self.set_status(202)
        self.finish(json.dumps(job))

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.finish_job(self.app.fetch_jobs, job_id, "artifact download")


class ArtifactDownloadHandler(GridHandler):
    """GET ``?ref=alice:run-exp1&path=model.pt``: stream one artifact to the browser in
    chunks, awaiting each flush, so memory stays flat whatever its size.

    Where the team server's blobs are on this machine (``GridCollab.blob_dir``) the bytes
    come straight from its content-addressed file, with no HTTP hop; the team server is
    still asked first, as the current user, so it decides, audits the download, checks the
    file against its sha256 and names the file (sha256 and stamp) to send. A corrupted blob
    reaches the browser as an error with the team server's message, never as a download."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        try:
            ref = parse_reference(self.get_query_argument("ref", ""))
            path = validate_relative_path(self.get_query_argument("path", ""))
        except ReferenceError as exc:
            raise web.HTTPError(400, str(exc)) from None
        owner = ref.owner or self.current_user.username
        upstream = f"/experiments/{quote(owner)}/{quote(ref.name)}/artifacts/{quote(path)}"
        if self.app.blob_dir:
            local = await self._local_blob(upstream)
            if local is not None:
                await self._send_file(*local)
                return
        response = await self.app.upstream.send(
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
            502, f"the team server at {self.app.upstream.url} refused to send it: {message}"
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
        head = await self.app.upstream.send(self.current_user, "HEAD", upstream, timeout=60)
        if head.status_code != 200:
            return None
        sha = head.headers.get("X-Content-Sha256", "")
        size = head.headers.get("Content-Length", "")
        stamp = _blob_stamp(head.headers.get("X-Grid-Blob-Stamp", ""))
        if not (_SHA256.fullmatch(sha) and size.isdigit()) or stamp is None:
            return None
        blob = os.path.join(self.app.blob_dir, "objects", sha[:2], sha)
        loop = asyncio.get_running_loop()
        try:
            f = await loop.run_in_executor(None, open, blob, "rb")
        except OSError:
            return None  # not on this machine after all (or not readable by this server)
        st = os.fstat(f.fileno())
        if (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) != stamp or st.st_size != int(
            size
        ):
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


def _blob_stamp(header: str) -> tuple[int, int, int, int] | None:
    """``X-Grid-Blob-Stamp`` (inode:size:mtime_ns:ctime_ns of a local blob) as numbers."""
    parts = header.split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


class VisitHandler(ExtensionHandlerMixin, APIHandler):
    """GET ``grid-collab/visit?ticket=...``: a teammate arrives with a single-use ticket from
    the team server; redeem it and let them in under their own name."""

    auth_resource = "grid_collab:visit"

    def check_xsrf_cookie(self) -> None:
        return None  # a plain link click; the single-use ticket is the protection

    @property
    def app(self):
        return self.extensionapp

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
            visit = await self.app.redeem(ticket)
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


def handlers() -> list[tuple[str, type]]:
    return [
        (r"grid-collab/api/context", ContextHandler),
        (r"grid-collab/api/datastores/attach", AttachHandler),
        (r"grid-collab/api/datastores/attach/([0-9a-f]{32})", AttachHandler),
        (r"grid-collab/api/artifacts/fetch", ArtifactFetchHandler),
        (r"grid-collab/api/artifacts/fetch/([0-9a-f]{32})", ArtifactFetchHandler),
        (r"grid-collab/api/artifacts/download", ArtifactDownloadHandler),
        (r"grid-collab/api/(.+)", ProxyHandler),
        (r"grid-collab/visit", VisitHandler),
    ]
