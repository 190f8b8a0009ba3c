"""Why a request body was refused, in words a person can act on.

The Structs of bodies.py state what each field may be; msgspec refuses a body naming the field
(``Expected `int` >= 1 - at `$.version```). This module turns that into the API's message:
the field's own wording where the API has always had one (a name's rules, a parameter grid's,
a log line's), else the field and what it must be, read from the Struct's JSON schema. A value
is never echoed here unless the field's own check does (a token must never reach an error).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import msgspec

from ... import bodies
from ...fields import NAME_PATTERN, USERNAME_PATTERN
from ...hyperparams import _check_params
from ...models import LOG_STREAMS, validate_name, validate_username

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_FIELD = re.compile(r"^\.(?P<field>\w+)(?P<rest>.*)$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>\w+)`$")
_TYPES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}

#: what a name field names, as the API's messages have always said it
LABELS: dict[tuple[type, str], str] = {
    (bodies.NewRun, "name"): "run name",
    (bodies.CloneRequest, "name"): "run name",
    (bodies.SessionRegistration, "name"): "session name",
    (bodies.Attach, "session"): "session name",
    (bodies.NewUpload, "name"): "datastore name",
    (bodies.NewTeam, "name"): "team name",
}


def _params(value: Any) -> str | None:
    try:
        _check_params(value)
    except Exception as exc:  # GridError: its message names the parameter
        return str(exc)
    return None


def _log_lines(value: Any) -> str | None:
    if not isinstance(value, list):
        return None  # the generic message says what lines must be
    for entry in value:
        if isinstance(entry, dict) and entry.get("stream", "stdout") not in LOG_STREAMS:
            return f"stream must be one of {', '.join(LOG_STREAMS)}"
    return "each log line must be a string or {line, stream?, ts?}"


def _instance_type(_: Any) -> str:
    return "unknown instance type: instance_type must be the name of a priced type"


def _url(_: Any) -> str:
    return "url must be an http:// or https:// URL of at most 2048 characters"


def _visitors(_: Any) -> str:
    return "visitors must be 'view' or 'full'"


def _email(value: Any) -> str:
    return f"email {value!r} is not a valid address"


#: fields whose refusal the API words itself (None: use the generic message)
EXPLAIN: dict[tuple[type, str], Callable[[Any], str | None]] = {
    (bodies.NewRun, "params"): _params,
    (bodies.CloneRequest, "params"): _params,
    (bodies.LogAppend, "lines"): _log_lines,
    (bodies.NewUser, "email"): _email,
    (bodies.NewUser, "github_login"): lambda v: f"GitHub login {v!r} is not valid",
    (bodies.NewRun, "instance_type"): _instance_type,
    (bodies.CloneRequest, "instance_type"): _instance_type,
    (bodies.SessionRegistration, "instance_type"): _instance_type,
    (bodies.SessionRegistration, "url"): _url,
    (bodies.Heartbeat, "url"): _url,
    (bodies.SessionRegistration, "visitors"): _visitors,
    (bodies.Heartbeat, "visitors"): _visitors,
    (bodies.Credits, "amount"): lambda _: "amount must be a number between -1e9 and 1e9",
    (bodies.QuotaChange, "storage_quota_bytes"): lambda _: (
        "send storage_quota_bytes: a whole number of bytes, or null for no quota"
    ),
}


def message(cls: type, data: dict[str, Any], error: msgspec.ValidationError) -> str:
    """The 400 message for ``data`` refused as a ``cls``, naming the field."""
    text = str(error)
    at = _AT.search(text)
    problem = text[: at.start()] if at else text
    missing = _MISSING.match(problem)
    path = at.group("path") if at else ""
    if missing:
        path += "." + missing.group("field")
    where = _FIELD.match(path)
    if where is None:
        return f"the request body is not a valid {cls.__name__}: {problem}"
    field, rest = where.group("field"), where.group("rest")
    value = data.get(field)
    explain = EXPLAIN.get((cls, field))
    if explain is not None and (said := explain(value)) is not None:
        return said
    prop = _properties(cls).get(field, {})
    if not rest:
        pattern = _first(prop, "pattern")
        label = LABELS.get((cls, field), field)
        try:
            if pattern == NAME_PATTERN:
                validate_name(value, label)
            elif pattern == USERNAME_PATTERN:
                validate_username(value)
        except ValueError as exc:  # models.ReferenceError: the name's own rules
            # a username in another field (a team's owner) says which field it is
            named = field in ("username", "name") or label != field
            return str(exc) if named else f"{field}: {exc}"
    name = field + rest
    if missing:
        return f"{name} is required: it must be {_describe(prop)}"
    if problem.startswith("Invalid enum value") and not rest:
        return f"{name} must be {_describe(prop)}"
    got = re.match(r"^Expected `[^`]+`, got `(\w+)`$", problem)
    if got:
        expected = _describe(prop) if not rest else _english(problem.split(",")[0])
        return f"{name} must be {expected}, not {_TYPES.get(got.group(1), got.group(1))}"
    if not rest and _first(prop, "type") == "integer":
        return f"{name} must be {_describe(prop)}"
    return f"{name} must be {_english(problem)}"


@cache
def _properties(cls: type) -> dict[str, Any]:
    """The JSON schema of each field of a body Struct."""
    _, defs = msgspec.json.schema_components((cls,))
    return defs[cls.__name__]["properties"]


def _first(prop: dict[str, Any], key: str) -> Any:
    """``key`` of the field's schema, or of the first alternative that has it."""
    if key in prop:
        return prop[key]
    for alternative in prop.get("anyOf", []):
        if key in alternative:
            return alternative[key]
    return None


def _describe(prop: dict[str, Any]) -> str:
    """What a value of this schema is, in words: "a positive integer", "one of a, b"."""
    if "anyOf" in prop:
        return " or ".join(_describe(p) for p in prop["anyOf"])
    if "enum" in prop:
        return "one of " + ", ".join(str(v) for v in prop["enum"])
    kind = prop.get("type")
    if kind == "integer":
        low, high = prop.get("minimum"), prop.get("maximum")
        if low == 1 and high is None:
            return "a positive integer"
        if low is not None and high is not None:
            return f"an integer from {low} to {high}"
        return "an integer" + (f" >= {low}" if low is not None else f" <= {high}" if high else "")
    if kind == "string":
        if "pattern" in prop:
            return f"a string matching {prop['pattern']}"
        return "a non-empty string" if prop.get("minLength", 0) >= 1 else "a string"
    if kind in ("number", "boolean", "array", "object", "null"):
        word = {"number": "float", "boolean": "bool"}.get(kind, kind)
        return _TYPES[word]
    return "an object" if "$ref" in prop else "a JSON value"


def _english(problem: str) -> str:
    """msgspec's "Expected `int` <= 5" as "an integer <= 5"."""
    text = problem.removeprefix("Expected ")
    return re.sub(
        r"`([^`]+)`",
        lambda m: " or ".join(_TYPES.get(t.strip(), t.strip()) for t in m.group(1).split("|")),
        text,
    )
