"""The team API's request bodies with their constraints, described once: the team server's
handlers decode bodies into them (a 400 names the field on bad input), and the OpenAPI
document's request schemas are generated from them."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from .fields import (
    HttpUrl,
    LogStream,
    MetricName,
    Name,
    Role,
    RunStatus,
    Sha256,
    Step,
    Strategy,
    Username,
    Visitors,
)

MAX_EXPERIMENTS = 1000  # hyperparams.MAX_EXPERIMENTS; tests/test_bodies.py holds them equal
MAX_LINES_PER_POST = 5000  # log lines in one post (the store takes a LogAppend)
MAX_POINTS_PER_POST = 10_000  # metric points in one post (a MetricAppend)

Scalar = str | int | float | bool
Params = Annotated[
    dict[str, Scalar | Annotated[list[Scalar], Meta(min_length=1)]],
    Meta(
        description="parameter name -> value (string, number, boolean) or, in a grid, a "
        "non-empty list of values"
    ),
]


class Body(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Base of request bodies: unknown keys are ignored, as the store always did."""


class NewUser(Body, kw_only=True):
    """A user to create (site admins)."""

    username: Username
    email: Annotated[str, Meta(max_length=254)] | None = None
    github_login: str | None = None
    site_admin: bool = False


class NewTeam(Body, kw_only=True):
    """A team to create with its owner (site admins)."""

    name: Name
    owner: Username


class NewMember(Body, kw_only=True):
    """A member to add."""

    username: Username
    role: Role = "user"


class RoleChange(Body, kw_only=True):
    """A member's new role."""

    role: Role


class QuotaChange(Body, kw_only=True):
    """A team's storage quota (site admins)."""

    storage_quota_bytes: Annotated[
        Annotated[int, Meta(ge=0, le=2**63 - 1)] | None,
        Meta(description="bytes the team may store; null removes the quota"),
    ]


class Credits(Body, kw_only=True):
    """Credits to add to a team (site admins)."""

    amount: Annotated[float, Meta(gt=-1e9, lt=1e9)]


class CredentialSet(Body, kw_only=True):
    """A credential to store; write-only."""

    token: Annotated[str, Meta(min_length=8, max_length=512, pattern=r"^\S+$")]
    login: Annotated[str, Meta(min_length=1, max_length=39)] | UnsetType = UNSET


class SessionRegistration(Body, kw_only=True):
    """A Jupyter server registering itself as a session of its owner."""

    name: Name
    url: HttpUrl | None = None
    instance_type: Annotated[str, Meta(description="a priced instance type, default cpu-small")] = (
        "cpu-small"
    )
    datastores: list[str] = []
    team: (
        Annotated[str, Meta(description="needed when the caller is in several teams")] | UnsetType
    ) = UNSET
    replace: Annotated[bool, Meta(description="re-register a running session")] = False
    visitors: (
        Annotated[
            Visitors,
            Meta(
                description="default full for a new session; a re-registration without it "
                "keeps the session's"
            ),
        ]
        | UnsetType
    ) = UNSET


class Heartbeat(Body, kw_only=True):
    """A session's server says it is alive, and what changed."""

    url: (
        Annotated[HttpUrl | None, Meta(description="absent: unchanged; null: none")] | UnsetType
    ) = UNSET
    datastores: list[str] | UnsetType = UNSET
    visitors: (
        Annotated[Visitors, Meta(description="a change ends the current visits")] | UnsetType
    ) = UNSET


class TicketRedeem(Body, kw_only=True):
    """A visitor's ticket, redeemed by the session's own server."""

    ticket: Annotated[str, Meta(min_length=1, max_length=200)]
    visit_seconds: (
        Annotated[
            float,
            Meta(
                description="a shorter visit than the team server's (at least 60 s); a longer "
                "one is cut to it. Default: the server's (8 h unless --visit-hours says "
                "otherwise)"
            ),
        ]
        | UnsetType
    ) = UNSET


class NewRun(Body, kw_only=True):
    """A run to launch."""

    command: Annotated[str, Meta(min_length=1, max_length=4096)]
    name: Name | UnsetType = UNSET
    params: Params = {}
    strategy: Strategy = "grid_search"
    num_trials: Annotated[int, Meta(ge=1, le=MAX_EXPERIMENTS)] | None = None
    seed: int | None = None
    instance_type: str | UnsetType = UNSET
    source_sha256: Sha256 | None = None
    team: str | UnsetType = UNSET
    tracked: bool = False
    datastore: Annotated[str, Meta(description="[owner:]name[@version] to mount")] | UnsetType = (
        UNSET
    )


class CloneRequest(Body, kw_only=True):
    """A clone of a run or an experiment, with overrides."""

    name: Name | UnsetType = UNSET
    team: str | UnsetType = UNSET
    params: Annotated[Params, Meta(description="overrides")] = {}
    instance_type: str | UnsetType = UNSET
    datastore: (
        Annotated[str | None, Meta(description="[owner:]name[@version]; null for none")] | UnsetType
    ) = UNSET


class ExperimentStatus(Body, kw_only=True):
    """A launcher reports its experiment's status."""

    status: RunStatus
    exit_code: (
        Annotated[
            Annotated[int, Meta(ge=-(2**31), le=2**31 - 1)] | None,
            Meta(description="absent: unchanged"),
        ]
        | UnsetType
    ) = UNSET
    message: Annotated[str | None, Meta(description="absent: unchanged")] | UnsetType = UNSET


class LogLineIn(Body, kw_only=True):
    """A log line with its stream and time."""

    line: str
    stream: LogStream = "stdout"
    ts: Annotated[float, Meta(description="seconds since the epoch")] | UnsetType = UNSET


class LogAppend(Body, kw_only=True):
    """Log lines a launcher reports."""

    lines: Annotated[list[str | LogLineIn], Meta(max_length=MAX_LINES_PER_POST)] = []


class MetricPointIn(Body, kw_only=True):
    """One metric point an experiment reports."""

    name: MetricName
    value: Annotated[
        float | None, Meta(description="null: not a number (NaN or infinity: JSON has neither)")
    ]
    step: Annotated[Step, Meta(description="left out: one past the series' last step")] | (
        UnsetType
    ) = UNSET
    ts: Annotated[float, Meta(description="seconds since the epoch; left out: now")] | (
        UnsetType
    ) = UNSET


class MetricAppend(Body, kw_only=True):
    """Metric points an experiment reports, in the order they were taken."""

    points: Annotated[list[MetricPointIn], Meta(max_length=MAX_POINTS_PER_POST)] = []


class Attach(Body, kw_only=True):
    """Attach a datastore to one of my sessions."""

    version: Annotated[int, Meta(ge=1, description="default the latest")] | UnsetType = UNSET
    session: Annotated[Name, Meta(description="one of the caller's sessions")] | UnsetType = UNSET


class NewUpload(Body, kw_only=True):
    """A datastore upload to begin."""

    name: Name
    team: str | UnsetType = UNSET


BODIES = (
    NewUser,
    NewTeam,
    NewMember,
    RoleChange,
    QuotaChange,
    Credits,
    CredentialSet,
    SessionRegistration,
    Heartbeat,
    TicketRedeem,
    NewRun,
    CloneRequest,
    ExperimentStatus,
    LogAppend,
    MetricPointIn,
    MetricAppend,
    Attach,
    NewUpload,
)
