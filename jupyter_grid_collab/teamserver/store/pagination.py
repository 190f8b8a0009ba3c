"""One keyset pagination for every listing: newest first by an id that only grows, and an
opaque cursor (the last id the caller saw) instead of an offset, so a page costs the same
at any depth and rows added meanwhile neither repeat nor go missing.

A listing parses the page first (a bad limit is refused before any query), then runs its
query once through ``fetch_page`` on ``StoreCore.read()``: one statement needs no
transaction, and every listing reads the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Select, bindparam
from sqlalchemy.engine import Connection, Row, RowMapping
from sqlalchemy.sql.elements import ColumnElement

from ..errors import Invalid

#: a page's JSON: msgspec's encoder is ~10x the standard library's on a page of 50 runs,
#: and it copies a row's stored JSON text (rows.stored_json) into the answer as it is
encode = msgspec.json.Encoder().encode

MAX_PAGE = 200
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class PageRequest:
    """How many rows, and after which id (None: from the newest)."""

    limit: int = DEFAULT_PAGE
    after: int | None = None

    @classmethod
    def parse(cls, limit: Any, cursor: Any) -> PageRequest:
        """Validate ``limit`` and ``cursor`` as a query string gives them."""
        try:
            size = DEFAULT_PAGE if limit in (None, "") else int(limit)
        except (TypeError, ValueError):
            raise Invalid(f"limit must be an integer from 1 to {MAX_PAGE}") from None
        if not 1 <= size <= MAX_PAGE:
            raise Invalid(f"limit must be an integer from 1 to {MAX_PAGE}")
        if cursor in (None, ""):
            return cls(size, None)
        # ids are positive 63-bit integers: anything else was not issued by this server
        if not isinstance(cursor, str) or not cursor.isdigit() or len(cursor) > 18:
            raise Invalid("cursor is not one this server issued; start again without it")
        return cls(size, int(cursor))


def fetch_page(
    conn: Connection,
    query: Select[Any],
    key: ColumnElement[Any],
    page: PageRequest,
    to_json: Callable[[RowMapping, float], dict[str, Any]],
) -> dict[str, Any]:
    """``{"items", "next_cursor"}``: the rows of ``query`` below the cursor, newest first by
    ``key`` (a column of the query), one more fetched than shown to know if a next page
    exists. ``to_json`` builds an item from its row's mapping and the time of the answer
    (rows.py), one time for the whole page."""
    if page.after is not None:
        query = query.where(key < page.after)
    rows = conn.execute(query.order_by(key.desc()).limit(page.limit + 1)).all()
    shown = rows[: page.limit]
    more = len(rows) > page.limit
    ts = time.time()
    return {
        "items": [to_json(r._mapping, ts) for r in shown],
        "next_cursor": str(shown[-1]._mapping[key]) if more else None,
    }


def keyset(query: Select[Any], key: ColumnElement[Any], *, after: bool) -> Select[Any]:
    """``query``'s page as a statement of bound values, for ``encoded_page``: its rows below
    ``:after`` (when ``after``), newest first by ``key``, ``:limit`` of them. A listing builds
    it once per shape of its filters and keeps it: building a statement and computing its
    cache key on every request cost more than SQLite running it (a Select computes its
    cache key once)."""
    if after:
        query = query.where(key < bindparam("after"))
    return query.order_by(key.desc()).limit(bindparam("limit"))


def encoded_page(
    conn: Connection,
    statement: Select[Any],
    values: dict[str, Any],
    page: PageRequest,
    to_json: Callable[[Row[Any], float], dict[str, Any]],
) -> bytes:
    """``fetch_page``'s answer as the JSON bytes the API sends. ``statement`` is ``keyset``'s
    (``values``: its other bound values), its first column the key; ``to_json`` reads a Row
    by position (rows.row_builder's ``columns``); items may hold ``msgspec.Raw`` (stored JSON
    text, rows.stored_json), which only msgspec's encoder writes."""
    binds = {**values, "limit": page.limit + 1}
    if page.after is not None:
        binds["after"] = page.after
    rows = conn.execute(statement, binds).all()
    shown = rows[: page.limit]
    cursor = str(shown[-1][0]) if len(rows) > page.limit else None
    ts = time.time()
    return encode({"items": [to_json(r, ts) for r in shown], "next_cursor": cursor})
