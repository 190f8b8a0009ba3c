"""Waiting on the event loop for a raw descriptor to be readable or writable: what moving a
body between descriptors ourselves (splice in the extension's proxy, sendfile in the team
server's downloads) needs between two calls that would block."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def ready(
    add: Callable[..., None], remove: Callable[[int], object], fd: int, timeout: float | None
) -> None:
    """Wait until ``fd`` is readable or writable (as ``add`` says: the loop's ``add_reader``
    or ``add_writer``, ``remove`` its pair); TimeoutError after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()
    add(fd, _wake, waiter)
    timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
    try:
        await waiter
    finally:
        remove(fd)
        if timer is not None:
            timer.cancel()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
