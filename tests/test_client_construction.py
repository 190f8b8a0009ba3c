"""Building a GridClient is cheap: the client module loads httpx only once a client is
built, every client of a process shares one SSL context (none with a CA bundle for
http://), and https is still verified: a server is trusted only when its certificate is."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jupyter_grid_collab import lazy_http
from jupyter_grid_collab.client import GridClient, Unreachable, shared_client

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def https_server(certificate: tuple[Path, Path]) -> Iterator[str]:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(*certificate)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@needs_openssl
def test_an_https_server_is_trusted_only_when_its_certificate_is(
    https_server, certificate, monkeypatch
):
    # Given a server whose certificate no CA bundle vouches for
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    # When a client calls it: the handshake is refused
    with GridClient(https_server, "k") as client, pytest.raises(Unreachable) as refused:
        client.health()
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value.__context__)
    # When the certificate is trusted (SSL_CERT_FILE, as for httpx and requests): it answers
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with GridClient(https_server, "k") as client:
        assert client.health()["path"] == "/api/v1/health"
        assert client.health()["status"] == "ok"


@needs_openssl
def test_every_client_shares_one_context_and_http_loads_no_bundle(certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # a setting not seen before
    made = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        made.append(kwargs.get("cafile"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    for _ in range(3):
        GridClient("https://127.0.0.1:9", "k").close()
        GridClient("http://127.0.0.1:9", "k").close()
    # one context loaded the bundle, for the first https client; http loaded none
    assert made == [str(certificate[0])]
    plain = lazy_http.ssl_context("http://127.0.0.1:9")
    # an http:// client's context trusts no CA: any TLS it were asked for is refused
    assert plain.cert_store_stats()["x509_ca"] == 0
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    assert plain is lazy_http.ssl_context("HTTP://elsewhere:1")


def test_a_client_loads_no_httpx_and_httpx_comes_without_its_command_line():
    code = (
        "import json, sys\n"
        "from jupyter_grid_collab import lazy_http\n"
        "from jupyter_grid_collab.client import GridClient, GridError\n"
        "def loaded():\n"
        "    wanted = ('httpx', 'rich', 'click')\n"
        "    return sorted(m for m in sys.modules if m.split('.')[0] in wanted)\n"
        "GridClient('http://127.0.0.1:9', 'k').close()\n"
        "built = loaded()\n"
        "lazy_http.httpx()\n"  # what a streamed download or an upload loads
        "streaming = loaded()\n"
        "import httpx._main\n"  # the command line httpx was kept from loading still imports
        "print(json.dumps([built, streaming]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    built, streaming = json.loads(out.stdout)
    # JSON calls go over the standard library (lazy_http.Origin): a client alone loads none
    assert built == []
    assert "httpx" in streaming
    # httpx's own command line (click, rich, pygments) did not come along
    assert not [m for m in streaming if m.startswith(("rich", "click", "httpx._main"))], streaming


def test_the_shared_client_is_one_per_configured_server_and_key(monkeypatch):
    monkeypatch.setenv("GRID_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("GRID_API_KEY", "first")
    monkeypatch.delenv("GRID_SESSION_CREDENTIAL", raising=False)
    one = shared_client()
    assert shared_client() is one and one.has_key
    monkeypatch.setenv("GRID_API_KEY", "second")
    other = shared_client()
    assert other is not one
    assert other._http.headers["Authorization"] == "token second"
