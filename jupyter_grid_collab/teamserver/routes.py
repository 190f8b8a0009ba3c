"""The team API's one route table: each path template once, with the handler that serves it.

Tornado's routes are built from it (``tornado_routes``); tests/test_openapi.py holds the OpenAPI
document's paths to it and tests/test_routes.py holds the faces' paths (the client, the
extension's proxy allow-list, the sidebar) to it. A template's ``{path}`` is a file path (may
hold '/'); every other ``{name}`` is one path segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .handlers import blobs as b
from .handlers import datastores as d
from .handlers import meta as m
from .handlers import runs as r
from .handlers import sessions as s
from .handlers import teams as t

API = "/api/v1"
_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    """A path template under /api/v1 and the handler class that serves it."""

    template: str
    handler: type

    @property
    def pattern(self) -> str:
        """The template as tornado's regex: one capture group per parameter."""
        parts = _PARAM.split(self.template)
        out = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(re.escape(part))
            else:
                out.append("(.+)" if part == "path" else "([^/]+)")
        return API + "".join(out)


# Order matters where templates overlap: tornado takes the first whole match, so a fixed
# last segment (/open, /artifacts) comes before the {action} route of the same prefix.
ROUTES: tuple[Route, ...] = (
    Route("/health", m.HealthHandler),
    Route("/openapi.json", m.OpenAPIHandler),
    Route("/me", t.MeHandler),
    Route("/users", t.UsersHandler),
    Route("/teams", t.TeamsHandler),
    Route("/teams/{team}", t.TeamHandler),
    Route("/teams/{team}/members", t.MembersHandler),
    Route("/teams/{team}/members/{username}", t.MemberHandler),
    Route("/teams/{team}/credits", t.CreditsHandler),
    Route("/teams/{team}/ledger", t.LedgerHandler),
    Route("/teams/{team}/audit", t.AuditHandler),
    Route("/credentials", s.CredentialsHandler),
    Route("/credentials/{provider}", s.CredentialHandler),
    Route("/sessions", s.SessionsHandler),
    Route("/sessions/{owner}/{name}", s.SessionHandler),
    Route("/sessions/{owner}/{name}/git-credential", s.SessionGitCredentialHandler),
    Route("/sessions/{owner}/{name}/open", s.SessionOpenHandler),
    Route("/visits/redeem", s.TicketRedeemHandler),
    Route("/visits", s.VisitsHandler),
    Route("/visits/{username}", s.VisitsHandler),
    Route("/sessions/{owner}/{name}/{action}", s.SessionActionHandler),
    Route("/runs", r.RunsHandler),
    Route("/runs/{owner}/{name}", r.RunHandler),
    Route("/runs/{owner}/{name}/artifacts", b.ArtifactsHandler),
    Route("/runs/{owner}/{name}/source", b.RunSourceHandler),
    Route("/runs/{owner}/{name}/{action}", r.RunActionHandler),
    Route("/experiments/{owner}/{name}", r.ExperimentHandler),
    Route("/experiments/{owner}/{name}/logs", r.LogsHandler),
    Route("/experiments/{owner}/{name}/artifacts", b.ArtifactsHandler),
    Route("/experiments/{owner}/{name}/artifacts/{path}", b.ArtifactHandler),
    Route("/experiments/{owner}/{name}/{action}", r.ExperimentActionHandler),
    Route("/datastores", d.DatastoresHandler),
    Route("/datastores/{owner}/{name}", d.DatastoreHandler),
    Route("/datastores/{owner}/{name}/files", d.DatastoreFilesHandler),
    Route("/datastores/{owner}/{name}/files/{path}", b.DatastoreFileHandler),
    Route("/datastores/{owner}/{name}/attach", d.DatastoreAttachHandler),
    Route("/uploads", d.UploadsHandler),
    Route("/uploads/{upload_id}", d.UploadHandler),
    Route("/uploads/{upload_id}/commit", d.UploadCommitHandler),
    Route("/uploads/{upload_id}/files/{path}", b.UploadFileHandler),
    Route("/sources", b.SourcesHandler),
)


def tornado_routes() -> list[tuple[str, type]]:
    """The table as tornado.web.Application's rules, ending in the API's JSON 404."""
    return [(route.pattern, route.handler) for route in ROUTES] + [
        (API + r"/.*", m.NotFoundHandler)
    ]


def route_for(path: str) -> Route | None:
    """The route tornado picks for a concrete path under /api/v1 (the first whole match)."""
    for route in ROUTES:
        if re.fullmatch(route.pattern, path):
            return route
    return None
