"""The team API's one route table: each path template once, with the handler that serves it.

Each route carries its operations (``Op``: method, summary, the Structs it takes and answers
with, its status codes, who may call it). Tornado's routes are built from it
(``tornado_routes``), and the OpenAPI document's paths are generated from it
(openapi_spec.paths); tests/test_routes.py holds the faces' paths (the client, the extension's
proxy allow-list, the sidebar) to it. A template's ``{path}`` is a file path (may hold '/');
every other ``{name}`` is one path segment; ``{action}`` is one of its operations' ``action``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..answers import (
    ArtifactList,
    AuditPage,
    Balance,
    CredentialList,
    DatastoreDetail,
    DatastoreFiles,
    DatastorePage,
    ExperimentMetrics,
    GitCredential,
    Health,
    LedgerPage,
    LogPage,
    LogsAppended,
    Membership,
    MetricsAppended,
    MetricsPage,
    RegisteredSession,
    RunDetail,
    RunPage,
    SessionOpen,
    SessionPage,
    Source,
    TeamList,
    Upload,
    UserList,
    Visit,
    VisitsEnded,
)
from ..bodies import (
    Attach,
    CloneRequest,
    CredentialSet,
    Credits,
    ExperimentStatus,
    Heartbeat,
    LogAppend,
    MetricAppend,
    NewMember,
    NewRun,
    NewTeam,
    NewUpload,
    NewUser,
    QuotaChange,
    RoleChange,
    SessionRegistration,
    TicketRedeem,
)
from ..models import Artifact, Credential, Datastore, DatastoreFile, Experiment, Session, Team, User
from .handlers import blobs as b
from .handlers import datastores as d
from .handlers import meta as m
from .handlers import metrics as mt
from .handlers import runs as r
from .handlers import sessions as s
from .handlers import teams as t

API = "/api/v1"
_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Op:
    """One documented operation of a route: what it takes, answers and may refuse.

    ``ok`` maps a success status to its description and answer (a Struct of models.py or
    answers.py; ``None``: no body). ``errors`` are the refusals besides those every
    authenticated call may get (401, 403). ``params`` name query and header parameters
    (openapi_spec.PARAMS); path parameters come from the template. ``public``: no API key
    (and no automatic 401/403); ``secret``: the caller is a session's own server, proven by
    its secret. ``stream``: the body is a file (``upload``) or the answer is
    (``download``; ``head``: its headers only).
    """

    method: str
    summary: str
    tag: str
    ok: dict[int, tuple[str, type | None]] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    body: type | None = None
    body_required: bool = True
    params: tuple[str, ...] = ()
    public: bool = False
    secret: bool = False
    stream: Literal["", "upload", "download", "head"] = ""
    action: str | None = None


class Route:
    """A path template under /api/v1, the handler class that serves it, and its operations."""

    __slots__ = ("template", "handler", "ops")

    def __init__(self, template: str, handler: type, *ops: Op) -> None:
        self.template = template
        self.handler = handler
        self.ops = ops

    def __repr__(self) -> str:
        return f"Route({self.template!r}, {self.handler.__name__})"

    def documented(self) -> list[tuple[str, Op]]:
        """Each operation with the path template it is documented at ({action} filled in)."""
        return [
            (self.template.replace("{action}", op.action) if op.action else self.template, op)
            for op in self.ops
        ]

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
    Route(
        "/health",
        m.HealthHandler,
        Op(
            "GET",
            "Liveness and the database schema version",
            "meta",
            public=True,
            ok={200: ("The server is up.", Health)},
        ),
    ),
    Route(
        "/openapi.json",
        m.OpenAPIHandler,
        Op("GET", "This document", "meta", public=True, ok={200: ("The OpenAPI document.", dict)}),
    ),
    Route(
        "/me",
        t.MeHandler,
        Op("GET", "Who I am, with my teams and roles", "teams", ok={200: ("The caller.", User)}),
    ),
    Route(
        "/users",
        t.UsersHandler,
        Op("GET", "List users (site admins)", "teams", ok={200: ("Every user.", UserList)}),
        Op(
            "POST",
            "Create a user (site admins)",
            "teams",
            ok={201: ("The new user.", User)},
            errors=(400, 409),
            body=NewUser,
        ),
    ),
    Route(
        "/teams",
        t.TeamsHandler,
        Op("GET", "List my teams", "teams", ok={200: ("The caller's teams.", TeamList)}),
        Op(
            "POST",
            "Create a team with its owner (site admins)",
            "teams",
            ok={201: ("The new team.", Team)},
            errors=(400, 404, 409),
            body=NewTeam,
        ),
    ),
    Route(
        "/teams/{team}",
        t.TeamHandler,
        Op(
            "GET",
            "A team: members with roles, the balance, storage used and its quota",
            "teams",
            ok={200: ("The team.", Team)},
            errors=(404,),
        ),
        Op(
            "PATCH",
            "Set or remove the team's storage quota (site admins)",
            "teams",
            ok={200: ("The team.", Team)},
            errors=(400, 404),
            body=QuotaChange,
        ),
    ),
    Route(
        "/teams/{team}/members",
        t.MembersHandler,
        Op(
            "POST",
            "Add a member (team admins: role user; owners: any role)",
            "teams",
            ok={201: ("The membership.", Membership)},
            errors=(400, 404, 409),
            body=NewMember,
        ),
    ),
    Route(
        "/teams/{team}/members/{username}",
        t.MemberHandler,
        Op(
            "PATCH",
            "Change a member's role",
            "teams",
            ok={200: ("The membership.", Membership)},
            errors=(400, 404, 409),
            body=RoleChange,
        ),
        Op(
            "DELETE",
            "Remove a member",
            "teams",
            ok={204: ("Removed.", None)},
            errors=(400, 404, 409),
        ),
    ),
    Route(
        "/teams/{team}/credits",
        t.CreditsHandler,
        Op(
            "POST",
            "Add credits (site admins)",
            "teams",
            ok={200: ("The new balance.", Balance)},
            errors=(400, 404),
            body=Credits,
        ),
    ),
    Route(
        "/teams/{team}/ledger",
        t.LedgerHandler,
        Op(
            "GET",
            "The team's usage ledger, newest first",
            "teams",
            params=("limit", "cursor"),
            ok={200: ("A page of ledger entries.", LedgerPage)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/teams/{team}/audit",
        t.AuditHandler,
        Op(
            "GET",
            "The team's audit log (admins and owners)",
            "teams",
            params=("limit", "cursor"),
            ok={200: ("A page of audit entries.", AuditPage)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/credentials",
        s.CredentialsHandler,
        Op(
            "GET",
            "My credentials (never the tokens)",
            "credentials",
            ok={200: ("The caller's credentials.", CredentialList)},
        ),
    ),
    Route(
        "/credentials/{provider}",
        s.CredentialHandler,
        Op(
            "PUT",
            "Set my credential (write-only)",
            "credentials",
            ok={200: ("Stored.", Credential)},
            errors=(400,),
            body=CredentialSet,
        ),
        Op(
            "DELETE",
            "Remove my credential",
            "credentials",
            ok={204: ("Removed.", None)},
            errors=(404,),
        ),
    ),
    Route(
        "/sessions",
        s.SessionsHandler,
        Op(
            "GET",
            "List sessions",
            "sessions",
            params=("scope", "team", "limit", "cursor", "status-sessions"),
            ok={200: ("A page of sessions.", SessionPage)},
            errors=(400, 404),
        ),
        Op(
            "POST",
            "Register my Jupyter server as a running session",
            "sessions",
            ok={201: ("The session and, once, its server secret.", RegisteredSession)},
            errors=(400, 402, 404, 409),
            body=SessionRegistration,
        ),
    ),
    Route(
        "/sessions/{owner}/{name}",
        s.SessionHandler,
        Op(
            "GET", "One session", "sessions", ok={200: ("The session.", Session)}, errors=(400, 404)
        ),
        Op(
            "DELETE",
            "Delete a session's record (creator or team admin)",
            "sessions",
            ok={204: ("Deleted.", None)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/sessions/{owner}/{name}/git-credential",
        s.SessionGitCredentialHandler,
        Op(
            "GET",
            "The owner's GitHub token, for the session's own server only",
            "sessions",
            public=True,
            secret=True,
            ok={200: ("The credential (token null when none is stored).", GitCredential)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/sessions/{owner}/{name}/open",
        s.SessionOpenHandler,
        Op(
            "POST",
            "Open a session: my own URL, or a single-use visitor ticket for a teammate's",
            "sessions",
            ok={200: ("Where to go.", SessionOpen)},
            errors=(400, 404, 409),
        ),
    ),
    Route(
        "/visits/redeem",
        s.TicketRedeemHandler,
        Op(
            "POST",
            "Redeem a visitor's ticket (the session's own server)",
            "sessions",
            public=True,
            secret=True,
            ok={200: ("The visit.", Visit)},
            errors=(400, 401, 403),
            body=TicketRedeem,
        ),
    ),
    Route(
        "/visits",
        s.VisitsHandler,
        Op(
            "DELETE",
            "End every visit to this session (the session's own server)",
            "sessions",
            secret=True,
            ok={200: ("How many visits ended.", VisitsEnded)},
        ),
    ),
    Route(
        "/visits/{username}",
        s.VisitsHandler,
        Op(
            "DELETE",
            "End one visitor's visit to this session (the session's own server)",
            "sessions",
            secret=True,
            ok={200: ("How many visits ended (0 or 1).", VisitsEnded)},
            errors=(400,),
        ),
    ),
    Route(
        "/sessions/{owner}/{name}/{action}",
        s.SessionActionHandler,
        Op(
            "POST",
            "Stop a session (creator or team admin)",
            "sessions",
            action="stop",
            ok={200: ("The session.", Session)},
            errors=(400, 404),
        ),
        Op(
            "POST",
            "Pause a session (creator or team admin)",
            "sessions",
            action="pause",
            ok={200: ("The session.", Session)},
            errors=(400, 404),
        ),
        Op(
            "POST",
            "Resume a session (creator or team admin)",
            "sessions",
            action="resume",
            ok={200: ("The session.", Session)},
            errors=(400, 402, 404),
        ),
        Op(
            "POST",
            "Start (creating if need be) one of my JupyterHub servers as a session (under a Hub)",
            "sessions",
            action="start",
            ok={200: ("The session, pending or running.", Session)},
            errors=(400, 403, 404, 409, 502),
        ),
        Op(
            "POST",
            "The session's own server reports it is alive",
            "sessions",
            action="heartbeat",
            ok={200: ("The session.", Session)},
            errors=(400, 404),
            body=Heartbeat,
            body_required=False,
        ),
    ),
    Route(
        "/runs",
        r.RunsHandler,
        Op(
            "GET",
            "List runs",
            "runs",
            params=("scope", "team", "limit", "cursor", "status-runs"),
            ok={200: ("A page of runs.", RunPage)},
            errors=(400, 404),
        ),
        Op(
            "POST",
            "Create a run: one experiment per parameter set of the grid",
            "runs",
            ok={201: ("The run with its experiments.", RunDetail)},
            errors=(400, 402, 404, 409),
            body=NewRun,
        ),
    ),
    Route(
        "/runs/{owner}/{name}",
        r.RunHandler,
        Op(
            "GET",
            "A run with its experiments",
            "runs",
            ok={200: ("The run.", RunDetail)},
            errors=(400, 404),
        ),
        Op(
            "DELETE",
            "Delete a run with its experiments, logs and artifacts",
            "runs",
            ok={204: ("Deleted.", None)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/runs/{owner}/{name}/artifacts",
        b.RunArtifactsHandler,
        Op(
            "GET",
            "The artifacts of every experiment",
            "artifacts",
            params=("match",),
            ok={200: ("The artifacts.", ArtifactList)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/runs/{owner}/{name}/source",
        b.RunSourceHandler,
        Op(
            "GET",
            "Download the run's source snapshot",
            "runs",
            params=("range",),
            errors=(400, 404, 500),
            stream="download",
        ),
    ),
    Route(
        "/runs/{owner}/{name}/{action}",
        r.RunActionHandler,
        Op(
            "POST",
            "Stop a run's pending and running experiments (creator or team admin)",
            "runs",
            action="stop",
            ok={200: ("The run.", RunDetail)},
            errors=(400, 404),
        ),
        Op(
            "POST",
            "Clone a teammate's run as mine",
            "runs",
            action="clone",
            ok={201: ("The new run.", RunDetail)},
            errors=(400, 402, 404, 409),
            body=CloneRequest,
            body_required=False,
        ),
    ),
    Route(
        "/experiments/{owner}/{name}",
        r.ExperimentHandler,
        Op(
            "GET",
            "One experiment",
            "runs",
            ok={200: ("The experiment.", Experiment)},
            errors=(400, 404),
        ),
        Op(
            "DELETE",
            "Delete an experiment with its logs and artifacts",
            "runs",
            ok={204: ("Deleted.", None)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/experiments/{owner}/{name}/logs",
        r.LogsHandler,
        Op(
            "GET",
            "Log lines from offset, or the last tail lines; wait long-polls",
            "logs",
            params=("offset", "log-limit", "tail", "wait"),
            ok={200: ("Lines and where to read on.", LogPage)},
            errors=(400, 404),
        ),
        Op(
            "POST",
            "Append log lines (the run's executor)",
            "logs",
            ok={200: ("Appended.", LogsAppended)},
            errors=(400, 404),
            body=LogAppend,
        ),
    ),
    Route(
        "/experiments/{owner}/{name}/metrics",
        mt.ExperimentMetricsHandler,
        Op(
            "GET",
            "An experiment's metrics: summaries, and each series downsampled to max_points "
            "(the first and last points, the lowest and highest of each bucket between)",
            "metrics",
            params=("names", "max_points"),
            ok={200: ("The metrics.", ExperimentMetrics)},
            errors=(400, 404),
        ),
        Op(
            "POST",
            "Append metric points (the run's executor)",
            "metrics",
            ok={200: ("Stored.", MetricsAppended)},
            errors=(400, 404),
            body=MetricAppend,
        ),
    ),
    Route(
        "/metrics",
        mt.MetricsHandler,
        Op(
            "GET",
            "Several runs' and experiments' metrics in one answer, to compare them",
            "metrics",
            params=("metric-runs", "metric-experiments", "names", "max_points"),
            ok={200: ("The metrics of each experiment, in the order named.", MetricsPage)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/experiments/{owner}/{name}/artifacts",
        b.ExperimentArtifactsHandler,
        Op(
            "GET",
            "An experiment's artifacts",
            "artifacts",
            params=("match",),
            ok={200: ("The artifacts.", ArtifactList)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/experiments/{owner}/{name}/artifacts/{path}",
        b.ArtifactHandler,
        Op(
            "GET",
            "Download an artifact",
            "artifacts",
            params=("range",),
            errors=(400, 404, 500),
            stream="download",
        ),
        Op(
            "HEAD",
            "An artifact's size and sha256 without its bytes (checked and audited as a download; "
            "verified as for a GET)",
            "artifacts",
            params=("range",),
            errors=(400, 404, 500),
            stream="head",
        ),
        Op(
            "PUT",
            "Upload an artifact (the run's executor)",
            "artifacts",
            params=("sha256",),
            ok={201: ("Recorded.", Artifact)},
            errors=(400, 404, 413, 507),
            stream="upload",
        ),
    ),
    Route(
        "/experiments/{owner}/{name}/{action}",
        r.ExperimentActionHandler,
        Op(
            "POST",
            "Stop one experiment (creator or team admin)",
            "runs",
            action="stop",
            ok={200: ("The experiment.", Experiment)},
            errors=(400, 404),
        ),
        Op(
            "POST",
            "Clone one experiment's parameters as a new run of mine",
            "runs",
            action="clone",
            ok={201: ("The new run.", RunDetail)},
            errors=(400, 402, 404, 409),
            body=CloneRequest,
            body_required=False,
        ),
        Op(
            "POST",
            "Report an experiment's status (its run's executor or tracker)",
            "runs",
            action="status",
            ok={200: ("The experiment.", Experiment)},
            errors=(400, 404, 409),
            body=ExperimentStatus,
        ),
    ),
    Route(
        "/datastores",
        d.DatastoresHandler,
        Op(
            "GET",
            "List datastore versions",
            "datastores",
            params=("scope", "team", "limit", "cursor", "status-datastores"),
            ok={200: ("A page of datastore versions.", DatastorePage)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/datastores/{owner}/{name}",
        d.DatastoreHandler,
        Op(
            "GET",
            "A datastore version with the list of versions",
            "datastores",
            params=("version",),
            ok={200: ("The version.", DatastoreDetail)},
            errors=(400, 404),
        ),
        Op(
            "DELETE",
            "Delete one version (version=N) or every version",
            "datastores",
            params=("version",),
            ok={204: ("Deleted.", None)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/datastores/{owner}/{name}/files",
        d.DatastoreFilesHandler,
        Op(
            "GET",
            "A version's files",
            "datastores",
            params=("version",),
            ok={200: ("The version and its files.", DatastoreFiles)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/datastores/{owner}/{name}/files/{path}",
        b.DatastoreFileHandler,
        Op(
            "GET",
            "Download one file of a version",
            "datastores",
            params=("version", "range"),
            errors=(400, 404, 500),
            stream="download",
        ),
    ),
    Route(
        "/datastores/{owner}/{name}/attach",
        d.DatastoreAttachHandler,
        Op(
            "POST",
            "Attach a version read-only (to one of my sessions when named)",
            "datastores",
            ok={200: ("The version and its files, to mount.", DatastoreFiles)},
            errors=(400, 404),
            body=Attach,
            body_required=False,
        ),
    ),
    Route(
        "/uploads",
        d.UploadsHandler,
        Op(
            "POST",
            "Begin a staged upload of the next version",
            "datastores",
            ok={201: ("The upload.", Upload)},
            errors=(400, 404),
            body=NewUpload,
        ),
    ),
    Route(
        "/uploads/{upload_id}",
        d.UploadHandler,
        Op(
            "DELETE",
            "Abort an upload",
            "datastores",
            ok={204: ("Aborted.", None)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/uploads/{upload_id}/commit",
        d.UploadCommitHandler,
        Op(
            "POST",
            "Commit an upload: it becomes the next version, all at once",
            "datastores",
            ok={201: ("The new version.", Datastore)},
            errors=(400, 404),
        ),
    ),
    Route(
        "/uploads/{upload_id}/files/{path}",
        b.UploadFileHandler,
        Op(
            "PUT",
            "Upload one file of an upload",
            "datastores",
            params=("sha256",),
            ok={200: ("Staged.", DatastoreFile)},
            errors=(400, 404, 413, 507),
            stream="upload",
        ),
    ),
    Route(
        "/sources",
        b.SourcesHandler,
        Op(
            "PUT",
            "Upload a run's source snapshot (an archive)",
            "runs",
            params=("source-team",),
            ok={201: ("Its sha256, for a run's source_sha256.", Source)},
            errors=(400, 404, 413, 507),
            stream="upload",
        ),
    ),
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
