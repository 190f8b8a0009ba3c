"""Artifact filters: a glob (``*``, ``?``) or a plain substring, matched in linear time.

A filter comes from another member's request, so it is never compiled as a regular
expression: a backtracking pattern such as ``(a+)+$`` froze the team server for everyone.
Globs are matched segment by segment (the pieces between ``*``), each found leftmost, which
never backtracks: the cost is at most the path's length times the pattern's.
"""

from __future__ import annotations

MAX_PATTERN = 256
WILDCARDS = "*?"


class PatternError(ValueError):
    """A filter that is not a glob or a substring."""


def check_pattern(pattern: str) -> str:
    """Refuse filters that cannot be what the user meant; return the pattern."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"match is longer than {MAX_PATTERN} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in pattern):
        raise PatternError("match contains a control character")
    # the filter was a regular expression until Dec 2026: say so rather than match nothing
    if pattern.startswith("^") or pattern.endswith("$") or ".*" in pattern or "\\" in pattern:
        raise PatternError(
            f"match {pattern!r} looks like a regular expression; it takes a glob ('*.json', "
            "'checkpoints/*') or a substring ('metrics')"
        )
    return pattern


def _fits(text: str, piece: str, at: int) -> bool:
    """Whether ``piece`` (``?`` = any one character) occurs in ``text`` at index ``at``."""
    return (
        at >= 0
        and len(text) - at >= len(piece)
        and all(p == "?" or p == c for p, c in zip(piece, text[at : at + len(piece)], strict=True))
    )


def _find(text: str, piece: str, start: int) -> int:
    """Leftmost index >= start where ``piece`` (``?`` = any one character) occurs, or -1."""
    if "?" not in piece:
        return text.find(piece, start)
    return next((i for i in range(start, len(text) - len(piece) + 1) if _fits(text, piece, i)), -1)


def glob_match(pattern: str, text: str) -> bool:
    """Whole-string glob: ``*`` any run of characters (``/`` included), ``?`` any one."""
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return len(text) == len(pattern) and _fits(text, pattern, 0)
    first, *middle, last = pieces
    if not _fits(text, first, 0):
        return False
    pos, end = len(first), len(text) - len(last)
    if end < pos or not _fits(text, last, end):
        return False
    for piece in middle:
        if not piece:
            continue
        found = _find(text[:end], piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def path_matches(pattern: str, path: str) -> bool:
    """A glob matches the whole path or its last part (``*.json`` finds ``a/b.json``);
    without wildcards the pattern is a substring."""
    if not any(w in pattern for w in WILDCARDS):
        return pattern in path
    return glob_match(pattern, path) or glob_match(pattern, path.rsplit("/", 1)[-1])
