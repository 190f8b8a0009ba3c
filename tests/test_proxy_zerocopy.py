"""A proxied artifact download spliced from the team server's socket to the browser's
(extension/zerocopy.py), attacked with real servers: exact bytes around every buffer size,
a browser hanging up midway (no descriptor or connection left behind), a team server dying
midway (a failed download, never a short success), and TLS on either side (the body copied,
not spliced, and still exact)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from jupyter_harness import BASE_URL, JupyterProcess
from teamserver_harness import TeamServerProcess

from jupyter_grid_collab import track
from jupyter_grid_collab.extension import http1, zerocopy

pytestmark = pytest.mark.skipif(not zerocopy.ENABLED, reason="splice is Linux only")

MIB = 1 << 20
# around the pipe, the transport's reads and its unread-data limit, and a few odd sizes
SIZES = sorted(
    {
        0,
        1,
        4095,
        65536,
        65537,
        zerocopy.PIPE_SIZE - 1,
        zerocopy.PIPE_SIZE,
        zerocopy.PIPE_SIZE + 1,
        http1.RECV_SIZE - 1,
        http1.RECV_SIZE + 1,
        http1.BUFFER_LIMIT + http1.RECV_SIZE + 3,
        9 * MIB + 7,
    }
)


def _blob(size: int, seed: int) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB, distinct per seed
    return (block * (size // len(block) + 1))[:size]


def _artifacts(team: TeamServerProcess, owner: str, tmp: Path, sizes: dict[str, int]) -> tuple:
    """One experiment of ``owner`` with a file per name; (experiment, {name: sha256})."""
    shas = {}
    files = {}
    for i, (rel, size) in enumerate(sizes.items()):
        data = _blob(size, i)
        path = tmp / f"art-{i}.bin"
        path.write_bytes(data)
        files[rel] = path
        shas[rel] = hashlib.sha256(data).hexdigest()
    with team.client(owner) as c:
        c.me()
        name = f"zc-{uuid.uuid4().hex[:6]}"
        with track.start_run(name, {"lr": 0.1}, client=c) as run:
            for rel, path in files.items():
                run.log_file(path, rel)
    for path in files.values():
        path.unlink()
    return f"{name}-exp0", shas


def _target(owner: str, experiment: str, rel: str) -> str:
    query = urlencode({"ref": f"{owner}:{experiment}", "path": rel})
    return f"grid-collab/api/artifacts/download?{query}"


def _get_sha(client: httpx.Client, target: str) -> tuple[int, str, int]:
    digest = hashlib.sha256()
    got = 0
    with client.stream("GET", target) as r:
        assert r.status_code == 200, r.read()[:300]
        length = int(r.headers["Content-Length"])
        for chunk in r.iter_raw():
            digest.update(chunk)
            got += len(chunk)
    assert got == length
    return got, digest.hexdigest(), r.status_code


def _open_download(lab: JupyterProcess, target: str) -> tuple[socket.socket, int, bytes]:
    """A raw GET of ``target``: (socket, Content-Length, body bytes read with the head)."""
    sock = socket.create_connection(("127.0.0.1", lab.port), timeout=60)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)  # a slow, small reader
    sock.sendall(
        f"GET {BASE_URL}{target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: token {lab.token}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(65536)
        assert data, "closed before the headers"
        head += data
    head, _, body = head.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head)[1])
    return sock, length, body


def _read_to_end(sock: socket.socket, have: int) -> int:
    while data := sock.recv(1 << 20):
        have += len(data)
    return have


def _fds(pid: int) -> list[str]:
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass  # closed while listed
    return out


def _sockets_to(pid: int, port: int) -> int:
    """How many of ``pid``'s sockets are connected to 127.0.0.1:``port``, any state."""
    inodes = {link[8:-1] for link in _fds(pid) if link.startswith("socket:[")}
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].split(":")[1], 16) == port and fields[9] in inodes:
            count += 1
    return count


def _settles(check, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    server = TeamServerProcess(
        tmp_path_factory.mktemp("zc-team") / "team", extra_args=["--executor", "none"]
    )
    server.seed()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lab(team, tmp_path_factory):
    lab = JupyterProcess("alice", team, tmp_path_factory.mktemp("zc-alice"), "zc-lab").start()
    yield lab
    lab.stop()


# ------------------------------------------------------------------ bytes
def test_bytes_are_exact_around_every_buffer_size(team, lab, tmp_path):
    # Given artifacts of sizes at and around the pipe's, the transport's reads and its limit
    sizes = {f"f{size}.bin": size for size in SIZES}
    experiment, shas = _artifacts(team, "bob", tmp_path, sizes)
    # When alice downloads each through her server, one after another on one connection
    # (so the browser's connection and the upstream one are reused after each splice)
    with lab.owner_client(timeout=120) as client:
        for rel, size in sizes.items():
            got, sha, _ = _get_sha(client, _target("bob", experiment, rel))
            # Then each arrives whole and exact
            assert (got, sha) == (size, shas[rel]), rel


# ------------------------------------------------------------------ the browser hangs up
def test_a_browser_hanging_up_midway_leaves_no_descriptor_or_connection(team, lab, tmp_path):
    experiment, shas = _artifacts(team, "bob", tmp_path, {"big.bin": 48 * MIB})
    target = _target("bob", experiment, "big.bin")
    pid = lab.proc.pid
    with lab.owner_client(timeout=120) as client:
        assert _get_sha(client, target)[1] == shas["big.bin"]  # warm: pooled connection made
    time.sleep(0.5)
    fds_before = len(_fds(pid))
    pipes_before = sum(link.startswith("pipe:") for link in _fds(pid))
    upstream_before = _sockets_to(pid, team.port)
    # When a browser reads a little of the download and hangs up, several times
    for _ in range(6):
        sock, length, body = _open_download(lab, target)
        assert length == 48 * MIB
        while len(body) < MIB:
            body += sock.recv(65536)
        sock.close()  # unread data in its buffer: the kernel resets the connection
    # Then the server's pipes, duplicated descriptors and upstream sockets are all closed
    # (at most one more pooled connection, which a heartbeat meanwhile may have opened)
    assert _settles(
        lambda: (
            sum(link.startswith("pipe:") for link in _fds(pid)) <= pipes_before
            and len(_fds(pid)) <= fds_before + 1
            and _sockets_to(pid, team.port) <= upstream_before + 1
        )
    ), (_fds(pid), fds_before, _sockets_to(pid, team.port), upstream_before)
    # and the next download is whole
    with lab.owner_client(timeout=120) as client:
        assert _get_sha(client, target)[1] == shas["big.bin"]


# ------------------------------------------------------------------ the team server dies
def test_a_team_server_dying_midway_fails_the_download(tmp_path):
    team = TeamServerProcess(tmp_path / "team", extra_args=["--executor", "none"])
    team.seed()
    team.start()
    lab = JupyterProcess("alice", team, tmp_path / "alice", "zc-dies").start()
    pid = lab.proc.pid
    try:
        size = 96 * MIB
        experiment, _ = _artifacts(team, "bob", tmp_path, {"big.bin": size})
        pipes_before = sum(link.startswith("pipe:") for link in _fds(pid))
        sock, length, body = _open_download(lab, _target("bob", experiment, "big.bin"))
        assert length == size
        while len(body) < MIB:
            body += sock.recv(65536)
        # When the team server dies with most of the body unsent
        team.proc.send_signal(signal.SIGKILL)
        team.proc.wait()
        # Then the browser's download ends short of its Content-Length (a failed download
        # in any browser or HTTP client), not as a complete one
        got = _read_to_end(sock, len(body))
        sock.close()
        assert got < size
        # and the Jupyter server goes on, with no pipe left open
        assert lab.get("api/status", timeout=10).status_code == 200
        assert _settles(lambda: sum(link.startswith("pipe:") for link in _fds(pid)) <= pipes_before)
    finally:
        lab.stop()
        team.stop()


# ------------------------------------------------------------------ TLS: copied, not spliced
@dataclass
class TlsJupyter(JupyterProcess):
    """A Jupyter server speaking HTTPS (``ServerApp.certfile``) to its browsers."""

    cert: Path | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}{BASE_URL}"

    def owner_client(self, **kw) -> httpx.Client:
        trust = ssl.create_default_context(cafile=str(self.cert))
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"token {self.token}"}, verify=trust, **kw
        )


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@needs_openssl
def test_a_tls_browser_connection_gets_the_body_copied_and_exact(team, certificate, tmp_path):
    cert, key = certificate
    sizes = {"a.bin": 3 * MIB + 5, "b.bin": 1}
    experiment, shas = _artifacts(team, "bob", tmp_path, sizes)
    lab = TlsJupyter(
        "alice",
        team,
        tmp_path / "alice",
        "zc-tls",
        cert=cert,
        extra_args=[f"--ServerApp.certfile={cert}", f"--ServerApp.keyfile={key}"],
    ).start()
    try:
        with lab.owner_client(timeout=120) as client:
            for rel, size in sizes.items():
                assert _get_sha(client, _target("bob", experiment, rel))[:2] == (size, shas[rel])
    finally:
        lab.stop()


class TlsFront:
    """A TLS front for the team server (as a reverse proxy would be): HTTPS in, the team
    server's plain HTTP behind, on an event loop thread of its own."""

    def __init__(self, target_port: int, cert: Path, key: Path):
        self.target_port = target_port
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(cert, key)
        self.loop = asyncio.new_event_loop()
        self.port = 0

    async def _pump(self, reader, writer) -> None:
        try:
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def _serve(self, reader, writer) -> None:
        try:
            back_reader, back_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pump(reader, back_writer), self._pump(back_reader, writer))

    def __enter__(self) -> TlsFront:
        started = threading.Event()

        async def main():
            server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
            self.port = server.sockets[0].getsockname()[1]
            started.set()

        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(main(), self.loop)
        assert started.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


@needs_openssl
def test_a_tls_team_server_gets_the_body_copied_and_exact(team, certificate, tmp_path):
    cert, key = certificate
    sizes = {"a.bin": 3 * MIB + 5, "b.bin": http1.RECV_SIZE + 1}
    experiment, shas = _artifacts(team, "bob", tmp_path, sizes)
    with TlsFront(team.port, cert, key) as front:
        lab = JupyterProcess(
            "alice",
            team,
            tmp_path / "alice",
            "zc-tls-up",
            extra_env={"GRID_URL": f"https://127.0.0.1:{front.port}", "SSL_CERT_FILE": str(cert)},
        ).start()
        try:
            with lab.owner_client(timeout=120) as client:
                for rel, size in sizes.items():
                    got = _get_sha(client, _target("bob", experiment, rel))[:2]
                    assert got == (size, shas[rel])
        finally:
            lab.stop()


# ------------------------------------------------------------------ the splice loop itself
def _tcp_pair() -> tuple[socket.socket, socket.socket]:
    """Two ends of one loopback TCP connection."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        near = socket.create_connection(server.getsockname())
        far, _ = server.accept()
    return near, far


def _splice_between(data_from_upstream, left: int, timeout: float | None, down_reader):
    """Run zerocopy._splice between two loopback connections, as the proxy's sockets are
    (non-blocking): ``data_from_upstream(sock)`` plays the team server, ``down_reader(sock)``
    the browser, each on a thread. Returns (what _splice returned or raised, what the
    browser got)."""
    team_end, up = _tcp_pair()
    down, browser_end = _tcp_pair()
    up.setblocking(False)
    down.setblocking(False)
    request = httpx.Request("GET", "http://127.0.0.1/")
    got: list[bytes] = []

    async def main():
        loop = asyncio.get_running_loop()
        feeding = loop.run_in_executor(None, data_from_upstream, team_end)
        reading = loop.run_in_executor(None, lambda: got.append(down_reader(browser_end)))
        try:
            outcome = await zerocopy._splice(up.fileno(), down.fileno(), left, timeout, request)
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcome = exc
        finally:
            up.close()
            down.close()
        await feeding
        await reading
        return outcome

    try:
        return asyncio.run(main()), got[0]
    finally:
        team_end.close()
        browser_end.close()


def _read_all(sock: socket.socket) -> bytes:
    out = bytearray()
    while data := sock.recv(1 << 20):
        out += data
    return bytes(out)


def test_the_splice_loop_moves_exact_bytes_through_a_slow_reader():
    data = os.urandom(5 * MIB + 3)

    def slow(sock):
        out = bytearray()
        while data := sock.recv(64 << 10):
            out += data
            time.sleep(0.001)
        return bytes(out)

    outcome, got = _splice_between(lambda s: s.sendall(data), len(data), 10, slow)
    assert outcome == len(data)
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


def test_the_splice_loop_times_out_on_a_stalled_team_server():
    started = time.monotonic()
    outcome, got = _splice_between(
        lambda s: (s.sendall(b"x" * 1000), time.sleep(1.5)), 2000, 0.3, _read_all
    )
    assert isinstance(outcome, httpx.ReadTimeout)
    assert time.monotonic() - started < 5
    assert got == b"x" * 1000


def test_the_splice_loop_fails_on_a_body_cut_short():
    def short(sock):
        sock.sendall(b"y" * 1000)
        sock.shutdown(socket.SHUT_WR)

    outcome, got = _splice_between(short, 5000, 5, _read_all)
    assert isinstance(outcome, httpx.RemoteProtocolError)
    assert "4000 bytes before the end" in str(outcome)
    assert got == b"y" * 1000


def test_the_splice_loop_stops_when_the_browser_hangs_up():
    def hang_up(sock):
        sock.recv(1000)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # a reset, as a closed tab's
        return b""

    def endless(sock):
        try:
            while True:
                sock.sendall(b"z" * (1 << 20))
        except OSError:
            pass  # the splice loop stopped reading and closed its end

    outcome, _ = _splice_between(endless, 1 << 40, 10, hang_up)
    assert outcome is None
