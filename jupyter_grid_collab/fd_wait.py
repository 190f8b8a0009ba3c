"""Waiting on the event loop for a raw descriptor to be readable or writable: what moving a
body between descriptors ourselves (splice in the extension's proxy, sendfile in downloads)
needs between two calls that would block; and the timer that ends such a wait (``expire``,
also the extension's HTTP transport's, which waits on a future without a task per wait)."""

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
    timer = None if timeout is None else loop.call_later(timeout, expire, waiter)
    try:
        await waiter
    finally:
        remove(fd)
        if timer is not None:
            timer.cancel()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def expire(waiter: asyncio.Future[None]) -> None:
    """A timer's end of a wait: ``waiter`` raises TimeoutError, unless it is done already."""
    if not waiter.done():
        waiter.set_exception(TimeoutError())
