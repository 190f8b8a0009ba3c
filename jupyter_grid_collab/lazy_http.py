"""httpx and TLS for the team API's clients, paid for only by a process that uses them.

Importing httpx costs 70-120 ms, so the client module does not import it until a client
is built: ``grid --help`` or an error message never pays for it. And httpx builds a new
SSL context for every client, loading the whole CA bundle each time (20-35 ms per
client, even for an http:// URL that never speaks TLS); here a process has one context
per kind, built the first time a client needs it.
"""

from __future__ import annotations

import os
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

_lock = threading.Lock()
_contexts: dict[tuple[str | None, ...], ssl.SSLContext] = {}


def httpx() -> ModuleType:
    """The httpx module, imported on first use without its command line."""
    loaded = sys.modules.get("httpx")
    if loaded is not None:
        return loaded
    # httpx's __init__ imports its own command line (httpx._main) whenever click and rich
    # are installed, as they are for `grid`: click, rich and pygments, about 50 ms that no
    # client uses. Marked absent, httpx keeps a stub `httpx.main` instead; the mark goes
    # straight after, so an explicit `import httpx._main` still works.
    blocked = "httpx._main" not in sys.modules
    if blocked:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx as module
    finally:
        if blocked and sys.modules.get("httpx._main", False) is None:
            del sys.modules["httpx._main"]
    return module


def ssl_context(url: str) -> ssl.SSLContext:
    """This process's one SSL context for clients of ``url``.

    https: the context httpx would build (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set,
    else certifi's bundle), built once per such setting; certificates are verified.
    http: a context that verifies against no CA at all, so it costs nothing to build and
    any TLS it were ever asked for (an https proxy from the environment) is refused,
    never trusted. Sharing is safe: httpcore only sets ALPN on it, always to http/1.1
    since no client here speaks HTTP/2."""
    if url[:6].lower() == "https:":
        key: tuple[str | None, ...] = (
            "https",
            os.environ.get("SSL_CERT_FILE"),
            os.environ.get("SSL_CERT_DIR"),
        )
    else:
        key = ("http",)
    context = _contexts.get(key)
    if context is None:
        with _lock:  # two threads' first clients must not both load the bundle
            context = _contexts.get(key)
            if context is None:
                context = _contexts[key] = _build(key[0] == "https")
    return context


def _build(verify_with_bundle: bool) -> ssl.SSLContext:
    if verify_with_bundle:
        created: ssl.SSLContext = httpx().create_ssl_context()
        return created
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, hostname checked
