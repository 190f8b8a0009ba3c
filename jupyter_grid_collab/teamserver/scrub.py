"""The scrub: every stored blob hashed again, at a bounded pace, so that bytes changed where
no stamp sees it (bits flipped under the filesystem, a write whose stamp was made to look
unchanged) are found and refused before anyone reads them.

A blob's stamp (blob_stamps.py) spares a read the hash while the file is unchanged; the
scrub does not trust it. A blob that fails is marked bad in the verifier's stamps (and the
stamp file, so a restart, a datastore mount on this machine and a running server all refuse
it): reads answer the same 500 a read that finds it so would, until the same bytes are
uploaded again. The team server runs it in the background (``Scrubber``: a pass every
``--scrub-interval-hours``, at most ``--scrub-mb-per-second``, resumed where it stopped
after a restart); ``grid-collab-server scrub`` runs one pass at once (blob_report.py says
what the blobs it found are).
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .blob_integrity import BlobVerifier, Verdict

log = logging.getLogger("grid_collab.teamserver")

STATE_FILE = "scrub-state.json"
DEFAULT_INTERVAL_HOURS = 24.0
DEFAULT_MB_PER_SECOND = 50.0
MB = 1_000_000
_SHA = re.compile(r"[0-9a-f]{64}")
_PREFIX = re.compile(r"[0-9a-f]{2}")
SAVE_EVERY = 60.0  # seconds between saves of a pass's position


class Stopped(Exception):
    """The server is shutting down: the pass stops where it is (and resumes there)."""


class Pace:
    """Called with each chunk hashed: sleeps so that at most ``bytes_per_second`` are read
    (None: no bound), and raises Stopped once ``stop`` is set. Time lost to a slow disk is
    not made up for by a burst later: at most one second's worth is caught up."""

    def __init__(self, bytes_per_second: float | None, stop: threading.Event | None = None):
        self.rate = bytes_per_second
        self.stop = stop or threading.Event()
        self.done = 0
        self._due = time.monotonic()  # when the bytes read so far may have been read

    def __call__(self, n: int) -> None:
        self.done += n
        wait = 0.0
        if self.rate:
            now = time.monotonic()
            self._due = max(self._due, now - 1.0) + n / self.rate
            wait = self._due - now
        if self.stop.wait(wait) if wait > 0 else self.stop.is_set():
            raise Stopped


def stored_blobs(verifier: BlobVerifier, after: str = "") -> Iterator[str]:
    """The sha256 of every blob in the store, in order, from the first one past ``after``."""
    store = verifier.store
    objects = posixpath.join(store.root, "objects")
    if store.is_local:
        try:
            prefixes = sorted(p for p in os.listdir(objects) if _PREFIX.fullmatch(p))
        except FileNotFoundError:
            return
        for prefix in prefixes:
            if prefix < after[:2]:
                continue
            try:
                names = sorted(os.listdir(posixpath.join(objects, prefix)))
            except FileNotFoundError:
                continue  # its last blob was deleted meanwhile
            yield from (n for n in names if _SHA.fullmatch(n) and n[:2] == prefix and n > after)
        return
    names = sorted(posixpath.basename(p) for p in store.fs.find(objects))
    yield from (n for n in names if _SHA.fullmatch(n) and n > after)


@dataclass
class PassReport:
    """What one pass found."""

    checked: int = 0
    bytes: int = 0
    bad: list[str] = field(default_factory=list)  # corrupted: found now or before
    unknown: int = 0  # gone or changed while hashed (their next read checks them)
    seconds: float = 0.0
    position: str = ""  # the last blob checked


def scrub_pass(
    verifier: BlobVerifier,
    pace: Pace,
    after: str = "",
    save: Callable[[PassReport], None] | None = None,
) -> PassReport:
    """Check every blob past ``after`` (all by default) once; ``save(report)`` hears how
    far it got now and then, and when it is stopped. Raises Stopped (from ``pace``)."""
    report = PassReport(position=after)
    started = saved = time.monotonic()
    try:
        for sha in stored_blobs(verifier, after):
            before = pace.done
            verdict: Verdict = verifier.rescan(sha, pace)
            report.checked += 1
            report.bytes += pace.done - before
            if verdict in ("bad", "still bad"):
                report.bad.append(sha)
            elif verdict == "unknown":
                report.unknown += 1
            report.position = sha
            if save is not None and time.monotonic() - saved > SAVE_EVERY:
                report.seconds = time.monotonic() - started
                save(report)
                saved = time.monotonic()
    except Stopped:
        if save is not None:
            save(report)  # the blob being hashed is checked again at the next start
        raise
    report.seconds = time.monotonic() - started
    return report


def summary(report: PassReport) -> str:
    gb = report.bytes / 1e9
    size = f"{gb:,.1f} GB" if gb >= 1 else f"{report.bytes / MB:,.1f} MB"
    line = f"{report.checked:,} blob(s) ({size}) checked in {report.seconds:,.1f} s"
    if report.unknown:
        line += f"; {report.unknown} changed or gone while checked (their next read checks them)"
    if report.bad:
        return f"{line}; {len(report.bad)} corrupted, refused until restored"
    return f"{line}; all good"


class Scrubber:
    """The team server's background scrub: a pass every ``interval_hours`` (the first at
    start unless one finished less than that ago), at most ``mb_per_second``, on a thread
    of its own (it never takes a request's worker). Where it is in a pass and when the last
    one ended are kept in ``<blobs>/scrub-state.json`` for a local store (in memory for a
    remote one), so a restart resumes a pass instead of starting over."""

    def __init__(self, verifier: BlobVerifier, interval_hours: float, mb_per_second: float):
        self.verifier = verifier
        self.interval = interval_hours * 3600.0
        self.rate = mb_per_second * MB
        self.stop_event = threading.Event()
        store = verifier.store
        self.state_path = posixpath.join(store.root, STATE_FILE) if store.is_local else None
        self.state: dict[str, Any] = self._load()
        self.thread = threading.Thread(target=self._run, name="grid-scrub", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop between two chunks, its position saved (a pass resumes there at the next
        start)."""
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10.0)

    # ------------------------------------------------------------- state
    def _load(self) -> dict[str, Any]:
        if self.state_path is None:
            return {}
        try:
            with open(self.state_path) as f:
                state = json.load(f)
            return state if isinstance(state, dict) else {}
        except (OSError, ValueError):
            return {}  # none yet, or unreadable: a pass starts now

    def _save(self, **changes: Any) -> None:
        self.state.update(changes)
        if self.state_path is None:
            return
        tmp = f"{self.state_path}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(self.state, f)
            os.replace(tmp, self.state_path)
        except OSError as exc:  # only a cost: the next start begins a pass again
            log.warning("scrub state not saved to %s: %s", self.state_path, exc)

    def due_in(self) -> float:
        """Seconds until the next pass should start (0: now)."""
        if self.state.get("position"):
            return 0.0  # a pass was under way when the server stopped
        finished = self.state.get("finished_at")
        if not isinstance(finished, (int, float)):
            return 0.0
        return max(0.0, finished + self.interval - time.time())

    # ------------------------------------------------------------- the thread
    def _run(self) -> None:
        while not self.stop_event.wait(self.due_in()):
            after = str(self.state.get("position") or "")
            pace = Pace(self.rate, self.stop_event)
            try:
                report = scrub_pass(
                    self.verifier, pace, after, save=lambda r: self._save(position=r.position)
                )
            except Stopped:
                return
            except Exception:  # the scrub must outlive a passing error (a full disk...)
                log.exception("scrub pass failed; trying again in an hour")
                if self.stop_event.wait(3600.0):
                    return
                continue
            self._save(position=None, finished_at=time.time())
            resumed = f" (resumed after {after[:12]}…)" if after else ""
            if report.bad:
                log.warning("scrub%s: %s: %s", resumed, summary(report), ", ".join(report.bad[:20]))
            else:
                log.info("scrub%s: %s", resumed, summary(report))
