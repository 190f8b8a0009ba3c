"""Typed records shared by every face, and the one resource-reference parser.

A reference names a resource the way the original `grid` CLI did:
``name`` (mine), ``alice:name`` (alice's), and for datastores ``alice:name@3``.
Experiments are named ``<run>-exp<N>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, TypedDict, get_args

import msgspec
from msgspec import Meta

from .controls import first_control, visible
from .fields import (
    NAME_MAX,
    NAME_PATTERN,
    USERNAME_PATTERN,
    Bytes,
    Count,
    Credits,
    ExperimentName,
    LogStream,
    Name,
    Role,
    RunStatus,
    SessionStatus,
    Sha256,
    Strategy,
    Time,
    Username,
    Version,
    Visitors,
)

#: users, runs, sessions, datastores: lowercase letters, digits, '-', '_' and '.'
#: (no leading punctuation), so names are safe in URLs, paths and table cells.
NAME_RE = re.compile(NAME_PATTERN)
USERNAME_RE = re.compile(USERNAME_PATTERN)
EXPERIMENT_RE = re.compile(r"^(?P<run>.+)-exp(?P<index>0|[1-9][0-9]{0,5})$")

ROLES: tuple[str, ...] = get_args(Role)
RUN_STATUSES: tuple[str, ...] = get_args(RunStatus)
ACTIVE_RUN_STATUSES = ("pending", "running")
SESSION_STATUSES: tuple[str, ...] = get_args(SessionStatus)
# what visitors of a session may do, as its owner chose: browse only, or run code as the owner
VISITOR_MODES: tuple[str, ...] = get_args(get_args(Visitors)[0])
LOG_STREAMS: tuple[str, ...] = get_args(LogStream)


class ReferenceError(ValueError):
    """A malformed resource reference; the message says what is wrong and what is expected."""


def validate_name(value: Any, what: str = "name") -> str:
    """Return ``value`` if it is a valid resource name, else raise ReferenceError naming it."""
    if not isinstance(value, str) or not value:
        raise ReferenceError(f"{what} must be a non-empty string")
    if len(value) > NAME_MAX:
        raise ReferenceError(f"{what} is {len(value)} characters long; the limit is {NAME_MAX}")
    if not NAME_RE.match(value):
        raise ReferenceError(
            f"{what} {value!r} is not valid: use lowercase letters, digits, '.', '-' and '_', "
            "starting with a letter or digit"
        )
    return value


def validate_username(value: Any) -> str:
    """Return ``value`` if it is a valid username, else raise ReferenceError."""
    if not isinstance(value, str):
        raise ReferenceError("username must be a string")
    if not USERNAME_RE.match(value):
        shown = value if len(value) <= 80 else "(too long)"
        raise ReferenceError(
            f"username {shown!r} is not valid: use 1-39 lowercase letters, digits and '-'"
        )
    return value


@dataclass(frozen=True)
class Reference:
    """A parsed reference: ``owner`` is None for "mine"; ``version`` only for datastores."""

    name: str
    owner: str | None = None
    version: int | None = None

    def __str__(self) -> str:
        text = f"{self.owner}:{self.name}" if self.owner else self.name
        return f"{text}@{self.version}" if self.version is not None else text

    def owner_or(self, default: str) -> str:
        """The owner, or ``default`` (the caller) when the reference is bare."""
        return self.owner or default


def parse_reference(text: Any, *, allow_version: bool = False) -> Reference:
    """Parse ``name``, ``user:name`` or (with allow_version) ``user:name@version``."""
    expected = "[user:]name@version" if allow_version else "[user:]name"
    if not isinstance(text, str) or not text.strip():
        raise ReferenceError(f"empty reference: expected {expected}")
    text = text.strip()
    if "\x00" in text or len(text) > 2 * NAME_MAX + 20:
        raise ReferenceError(f"malformed reference: expected {expected}")
    version: int | None = None
    if "@" in text:
        if not allow_version:
            raise ReferenceError(
                f"malformed reference {text!r}: a version (@N) only applies "
                "to datastores; expected [user:]name"
            )
        text, _, raw_version = text.rpartition("@")
        if not raw_version.isdigit() or int(raw_version) < 1 or len(raw_version) > 9:
            raise ReferenceError(
                f"malformed reference: version {raw_version!r} must be a positive integer"
            )
        version = int(raw_version)
    owner: str | None = None
    if ":" in text:
        owner, _, text = text.partition(":")
        try:
            validate_username(owner)
        except ReferenceError as exc:
            raise ReferenceError(f"malformed reference: {exc}; expected {expected}") from None
    try:
        validate_name(text)
    except ReferenceError as exc:
        raise ReferenceError(f"malformed reference: {exc}; expected {expected}") from None
    return Reference(name=text, owner=owner, version=version)


def split_experiment_name(name: str) -> tuple[str, int]:
    """Split ``<run>-exp<N>`` into (run name, N); ReferenceError if it is not one."""
    match = EXPERIMENT_RE.match(name)
    if not match:
        raise ReferenceError(f"{name!r} is not an experiment name: expected <run>-exp<N>")
    return match["run"], int(match["index"])


def experiment_name(run_name: str, index: int) -> str:
    """The experiment name Grid used: ``<run>-exp<N>``."""
    return f"{run_name}-exp{index}"


def validate_relative_path(path: Any, what: str = "path") -> str:
    """Return a normalised relative POSIX path, refusing anything that could escape a folder."""
    if not isinstance(path, str) or not path:
        raise ReferenceError(f"{what} must be a non-empty string")
    if "\x00" in path:
        raise ReferenceError(f"{what} contains a NUL byte")
    control = first_control(path) or ("U+0009" if "\t" in path else None)
    if control:
        # CR/LF or escape sequences in a name would be written to disk and to terminals
        raise ReferenceError(
            f"{what} '{visible(path)}' contains a control character ({control}); rename the file"
        )
    if len(path) > 1024:
        raise ReferenceError(f"{what} is longer than 1024 characters")
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        raise ReferenceError(f"{what} {path!r} is absolute; use a path relative to its folder")
    parts = path.replace("\\", "/").split("/")
    if any(part == ".." for part in parts):
        raise ReferenceError(f"{what} {path!r} escapes its folder ('..' is not allowed)")
    clean = [part for part in parts if part not in ("", ".")]
    if not clean:
        raise ReferenceError(f"{what} {path!r} names no file")
    return "/".join(clean)


# --------------------------------------------------------------------------- records
# The records the team API answers with, described once: the client reads answers into them,
# and the OpenAPI document's schemas are generated from them (teamserver/openapi_spec.py).
# Reading is lenient where it costs nothing: unknown keys are ignored, so an older client
# keeps working against a newer server, and fields the server always sends have defaults, so
# a record can be built from part of one. The document still says which fields every answer
# carries: all of them, except those a record lists in ``sometimes``.


class Record(msgspec.Struct, kw_only=True):
    """Base of the API's records: built from API JSON and turned back into it."""

    #: fields an answer may leave out (the OpenAPI document requires every other one)
    sometimes: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_json(cls, data: dict[str, Any]):
        """The record in an answer's decoded JSON; msgspec.ValidationError names a bad field."""
        return msgspec.convert(data, cls)

    def to_json(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)


class GithubContext(TypedDict):
    """Whose GitHub identity git uses in the session; never the token itself."""

    user: Username
    login: str | None
    credential_bound: bool


class TeamRole(TypedDict):
    """One of a user's teams and their role in it."""

    name: str
    role: Role


# experiments of a run by status
RunCounts = TypedDict("RunCounts", {status: Count for status in RUN_STATUSES})  # type: ignore[misc]


class Member(Record, kw_only=True):
    """A member of a team."""

    username: Username
    role: Role
    email: str | None = None
    github_login: str | None = None
    joined_at: Time


class Team(Record, kw_only=True):
    """A team: members with roles, the credit balance, storage used and its quota."""

    name: str
    created_at: Time
    balance: Credits
    role: Annotated[
        Role | None, Meta(description="the caller's role; null for a site admin outside the team")
    ] = None
    members: list[Member] = []
    storage_used_bytes: Annotated[
        Bytes,
        Meta(
            description="bytes the team stores: datastore versions' files (and uploads not "
            "committed yet), artifacts and run sources, counted per record (no dedup)"
        ),
    ] = 0
    storage_quota_bytes: Annotated[
        Bytes | None, Meta(description="uploads past it are refused (413); null: no quota")
    ] = None


class User(Record, kw_only=True):
    """A user, with their teams and roles."""

    username: Username
    email: str | None = None
    github_login: str | None = None
    site_admin: bool = False
    teams: list[TeamRole] = []


class Session(Record, kw_only=True):
    """An interactive JupyterLab server of a team member."""

    id: int
    name: Name
    owner: Username
    team: str
    status: SessionStatus
    instance_type: str
    created_at: Time
    url: str | None = None
    started_at: Time | None = None
    stopped_at: Time | None = None
    last_heartbeat: Time | None = None
    duration_seconds: float = 0.0
    cost: Credits = 0.0
    datastores: Annotated[
        list[str], Meta(description="references of the datastores mounted in the session")
    ] = []
    github: GithubContext = {}  # type: ignore[typeddict-item]
    visitors: Visitors = "full"


class Run(Record, kw_only=True):
    """A script launched with a hyperparameter grid; it holds experiments."""

    id: int
    name: Name
    owner: Username
    team: str
    status: RunStatus
    command: str
    instance_type: str
    strategy: Strategy
    created_at: Time
    params: dict[str, Any] = {}
    num_trials: int | None = None
    datastore: Annotated[str | None, Meta(description="owner:name@version")] = None
    started_at: Time | None = None
    finished_at: Time | None = None
    duration_seconds: float = 0.0
    cloned_from: Annotated[str | None, Meta(description="owner:run or owner:experiment")] = None
    counts: RunCounts = {}  # type: ignore[typeddict-item]
    cost: Credits = 0.0


class Experiment(Record, kw_only=True):
    """One process of a run with one parameter set."""

    id: int
    name: ExperimentName
    run: Name
    owner: Username
    index: Count
    status: RunStatus
    command: str
    params: dict[str, Any] = {}
    created_at: Time
    exit_code: int | None = None
    message: str | None = None
    started_at: Time | None = None
    finished_at: Time | None = None
    duration_seconds: float = 0.0


class Artifact(Record, kw_only=True):
    """A file an experiment produced."""

    sometimes: ClassVar[frozenset[str]] = frozenset({"run"})

    path: str
    size: Bytes
    sha256: Sha256
    created_at: Time
    experiment: str | None = None
    owner: Username | None = None
    run: str | None = None


class LogLine(Record, kw_only=True):
    """One line of an experiment's log."""

    seq: Count
    ts: Time
    stream: LogStream
    line: str


class DatastoreFile(Record, kw_only=True):
    """A file of a datastore version."""

    path: str
    size: Bytes
    sha256: Sha256


class Datastore(Record, kw_only=True):
    """A version of a named, immutable set of files."""

    id: int
    name: Name
    owner: Username
    team: str
    version: Version
    status: Literal["available"]
    size: Bytes
    file_count: Count
    created_at: Time
    reference: Annotated[str | None, Meta(description="owner:name@version, for attach")] = None


class Credential(Record, kw_only=True):
    """A stored credential; the token itself is never sent."""

    provider: Literal["github"]
    login: str | None
    created_at: Time


@dataclass
class Page:
    """One page of a listing and the cursor for the next (None at the end)."""

    items: list[Any]
    next_cursor: str | None = None
