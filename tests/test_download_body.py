"""download_body against a real tornado server on 127.0.0.1 (in a thread of this process)
and a plain socket client: what the kernel sends is exactly the verified bytes, from any
offset; a write landing right after the check never reaches the client; a file sendfile
cannot take is sent in chunks; a client that leaves midway leaks no descriptor.

The team server's and the extension's own downloads through it: a resumed download here
(the real team server), and end to end in test_blob_integrity.py (a blob changed
mid-download is cut short) and the download tests.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from pathlib import Path

import pytest
import tornado.httpserver
import tornado.web
from test_blob_integrity import artifact_run
from tornado.ioloop import IOLoop

from jupyter_grid_collab import download_body

SIZE = 24 << 20

pytestmark = pytest.mark.skipif(not download_body.ENABLED, reason="no os.sendfile here")


class Served:
    """One file behind GET /?offset=N, sent by download_body; ``on_check`` runs where the
    file is checked (before the last chunk), ``results`` holds what send returned (True:
    by the kernel)."""

    def __init__(self, path: Path):
        self.path = path
        self.on_check = lambda: None
        self.results: list[bool] = []
        self.use_pipe = False
        served = self

        class Handler(tornado.web.RequestHandler):
            async def get(self) -> None:
                offset = int(self.get_query_argument("offset", "0"))
                count = SIZE - offset
                self.set_header("Content-Length", str(count))

                async def still_good() -> bool:
                    served.on_check()
                    return True

                f = _pipe_with(served.path) if served.use_pipe else open(served.path, "rb")
                try:
                    by_kernel = await download_body.send(self, f, offset, count, still_good)
                    served.results.append(by_kernel)
                finally:
                    f.close()

        self.loop: IOLoop | None = None
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(asyncio.new_event_loop())
            self.loop = IOLoop.current()
            server = tornado.httpserver.HTTPServer(tornado.web.Application([("/", Handler)]))
            sock = socket.create_server(("127.0.0.1", 0))
            sock.setblocking(False)
            server.add_sockets([sock])
            self.port = sock.getsockname()[1]
            ready.set()
            self.loop.start()
            server.stop()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)

    def handled(self, n: int) -> list[bool]:
        """What send returned for the first ``n`` requests (each lands just after its
        client has all the bytes)."""
        for _ in range(100):
            if len(self.results) >= n:
                break
            threading.Event().wait(0.05)
        return self.results

    def stop(self) -> None:
        assert self.loop is not None
        self.loop.add_callback(self.loop.stop)
        self.thread.join(10)


def _pipe_with(path: Path):
    """A file object sendfile cannot read from (a pipe), holding the file's bytes."""
    r, w = os.pipe()

    def feed() -> None:
        with open(w, "wb") as out, open(path, "rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)

    threading.Thread(target=feed, daemon=True).start()
    return open(r, "rb")


def fetch(port: int, offset: int = 0, stop_after: int | None = None) -> bytes:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(f"GET /?offset={offset} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    received = bytearray()
    while piece := sock.recv(1 << 20):
        received += piece
        head, sep, body = bytes(received).partition(b"\r\n\r\n")
        if sep and stop_after is not None and len(body) >= stop_after:
            break
        if sep and len(body) >= SIZE - offset:
            break
    sock.close()
    return bytes(received).partition(b"\r\n\r\n")[2]


@pytest.fixture
def served(tmp_path):
    data = os.urandom(SIZE)
    (tmp_path / "blob").write_bytes(data)
    s = Served(tmp_path / "blob")
    yield s, data
    s.stop()


def test_the_bytes_sent_are_the_files_from_any_offset(served):
    s, data = served
    assert fetch(s.port) == data
    assert fetch(s.port, offset=12345) == data[12345:]
    assert fetch(s.port, offset=SIZE - 10) == data[-10:]  # shorter than the last chunk
    assert s.handled(3) == [True, True, True]


def test_a_write_right_after_the_check_never_reaches_the_client(served):
    s, data = served

    def write_now() -> None:  # lands after the check said "unchanged"
        with open(s.path, "r+b") as f:
            f.seek(SIZE - 100)
            f.write(b"X" * 100)

    s.on_check = write_now
    # the last bytes were read before the check: what arrives is what was verified
    assert fetch(s.port) == data


def test_a_file_sendfile_cannot_take_is_sent_in_chunks(served):
    s, data = served
    s.use_pipe = True
    assert fetch(s.port) == data
    assert s.handled(1) == [False]


def test_a_client_leaving_midway_leaks_no_descriptor(served):
    s, _ = served
    fetch(s.port)  # the first request opens what stays open (the loop's own)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        fetch(s.port, stop_after=1 << 20)
    # the server notices each departure on its next send
    assert s.handled(6) == [True] * 6
    assert len(os.listdir("/proc/self/fd")) <= before


def test_the_team_server_resumes_a_download_from_an_offset(sqlite_server, tmp_path):
    # the real team server: a download broken off is asked again from where it stopped
    # (GridClient's resume), and the kernel sends from there
    data = os.urandom(9 << 20)
    experiment = artifact_run(sqlite_server, "bob", tmp_path, data)
    with sqlite_server.client("bob") as c:
        url = f"/experiments/bob/{experiment}/artifacts/model.bin"
        whole = c._http.get(url)
        part = c._http.get(url, headers={"Range": "bytes=5000000-"})
    assert whole.status_code == 200 and whole.content == data
    assert part.status_code == 206 and part.content == data[5000000:]
    assert part.headers["Content-Range"] == f"bytes 5000000-{len(data) - 1}/{len(data)}"
    assert part.headers["Content-Length"] == str(len(data) - 5000000)
