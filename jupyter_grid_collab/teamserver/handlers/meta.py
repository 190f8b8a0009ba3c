"""Unauthenticated endpoints: health and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from .. import schema
from ..errors import NotFound
from .base import BaseHandler

OPENAPI = Path(__file__).resolve().parent.parent / "openapi.json"


class HealthHandler(BaseHandler):
    """GET liveness and the schema version; no key needed."""

    public = True

    async def get(self) -> None:
        source = "jupyterhub" if self.settings.get("hub") is not None else "local"
        self.send({"status": "ok", "schema_version": schema.SCHEMA_VERSION, "team_source": source})


class OpenAPIHandler(BaseHandler):
    """GET the OpenAPI 3 document of this API."""

    public = True

    def get(self) -> None:
        self.finish(OPENAPI.read_bytes())


class NotFoundHandler(BaseHandler):
    """Any other path under the API: a JSON 404 rather than tornado's HTML page."""

    public = True

    async def prepare(self) -> None:
        raise NotFound(f"no API endpoint {self.request.method} {self.request.path}")
