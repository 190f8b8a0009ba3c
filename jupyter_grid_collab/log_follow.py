"""Reading an experiment's log page by page and following it while it runs: one loop for
``grid logs [--follow]`` and the notebook panel, sync and async. (The sidebar's twin is
``followLogs`` in labextension/src/follow.ts.)

``read_logs`` is a client's method (``GridClient.read_logs`` or the async one): it answers
``{"lines", "next_offset", "status", "finished"}``. Following uses long polls: the team
server answers as soon as a line or a status change arrives, so nothing spins.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

LogPage = dict[str, Any]
#: lines asked for per request while catching up
PAGE = 1000
#: seconds one long poll waits for news; the team server caps it at 30
WAIT = 25.0


def _first(tail: int | None, limit: int | None) -> dict[str, Any]:
    return {"tail": tail, "limit": limit} if tail is not None else {"offset": 0, "limit": limit}


def _more(page: LogPage, limit: int | None) -> bool:
    # a full page: more may be there already (without a limit the server sends it all)
    return limit is not None and len(page["lines"]) >= limit


def log_pages(
    read_logs: Callable[..., LogPage],
    ref: str,
    *,
    tail: int | None = None,
    follow: bool = False,
    limit: int | None = PAGE,
    wait: float = WAIT,
) -> Iterator[LogPage]:
    """The pages of ``ref``'s log: the last ``tail`` lines (or all of it), then, with
    ``follow``, what arrives until the experiment finishes; the last page yielded then
    carries its final ``status``."""
    page = read_logs(ref, **_first(tail, limit))
    yield page
    while _more(page, limit):
        page = read_logs(ref, offset=page["next_offset"], limit=limit)
        yield page
    while follow and not page["finished"]:
        page = read_logs(ref, offset=page["next_offset"], limit=limit, wait=wait)
        yield page


async def log_pages_async(
    read_logs: Callable[..., Awaitable[LogPage]],
    ref: str,
    *,
    tail: int | None = None,
    follow: bool = False,
    limit: int | None = PAGE,
    wait: float = WAIT,
) -> AsyncIterator[LogPage]:
    """``log_pages`` for an event loop (the panel)."""
    page = await read_logs(ref, **_first(tail, limit))
    yield page
    while _more(page, limit):
        page = await read_logs(ref, offset=page["next_offset"], limit=limit)
        yield page
    while follow and not page["finished"]:
        page = await read_logs(ref, offset=page["next_offset"], limit=limit, wait=wait)
        yield page
