"""The team API's other answers: pages, lists and small acknowledgements around the records of
models.py. Described once, like them: the OpenAPI document is generated from these."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from msgspec import Meta

from .fields import (
    Bytes,
    Count,
    Credits,
    Cursor,
    MetricName,
    Name,
    Role,
    RunStatus,
    Sha256,
    Step,
    Time,
    Username,
    Visitors,
)
from .models import (
    Artifact,
    Credential,
    Datastore,
    DatastoreFile,
    Experiment,
    LogLine,
    Record,
    Run,
    Session,
)

NextCursor = Annotated[
    Cursor | None,
    Meta(description="pass back as cursor for the next page; null on the last page"),
]


class Error(Record, kw_only=True):
    """Every error: a message a person can act on."""

    message: Annotated[str, Meta(min_length=1)]


class Health(Record, kw_only=True):
    """The server is up, its database schema version, and where its teams come from."""

    status: Literal["ok"]
    schema_version: int
    team_source: Literal["local", "jupyterhub"] = "local"


class UserSummary(Record, kw_only=True):
    """A user, as site admins list them."""

    username: Username
    email: str | None
    github_login: str | None
    site_admin: bool
    created_at: Time


class TeamSummary(Record, kw_only=True):
    """One of my teams."""

    name: str
    created_at: Time
    balance: Credits
    role: Role
    member_count: Annotated[int, Meta(ge=1)]


class Membership(Record, kw_only=True):
    """A user's role in a team."""

    team: str
    username: Username
    role: Role


class Balance(Record, kw_only=True):
    """A team's credit balance."""

    team: str
    balance: Credits


class LedgerEntry(Record, kw_only=True):
    """A credit added or a usage charged."""

    kind: Literal["credit", "usage"]
    user: str | None
    resource: str | None
    amount: Annotated[float, Meta(description="credits, to 6 places")]
    note: str | None
    created_at: Time


class AuditEntry(Record, kw_only=True):
    """Who did what to which resource, and how it ended."""

    ts: Time
    actor: str | None
    action: str
    resource: str
    outcome: str
    detail: str | None


class RegisteredSession(Record, kw_only=True):
    """A session registered by its own server."""

    session: Session
    server_secret: Annotated[
        str, Meta(description="shown once: the session server's secret for X-Grid-Session-Secret")
    ]


class SessionOpen(Record, kw_only=True):
    """Where to open a session, and for a visitor what the visit allows."""

    sometimes: ClassVar[frozenset[str]] = frozenset({"warning"})

    url: Annotated[str, Meta(description="where to open it (with a ticket for a visitor)")]
    visitor: bool
    session: Session
    visitors: Visitors
    expires_in: Annotated[float | None, Meta(description="ticket lifetime, s")]
    warning: Annotated[
        str,
        Meta(
            description="for visitors: what the session's visitor mode lets them do, and "
            "whose identity and account they act under"
        ),
    ] = ""


class Visit(Record, kw_only=True):
    """A visit a session's server started by redeeming a ticket."""

    visitor: Username
    github_login: str | None
    expires_at: Annotated[
        float,
        Meta(
            description="seconds since the epoch: the team server's visit length "
            "(--visit-hours), or less when the session asked for less"
        ),
    ]
    visitors: Visitors
    session: Session


class VisitsEnded(Record, kw_only=True):
    """How many visits ended."""

    ended: Count


class GitCredential(Record, kw_only=True):
    """The session owner's GitHub credential, for the session's own server only."""

    user: Username
    login: str | None
    token: str | None


class RunDetail(Run, kw_only=True):
    """A run with its experiments."""

    experiments: list[Experiment]


class LogPage(Record, kw_only=True):
    """Lines of an experiment's log from an offset."""

    experiment: str
    owner: Username
    status: RunStatus
    experiment_id: int
    lines: list[LogLine]
    next_offset: Annotated[Count, Meta(description="pass back as offset to read on")]
    finished: Annotated[
        bool, Meta(description="the experiment ended and every line was read: stop following")
    ]


class MetricSummary(Record, kw_only=True):
    """Where one of an experiment's metrics stands: its last point and its range."""

    name: MetricName
    count: Annotated[Count, Meta(description="points stored")]
    last: Annotated[float | None, Meta(description="the last value (null: not a number)")]
    last_step: Step
    min: Annotated[float | None, Meta(description="the lowest finite value (null: none)")]
    max: Annotated[float | None, Meta(description="the highest finite value (null: none)")]
    updated_at: Time


class MetricSeries(Record, kw_only=True):
    """One metric's points, as columns, downsampled to at most max_points: the first and
    last, and the lowest and highest value of each bucket between, so its shape is kept."""

    name: MetricName
    count: Annotated[Count, Meta(description="points stored (the answer may hold fewer)")]
    step: list[int]
    value: Annotated[list[float | None], Meta(description="null: not a number")]
    ts: Annotated[list[float], Meta(description="seconds since the epoch")]


class ExperimentMetrics(Record, kw_only=True):
    """An experiment's metrics with what a comparison shows beside them."""

    experiment: str
    run: Name
    owner: Username
    status: RunStatus
    params: dict[str, Any] = {}
    summaries: Annotated[list[MetricSummary], Meta(description="the metrics asked for")]
    series: Annotated[
        list[MetricSeries], Meta(description="the metrics asked for (none when max_points=0)")
    ]


class MetricsPage(Record, kw_only=True):
    """Several experiments' metrics, in the order their runs and experiments were named."""

    experiments: list[ExperimentMetrics]


class MetricsAppended(Record, kw_only=True):
    """Metric points an experiment reported, as stored."""

    stored: Count
    dropped: Annotated[
        Count,
        Meta(
            description="points of this batch not kept: the experiment is past the team "
            "server's --max-metric-points (still a 200: do not send them again)"
        ),
    ]
    experiment_id: int


class LogsAppended(Record, kw_only=True):
    """Lines a launcher reported, as stored."""

    next_offset: Count
    experiment_id: int
    dropped: Annotated[
        Count,
        Meta(
            description="lines of this batch not kept: the experiment is past the team "
            "server's --max-log-mb (still a 200: do not send them again)"
        ),
    ]
    truncated: Annotated[bool, Meta(description="the stored log ends with the truncation line")]


class Source(Record, kw_only=True):
    """A run's source archive, stored."""

    sha256: Sha256
    size: Bytes


class DatastoreDetail(Datastore, kw_only=True):
    """A datastore version and every version of its name."""

    versions: list[Annotated[int, Meta(ge=1)]]


class DatastoreFiles(Datastore, kw_only=True):
    """A datastore version and its files."""

    files: list[DatastoreFile]


class Upload(Record, kw_only=True):
    """An upload begun: send its files, then commit it."""

    upload_id: int
    name: Name


# ------------------------------------------------------------------ pages and lists
class SessionPage(Record, kw_only=True):
    """One page of sessions, newest first."""

    items: list[Session]
    next_cursor: NextCursor


class RunPage(Record, kw_only=True):
    """One page of runs, newest first."""

    items: list[Run]
    next_cursor: NextCursor


class DatastorePage(Record, kw_only=True):
    """One page of datastores, newest first."""

    items: list[Datastore]
    next_cursor: NextCursor


class LedgerPage(Record, kw_only=True):
    """One page of the ledger, newest first."""

    items: list[LedgerEntry]
    next_cursor: NextCursor


class AuditPage(Record, kw_only=True):
    """One page of the audit log, newest first."""

    items: list[AuditEntry]
    next_cursor: NextCursor


class UserList(Record, kw_only=True):
    """Every user."""

    items: list[UserSummary]


class TeamList(Record, kw_only=True):
    """The caller's teams."""

    items: list[TeamSummary]


class CredentialList(Record, kw_only=True):
    """The caller's credentials."""

    items: list[Credential]


class ArtifactList(Record, kw_only=True):
    """An experiment's or a run's artifacts."""

    items: list[Artifact]


ANSWERS = (
    Error,
    Health,
    UserSummary,
    TeamSummary,
    Membership,
    Balance,
    LedgerEntry,
    AuditEntry,
    RegisteredSession,
    SessionOpen,
    Visit,
    VisitsEnded,
    GitCredential,
    RunDetail,
    LogPage,
    LogsAppended,
    MetricSummary,
    MetricSeries,
    ExperimentMetrics,
    MetricsPage,
    MetricsAppended,
    Source,
    DatastoreDetail,
    DatastoreFiles,
    Upload,
    SessionPage,
    RunPage,
    DatastorePage,
    LedgerPage,
    AuditPage,
    UserList,
    TeamList,
    CredentialList,
    ArtifactList,
)
