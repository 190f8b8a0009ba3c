"""Typed records shared by every face, and the one resource-reference parser.

A reference names a resource the way the original `grid` CLI did:
``name`` (mine), ``alice:name`` (alice's), and for datastores ``alice:name@3``.
Experiments are named ``<run>-exp<N>``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from .controls import first_control, visible

NAME_MAX = 64
#: users, runs, sessions, datastores: lowercase letters, digits, '-', '_' and '.'
#: (no leading punctuation), so names are safe in URLs, paths and table cells.
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}$")
EXPERIMENT_RE = re.compile(r"^(?P<run>.+)-exp(?P<index>0|[1-9][0-9]{0,5})$")

ROLES = ("owner", "admin", "user")
RUN_STATUSES = ("pending", "running", "succeeded", "failed", "cancelled")
ACTIVE_RUN_STATUSES = ("pending", "running")
SESSION_STATUSES = ("pending", "running", "paused", "stopped", "lost")
# what visitors of a session may do, as its owner chose: browse only, or run code as the owner
VISITOR_MODES = ("view", "full")


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
# Plain dataclasses built from the team API's JSON. Unknown keys are ignored so an
# older client keeps working against a newer server.


def _build(cls, data: dict[str, Any]):
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


class Record:
    """Mixin: build from API JSON and turn back into it."""

    @classmethod
    def from_json(cls, data: dict[str, Any]):
        return _build(cls, data)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class GithubContext(Record):
    """Whose GitHub identity git uses in a session; never the token itself."""

    user: str
    login: str | None = None
    credential_bound: bool = False


@dataclass
class Member(Record):
    username: str
    role: str
    email: str | None = None
    github_login: str | None = None
    joined_at: str | None = None


@dataclass
class Team(Record):
    name: str
    created_at: str
    balance: float
    role: str | None = None
    members: list[Member] = field(default_factory=list)
    # bytes the team stores (datastores + artifacts + run sources) and its quota (None: none)
    storage_used_bytes: int = 0
    storage_quota_bytes: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Team:
        team = _build(cls, data)
        team.members = [Member.from_json(m) for m in data.get("members") or []]
        return team


@dataclass
class User(Record):
    username: str
    email: str | None = None
    github_login: str | None = None
    site_admin: bool = False
    teams: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Session(Record):
    id: int
    name: str
    owner: str
    team: str
    status: str
    instance_type: str
    created_at: str
    url: str | None = None
    started_at: str | None = None
    stopped_at: str | None = None
    last_heartbeat: str | None = None
    duration_seconds: float = 0.0
    cost: float = 0.0
    datastores: list[str] = field(default_factory=list)
    github: dict[str, Any] = field(default_factory=dict)
    visitors: str = "full"  # one of VISITOR_MODES


@dataclass
class Run(Record):
    id: int
    name: str
    owner: str
    team: str
    status: str
    command: str
    instance_type: str
    strategy: str
    created_at: str
    params: dict[str, Any] = field(default_factory=dict)
    num_trials: int | None = None
    datastore: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0
    cloned_from: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    cost: float = 0.0


@dataclass
class Experiment(Record):
    id: int
    name: str
    run: str
    owner: str
    index: int
    status: str
    command: str
    params: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    message: str | None = None
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0


@dataclass
class Artifact(Record):
    path: str
    size: int
    sha256: str
    created_at: str
    experiment: str | None = None
    owner: str | None = None


@dataclass
class LogLine(Record):
    seq: int
    ts: str
    stream: str
    line: str


@dataclass
class DatastoreFile(Record):
    path: str
    size: int
    sha256: str


@dataclass
class Datastore(Record):
    id: int
    name: str
    owner: str
    team: str
    version: int
    status: str
    size: int
    file_count: int
    created_at: str


@dataclass
class Credential(Record):
    provider: str
    login: str | None
    created_at: str


@dataclass
class Page:
    """One page of a listing and the cursor for the next (None at the end)."""

    items: list[Any]
    next_cursor: str | None = None
