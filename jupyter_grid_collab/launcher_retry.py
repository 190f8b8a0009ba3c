"""How long a launcher keeps trying to reach the team server: long enough to outlast a
restart or a full disk being cleared, never forever.

Every call the launcher makes after its script started (log lines, artifacts, the final
status) goes through one ``Patience``. A failure that may pass (the server unreachable, a
5xx, a 408 or 429) is retried with growing pauses; a refusal (any other 4xx: the token
expired, the experiment was cancelled or deleted) is not. A call gives up once it has failed
for ``budget`` seconds, and once the server has failed for ``budget`` seconds in a row (the
shared clock) later calls try only once, so a launcher whose server is gone ends within
about one budget rather than one per call. Any success resets the shared clock, and so
does a refusal (the server answered: it is up).

A failure is the launcher's ReportError (launcher_http.py) or, where client.py is loaded
(a datastore mount, a test), its GridError: both carry ``status`` and ``message``. client.py
is never imported from here, since its httpx would cost the launcher's start 80-190 ms.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from .launcher_http import ReportError

if TYPE_CHECKING:
    from typing import TypeAlias

    from .client import GridError

    Failure: TypeAlias = ReportError | GridError

T = TypeVar("T")
DEFAULT_BUDGET = 120.0
BUDGET_ENV = "GRID_REPORT_PATIENCE"
TRANSIENT_4XX = (408, 425, 429)
FIRST_PAUSE, MAX_PAUSE = 0.5, 10.0


def budget_from_env() -> float:
    """The patience ``GRID_REPORT_PATIENCE`` asks for (seconds), else the default."""
    try:
        return max(0.0, float(os.environ.get(BUDGET_ENV) or DEFAULT_BUDGET))
    except ValueError:
        return DEFAULT_BUDGET


def failures() -> tuple[type[Exception], ...]:
    """The exceptions that mean "the team server did not take this call". A GridError can
    only be raised where client.py was imported, so it is looked for only there."""
    client = sys.modules.get("jupyter_grid_collab.client")
    return (ReportError,) if client is None else (ReportError, client.GridError)


def transient(exc: Failure) -> bool:
    """May this failure pass by itself (so a retry can help)?"""
    return exc.status is None or exc.status >= 500 or exc.status in TRANSIENT_4XX


class Patience:
    """Bounded retries shared by the launcher's threads."""

    def __init__(self, budget: float = DEFAULT_BUDGET, log=None, who: str = "grid launcher"):
        self.budget = budget
        self.who = who  # how its lines start: "[grid launcher] ..."
        self._failing_since: float | None = None
        self._lock = threading.Lock()
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))

    def call(self, what: str, fn: Callable[..., T], *args, **kw) -> T:
        """``fn(*args, **kw)``, retried while its failure may pass and patience lasts;
        raises the last failure (ReportError or GridError) otherwise."""
        started = time.monotonic()
        pause = FIRST_PAUSE
        attempt = 0
        while True:
            attempt += 1
            try:
                result = fn(*args, **kw)
            except failures() as caught:
                exc = cast("Failure", caught)
                if not transient(exc):
                    with self._lock:
                        # a refusal is an answer: the server is up, so it is not failing
                        # (else a quota refusal, then a quiet script, would leave the
                        # final report no retry when it meets a restart)
                        self._failing_since = None
                    if attempt > 1:
                        self._log(
                            f"[{self.who}] gave up on {what} after {attempt} "
                            f"attempt(s): {exc.message}"
                        )
                    raise
                now = time.monotonic()
                with self._lock:
                    if self._failing_since is None:
                        self._failing_since = now
                    shared_left = self._failing_since + self.budget - now
                left = min(started + self.budget - now, shared_left)
                if left <= 0:
                    self._log(
                        f"[{self.who}] gave up on {what} after {attempt} attempt(s): {exc.message}"
                    )
                    raise
                if attempt == 1:
                    self._log(
                        f"[{self.who}] {what} failed ({exc.message}); retrying for "
                        f"up to {left:.0f}s"
                    )
                time.sleep(min(pause, left))
                pause = min(pause * 2, MAX_PAUSE)
                continue
            with self._lock:
                self._failing_since = None
            if attempt > 1:
                self._log(f"[{self.who}] {what} succeeded after {attempt} attempts")
            return result
