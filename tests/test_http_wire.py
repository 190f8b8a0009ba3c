"""http_wire's HTTP/1.1 against answers the team server never gives but a proxy, a dying
server or a hostile one might: chunked and close-delimited bodies, a body cut short, an
interim "100 Continue", a HEAD's Content-Length without a body, a server closing without
answering, and answers that are not HTTP at all. Each case is a real socket on 127.0.0.1
whose server side writes exactly the bytes given (and records what it received); the
team server's own answers are covered by test_client_stdlib.py and the launcher's tests.

Also: a launcher's start and `grid user` load neither http.client nor email's parser nor
ssl for an http:// team server (what this transport is for).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading

import pytest

from jupyter_grid_collab.http_wire import (
    Connection,
    HTTPException,
    IncompleteRead,
    RemoteDisconnected,
)
from jupyter_grid_collab.lazy_http import Origin


class Scripted:
    """A listener on 127.0.0.1 answering each request on a connection with the next of
    ``answers`` (raw bytes; None closes the connection without a byte). After the last
    answer it closes the connection."""

    def __init__(self, *answers: bytes | None):
        self.answers = list(answers)
        self.received: list[bytes] = []
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with sock:
                while self.answers:
                    request = _read_request(sock)
                    if request is None:
                        break
                    self.received.append(request)
                    answer = self.answers.pop(0)
                    if answer is None:
                        break
                    sock.sendall(answer)

    def connect(self) -> Connection:
        conn = Connection("127.0.0.1", self.port)
        conn.timeout = 10
        return conn

    def close(self) -> None:
        self.listener.close()


def _read_request(sock: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            return None
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            want = int(line.split(b":", 1)[1])
            while len(body) < want:
                body += sock.recv(65536)
        if line.lower() == b"transfer-encoding: chunked":
            while not body.endswith(b"0\r\n\r\n"):
                body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.fixture
def scripted():
    made: list[Scripted] = []

    def make(*answers: bytes | None) -> Scripted:
        made.append(Scripted(*answers))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_a_kept_alive_connection_carries_a_second_request(scripted):
    conn = scripted(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst",
        b"HTTP/1.1 201 Created\r\nContent-Length: 6\r\nX-Twice: a\r\nx-twice: b\r\n\r\nsecond",
    ).connect()
    conn.request("GET", "/api/v1/one", None, {"Authorization": b"token k"})
    first = conn.getresponse()
    assert (first.status, first.reason, first.read(), first.isclosed()) == (
        200,
        "OK",
        b"first",
        True,
    )
    conn.request("POST", "/api/v1/two", b'{"a":1}', {})
    second = conn.getresponse()
    assert second.read(3) + second.read() == b"second" and second.isclosed()
    assert second.getheader("X-TWICE") == "a, b"
    assert conn.sock is not None  # still open: the answers said nothing of closing
    conn.close()


def test_requests_arrive_with_host_length_and_chunks(scripted):
    server = scripted(*[b"HTTP/1.1 204 No Content\r\n\r\n"] * 3)
    conn = server.connect()
    conn.request("POST", "/x", b'{"a":1}', {"Content-Type": b"application/json"})
    conn.getresponse()
    conn.request("PUT", "/y", iter([b"ab", b"", b"cde"]), {})
    conn.getresponse()
    conn.request("DELETE", "/z", None, {})
    conn.getresponse()
    conn.close()
    received = server.received
    assert received[0] == (
        b"POST /x HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        b'Content-Length: 7\r\n\r\n{"a":1}' % server.port
    )
    assert received[1].endswith(
        b"Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"
    )
    assert b"Content-Length" not in received[2]


def test_a_chunked_body_is_read_whole_and_across_reads(scripted):
    body = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\nTrailer: x\r\n\r\n"
    )
    conn = scripted(body, body).connect()
    conn.request("GET", "/c", None, {})
    assert conn.getresponse().read() == b"abcdefg"
    conn.request("GET", "/c", None, {})
    answer = conn.getresponse()
    got = b""
    while piece := answer.read(3):
        got += piece
    assert got == b"abcdefg" and answer.isclosed() and conn.sock is not None


def test_a_body_delimited_by_the_close_is_read_and_the_connection_not_reused(scripted):
    conn = scripted(b"HTTP/1.0 200 OK\r\n\r\nuntil the end").connect()
    conn.request("GET", "/old", None, {})
    answer = conn.getresponse()
    assert answer.will_close and answer.read(5) == b"until"
    assert answer.read() == b" the end" and answer.isclosed()
    assert conn.sock is None  # nothing left to keep alive


def test_a_body_cut_short_raises_and_is_never_taken_as_whole(scripted):
    conn = scripted(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this").connect()
    conn.request("GET", "/cut", None, {})
    answer = conn.getresponse()
    with pytest.raises(IncompleteRead, match="connection ended inside the body"):
        answer.read()
    assert conn.sock is None  # spent, never pooled
    conn = scripted(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nshort").connect()
    conn.request("GET", "/cut", None, {})
    with pytest.raises(IncompleteRead):
        conn.getresponse().read()


def test_an_interim_answer_is_skipped_and_a_head_has_no_body(scripted):
    conn = scripted(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: 123456\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes",
    ).connect()
    conn.request("PUT", "/big", b"x", {})
    assert conn.getresponse().read() == b"ok"
    conn.request("HEAD", "/big", None, {})
    head = conn.getresponse()
    assert head.isclosed() and head.getheader("content-length") == "123456"
    conn.request("GET", "/next", None, {})  # the HEAD's length was not waited for
    assert conn.getresponse().read() == b"yes"


def test_a_server_closing_without_answering_is_a_reset_connection(scripted):
    conn = scripted(None).connect()
    conn.request("GET", "/", None, {})
    with pytest.raises(RemoteDisconnected) as caught:
        conn.getresponse()
    assert isinstance(caught.value, ConnectionError)  # what Origin sends again (a GET)


@pytest.mark.parametrize(
    "answer, message",
    [
        (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", "did not answer in HTTP/1.x"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "did not answer in HTTP/1.x"),
        (b"HTTP/1.1 \xb200 OK\r\n\r\n", "did not answer in HTTP/1.x"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", "malformed Content-Length"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 201 + b"\r\n", "more than 200 headers"),
        (b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", "too long"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk"),
        # int(..., 16) would take these: -1 reads to the connection's end, whatever it holds
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", "malformed chunk"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x10\r\n", "malformed chunk"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1" + b"0" * 20, "malformed"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY", "without the CRLF"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + b"T: x\r\n" * 201,
            "more than 200 trailer lines",
        ),
        # "\xb2" reads as a superscript two, a digit to str.isdigit
        (b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\n", "malformed Content-Length"),
        (b"HTTP/1.1 100 Continue\r\n\r\n" * 11, "more than 10 interim answers"),
    ],
)
def test_an_answer_that_is_not_http_is_refused_by_name(scripted, answer, message):
    conn = scripted(answer).connect()
    conn.request("GET", "/", None, {})
    with pytest.raises(HTTPException, match=message):
        conn.getresponse().read()


def test_a_claimed_length_is_never_allocated_before_the_bytes_arrive(scripted):
    conn = scripted(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\nsmall").connect()
    conn.request("GET", "/", None, {})
    answer = conn.getresponse()
    with pytest.raises(IncompleteRead):  # not MemoryError
        answer.read()


def test_bytes_past_an_answer_are_never_read_as_the_next_one(scripted, monkeypatch):
    # a server sending a second, unasked answer behind the first: the next request on the
    # pool gets its own answer
    monkeypatch.delenv("http_proxy", raising=False)
    server = scripted(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirstHTTP/1.1 200 OK\r\n"
        b"Content-Length: 6\r\n\r\nforged",
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal",
    )
    origin = Origin(f"http://127.0.0.1:{server.port}")
    got = []
    for _ in range(2):
        conn, answer = origin.send("GET", "/", None, {}, 10, 10)
        got.append(answer.read())
        origin.release(conn, answer)
    origin.close()
    assert got == [b"first", b"real"]


def test_a_target_with_a_space_or_control_is_never_sent(scripted):
    conn = scripted(b"HTTP/1.1 204 No Content\r\n\r\n").connect()
    for target in ("/a b", "/a\r\nX-Evil: 1", "/a\x00"):
        with pytest.raises(ValueError, match="space or a control character"):
            conn.request("GET", target, None, {})
    conn.close()


def test_a_silent_server_times_out():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        conn = Connection("127.0.0.1", listener.getsockname()[1])
        conn.timeout = 0.3
        conn.connect()
        assert conn.sock is not None
        conn.sock.settimeout(0.3)
        conn.request("GET", "/", None, {})
        with pytest.raises(TimeoutError):
            conn.getresponse()
        conn.close()


@pytest.mark.parametrize(
    "code",
    [
        "import jupyter_grid_collab.launcher",
        "from jupyter_grid_collab.launcher_http import TeamServer\n"
        "TeamServer('http://127.0.0.1:9', 't', 'a:r-exp0').close()",
    ],
)
def test_the_launcher_starts_without_http_client_email_or_ssl(code):
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "\nimport json, sys\nheavy = ('http.client', 'email', 'ssl', 'httpx')\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout) == []
