"""The base of the extension's API handlers: its error shape, JSON bodies, job reports."""

from __future__ import annotations

import json

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..client import GridError
from .identity import GridUser
from .jobs import JobTable
from .upstream import Upstream


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
