"""The extension's HTTP API under ``<base_url>grid-collab/api/``: a proxy of team queries
and actions, the session's context, datastore attach, and artifacts into this session."""

from __future__ import annotations

import json
import re

from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ..client import GridError
from ..models import ReferenceError
from ..references import parse_ref
from .base import GridHandler
from .context import CONTEXT_MAX_AGE_SECONDS, SessionContext
from .datastores import AttachService
from .download import ArtifactDownloadHandler
from .fetch import FetchService
from .identity import GridUser
from .proxy_path import normalise, upstream_path
from .upstream import Upstream
from .visitors import Visitors

__all__ = ["CONTEXT_MAX_AGE_SECONDS", "PROXY_ALLOWED", "handlers"]

_SEG = r"[^/]+"
# What the browser and kernels may ask the team server through this server, by method,
# matched against the normalised path (proxy_path.py). Registration, heartbeats, keys and
# credentials are not reachable this way.
PROXY_ALLOWED = {
    "GET": re.compile(
        rf"^(me|teams|teams/{_SEG}|teams/{_SEG}/(ledger|audit)|sessions|runs|datastores"
        rf"|metrics|sessions/{_SEG}/{_SEG}|runs/{_SEG}/{_SEG}(/artifacts)?"
        rf"|experiments/{_SEG}/{_SEG}(/artifacts|/logs|/metrics)?"
        rf"|datastores/{_SEG}/{_SEG}(/files)?)$"
    ),
    "POST": re.compile(
        rf"^(sessions/{_SEG}/{_SEG}/(stop|pause|resume|open)|runs/{_SEG}/{_SEG}/(stop|clone)"
        rf"|experiments/{_SEG}/{_SEG}/(stop|clone))$"
    ),
    "DELETE": re.compile(rf"^(sessions|runs|experiments|datastores)/{_SEG}/{_SEG}$"),
}


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
        dest = self.fetch.resolve_dest(body.get("dest") or "grid_artifacts")
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
