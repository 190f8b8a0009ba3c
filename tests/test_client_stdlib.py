"""GridClient's JSON calls over the standard library (lazy_http.Origin) against a real team
server: no httpx loaded, the same errors (the server's own message, Unreachable "refused or
failed" / "timed out", no secret in any message), TLS verified the way httpx verified it,
a GET sent again when a kept-alive connection turns out closed but a POST never, a header
that would split the request refused, and a proxy from the environment still honoured
(through httpx).

Between the client and the server sits, where a case needs one, a byte relay on 127.0.0.1
(optionally terminating TLS with the conftest certificate, or closing a connection when a
second request arrives on it): the server answering is always the real one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from jupyter_grid_collab.client import GridClient, NotFound, Unauthorized, Unreachable

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


class Relay:
    """Forwards each connection to the team server. ``tls``: speak TLS to the client.
    ``drop_second``: close a connection, forwarding nothing, when a second request comes on
    it (a server that closed a kept-alive connection just as the client reused it).
    ``heads`` holds the first line of every request forwarded."""

    def __init__(self, port: int, tls: ssl.SSLContext | None = None, drop_second=False):
        self.port, self.tls, self.drop_second = port, tls, drop_second
        self.connections = 0
        self.dropped = 0
        self.heads: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            if self.tls:
                client = self.tls.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError):
            client.close()  # the client refused our certificate
            return
        upstream = socket.create_connection(("127.0.0.1", self.port))
        answered = threading.Event()  # server bytes went back since the last request

        def back() -> None:
            while data := _recv(upstream):
                answered.set()
                client.sendall(data)
            _shut(client)

        threading.Thread(target=back, daemon=True).start()
        requests = 0
        while data := _recv(client):
            if requests == 0 or answered.is_set():
                requests += 1
                answered.clear()
                if requests == 2 and self.drop_second:
                    self.dropped += 1
                    break
                self.heads.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
            upstream.sendall(data)
        _shut(upstream)
        client.close()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(1 << 16)
    except OSError:
        return b""


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


@pytest.fixture
def relay(sqlite_server):
    made: list[Relay] = []

    def make(**kw) -> Relay:
        made.append(Relay(sqlite_server.port, **kw))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def no_proxy(monkeypatch):
    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(name)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------- the calls, without httpx
def test_api_calls_load_no_httpx_and_grid_user_no_rich_nor_http_client(sqlite_server, no_proxy):
    key = sqlite_server.keys["alice"]
    code = (
        "import json, sys\n"
        "from jupyter_grid_collab.client import GridClient\n"
        f"with GridClient({sqlite_server.url!r}, {key!r}) as c:\n"
        "    me = c.me().username\n"
        "    teams = [t.name for t in c.list_teams()]\n"
        "    run = c.create_run('python t.py', name=sys.argv[1])[0].name\n"
        "    page = [r.name for r in c.list_runs(scope='mine', limit=200).items]\n"
        "    c.delete_run(run)\n"
        "print(json.dumps([me, teams, run in page, 'httpx' in sys.modules]))\n"
    )
    name = f"std-{uuid.uuid4().hex[:6]}"
    out = subprocess.run(
        [sys.executable, "-c", code, name], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == ["alice", ["vision"], True, False]
    # the whole `grid user`: neither httpx nor rich's console or tables
    code = (
        "import json, sys\n"
        "from jupyter_grid_collab.cli.main import main\n"
        "sys.argv = ['grid', 'user']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('httpx', 'rich.', 'http.client', 'email', 'ssl')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    env = {**os.environ, "GRID_URL": sqlite_server.url, "GRID_API_KEY": key}
    env.pop("COLUMNS", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    *shown, loaded = out.stdout.splitlines()
    assert "username:     alice" in shown and "│ vision │ owner │" in shown
    # rich.filesize (formats.size) at most: no console, no table; and for an http:// server
    # neither http.client nor what it imports (email's parser, ssl): http_wire speaks HTTP
    assert not [
        m
        for m in json.loads(loaded)
        if m.startswith(("httpx", "rich.console", "rich.t", "http.client", "email", "ssl"))
    ]


def test_the_servers_refusals_keep_its_message_and_no_key(sqlite_server, no_proxy):
    with sqlite_server.client("bob") as bob, pytest.raises(NotFound) as missing:
        bob.team("nope")
    assert missing.value.status == 404 and "nope" in missing.value.message
    wrong = "gck_" + uuid.uuid4().hex
    with GridClient(sqlite_server.url, wrong) as client, pytest.raises(Unauthorized) as refused:
        client.me()
    assert refused.value.message and wrong not in str(refused.value)


def test_an_unreachable_server_is_refused_or_timed_out_without_the_key(sqlite_server, no_proxy):
    # nobody listening: refused, at once
    url = f"http://127.0.0.1:{closed_port()}"
    with GridClient(url, "gck_secret") as client, pytest.raises(Unreachable) as refused:
        client.me()
    said = str(refused.value)
    assert said.startswith(f"cannot reach the team server at {url}: connection refused or failed")
    assert "gck_secret" not in said
    # a real server that stopped answering: the call times out after its timeout
    sqlite_server.proc.send_signal(signal.SIGSTOP)
    try:
        with GridClient(sqlite_server.url, "gck_secret", timeout=0.5) as client:
            start = time.monotonic()
            with pytest.raises(Unreachable) as stalled:
                client.me()
            took = time.monotonic() - start
    finally:
        sqlite_server.proc.send_signal(signal.SIGCONT)
    assert "connection timed out" in str(stalled.value) and "gck_secret" not in str(stalled.value)
    assert 0.4 < took < 5


def test_a_header_that_would_split_the_request_is_never_sent(relay, no_proxy):
    r = relay()
    for key in ("gck_a\r\nX-Evil: 1", "gck_a\n b", "gck_a\0"):
        with GridClient(r.url, key) as client, pytest.raises(Unreachable) as refused:
            client.me()
        assert "refused or failed" in str(refused.value)
        assert "X-Evil" not in str(refused.value) and "gck_a" not in str(refused.value)
    assert r.heads == []


# ----------------------------------------------------------------- kept-alive connections
def test_a_get_is_sent_again_on_a_new_connection_a_post_never(relay, sqlite_server, no_proxy):
    # Given a server that closes a kept-alive connection as the client reuses it
    r = relay(drop_second=True)
    with GridClient(r.url, sqlite_server.keys["alice"]) as client:
        client.me()
        # When the next call is a GET: sent again on a new connection, answered
        assert [t.name for t in client.list_teams()] == ["vision"]
        assert (r.connections, r.dropped) == (2, 1)
        assert r.heads == ["GET /api/v1/me HTTP/1.1", "GET /api/v1/teams HTTP/1.1"]
        # When it is a POST: not sent again (it may have run), the failure said
        name = f"once-{uuid.uuid4().hex[:6]}"
        with pytest.raises(Unreachable) as lost:
            client.create_run("python t.py", name=name)
        assert "refused or failed" in str(lost.value)
        assert (r.connections, r.dropped) == (2, 2)
        assert not any(head.startswith("POST") for head in r.heads)
    with sqlite_server.client("alice") as alice:
        alice.me()
        assert name not in [run.name for run in alice.list_runs(limit=200).items]


def test_connections_are_kept_alive_and_shared_by_threads(relay, sqlite_server, no_proxy):
    r = relay()
    with GridClient(r.url, sqlite_server.keys["bob"]) as client:
        for _ in range(5):
            client.me()
        assert r.connections == 1
        errors: list[BaseException] = []

        def calls() -> None:
            try:
                for _ in range(10):
                    assert client.me().username == "bob"
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=calls) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert r.connections <= 5  # one a thread at most, never one a call
    with pytest.raises(RuntimeError, match="closed"):
        client.me()


# ----------------------------------------------------------------- TLS
@needs_openssl
def test_https_is_verified_as_httpx_verified_it(relay, sqlite_server, certificate, monkeypatch):
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(*certificate)
    r = relay(tls=tls)
    key = sqlite_server.keys["carol"]
    # a certificate nobody vouches for (certifi's bundle): refused, nothing sent
    with GridClient(r.url, key) as client, pytest.raises(Unreachable) as refused:
        client.me()
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value.__context__)
    assert key not in str(refused.value) and r.heads == []
    # trusted by SSL_CERT_FILE: answered over TLS
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with GridClient(r.url, key) as client:
        assert client.me().username == "carol"
    # or by SSL_CERT_DIR (a hashed folder of CA certificates)
    monkeypatch.delenv("SSL_CERT_FILE")
    folder = Path(certificate[0]).parent / "cas"
    folder.mkdir()
    shutil.copy(certificate[0], folder / "grid.pem")
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))
    with GridClient(r.url, key) as client:
        assert client.me().username == "carol"
    assert r.heads == ["GET /api/v1/me HTTP/1.1"] * 2


# ----------------------------------------------------------------- proxies
def test_a_proxy_the_environment_names_is_still_used(relay, sqlite_server, monkeypatch):
    # Given a proxy in the environment (this relay, which forwards what it gets as it is)
    proxy = relay()
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    # When the client calls the team server
    with GridClient(sqlite_server.url, sqlite_server.keys["bob"]) as client:
        try:
            client.me()
        except NotFound:
            pass  # the team server does not serve the proxy's absolute-form request
    # Then the request went to the proxy, as httpx sends it to one
    assert proxy.heads == [f"GET {sqlite_server.url}/api/v1/me HTTP/1.1"]
