"""How every face shows a size or a duration to a person: the CLI's tables, the notebook
panel's rows and (in ``labextension/src/format.ts``) the sidebar's rows.

Sizes are rich's ``filesize.decimal`` (SI: ``512 bytes``, ``1.5 kB``, ``10.0 MB``), the
units rich's progress bars already print. Durations lead with their largest unit and pad
the rest to two digits (``12s``, ``4m 07s``, ``3h 02m 05s``, ``2d 03h 04m``). A missing
value, or a duration that has not begun, is ``-``. Both languages are checked against the
same table of cases (``labextension/test/format_cases.json``), so they cannot drift.
"""

from __future__ import annotations

import math

from rich.filesize import decimal

MISSING = "-"


def size(n: float | None) -> str:
    """Bytes as ``1 byte``, ``999 bytes``, ``1.5 kB``, ``2.0 GB``; ``-`` when not known."""
    if n is None or not math.isfinite(n):
        return MISSING
    return decimal(max(0, int(n)))


def duration(seconds: float | None) -> str:
    """``12s``, ``4m 07s``, ``3h 02m 05s``, ``2d 03h 04m``; ``-`` for none or zero (the
    API says 0 for something that has not started)."""
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        return MISSING
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
