"""Build the team API's OpenAPI 3.1 document, committed as ``openapi.json`` next to this file.

Its schemas are generated from the Structs that describe each record and request body once
(models.py, answers.py, bodies.py); its paths say which of them each operation answers with
and takes. tests/test_openapi.py and tests/test_fuzz.py hold it to what the server really
does. Regenerate the committed file after a change::

    python -m jupyter_grid_collab.teamserver.openapi_spec \
        > jupyter_grid_collab/teamserver/openapi.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

import msgspec

from .. import fields
from .._version import __version__
from ..answers import ANSWERS
from ..bodies import BODIES
from ..fields import CURSOR_PATTERN, SHA256_PATTERN
from ..models import (
    NAME_MAX,
    RUN_STATUSES,
    SESSION_STATUSES,
    Artifact,
    Credential,
    Datastore,
    DatastoreFile,
    Experiment,
    LogLine,
    Member,
    Run,
    Session,
    Team,
    User,
)
from .store.core import MAX_PAGE

Schema = dict[str, Any]

API = "/api/v1"
# the records of models.py the API answers with
RECORDS = (Team, Member, User, Session, Run, Experiment, Artifact, LogLine, Datastore)
RECORDS += (DatastoreFile, Credential)

# ----------------------------------------------------------------------------- schema helpers


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
# path and query parameters: the same constrained types as the records' fields
NAME: Schema = msgspec.json.schema(fields.Name)
USERNAME: Schema = msgspec.json.schema(fields.Username)
EXPERIMENT: Schema = msgspec.json.schema(fields.ExperimentName)


# ----------------------------------------------------------------------------- components


def component_schemas() -> dict[str, Schema]:
    """The records the API sends and the bodies it receives, generated from their Structs
    (models.py, answers.py, bodies.py)."""
    answers = (*RECORDS, *ANSWERS)
    _, schemas = msgspec.json.schema_components(
        (*answers, *BODIES), ref_template="#/components/schemas/{name}"
    )
    for cls in answers:
        answered(schemas[cls.__name__], cls.sometimes)
    return schemas


def answered(schema: Schema, sometimes: frozenset[str]) -> None:
    """An answer carries every field but those it lists as ``sometimes``, whatever the
    client's defaults for reading part of one; a default says nothing about an answer."""
    schema["required"] = sorted(set(schema["properties"]) - sometimes)
    for prop in schema["properties"].values():
        prop.pop("default", None)


# ----------------------------------------------------------------------------- parameters


def path_param(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


def query_param(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


OWNER = path_param("owner", USERNAME, "the username of the resource's creator")
TEAM = path_param("team", STRING, "a team name")


def name_param(what: str) -> Schema:
    if what == "experiment":
        return path_param(
            "name",
            {**EXPERIMENT, "maxLength": NAME_MAX},
            "the experiment, <run>-exp<N>",
        )
    return path_param("name", NAME, f"the {what} name")


FILE_PATH = path_param(
    "path",
    {"type": "string", "minLength": 1, "maxLength": 1024},
    "a relative file path; '..', absolute paths and NUL are refused",
)
VERSION = query_param(
    "version", {"type": "integer", "minimum": 1}, "a datastore version; default the latest"
)
LISTING = [
    query_param(
        "scope",
        {"type": "string", "pattern": r"^(mine|team|global|all|user=[a-z0-9][a-z0-9-]{0,38})$"},
        "mine (default), team (all my teams) or user=<name>",
    ),
    query_param("team", STRING, "only this team of mine"),
    query_param(
        "limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "page size, default 50"
    ),
    query_param(
        "cursor",
        {"type": "string", "pattern": CURSOR_PATTERN},
        "next_cursor of the previous page",
    ),
]
PAGING = LISTING[2:]


def status_param(values: list[str]) -> Schema:
    return query_param("status", {"type": "string", "enum": values}, "only this status")


# ----------------------------------------------------------------------------- responses

ERROR_TEXT = {
    400: "The request is malformed: the message names the parameter and what is expected.",
    401: "Missing or invalid API key (or session server secret).",
    402: "The team is out of credits.",
    403: "Not allowed: only the creator or a team admin may do this (the message says who "
    "can), an experiment token outside its own experiment, or a session's server outside "
    "its scope (for its owner: no members, roles, credits, keys or credentials; for a "
    "visitor: read, download and attach only).",
    404: "No such resource in the caller's teams (non-members get 404, not 403).",
    409: "Conflicts with the current state (name taken, already running, last owner, ...).",
    413: "The upload is larger than the server accepts, or than the room left in the team's "
    "storage quota (the message says how full the team is and what to do).",
    500: "The stored file failed its sha256 check or is missing (the message names it): "
    "nothing is sent; an admin restores it (uploading the same bytes again also does).",
    507: "The server has no room left to store the upload.",
}
BINARY: Schema = {"type": "string", "format": "binary"}


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def responses(ok: dict[int, tuple[str, Schema | None]], errors: list[int]) -> dict[str, Any]:
    """Success responses (``None`` schema: no body) plus documented errors."""
    out: dict[str, Any] = {}
    for status, (text, schema) in ok.items():
        out[str(status)] = {"description": text}
        if schema is not None:
            out[str(status)]["content"] = json_content(schema)
    for status in errors:
        out[str(status)] = {
            "description": ERROR_TEXT[status],
            "content": json_content(ref("Error")),
        }
    return out


def download_responses(errors: list[int]) -> dict[str, Any]:
    headers = {
        "Content-Length": {"schema": INTEGER, "description": "bytes in this response"},
        "X-Content-Sha256": {
            "schema": {"type": "string", "pattern": SHA256_PATTERN},
            "description": "sha256 of the whole file",
        },
        "ETag": {"schema": STRING, "description": "the quoted sha256"},
    }
    out = responses({}, errors)
    out["200"] = {
        "description": "The file, streamed.",
        "headers": headers,
        "content": {"application/octet-stream": {"schema": BINARY}},
    }
    out["206"] = {
        "description": "The rest of the file from the Range start.",
        "headers": {**headers, "Content-Range": {"schema": STRING}},
        "content": {"application/octet-stream": {"schema": BINARY}},
    }
    return out


def head_responses(errors: list[int]) -> dict[str, Any]:
    """A download's answer without its body: the headers say the size and the sha256."""
    out = download_responses(errors)
    for code in ("200", "206"):
        out[code] = {k: v for k, v in out[code].items() if k != "content"}
    return out


RANGE = {
    "name": "Range",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": r"^bytes=[0-9]+-$"},
    "description": "bytes=N- resumes a download from byte N",
}
SHA_HEADER = {
    "name": "X-Content-Sha256",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": SHA256_PATTERN},
    "description": "the sha256 the body should have; a mismatch is refused",
}


def op(
    summary: str,
    ok: dict[int, tuple[str, Schema | None]],
    errors: list[int],
    *,
    params: list[Schema] | None = None,
    body: Schema | None = None,
    body_required: bool = True,
    public: bool = False,
    tag: str,
    binary_body: bool = False,
    download: bool = False,
) -> dict[str, Any]:
    """One operation. Authenticated ones can always answer 401, and 403 to an experiment
    token used outside its own experiment."""
    if not public:
        errors = sorted({*errors, 401, 403})
    out: dict[str, Any] = {"summary": summary, "tags": [tag]}
    out["responses"] = download_responses(errors) if download else responses(ok, errors)
    if params:
        out["parameters"] = params
    if public:
        out["security"] = []
    if body is not None:
        out["requestBody"] = {"required": body_required, "content": json_content(body)}
    if binary_body:
        out["requestBody"] = {
            "required": True,
            "content": {"application/octet-stream": {"schema": BINARY}},
        }
    return out


SECRET_SECURITY = [{"sessionSecret": []}]

# ----------------------------------------------------------------------------- paths


def paths() -> dict[str, Any]:
    """Every routed endpoint (app.ROUTES), with its parameters and every status it returns."""
    o, team = OWNER, TEAM
    run_name, exp_name, ds_name = (
        name_param("run"),
        name_param("experiment"),
        name_param("datastore"),
    )
    session_name = name_param("session")
    upload_id = path_param("upload_id", INTEGER, "the id begin-upload returned")
    p: dict[str, Any] = {}

    # ------------------------------------------------------------------ meta
    p["/health"] = {
        "get": op(
            "Liveness and the database schema version",
            {200: ("The server is up.", ref("Health"))},
            [],
            public=True,
            tag="meta",
        )
    }
    p["/openapi.json"] = {
        "get": op(
            "This document",
            {200: ("The OpenAPI document.", {"type": "object"})},
            [],
            public=True,
            tag="meta",
        )
    }

    # ------------------------------------------------------------------ people and teams
    p["/me"] = {
        "get": op(
            "Who I am, with my teams and roles",
            {200: ("The caller.", ref("User"))},
            [],
            tag="teams",
        )
    }
    p["/users"] = {
        "get": op(
            "List users (site admins)", {200: ("Every user.", ref("UserList"))}, [], tag="teams"
        ),
        "post": op(
            "Create a user (site admins)",
            {201: ("The new user.", ref("User"))},
            [400, 409],
            body=ref("NewUser"),
            tag="teams",
        ),
    }
    p["/teams"] = {
        "get": op(
            "List my teams", {200: ("The caller's teams.", ref("TeamList"))}, [], tag="teams"
        ),
        "post": op(
            "Create a team with its owner (site admins)",
            {201: ("The new team.", ref("Team"))},
            [400, 404, 409],
            body=ref("NewTeam"),
            tag="teams",
        ),
    }
    p["/teams/{team}"] = {
        "get": op(
            "A team: members with roles, the balance, storage used and its quota",
            {200: ("The team.", ref("Team"))},
            [404],
            params=[team],
            tag="teams",
        ),
        "patch": op(
            "Set or remove the team's storage quota (site admins)",
            {200: ("The team.", ref("Team"))},
            [400, 404],
            params=[team],
            body=ref("QuotaChange"),
            tag="teams",
        ),
    }
    p["/teams/{team}/members"] = {
        "post": op(
            "Add a member (team admins: role user; owners: any role)",
            {201: ("The membership.", ref("Membership"))},
            [400, 404, 409],
            params=[team],
            body=ref("NewMember"),
            tag="teams",
        )
    }
    member = path_param("username", USERNAME, "the member")
    p["/teams/{team}/members/{username}"] = {
        "patch": op(
            "Change a member's role",
            {200: ("The membership.", ref("Membership"))},
            [400, 404, 409],
            params=[team, member],
            body=ref("RoleChange"),
            tag="teams",
        ),
        "delete": op(
            "Remove a member",
            {204: ("Removed.", None)},
            [400, 404, 409],
            params=[team, member],
            tag="teams",
        ),
    }
    p["/teams/{team}/credits"] = {
        "post": op(
            "Add credits (site admins)",
            {200: ("The new balance.", ref("Balance"))},
            [400, 404],
            params=[team],
            body=ref("Credits"),
            tag="teams",
        )
    }
    p["/teams/{team}/ledger"] = {
        "get": op(
            "The team's usage ledger, newest first",
            {200: ("A page of ledger entries.", ref("LedgerPage"))},
            [400, 404],
            params=[team, *PAGING],
            tag="teams",
        )
    }
    p["/teams/{team}/audit"] = {
        "get": op(
            "The team's audit log (admins and owners)",
            {200: ("A page of audit entries.", ref("AuditPage"))},
            [400, 404],
            params=[team, *PAGING],
            tag="teams",
        )
    }

    # ------------------------------------------------------------------ credentials
    provider = path_param(
        "provider", {"type": "string", "enum": ["github"]}, "the credential's provider"
    )
    p["/credentials"] = {
        "get": op(
            "My credentials (never the tokens)",
            {200: ("The caller's credentials.", ref("CredentialList"))},
            [],
            tag="credentials",
        )
    }
    p["/credentials/{provider}"] = {
        "put": op(
            "Set my credential (write-only)",
            {200: ("Stored.", ref("Credential"))},
            [400],
            params=[provider],
            body=ref("CredentialSet"),
            tag="credentials",
        ),
        "delete": op(
            "Remove my credential",
            {204: ("Removed.", None)},
            [404],
            params=[provider],
            tag="credentials",
        ),
    }

    # ------------------------------------------------------------------ sessions
    p["/sessions"] = {
        "get": op(
            "List sessions",
            {200: ("A page of sessions.", ref("SessionPage"))},
            [400, 404],
            params=[*LISTING, status_param(list(SESSION_STATUSES))],
            tag="sessions",
        ),
        "post": op(
            "Register my Jupyter server as a running session",
            {201: ("The session and, once, its server secret.", ref("RegisteredSession"))},
            [400, 402, 404, 409],
            body=ref("SessionRegistration"),
            tag="sessions",
        ),
    }
    one_session = [o, session_name]
    p["/sessions/{owner}/{name}"] = {
        "get": op(
            "One session",
            {200: ("The session.", ref("Session"))},
            [400, 404],
            params=one_session,
            tag="sessions",
        ),
        "delete": op(
            "Delete a session's record (creator or team admin)",
            {204: ("Deleted.", None)},
            [400, 404],
            params=one_session,
            tag="sessions",
        ),
    }
    git = op(
        "The owner's GitHub token, for the session's own server only",
        {200: ("The credential (token null when none is stored).", ref("GitCredential"))},
        [400, 404],
        params=one_session,
        public=True,
        tag="sessions",
    )
    git["security"] = SECRET_SECURITY
    p["/sessions/{owner}/{name}/git-credential"] = {"get": git}
    p["/sessions/{owner}/{name}/open"] = {
        "post": op(
            "Open a session: my own URL, or a single-use visitor ticket for a teammate's",
            {200: ("Where to go.", ref("SessionOpen"))},
            [400, 404, 409],
            params=one_session,
            tag="sessions",
        )
    }
    for action, summary, extra in (
        ("stop", "Stop a session (creator or team admin)", []),
        ("pause", "Pause a session (creator or team admin)", []),
        ("resume", "Resume a session (creator or team admin)", [402]),
        ("heartbeat", "The session's own server reports it is alive", []),
    ):
        p[f"/sessions/{{owner}}/{{name}}/{action}"] = {
            "post": op(
                summary,
                {200: ("The session.", ref("Session"))},
                [400, 404, *extra],
                params=one_session,
                tag="sessions",
                body=ref("Heartbeat") if action == "heartbeat" else None,
                body_required=False,
            )
        }
    redeem = op(
        "Redeem a visitor's ticket (the session's own server)",
        {200: ("The visit.", ref("Visit"))},
        [400, 401, 403],
        body=ref("TicketRedeem"),
        public=True,
        tag="sessions",
    )
    redeem["security"] = SECRET_SECURITY
    p["/visits/redeem"] = {"post": redeem}
    end_all = op(
        "End every visit to this session (the session's own server)",
        {200: ("How many visits ended.", ref("VisitsEnded"))},
        [],
        tag="sessions",
    )
    end_all["security"] = SECRET_SECURITY
    p["/visits"] = {"delete": end_all}
    end_one = op(
        "End one visitor's visit to this session (the session's own server)",
        {200: ("How many visits ended (0 or 1).", ref("VisitsEnded"))},
        [400],
        params=[path_param("username", USERNAME, "the visitor")],
        tag="sessions",
    )
    end_one["security"] = SECRET_SECURITY
    p["/visits/{username}"] = {"delete": end_one}

    # ------------------------------------------------------------------ runs
    one_run = [o, run_name]
    p["/runs"] = {
        "get": op(
            "List runs",
            {200: ("A page of runs.", ref("RunPage"))},
            [400, 404],
            params=[*LISTING, status_param([*RUN_STATUSES, "active"])],
            tag="runs",
        ),
        "post": op(
            "Create a run: one experiment per parameter set of the grid",
            {201: ("The run with its experiments.", ref("RunDetail"))},
            [400, 402, 404, 409],
            body=ref("NewRun"),
            tag="runs",
        ),
    }
    p["/runs/{owner}/{name}"] = {
        "get": op(
            "A run with its experiments",
            {200: ("The run.", ref("RunDetail"))},
            [400, 404],
            params=one_run,
            tag="runs",
        ),
        "delete": op(
            "Delete a run with its experiments, logs and artifacts",
            {204: ("Deleted.", None)},
            [400, 404],
            params=one_run,
            tag="runs",
        ),
    }
    p["/runs/{owner}/{name}/artifacts"] = {
        "get": op(
            "The artifacts of every experiment",
            {200: ("The artifacts.", ref("ArtifactList"))},
            [400, 404],
            params=[o, run_name, query_param("match", STRING, "a regular expression on the path")],
            tag="artifacts",
        )
    }
    p["/runs/{owner}/{name}/source"] = {
        "get": op(
            "Download the run's source snapshot",
            {},
            [400, 404, 500],
            params=[*one_run, RANGE],
            download=True,
            tag="runs",
        )
    }
    p["/runs/{owner}/{name}/stop"] = {
        "post": op(
            "Stop a run's pending and running experiments (creator or team admin)",
            {200: ("The run.", ref("RunDetail"))},
            [400, 404],
            params=one_run,
            tag="runs",
        )
    }
    p["/runs/{owner}/{name}/clone"] = {
        "post": op(
            "Clone a teammate's run as mine",
            {201: ("The new run.", ref("RunDetail"))},
            [400, 402, 404, 409],
            params=one_run,
            body=ref("CloneRequest"),
            body_required=False,
            tag="runs",
        )
    }

    # ------------------------------------------------------------------ experiments
    one_exp = [o, exp_name]
    p["/experiments/{owner}/{name}"] = {
        "get": op(
            "One experiment",
            {200: ("The experiment.", ref("Experiment"))},
            [400, 404],
            params=one_exp,
            tag="runs",
        ),
        "delete": op(
            "Delete an experiment with its logs and artifacts",
            {204: ("Deleted.", None)},
            [400, 404],
            params=one_exp,
            tag="runs",
        ),
    }
    p["/experiments/{owner}/{name}/logs"] = {
        "get": op(
            "Log lines from offset, or the last tail lines; wait long-polls",
            {200: ("Lines and where to read on.", ref("LogPage"))},
            [400, 404],
            params=[
                *one_exp,
                query_param("offset", {"type": "integer", "minimum": 0}, "first line, default 0"),
                query_param(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 10_000},
                    "at most this many lines, default 1000",
                ),
                query_param("tail", {"type": "integer", "minimum": 0}, "the last N lines"),
                query_param(
                    "wait",
                    {"type": "number", "minimum": 0, "maximum": 30},
                    "wait up to N s for new lines when there are none",
                ),
            ],
            tag="logs",
        ),
        "post": op(
            "Append log lines (the run's executor)",
            {200: ("Appended.", ref("LogsAppended"))},
            [400, 404],
            params=one_exp,
            body=ref("LogAppend"),
            tag="logs",
        ),
    }
    p["/experiments/{owner}/{name}/artifacts"] = {
        "get": op(
            "An experiment's artifacts",
            {200: ("The artifacts.", ref("ArtifactList"))},
            [400, 404],
            params=[*one_exp, query_param("match", STRING, "a regular expression on the path")],
            tag="artifacts",
        )
    }
    artifact_head = op(
        "An artifact's size and sha256 without its bytes (checked and "
        "audited as a download; verified as for a GET)",
        {},
        [400, 404, 500],
        params=[*one_exp, FILE_PATH, RANGE],
        tag="artifacts",
    )
    artifact_head["responses"] = head_responses(sorted({400, 401, 403, 404, 500}))
    p["/experiments/{owner}/{name}/artifacts/{path}"] = {
        "get": op(
            "Download an artifact",
            {},
            [400, 404, 500],
            params=[*one_exp, FILE_PATH, RANGE],
            download=True,
            tag="artifacts",
        ),
        "head": artifact_head,
        "put": op(
            "Upload an artifact (the run's executor)",
            {201: ("Recorded.", ref("Artifact"))},
            [400, 404, 413, 507],
            params=[*one_exp, FILE_PATH, SHA_HEADER],
            binary_body=True,
            tag="artifacts",
        ),
    }
    p["/experiments/{owner}/{name}/stop"] = {
        "post": op(
            "Stop one experiment (creator or team admin)",
            {200: ("The experiment.", ref("Experiment"))},
            [400, 404],
            params=one_exp,
            tag="runs",
        )
    }
    p["/experiments/{owner}/{name}/clone"] = {
        "post": op(
            "Clone one experiment's parameters as a new run of mine",
            {201: ("The new run.", ref("RunDetail"))},
            [400, 402, 404, 409],
            params=one_exp,
            body=ref("CloneRequest"),
            body_required=False,
            tag="runs",
        )
    }
    p["/experiments/{owner}/{name}/status"] = {
        "post": op(
            "Report an experiment's status (its run's executor or tracker)",
            {200: ("The experiment.", ref("Experiment"))},
            [400, 404, 409],
            params=one_exp,
            body=ref("ExperimentStatus"),
            tag="runs",
        )
    }

    # ------------------------------------------------------------------ datastores
    one_ds = [o, ds_name]
    p["/datastores"] = {
        "get": op(
            "List datastore versions",
            {200: ("A page of datastore versions.", ref("DatastorePage"))},
            [400, 404],
            params=[*LISTING, status_param(["available"])],
            tag="datastores",
        )
    }
    p["/datastores/{owner}/{name}"] = {
        "get": op(
            "A datastore version with the list of versions",
            {200: ("The version.", ref("DatastoreDetail"))},
            [400, 404],
            params=[*one_ds, VERSION],
            tag="datastores",
        ),
        "delete": op(
            "Delete one version (version=N) or every version",
            {204: ("Deleted.", None)},
            [400, 404],
            params=[*one_ds, VERSION],
            tag="datastores",
        ),
    }
    p["/datastores/{owner}/{name}/files"] = {
        "get": op(
            "A version's files",
            {200: ("The version and its files.", ref("DatastoreFiles"))},
            [400, 404],
            params=[*one_ds, VERSION],
            tag="datastores",
        )
    }
    p["/datastores/{owner}/{name}/files/{path}"] = {
        "get": op(
            "Download one file of a version",
            {},
            [400, 404, 500],
            params=[*one_ds, FILE_PATH, VERSION, RANGE],
            download=True,
            tag="datastores",
        )
    }
    p["/datastores/{owner}/{name}/attach"] = {
        "post": op(
            "Attach a version read-only (to one of my sessions when named)",
            {200: ("The version and its files, to mount.", ref("DatastoreFiles"))},
            [400, 404],
            params=one_ds,
            body=ref("Attach"),
            body_required=False,
            tag="datastores",
        )
    }
    p["/uploads"] = {
        "post": op(
            "Begin a staged upload of the next version",
            {201: ("The upload.", ref("Upload"))},
            [400, 404],
            body=ref("NewUpload"),
            tag="datastores",
        )
    }
    p["/uploads/{upload_id}"] = {
        "delete": op(
            "Abort an upload",
            {204: ("Aborted.", None)},
            [400, 404],
            params=[upload_id],
            tag="datastores",
        )
    }
    p["/uploads/{upload_id}/commit"] = {
        "post": op(
            "Commit an upload: it becomes the next version, all at once",
            {201: ("The new version.", ref("Datastore"))},
            [400, 404],
            params=[upload_id],
            tag="datastores",
        )
    }
    p["/uploads/{upload_id}/files/{path}"] = {
        "put": op(
            "Upload one file of an upload",
            {200: ("Staged.", ref("DatastoreFile"))},
            [400, 404, 413, 507],
            params=[upload_id, FILE_PATH, SHA_HEADER],
            binary_body=True,
            tag="datastores",
        )
    }
    p["/sources"] = {
        "put": op(
            "Upload a run's source snapshot (an archive)",
            {201: ("Its sha256, for a run's source_sha256.", ref("Source"))},
            [400, 404, 413, 507],
            params=[
                query_param(
                    "team",
                    STRING,
                    "the team whose storage it counts against "
                    "(default: the caller's only team; else each of "
                    "the caller's teams)",
                )
            ],
            binary_body=True,
            tag="runs",
        )
    }
    return {API + path: item for path, item in p.items()}


def build() -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jupyter_grid_collab team API",
            "version": __version__,
            "description": "Sessions, runs, experiments, datastores, teams and credits of a "
            "Grid-style team. JSON under /api/v1/; every error is "
            '{"message": ...}. Non-members get 404, never 403.',
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}, {"sessionSecret": [], "visitor": []}],
        "paths": paths(),
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": 'An API key, sent as "token <key>" (create one with '
                    "grid-collab-server admin create-key).",
                },
                "sessionSecret": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Grid-Session-Secret",
                    "description": "The secret a session's own server got at "
                    "registration. Alone, it is the session "
                    "credential: the server acting for its owner, "
                    "but never on members, roles, credits, API "
                    "keys, GitHub credentials or the site, and "
                    "changing only its own session and its "
                    "owner's own resources (403 otherwise).",
                },
                "visitor": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Grid-Visitor",
                    "description": "With sessionSecret: the session's server acting "
                    "for a visitor it let in (never as its owner), "
                    "while the visit lasts, and only to read, "
                    "download, and attach read-only to that session "
                    "(403 otherwise).",
                },
            },
        },
    }


def dumps(document: dict[str, Any]) -> str:
    """The committed file's exact text."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(dumps(build()))
