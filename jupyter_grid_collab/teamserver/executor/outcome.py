"""What a run's record says when its launcher did not report the result itself.

The executor decides this once a launcher has ended (or, after a restart, is found gone)
and the record is still not final. It goes by the launcher's outcome file
(launcher_files.py), which says how the script ended and whether everything it produced
reached the team server, and otherwise by why the launcher ended.

The rule: a record says ``succeeded`` only when it would read the same had the launcher's
report arrived: the script exited 0 and every log line and artifact was stored (a report
that could not reach a team server that was down). Anything less is ``failed``, saying the
launcher could not report, with the script's exit code and when it ended; a stopped script
stays ``cancelled``. The record's end, and the team's bill, is when the script ended, not
when the record could finally be written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

COULD_NOT_REPORT = "the launcher could not report its result"
RESTARTED = "the team server restarted and the launcher is gone"
ENDED = "the launcher ended without reporting a result"
ORPHAN = "; its script was still running and was stopped"


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str
    exit_code: int | None = None
    # when the script ended (the record's finished_at; billing stops there), if known
    ended_at: float | None = None


def _clock(ts: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(ts))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def verdict(
    outcome: dict[str, Any] | None,
    failure: str | None = None,
    *,
    restarted: bool = False,
    script_stopped: bool = False,
) -> Verdict:
    """The record for a launcher that ended without its report landing. ``outcome``: its
    outcome file, if any; ``failure``: why the engine says it ended; ``restarted``: it was
    found gone when the team server started; ``script_stopped``: its script outlived it."""
    ended = (outcome or {}).get("script_ended_at")
    if isinstance(ended, (int, float)) and not isinstance(ended, bool):
        return _from_outcome(outcome or {}, float(ended))
    message = RESTARTED if restarted else (failure or ENDED)
    return Verdict("failed", message + (ORPHAN if script_stopped else ""))


def _from_outcome(outcome: dict[str, Any], ended: float) -> Verdict:
    code = _int(outcome.get("exit_code"))
    status = outcome.get("status")
    said = outcome.get("message") if isinstance(outcome.get("message"), str) else None
    if status == "cancelled":
        return Verdict("cancelled", f"stopped ({COULD_NOT_REPORT})", code, ended)
    if code is None:  # it never got the script going
        return Verdict(
            "failed", f"{COULD_NOT_REPORT}: {said or 'the script did not run'}", None, ended
        )
    delivered = outcome.get("delivered") is True
    stored = "its logs and artifacts were stored" if delivered else "(artifacts may be missing)"
    head = f"{COULD_NOT_REPORT}; the script exited with code {code} at {_clock(ended)}"
    if status == "succeeded" and code == 0 and delivered:
        return Verdict("succeeded", f"{head} and {stored}", code, ended)
    message = f"{head} {stored}" if not delivered else f"{head}; {stored}"
    if status == "failed" and said and code != 0:
        message += f"\n{said[-3000:]}"  # the launcher's own: the script's last lines
    return Verdict("failed", message, code, ended)
