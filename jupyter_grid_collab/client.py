"""GridClient: the one client of the team API, sync (``GridClient``) and async
(``AsyncGridClient``) twins sharing one request-building core.

Each API method is written once: it describes its request and how to parse the
answer, and the twin's ``_do`` either performs it (sync) or returns an awaitable
(async). Errors become typed exceptions whose message is the team server's own.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import paging
from .credentials import load_credentials
from .lazy_http import Origin, UnsafeHeader, proxied, ssl_context
from .lazy_http import httpx as _httpx
from .models import (
    Artifact,
    Credential,
    Datastore,
    DatastoreFile,
    Experiment,
    LogLine,
    Page,
    Reference,
    Run,
    Session,
    Team,
    User,
    parse_reference,
    validate_relative_path,
)
from .references import EXPERIMENT, RUN, Kind, Ref, parse_ref

if TYPE_CHECKING:
    # imported only for what needs it (lazy_http): a process that names these errors or
    # makes plain API calls, as every `grid` command does, never loads httpx
    import httpx

API = "/api/v1"
CHUNK = 1 << 20
Progress = Callable[[int], None]
# A session's server proves itself with the secret it got at registration; the team server
# then acts for the session's owner with a "session" scope (no members, roles, credits, keys
# or credentials), or for a visitor it let in when X-Grid-Visitor names one.
SESSION_SECRET_HEADER = "X-Grid-Session-Secret"
# a session action under a JupyterHub waits for the Hub to start or stop the server (the team
# server gives the Hub up to 120 s: teamserver/hub/api.py)
HUB_ACTION_SECONDS = 150.0
# Inside a session (kernels, terminals) this names the 0600 file the session's server wrote
# with its team server URL and session secret: `grid`, attach_datastore() and TeamPanel use
# it when no API key is configured, since the owner's key is not in their environment.
SESSION_CREDENTIAL_ENV = "GRID_SESSION_CREDENTIAL"


# ----------------------------------------------------------------- errors
class GridError(Exception):
    """Any failure talking to the team server; ``message`` is fit to show a person."""

    status: int | None = None

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class InvalidRequest(GridError):
    status = 400


class Unauthorized(GridError):
    status = 401


class OutOfCredits(GridError):
    status = 402


class PermissionDenied(GridError):
    status = 403


class NotFound(GridError):
    status = 404


class Conflict(GridError):
    status = 409


class ServerError(GridError):
    status = 500


class Unreachable(GridError):
    """The team server could not be reached at all (connection refused, DNS, timeout)."""


class ChecksumMismatch(GridError):
    """A download arrived with a different sha256 than the server recorded."""


_BY_STATUS = {
    400: InvalidRequest,
    401: Unauthorized,
    402: OutOfCredits,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: InvalidRequest,
    422: InvalidRequest,
}


class _Answer:
    """A whole answer that came over lazy_http's stdlib transport: what ``_raise_for`` and
    ``_do`` read of an httpx.Response."""

    __slots__ = ("status_code", "reason_phrase", "content")

    def __init__(self, status_code: int, reason_phrase: str, content: bytes):
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.content = content

    def json(self) -> Any:
        return json.loads(self.content)


def _raise_for(response: httpx.Response | _Answer) -> None:
    if response.status_code < 400:
        return
    try:
        message = response.json().get("message") or response.reason_phrase
    except (ValueError, AttributeError):
        message = f"{response.status_code} {response.reason_phrase}"
    cls = _BY_STATUS.get(
        response.status_code, ServerError if response.status_code >= 500 else GridError
    )
    raise cls(message, response.status_code)


def _timed_out(exc: Exception) -> bool:
    if isinstance(exc, TimeoutError):  # the stdlib's (socket.timeout is TimeoutError)
        return True
    loaded = sys.modules.get("httpx")  # an httpx error means httpx is loaded
    return loaded is not None and isinstance(exc, loaded.TimeoutException)


def _unreachable(url: str, exc: Exception) -> Unreachable:
    kind = "timed out" if _timed_out(exc) else "refused or failed"
    return Unreachable(
        f"cannot reach the team server at {url}: connection {kind} "
        f"({type(exc).__name__}); is it running, and is GRID_URL right?"
    )


#: ``open_from(offset)``: a context for the response to "GET from byte ``offset``": whether
#: it is that range (206, else the whole file came) and its chunks
Opener = Callable[[int], AbstractContextManager[tuple[bool, Iterator[bytes]]]]


def part_path(dest: Path) -> Path:
    """Where a download of ``dest`` streams to until its sha256 checks out."""
    return dest.with_name(dest.name + ".part")


def download_resumable(
    dest: Path, sha256: str | None, size: int | None, progress: Progress | None, open_from: Opener
) -> Path:
    """Stream to ``dest.part`` (resuming what an earlier try left), check the sha256, then
    rename into place: a cut download never sits under its final name. One rule for every
    downloader (GridClient's, and the extension's worker threads'); only how the bytes
    arrive differs, which ``open_from`` says."""
    import hashlib  # here: its OpenSSL load is paid by a download, not by every `grid`

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    digest = hashlib.sha256()
    have = 0
    # a .part as large as the file may be wrong bytes: fetched again whole, not trusted
    if part.exists() and size is not None and part.stat().st_size < size:
        with open(part, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                have += len(chunk)
    with open_from(have) as (ranged, chunks):
        if not ranged:  # the whole file came: start over
            digest, have = hashlib.sha256(), 0
        with open(part, "ab" if have else "wb") as f:
            if progress and have:
                progress(have)
            for chunk in chunks:
                f.write(chunk)
                digest.update(chunk)
                if progress:
                    progress(len(chunk))
    if sha256 and digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"{dest.name}: downloaded data does not match its sha256; run the download again"
        )
    os.replace(part, dest)
    return dest


def session_credential(url: str) -> str | None:
    """The secret of the session this process runs in, when its credential file is for the
    team server at ``url`` (never sent anywhere else); None outside a session."""
    path = os.environ.get(SESSION_CREDENTIAL_ENV)
    if not path:
        return None
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or str(data.get("url", "")).rstrip("/") != url.rstrip("/"):
        return None
    secret = data.get("secret")
    return secret if isinstance(secret, str) and secret else None


def _seg(value: str) -> str:
    return quote(value, safe="")


def _path(value: str) -> str:
    return quote(validate_relative_path(value), safe="/")


def _named(r: Reference | Ref) -> str:
    """``owner/name`` of a reference, each quoted for a path (``_ref`` and ``_target``
    fill in the owner before a request is built)."""
    return f"{_seg(r.owner or '')}/{_seg(r.name)}"


def _at(r: Ref) -> str:
    """The API path of a run or an experiment (owner filled in)."""
    return f"/{r.collection}/{_named(r)}"


def _page(cls) -> Callable[[dict], Page]:
    return lambda data: Page([cls.from_json(i) for i in data["items"]], data.get("next_cursor"))


def _listing(
    scope: str | None, status: str | None, team: str | None, limit: int | None, cursor: str | None
) -> dict[str, Any]:
    params = {"scope": scope, "status": status, "team": team, "limit": limit, "cursor": cursor}
    return {k: v for k, v in params.items() if v is not None}


def _run_with_experiments(data: dict) -> tuple[Run, list[Experiment]]:
    return Run.from_json(data), [Experiment.from_json(e) for e in data.get("experiments", [])]


# ----------------------------------------------------------------- the shared core
class _Methods:
    """Every single-request API call, written once for both twins."""

    url: str
    _username: str | None = None

    def _do(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: Any = None,
        parse: Callable[[Any], Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        raise NotImplementedError

    def _me(self) -> str:
        """The owner a bare reference means: me, once me() (or whoami) has said who."""
        if self._username is None:
            raise ValueError("call me() (or whoami) once before using a bare reference")
        return self._username

    def _ref(self, ref: str | Reference, *, version: bool = False) -> Reference:
        parsed = ref if isinstance(ref, Reference) else parse_reference(ref, allow_version=version)
        if parsed.owner is None:
            parsed = Reference(parsed.name, self._me(), parsed.version)
        return parsed

    def _target(self, ref: str | Ref, kind: Kind | None) -> Ref:
        """A run or experiment reference with its owner filled in. A ``Ref`` keeps its kind
        (and must be ``kind`` when one is given); text is parsed as ``kind``, or by Grid's
        rule (``-exp<N>`` at the end) where either is accepted."""
        parsed = ref if isinstance(ref, Ref) else parse_ref(str(ref), kind)
        if kind is not None and parsed.kind != kind:
            parsed = Ref(kind, parsed.name, parsed.owner)  # raises, saying what it names
        return parsed if parsed.owner is not None else parsed.owned(self._me())

    # identity and teams
    def health(self):
        return self._do("GET", "/health")

    def me(self):
        def parse(data):
            self._username = data["username"]
            return User.from_json(data)

        return self._do("GET", "/me", parse=parse)

    def list_teams(self):
        return self._do("GET", "/teams", parse=lambda d: [Team.from_json(t) for t in d["items"]])

    def team(self, name: str):
        return self._do("GET", f"/teams/{_seg(name)}", parse=Team.from_json)

    def add_member(self, team: str, username: str, role: str = "user"):
        return self._do(
            "POST", f"/teams/{_seg(team)}/members", json={"username": username, "role": role}
        )

    def set_role(self, team: str, username: str, role: str):
        return self._do(
            "PATCH", f"/teams/{_seg(team)}/members/{_seg(username)}", json={"role": role}
        )

    def remove_member(self, team: str, username: str):
        return self._do("DELETE", f"/teams/{_seg(team)}/members/{_seg(username)}")

    def add_credits(self, team: str, amount: float):
        return self._do("POST", f"/teams/{_seg(team)}/credits", json={"amount": amount})

    def ledger(self, team: str, limit: int | None = None, cursor: str | None = None):
        return self._do(
            "GET", f"/teams/{_seg(team)}/ledger", params=_listing(None, None, None, limit, cursor)
        )

    def audit_log(self, team: str, limit: int | None = None, cursor: str | None = None):
        return self._do(
            "GET", f"/teams/{_seg(team)}/audit", params=_listing(None, None, None, limit, cursor)
        )

    # credentials
    def list_credentials(self):
        return self._do(
            "GET", "/credentials", parse=lambda d: [Credential.from_json(c) for c in d["items"]]
        )

    def set_credential(self, provider: str, token: str, login: str | None = None):
        body = {"token": token, **({"login": login} if login else {})}
        return self._do(
            "PUT", f"/credentials/{_seg(provider)}", json=body, parse=Credential.from_json
        )

    def delete_credential(self, provider: str):
        return self._do("DELETE", f"/credentials/{_seg(provider)}")

    # sessions
    def list_sessions(
        self,
        scope: str = "mine",
        status: str | None = None,
        team: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ):
        return self._do(
            "GET",
            "/sessions",
            params=_listing(scope, status, team, limit, cursor),
            parse=_page(Session),
        )

    def register_session(
        self,
        name: str,
        url: str | None = None,
        instance_type: str | None = None,
        team: str | None = None,
        datastores: list[str] | None = None,
        replace: bool = False,
        visitors: str | None = None,
    ):
        """Register this server; returns (Session, server secret shown once). ``visitors``:
        "view" (visitors browse only) or "full" (they run code as the owner)."""
        body = {
            "name": name,
            "url": url,
            "instance_type": instance_type,
            "team": team,
            "datastores": datastores or [],
            "replace": replace,
            "visitors": visitors,
        }
        return self._do(
            "POST",
            "/sessions",
            json={k: v for k, v in body.items() if v is not None},
            parse=lambda d: (Session.from_json(d["session"]), d["server_secret"]),
        )

    def session(self, ref: str):
        r = self._ref(ref)
        return self._do("GET", f"/sessions/{_named(r)}", parse=Session.from_json)

    def heartbeat(self, ref: str, **updates: Any):
        r = self._ref(ref)
        return self._do(
            "POST",
            f"/sessions/{_named(r)}/heartbeat",
            json=updates,
            parse=Session.from_json,
        )

    def session_action(self, ref: str, action: str):
        """stop, pause or resume a session (creator or team admin); under a JupyterHub also
        start one of mine. The Hub may take a while to start or stop a server."""
        r = self._ref(ref)
        return self._do(
            "POST",
            f"/sessions/{_named(r)}/{_seg(action)}",
            parse=Session.from_json,
            timeout=HUB_ACTION_SECONDS,
        )

    def open_session(self, ref: str):
        """A URL to open a session: for a teammate's, a single-use visitor ticket link with
        the warning about whose GitHub identity it carries."""
        r = self._ref(ref)
        return self._do("POST", f"/sessions/{_named(r)}/open")

    def delete_session(self, ref: str):
        r = self._ref(ref)
        return self._do("DELETE", f"/sessions/{_named(r)}")

    # runs and experiments
    def list_runs(
        self,
        scope: str = "mine",
        status: str | None = None,
        team: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ):
        return self._do(
            "GET", "/runs", params=_listing(scope, status, team, limit, cursor), parse=_page(Run)
        )

    def create_run(
        self,
        command: str,
        params: dict | None = None,
        *,
        name: str | None = None,
        team: str | None = None,
        strategy: str = "grid_search",
        num_trials: int | None = None,
        instance_type: str | None = None,
        datastore: str | None = None,
        source_sha256: str | None = None,
        tracked: bool | None = None,
    ):
        body = {
            "command": command,
            "params": params or {},
            "name": name,
            "team": team,
            "strategy": strategy,
            "num_trials": num_trials,
            "instance_type": instance_type,
            "datastore": datastore,
            "source_sha256": source_sha256,
            "tracked": tracked,
        }
        return self._do(
            "POST",
            "/runs",
            json={k: v for k, v in body.items() if v is not None},
            parse=_run_with_experiments,
        )

    # A run method takes a run reference and an experiment method an experiment's: text is
    # parsed as that kind (a wrong kind is a ReferenceError naming both); clone and
    # list_artifacts take either, as a Ref, with ``kind``, or by Grid's rule.
    def run(self, ref: str | Ref):
        """A run and its experiments: (Run, [Experiment])."""
        return self._do("GET", _at(self._target(ref, RUN)), parse=_run_with_experiments)

    def stop_run(self, ref: str | Ref):
        return self._do("POST", _at(self._target(ref, RUN)) + "/stop", parse=_run_with_experiments)

    def delete_run(self, ref: str | Ref):
        return self._do("DELETE", _at(self._target(ref, RUN)))

    def clone(
        self,
        ref: str | Ref,
        name: str | None = None,
        params: dict | None = None,
        *,
        kind: Kind | None = None,
    ):
        """Clone a run or one experiment (``kind``, or the Ref's) into a new run of mine."""
        r = self._target(ref, kind)
        body = {k: v for k, v in {"name": name, "params": params}.items() if v}
        return self._do("POST", _at(r) + "/clone", json=body, parse=_run_with_experiments)

    def experiment(self, ref: str | Ref):
        return self._do("GET", _at(self._target(ref, EXPERIMENT)), parse=Experiment.from_json)

    def stop_experiment(self, ref: str | Ref):
        return self._do(
            "POST", _at(self._target(ref, EXPERIMENT)) + "/stop", parse=Experiment.from_json
        )

    def delete_experiment(self, ref: str | Ref):
        return self._do("DELETE", _at(self._target(ref, EXPERIMENT)))

    def report_status(
        self, ref: str | Ref, status: str, exit_code: int | None = None, message: str | None = None
    ):
        body = {"status": status, "exit_code": exit_code, "message": message}
        return self._do(
            "POST",
            _at(self._target(ref, EXPERIMENT)) + "/status",
            json={k: v for k, v in body.items() if v is not None},
            parse=Experiment.from_json,
        )

    def append_logs(self, ref: str | Ref, lines: Sequence[str | dict]):
        return self._do("POST", _at(self._target(ref, EXPERIMENT)) + "/logs", json={"lines": lines})

    def read_logs(
        self,
        ref: str | Ref,
        offset: int = 0,
        limit: int | None = None,
        tail: int | None = None,
        wait: float | None = None,
    ):
        """A dict: lines (LogLine), next_offset, status, finished."""
        r = self._target(ref, EXPERIMENT)
        params = {
            k: v
            for k, v in {"offset": offset, "limit": limit, "tail": tail, "wait": wait}.items()
            if v is not None
        }

        def parse(d):
            d["lines"] = [LogLine.from_json(x) for x in d["lines"]]
            return d

        return self._do(
            "GET",
            _at(r) + "/logs",
            params=params,
            parse=parse,
            timeout=(wait or 0) + 30,
        )

    def append_metrics(self, ref: str | Ref, points: Sequence[dict]):
        """Store an experiment's metric points (its run's owner); a dict: stored, dropped.
        Each point: name, value (None: not a number), and step and ts when known."""
        path = _at(self._target(ref, EXPERIMENT)) + "/metrics"
        return self._do("POST", path, json={"points": list(points)})

    def metrics(
        self,
        refs: Sequence[str | Ref],
        names: Sequence[str] | None = None,
        max_points: int = 500,
    ):
        """The metrics of runs and experiments, anyone's in my teams, in one request: a list
        of ExperimentMetrics (a run stands for its experiments), each with its params, its
        summaries and, unless ``max_points`` is 0, its series cut to ``max_points``."""
        from .answers import ExperimentMetrics

        targets = [self._target(ref, None) for ref in refs]
        named: dict[str, list[str]] = {RUN: [], EXPERIMENT: []}
        for r in targets:
            named[r.kind].append(f"{r.owner}:{r.name}")
        params: dict[str, Any] = {"max_points": max_points}
        for key, kind in (("runs", RUN), ("experiments", EXPERIMENT)):
            if named[kind]:
                params[key] = ",".join(named[kind])
        if names:
            params["names"] = ",".join(names)
        # the API answers runs' experiments before the experiments named alone: put them
        # back in the order they were asked for (a stable sort keeps each run's in order);
        # in ``parse``, which the async client applies once its answer has come
        order = {(r.owner, r.name): i for i, r in reversed(list(enumerate(targets)))}

        def asked(e: ExperimentMetrics) -> int:
            last = len(order)
            return min(order.get((e.owner, e.experiment), last), order.get((e.owner, e.run), last))

        return self._do(
            "GET",
            "/metrics",
            params=params,
            parse=lambda d: sorted(
                (ExperimentMetrics.from_json(x) for x in d["experiments"]), key=asked
            ),
        )

    def list_artifacts(self, ref: str | Ref, match: str | None = None, *, kind: Kind | None = None):
        """Artifacts of one experiment or of a whole run (``kind``, or the Ref's)."""
        return self._do(
            "GET",
            _at(self._target(ref, kind)) + "/artifacts",
            params={"match": match} if match else None,
            parse=lambda d: [Artifact.from_json(a) for a in d["items"]],
        )

    # datastores
    def list_datastores(
        self,
        scope: str = "mine",
        team: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ):
        return self._do(
            "GET",
            "/datastores",
            params=_listing(scope, None, team, limit, cursor),
            parse=_page(Datastore),
        )

    def datastore(self, ref: str | Reference):
        r = self._ref(ref, version=True)
        return self._do(
            "GET",
            f"/datastores/{_named(r)}",
            params={"version": r.version} if r.version else None,
            parse=Datastore.from_json,
        )

    def datastore_files(self, ref: str | Reference):
        r = self._ref(ref, version=True)
        return self._do(
            "GET",
            f"/datastores/{_named(r)}/files",
            params={"version": r.version} if r.version else None,
            parse=lambda d: [DatastoreFile.from_json(f) for f in d["files"]],
        )

    def attach_datastore(self, ref: str | Reference, session: str | None = None):
        """Attach a datastore version (to one of my sessions when named); returns the
        datastore JSON with its file list, for mounting."""
        r = self._ref(ref, version=True)
        body = {k: v for k, v in {"version": r.version, "session": session}.items() if v}
        return self._do("POST", f"/datastores/{_named(r)}/attach", json=body)

    def delete_datastore(self, ref: str, version: int | None = None):
        r = self._ref(ref, version=True)
        v = version or r.version
        return self._do(
            "DELETE",
            f"/datastores/{_named(r)}",
            params={"version": v} if v else None,
        )


def _resolve(
    url: str | None, api_key: str | None, session_secret: str | None, api_prefix: str
) -> tuple[str, str | None, str | None]:
    """(url, api key, session secret): a given session secret replaces any configured key;
    with neither, the session credential of the session this process runs in, if any."""
    creds = load_credentials(url, api_key)
    key = None if session_secret else creds.api_key
    if key is None and session_secret is None and api_prefix == API:
        session_secret = session_credential(creds.url)
    return creds.url, key, session_secret


def _headers(api_key: str | None, session_secret: str | None) -> dict[str, str]:
    headers = {"User-Agent": "jupyter-grid-collab"}
    if api_key:
        headers["Authorization"] = f"token {api_key}"
    elif session_secret:
        headers[SESSION_SECRET_HEADER] = session_secret
    return headers


def _build_client_kwargs(
    url: str,
    api_key: str | None,
    timeout: float,
    api_prefix: str = API,
    session_secret: str | None = None,
) -> dict[str, Any]:
    return dict(
        base_url=url.rstrip("/") + api_prefix,
        headers=_headers(api_key, session_secret),
        timeout=_httpx().Timeout(timeout, connect=min(timeout, 10.0)),
        # the process's one context (lazy_http): httpx's own default is a new one per
        # client, each loading the CA bundle
        verify=ssl_context(url),
    )


#: a request path the stdlib transport sends as httpx would: nothing httpx would quote,
#: and no "." or ".." segment, which httpx resolves away (the API's paths are quoted
#: segments of names, so this is every request but a malformed one)
_PLAIN_PATH = re.compile(r"(?!.*/\.)[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*\Z")


def _origin(url: str) -> Origin | None:
    """The stdlib transport for ``url`` when it sends what httpx would: not with a
    user:password in the URL (httpx makes that Basic auth) nor through a proxy the
    environment names (httpx honours one; the stdlib transport never does)."""
    if "@" in url.partition("://")[2].partition("/")[0] or proxied():
        return None
    try:
        return Origin(url)
    except ValueError:  # not http(s)://HOST[:PORT]: httpx says what is wrong, as before
        return None


def _query(params: dict) -> str:
    # httpx's rendering of params: JSON's true/false, None as empty
    from urllib.parse import urlencode

    shown = {True: "true", False: "false", None: ""}
    return urlencode(
        [(k, shown[v] if v is None or isinstance(v, bool) else str(v)) for k, v in params.items()]
    )


# ----------------------------------------------------------------- sync twin
class GridClient(_Methods):
    """Synchronous client; a context manager that owns its connections.

    The API's JSON calls go over the standard library (lazy_http.Origin): httpx, whose
    import cost more than all else a `grid` command does, is loaded only for streamed
    downloads and uploads, for a caller's own ``transport``, and when the environment names
    a proxy (then every call goes through httpx, which honours it, as before)."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        session_secret: str | None = None,
    ):
        """``session_secret``: call as a session's server (its owner's "session" scope)."""
        self.url, key, secret = _resolve(url, api_key, session_secret, API)
        self.has_key = bool(key)
        self.via_session = bool(secret) and not key
        self._timeout = timeout
        self._headers = _headers(key, secret)
        self._transport = transport
        self._origin = None if transport is not None else _origin(self.url)
        self._prefix = (self._origin.path if self._origin else "") + API
        self._httpx_client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def _http(self) -> httpx.Client:
        """The httpx client, built on first use."""
        with self._lock:
            if self._httpx_client is None:
                self._httpx_client = _httpx().Client(
                    transport=self._transport,
                    base_url=self.url.rstrip("/") + API,
                    headers=self._headers,
                    timeout=_httpx().Timeout(self._timeout, connect=min(self._timeout, 10.0)),
                    # the process's one context (lazy_http): httpx's own default is a new
                    # one per client, each loading the CA bundle
                    verify=ssl_context(self.url),
                )
                if self._closed:  # as httpx does, a closed client sends nothing
                    self._httpx_client.close()
            return self._httpx_client

    def __enter__(self) -> GridClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        if self._origin is not None:
            self._origin.close()
        if self._httpx_client is not None:
            self._httpx_client.close()

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kw)
        except _httpx().TransportError as exc:
            raise _unreachable(self.url, exc) from None
        _raise_for(response)
        return response

    def _do(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: Any = None,
        parse: Callable[[Any], Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        response: httpx.Response | _Answer
        if self._origin is not None and _PLAIN_PATH.match(path):
            response = self._exchange(method, path, params, json, timeout)
        else:
            kw: dict[str, Any] = {"params": params, "json": json}
            if timeout is not None:
                kw["timeout"] = timeout
            response = self._send(method, path, **kw)
        if response.status_code == 204:
            return None
        data = response.json()
        return parse(data) if parse else data

    def _exchange(
        self, method: str, path: str, params: dict | None, payload: Any, timeout: float | None
    ) -> _Answer:
        """One JSON request over the stdlib transport, sent and read as httpx would (its
        body, its timeouts: ``timeout`` for a call that names one, connecting included)."""
        from .http_wire import HTTPException

        assert self._origin is not None
        if self._closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        target = self._prefix + path + (f"?{_query(params)}" if params else "")
        headers = self._headers
        body = None
        if payload is not None:
            body = json.dumps(
                payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode()
            headers = {**headers, "Content-Type": "application/json"}
        read = self._timeout if timeout is None else timeout
        connect = min(self._timeout, 10.0) if timeout is None else timeout
        try:
            conn, response = self._origin.send(method, target, body, headers, read, connect)
            try:
                answer = _Answer(response.status, response.reason, response.read())
            finally:
                self._origin.release(conn, response)
        except (OSError, HTTPException, UnsafeHeader) as exc:
            raise _unreachable(self.url, exc) from None
        _raise_for(answer)
        return answer

    def whoami(self) -> str:
        if self._username is None:
            self.me()
        return self._me()

    def iter_pages(self, list_method: Callable[..., Page], **kwargs: Any) -> Iterator[Any]:
        """Every item of a listing, following cursors (``limit``: at most that many)."""
        yield from paging.iter_items(list_method, **kwargs)

    # ------------------------------------------------------------- streamed transfers
    def _download(
        self,
        path: str,
        dest: Path,
        sha256: str | None,
        size: int | None,
        progress: Progress | None,
        params: dict | None = None,
    ) -> Path:
        """``path``'s bytes into ``dest`` by ``download_resumable``."""

        @contextmanager
        def open_from(offset: int) -> Iterator[tuple[bool, Iterator[bytes]]]:
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            try:
                with self._http.stream(
                    "GET",
                    path,
                    params=params,
                    headers=headers,
                    timeout=_httpx().Timeout(60.0, connect=10.0),
                ) as response:
                    if response.status_code >= 400:
                        response.read()
                        _raise_for(response)
                    yield response.status_code == 206, response.iter_bytes(CHUNK)
            except _httpx().TransportError as exc:  # while connecting or while reading
                raise _unreachable(self.url, exc) from None

        return download_resumable(Path(dest), sha256, size, progress, open_from)

    def download_artifact(
        self,
        ref: str | Ref,
        artifact: Artifact,
        dest: str | os.PathLike,
        progress: Progress | None = None,
    ) -> Path:
        """One artifact of the experiment ``ref``."""
        path = f"{_at(self._target(ref, EXPERIMENT))}/artifacts/{_path(artifact.path)}"
        return self._download(path, Path(dest), artifact.sha256, artifact.size, progress)

    def download_datastore_file(
        self,
        ref: str,
        file: DatastoreFile,
        dest: str | os.PathLike,
        progress: Progress | None = None,
    ) -> Path:
        r = self._ref(ref, version=True)
        path = f"/datastores/{_named(r)}/files/{_path(file.path)}"
        return self._download(
            path,
            Path(dest),
            file.sha256,
            file.size,
            progress,
            params={"version": r.version} if r.version else None,
        )

    def _put_file(self, path: str, source: Path, progress: Progress | None) -> dict:
        import hashlib

        digest = hashlib.sha256()
        with open(source, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)

        def body() -> Iterator[bytes]:
            with open(source, "rb") as f:
                while chunk := f.read(CHUNK):
                    if progress:
                        progress(len(chunk))
                    yield chunk

        headers = {
            "X-Content-Sha256": digest.hexdigest(),
            "Content-Length": str(source.stat().st_size),
        }
        return self._send(
            "PUT",
            path,
            content=body(),
            headers=headers,
            timeout=_httpx().Timeout(300.0, connect=10.0),
        ).json()

    def upload_artifact(
        self,
        ref: str | Ref,
        path: str,
        source: str | os.PathLike,
        progress: Progress | None = None,
    ) -> Artifact:
        url = f"{_at(self._target(ref, EXPERIMENT))}/artifacts/{_path(path)}"
        return Artifact.from_json(self._put_file(url, Path(source), progress))

    def download_run_source(self, ref: str | Ref, dest: str | os.PathLike) -> Path:
        """Download a run's source snapshot (a .tar.gz); NotFound when it has none."""
        return self._download(_at(self._target(ref, RUN)) + "/source", Path(dest), None, None, None)

    def upload_source(self, source: str | os.PathLike, team: str | None = None) -> str:
        """Upload a run's source archive; returns its sha256 for ``create_run``. ``team``:
        whose storage quota it counts against (default: my only team)."""
        path = f"/sources?team={_seg(team)}" if team else "/sources"
        return self._put_file(path, Path(source), None)["sha256"]

    def upload_datastore(
        self,
        name: str,
        source: str | os.PathLike,
        team: str | None = None,
        progress: Progress | None = None,
    ) -> Datastore:
        """Upload a file or a folder as the next version of datastore ``name``; the version
        exists only once every file is in (a killed upload leaves nothing listed)."""
        root = Path(source)
        if not root.exists():
            raise InvalidRequest(f"{root} does not exist")
        files = (
            [root]
            if root.is_file()
            else sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
        )
        if not files:
            raise InvalidRequest(f"{root} holds no files to upload")
        body = {"name": name, **({"team": team} if team else {})}
        upload_id = self._do("POST", "/uploads", json=body)["upload_id"]
        try:
            for file in files:
                rel = file.name if root.is_file() else file.relative_to(root).as_posix()
                self._put_file(f"/uploads/{upload_id}/files/{_path(rel)}", file, progress)
            return self._do("POST", f"/uploads/{upload_id}/commit", parse=Datastore.from_json)
        except BaseException:
            try:
                self._do("DELETE", f"/uploads/{upload_id}")
            except GridError:
                pass  # the server expires abandoned uploads itself
            raise


_shared: dict[tuple[str, str | None, str | None], GridClient] = {}
_shared_lock = threading.Lock()


def shared_client() -> GridClient:
    """``GridClient()``, built once per process for the configured team server and
    credentials (again once they change): code that makes a client for a few calls at a
    time, such as track.start_run for each run, keeps one connection pool instead of
    leaving one behind per call. Shared: its users never close it."""
    url, key, secret = _resolve(None, None, None, API)
    with _shared_lock:
        client = _shared.get((url, key, secret))
        if client is None:
            client = _shared[url, key, secret] = GridClient(url, key, session_secret=secret)
    return client


# ----------------------------------------------------------------- async twin
class AsyncGridClient(_Methods):
    """Asynchronous client for servers and kernels: the same methods, awaited."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits | None = None,
        api_prefix: str = API,
        session_secret: str | None = None,
    ):
        """``api_prefix`` "/grid-collab/api" with a Jupyter server's URL and token talks to
        the team API through that server's extension instead of the team server.
        ``session_secret``: call as a session's server (its owner's "session" scope)."""
        self.url, key, secret = _resolve(url, api_key, session_secret, api_prefix)
        self.has_key = bool(key)
        self.via_session = bool(secret) and not key
        hx = _httpx()
        self.http = hx.AsyncClient(
            transport=transport,
            limits=limits or hx.Limits(max_connections=100),
            **_build_client_kwargs(self.url, key, timeout, api_prefix, secret),
        )

    def use_session_secret(self, secret: str) -> None:
        """From now on call as the session (its secret), no longer with an API key: a
        session's server drops its owner's key once it has registered."""
        self.http.headers.pop("Authorization", None)
        self.http.headers[SESSION_SECRET_HEADER] = secret
        self.has_key, self.via_session = False, True

    async def __aenter__(self) -> AsyncGridClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """One request; typed errors, Unreachable naming the URL."""
        try:
            response = await self.http.request(method, path, **kw)
        except _httpx().TransportError as exc:
            raise _unreachable(self.url, exc) from None
        _raise_for(response)
        return response

    async def _run(
        self,
        method: str,
        path: str,
        params: dict | None,
        json: Any,
        parse: Callable[[Any], Any] | None,
        timeout: float | None,
    ) -> Any:
        kw: dict[str, Any] = {"params": params, "json": json}
        if timeout is not None:
            kw["timeout"] = timeout
        response = await self.send(method, path, **kw)
        if response.status_code == 204:
            return None
        data = response.json()
        return parse(data) if parse else data

    def _do(self, method, path, *, params=None, json=None, parse=None, timeout=None):
        return self._run(method, path, params, json, parse, timeout)

    async def whoami(self) -> str:
        if self._username is None:
            await self.me()
        return self._me()
