"""The team API path a proxied request names, normalised before anything checks it.

tornado hands a handler its path percent-decoded once, and httpx resolves dot segments
before sending: ``runs/%2e%2e/credentials`` passed the allow-list as ``runs/<owner>/<name>``
and reached ``/api/v1/credentials``. So the proxy starts from the raw path as it arrived,
decodes each segment once itself, refuses anything a decoder or a server further on could
read differently, and then both checks and forwards the one result.
"""

from __future__ import annotations

from urllib.parse import quote, unquote


def normalise(raw: str) -> list[str] | None:
    """The segments of ``raw`` (the still-encoded path after ``grid-collab/api/``), or None
    when it must be refused.

    Empty segments (``a//b``) are dropped. Refused: a dot segment (``.``, ``..``, encoded or
    not), a backslash or an encoded slash (``%2f``, ``%5c``: other servers split on them),
    a percent sign left after decoding (double encoding, decoded again further on), a NUL or
    other control character, and bytes that are not UTF-8.
    """
    if "\\" in raw or "?" in raw or "#" in raw:
        return None
    segments = []
    for part in raw.split("/"):
        if not part:
            continue
        try:
            segment = unquote(part, errors="strict")
        except UnicodeDecodeError:
            return None
        if (
            segment in (".", "..")
            or any(c in segment for c in "/\\%")
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in segment)
        ):
            return None
        segments.append(segment)
    return segments or None


def upstream_path(segments: list[str]) -> str:
    """The path to send, each segment quoted as client.py quotes one (``_seg``)."""
    return "/" + "/".join(quote(s, safe="") for s in segments)
