"""Build the team API's OpenAPI 3.1 document, committed as ``openapi.json`` next to this file.

Its schemas are generated from the Structs that describe each record and request body once
(models.py, answers.py, bodies.py); its paths from the route table (routes.py), whose
operations say which of them each one takes and answers with. tests/test_openapi.py and
tests/test_fuzz.py hold it to what the server really does. Regenerate the committed file
after a change::

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
from .routes import _PARAM, API, ROUTES, Op
from .store.core import MAX_PAGE

Schema = dict[str, Any]

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


def status_param(values: list[str]) -> Schema:
    return query_param("status", {"type": "string", "enum": values}, "only this status")


# ----------------------------------------------------------------------------- responses

ERROR_TEXT = {
    400: "The request is malformed: the message names the parameter and what is expected.",
    401: "Missing or invalid API key (or session server secret, or JupyterHub token).",
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
    502: "The JupyterHub the team server serves refused the call or did not answer (the "
    "message names the Hub's call).",
    503: "Under JupyterHub: the team server is looking up more unknown Hub tokens than it "
    "allows itself each second; the same request a few seconds later works.",
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


SECRET_SECURITY = [{"sessionSecret": []}]

# ----------------------------------------------------------------------------- paths


# query and header parameters, by the names routes.Op.params uses
PARAMS: dict[str, Schema] = {
    "scope": LISTING[0],
    "team": LISTING[1],
    "limit": LISTING[2],
    "cursor": LISTING[3],
    "status-sessions": status_param(list(SESSION_STATUSES)),
    "status-runs": status_param([*RUN_STATUSES, "active"]),
    "status-datastores": status_param(["available"]),
    "version": VERSION,
    "range": RANGE,
    "sha256": SHA_HEADER,
    "match": query_param("match", STRING, "a glob (*, ?) or a substring of the path"),
    "offset": query_param("offset", {"type": "integer", "minimum": 0}, "first line, default 0"),
    "log-limit": query_param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": 10_000},
        "at most this many lines, default 1000",
    ),
    "tail": query_param("tail", {"type": "integer", "minimum": 0}, "the last N lines"),
    "wait": query_param(
        "wait",
        {"type": "number", "minimum": 0, "maximum": 30},
        "wait up to N s for new lines when there are none",
    ),
    "names": query_param("names", STRING, "metric names, comma-separated (default: every metric)"),
    "max_points": query_param(
        "max_points",
        {"type": "integer", "minimum": 0, "maximum": 10_000},
        "at most this many points per series, default 500 (0: summaries only)",
    ),
    "metric-runs": query_param(
        "runs", STRING, "runs, comma-separated owner:name (each stands for its experiments)"
    ),
    "metric-experiments": query_param(
        "experiments", STRING, "experiments, comma-separated owner:name-expN"
    ),
    "source-team": query_param(
        "team",
        STRING,
        "the team whose storage it counts against (default: the caller's only team; else "
        "each of the caller's teams)",
    ),
}
# what {name} names, by the template's first segment
NAMED = {
    "runs": "run",
    "experiments": "experiment",
    "sessions": "session",
    "datastores": "datastore",
}


def path_params(template: str) -> list[Schema]:
    """The template's path parameters, in order ({action} is documented as a fixed path)."""
    kind = template.strip("/").split("/")[0]
    out = []
    for name in _PARAM.findall(template):
        if name == "owner":
            out.append(OWNER)
        elif name == "name":
            out.append(name_param(NAMED[kind]))
        elif name == "team":
            out.append(TEAM)
        elif name == "username":
            who = "the visitor" if kind == "visits" else "the member"
            out.append(path_param("username", USERNAME, who))
        elif name == "provider":
            out.append(
                path_param(
                    "provider", {"type": "string", "enum": ["github"]}, "the credential's provider"
                )
            )
        elif name == "upload_id":
            out.append(path_param("upload_id", INTEGER, "the id begin-upload returned"))
        elif name == "path":
            out.append(FILE_PATH)
    return out


def answer_schema(answer: type | None) -> Schema | None:
    """An operation's answer: a Struct's component, any object, or no body."""
    if answer is None:
        return None
    return {"type": "object"} if answer is dict else ref(answer.__name__)


def operation(template: str, spec: Op) -> dict[str, Any]:
    """One operation of the route table as OpenAPI. Authenticated ones can always answer 401,
    403 to an experiment token used outside its own experiment, and under JupyterHub 503
    while unknown Hub tokens are over their limit (hub/tokens.py)."""
    errors = list(spec.errors) if spec.public else sorted({*spec.errors, 401, 403, 503})
    out: dict[str, Any] = {"summary": spec.summary, "tags": [spec.tag]}
    if spec.stream == "download":
        out["responses"] = download_responses(errors)
    elif spec.stream == "head":
        out["responses"] = head_responses(errors)
    else:
        ok = {code: (text, answer_schema(answer)) for code, (text, answer) in spec.ok.items()}
        out["responses"] = responses(ok, errors)
    params = [*path_params(template), *(PARAMS[name] for name in spec.params)]
    if params:
        out["parameters"] = params
    if spec.secret:
        out["security"] = SECRET_SECURITY
    elif spec.public:
        out["security"] = []
    if spec.body is not None:
        out["requestBody"] = {
            "required": spec.body_required,
            "content": json_content(ref(spec.body.__name__)),
        }
    if spec.stream == "upload":
        out["requestBody"] = {
            "required": True,
            "content": {"application/octet-stream": {"schema": BINARY}},
        }
    return out


def paths() -> dict[str, Any]:
    """Every operation of the route table (routes.ROUTES), under its path."""
    out: dict[str, Any] = {}
    for route in ROUTES:
        for template, spec in route.documented():
            out.setdefault(API + template, {})[spec.method.lower()] = operation(
                route.template, spec
            )
    return out


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
