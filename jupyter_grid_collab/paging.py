"""Following a listing's cursors: one loop for every listing a face pages through (the
``grid`` tables' ``--limit``, ``GridClient.iter_pages``), instead of one each.

``list_method`` is a client's listing (``list_runs``, ``list_sessions``, ...): it takes
``cursor`` and ``limit`` and answers a ``models.Page`` (``items``, ``next_cursor``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

#: the most a listing sends per page (the team server's cap)
PAGE_SIZE = 200


def pages(
    list_method: Callable[..., Any],
    limit: int | None = None,
    page_size: int | None = None,
    **kwargs: Any,
) -> Iterator[Any]:
    """The listing's pages, each asked from the previous one's cursor, until the end or
    ``limit`` items (the last page asks only for what is still wanted)."""
    seen, cursor = 0, None
    while True:
        size = page_size if limit is None else max(1, min(page_size or limit, limit - seen))
        page = list_method(cursor=cursor, **({"limit": size} if size else {}), **kwargs)
        seen += len(page.items)
        yield page
        cursor = page.next_cursor
        if not cursor or (limit is not None and seen >= limit):
            return


def iter_items(list_method: Callable[..., Any], **kwargs: Any) -> Iterator[Any]:
    """Every item of a listing."""
    for page in pages(list_method, **kwargs):
        yield from page.items


def collect(
    list_method: Callable[..., Any], limit: int, page_size: int = PAGE_SIZE, **kwargs: Any
) -> tuple[list[Any], bool]:
    """Up to ``limit`` items of a listing, and whether more exist."""
    items: list[Any] = []
    more = False
    for page in pages(list_method, limit=limit, page_size=page_size, **kwargs):
        items.extend(page.items)
        more = bool(page.next_cursor)
    return items[:limit], more
