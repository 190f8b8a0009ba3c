"""Waiting for a server we started to be ready: one loop for the local sessions, the demo
and the test harnesses, instead of one each.

The loop gives up early and says why when the process exits (with the end of its log),
when the caller is told to stop (Ctrl-C in the demo), or when time runs out.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import httpx

T = TypeVar("T")

#: errors that only mean "not yet": nothing listens, the file is half written, ...
NOT_YET = (httpx.TransportError, OSError, ValueError, KeyError)


class NotReady(RuntimeError):
    """The server did not become ready; the message says why and where its log is."""


class ProcessExited(NotReady):
    """The server's process ended while we waited."""


class Stopped(Exception):
    """The caller asked to stop waiting (``should_stop`` said so)."""


def log_tail(log: Path | None, chars: int = 2000) -> str:
    """The end of a log file, for a message; empty when there is none."""
    if log is None:
        return ""
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    proc: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    interval: float = 0.25,
    should_stop: Callable[[], bool] | None = None,
) -> T:
    """Call ``probe`` until it returns something truthy and return that.

    A probe raising one of ``NOT_YET`` counts as "not ready yet"; ``proc`` ending raises
    ProcessExited, ``should_stop()`` raises Stopped, the deadline raises NotReady."""
    deadline = time.monotonic() + timeout
    while True:
        if should_stop is not None and should_stop():
            raise Stopped(what)
        if proc is not None and proc.poll() is not None:
            where = f"; its log ({log}) ends with:\n{log_tail(log)}" if log else ""
            raise ProcessExited(f"{what} exited with code {proc.returncode}{where}")
        try:
            result = probe()
        except NOT_YET:
            result = None
        if result:
            return result
        if time.monotonic() >= deadline:
            where = f"; see {log}" if log else ""
            raise NotReady(f"{what} did not become ready within {timeout:.0f}s{where}")
        time.sleep(interval)


def http_ok(
    url: str,
    headers: Mapping[str, str] | None = None,
    ok: Callable[[httpx.Response], bool] | None = None,
) -> Callable[[], httpx.Response | None]:
    """A probe: GET ``url``; ready when it answers 200 and ``ok(response)`` holds."""

    def probe() -> httpx.Response | None:
        r = httpx.get(url, timeout=2, headers=dict(headers or {}))
        return r if r.status_code == 200 and (ok is None or ok(r)) else None

    return probe


def free_port(host: str = "127.0.0.1") -> int:
    """A port free a moment ago. Only for servers that cannot bind port 0 and report the
    port they got: another process may take it before the server binds it."""
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port
