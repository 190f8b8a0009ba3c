"""A record's JSON from its database row, built from the record's Struct (models.py).

The Struct is the one description of a record. Each of its fields is read from the row's
column of the same name, a ``Time`` field is written as ISO 8601 text and a ``Credits`` field
is rounded as money is; only what the database does not hold as the record says it is
named here, per record: a column under another name (``Column``), a column converted by a
function of its own (``Converted``), an object of columns (``Columns``), or a value computed
from columns (``Computed``) or from the row (a function of it), with the time of the
answer. So a new field of a record is
one edit to its Struct, plus the column and its migration.

The builder is generated once per record as straight-line code (as dataclasses and msgspec
do): a listing builds 50 records per page, and a loop over field descriptions per record
cost more than the rest of building the page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Union, get_args, get_origin

import msgspec
from sqlalchemy import Text, cast
from sqlalchemy.sql.elements import ColumnElement

from ...fields import Credits, Time
from .money import as_json

Row = Mapping[Any, Any]
Derive = Callable[[Row, float], Any]


class Builder(Protocol):
    """A record's JSON from its row (a mapping, or a Row read by position: ``row_builder``)
    and the time of the answer (0 when no field needs it)."""

    def __call__(self, m: Any, ts: float = 0.0) -> dict[str, Any]: ...


#: timestamp -> its text, for the timestamps answers repeat: a listing page formats three
#: per row, and the same pages are asked for again and again (a sidebar polls them)
_ISO_CACHE: dict[float, str] = {}
_ISO_CACHE_SIZE = 8192


def iso(ts: float | None) -> str | None:
    """Seconds since the epoch as ISO 8601 UTC, the API's one time format."""
    if ts is None:
        return None
    text = _ISO_CACHE.get(ts)
    if text is None:
        if len(_ISO_CACHE) >= _ISO_CACHE_SIZE:
            _ISO_CACHE.clear()  # cheaper than an LRU's bookkeeping on every hit
        # gmtime + strftime: half the cost of datetime.isoformat
        text = _ISO_CACHE[ts] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    return text


@dataclass(frozen=True)
class Column:
    """The field is the row's column ``name`` (converted as the field's type says)."""

    name: str


def stored_json(column: ColumnElement[Any]) -> ColumnElement[str]:
    """A JSON column read as its stored text, for ``msgspec.Raw``: msgspec's encoder copies
    it into the answer as it is, where a listing decoded every row's params only to encode
    them again. PostgreSQL's json keeps the text it was given; SQLite's is text already. The
    text is valid JSON: every write goes through the column's JSON type, after the store
    refused what JSON cannot hold (runs.py, ``_storable``)."""
    return cast(column, Text)


@dataclass(frozen=True)
class Converted:
    """The field is ``fn(the row's column name)``: a column the query read as the driver
    gives it, made the answer's value by ``fn`` alone (a listing's params text wrapped as
    ``msgspec.Raw``, its cost made the API's number by ``money.shown``)."""

    name: str
    fn: Callable[[Any], Any]


@dataclass(frozen=True)
class Columns:
    """The field is an object of columns: its key -> the row's column (a run's counts of
    experiments by status), built inline."""

    names: Mapping[str, str]


@dataclass(frozen=True)
class Computed:
    """The field is ``fn(the columns' values..., now)`` (a run's duration from its start
    and end): it names the columns it reads, so a builder may read them by position."""

    fn: Callable[..., Any]
    names: tuple[str, ...]

    def __init__(self, fn: Callable[..., Any], *names: str) -> None:
        object.__setattr__(self, "fn", fn)
        object.__setattr__(self, "names", names)


def _is(field_type: Any, wanted: Any) -> bool:
    """``field_type`` is ``wanted`` or ``wanted | None``."""
    if field_type == wanted:
        return True
    return get_origin(field_type) is Union and wanted in get_args(field_type)


def row_builder(
    record: type[msgspec.Struct],
    *,
    columns: Sequence[str] | None = None,
    **special: Column | Converted | Columns | Computed | Derive,
) -> Builder:
    """A function ``(row, now) -> the record's JSON`` for ``record``; ``special`` names the
    fields not stored as a column of their own name. ``now`` (the time of the answer) matters
    only to derivations that count up to it, such as a duration.

    The row is a mapping of column names, or, given ``columns`` (the names of a statement's
    columns in order), the statement's Row read by position: four times cheaper a field than
    by name, with no mapping made per row, for the listings that read 25 fields of 50 rows.
    Such a builder takes no ``Derive`` (a function of the mapping): ``Computed`` instead."""
    fields = msgspec.structs.fields(record)
    unknown = set(special) - {f.name for f in fields}
    if unknown:
        raise TypeError(f"{record.__name__} has no field {sorted(unknown)}")
    position = {name: i for i, name in enumerate(columns)} if columns is not None else None

    def col(name: str) -> str:
        if position is None:
            return f"m[{name!r}]"
        if name not in position:
            raise TypeError(f"{record.__name__}: the statement has no column {name!r}")
        return f"m[{position[name]}]"

    env: dict[str, Any] = {"iso": iso, "as_json": as_json}
    items = []
    for f in fields:
        how = special.get(f.name, Column(f.name))
        if isinstance(how, Column):
            value = col(how.name)
            if _is(f.type, Time):
                value = f"iso({value})"
            elif _is(f.type, Credits):
                value = f"as_json({value})"
        elif isinstance(how, Converted):
            env[f"convert_{f.name}"] = how.fn
            value = f"convert_{f.name}({col(how.name)})"
        elif isinstance(how, Columns):
            value = "{" + ", ".join(f"{k!r}: {col(c)}" for k, c in how.names.items()) + "}"
        elif isinstance(how, Computed):
            env[f"compute_{f.name}"] = how.fn
            value = f"compute_{f.name}({', '.join(map(col, how.names))}, ts)"
        elif position is not None:
            raise TypeError(f"{record.__name__}.{f.name}: read by position, use Computed")
        else:
            env[f"derive_{f.name}"] = how
            value = f"derive_{f.name}(m, ts)"
        items.append(f"{f.name!r}: {value}")
    source = "def build(m, ts=0.0):\n    return {" + ", ".join(items) + "}\n"
    exec(compile(source, f"<row_builder {record.__name__}>", "exec"), env)
    return env["build"]  # type: ignore[no-any-return]
