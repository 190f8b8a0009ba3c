"""A record's JSON from its database row, built from the record's Struct (models.py).

The Struct is the one description of a record. Each of its fields is read from the row's
column of the same name, a ``Time`` field is written as ISO 8601 text and a ``Credits`` field
is rounded as money is; only what the database does not hold as the record says it is
named here, per record: a column under another name (``Column``), an object of columns
(``Columns``) or a value computed from the row (a function of the row and the time of the
answer). So a new field of a record is
one edit to its Struct, plus the column and its migration.

The builder is generated once per record as straight-line code (as dataclasses and msgspec
do): a listing builds 50 records per page, and a loop over field descriptions per record
cost more than the rest of building the page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, Union, get_args, get_origin

import msgspec

from ...fields import Credits, Time
from .money import as_json

Row = Mapping[Any, Any]
Derive = Callable[[Row, float], Any]


class Builder(Protocol):
    """A record's JSON from its row and the time of the answer (0 when no field needs it)."""

    def __call__(self, m: Row, ts: float = 0.0) -> dict[str, Any]: ...


def iso(ts: float | None) -> str | None:
    """Seconds since the epoch as ISO 8601 UTC, the API's one time format."""
    if ts is None:
        return None
    # gmtime + strftime: half the cost of datetime.isoformat, and a listing page formats
    # three timestamps per row
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


@dataclass(frozen=True)
class Column:
    """The field is the row's column ``name`` (converted as the field's type says)."""

    name: str


@dataclass(frozen=True)
class Columns:
    """The field is an object of columns: its key -> the row's column (a run's counts of
    experiments by status), built inline."""

    names: Mapping[str, str]


def _is(field_type: Any, wanted: Any) -> bool:
    """``field_type`` is ``wanted`` or ``wanted | None``."""
    if field_type == wanted:
        return True
    return get_origin(field_type) is Union and wanted in get_args(field_type)


def row_builder(record: type[msgspec.Struct], **special: Column | Columns | Derive) -> Builder:
    """A function ``(row mapping, now) -> the record's JSON`` for ``record``; ``special``
    names the fields not stored as a column of their own name. ``now`` (the time of the
    answer) matters only to derivations that count up to it, such as a duration."""
    fields = msgspec.structs.fields(record)
    unknown = set(special) - {f.name for f in fields}
    if unknown:
        raise TypeError(f"{record.__name__} has no field {sorted(unknown)}")
    env: dict[str, Any] = {"iso": iso, "as_json": as_json}
    items = []
    for f in fields:
        how = special.get(f.name, Column(f.name))
        if isinstance(how, Column):
            value = f"m[{how.name!r}]"
            if _is(f.type, Time):
                value = f"iso({value})"
            elif _is(f.type, Credits):
                value = f"as_json({value})"
        elif isinstance(how, Columns):
            value = "{" + ", ".join(f"{k!r}: m[{c!r}]" for k, c in how.names.items()) + "}"
        else:
            env[f"derive_{f.name}"] = how
            value = f"derive_{f.name}(m, ts)"
        items.append(f"{f.name!r}: {value}")
    source = "def build(m, ts=0.0):\n    return {" + ", ".join(items) + "}\n"
    exec(compile(source, f"<row_builder {record.__name__}>", "exec"), env)
    return env["build"]  # type: ignore[no-any-return]
