"""Sizes as people write and read them: ``50GB`` <-> bytes (integers), decimal units.

Shared by the team server (quotas, refusals) and the ``grid`` CLI; it imports nothing heavy.
"""

from __future__ import annotations

import re

UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "PB": 10**15,
    "KIB": 1 << 10,
    "MIB": 1 << 20,
    "GIB": 1 << 30,
    "TIB": 1 << 40,
    "PIB": 1 << 50,
}
_SIZE = re.compile(r"^\s*(\d{1,20}(?:\.\d{1,9})?)\s*([KMGTP]?I?B?)\s*$", re.IGNORECASE)
#: the largest size stored: what a BIGINT holds
MAX_SIZE = 2**63 - 1
_SHOWN = (("PB", 10**15), ("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3))


class SizeError(ValueError):
    """Not a size; the message says how to write one."""


def parse_size(text: str) -> int:
    """``50GB``, ``1.5 TB``, ``512MiB``, ``1000`` (bytes) -> bytes. Decimal units (GB = 10^9)
    unless written with an i (GiB = 2^30)."""
    match = _SIZE.match(text or "")
    unit = match[2].upper() if match else None
    if match is None or unit not in UNITS:
        raise SizeError(f"{text!r} is not a size: write e.g. 50GB, 500MB, 1.5TB or 2GiB")
    whole, _, frac = match[1].partition(".")
    factor = UNITS[unit]
    # integers only: 1.1 GB is exactly 1,100,000,000 bytes, not a float's neighbour
    size = int(whole) * factor + (int(frac) * factor // 10 ** len(frac) if frac else 0)
    if size > MAX_SIZE:
        raise SizeError(f"{text!r} is too large a size")
    return size


def size_unit(n: int) -> tuple[str, int]:
    """The largest decimal unit that keeps ``n`` bytes at 1 or more."""
    for name, factor in _SHOWN:
        if n >= factor:
            return name, factor
    return "bytes", 1


def show_size(n: int, unit: tuple[str, int] | None = None, exact: bool = False) -> str:
    """``n`` bytes in ``unit`` (default: ``size_unit(n)``) with one decimal; with ``exact``,
    a whole number of units loses its decimal (a quota reads "50 GB")."""
    name, factor = unit or size_unit(n)
    if factor == 1:
        return f"{n:,} bytes"
    if exact and n % factor == 0:
        return f"{n // factor:,} {name}"
    return f"{n / factor:,.1f} {name}"
