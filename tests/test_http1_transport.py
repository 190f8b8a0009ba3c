"""The extension's HTTP/1.1 transport under httpx: against the real team server, and against
a raw socket server on 127.0.0.1 that answers with exactly the bytes a case needs
(chunked bodies, early closes, stalls), which no well-behaved server would send on demand."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import ssl
from collections.abc import Awaitable, Callable

import httpx
import pytest

from jupyter_grid_collab.extension import http1
from jupyter_grid_collab.extension.http1 import Http1Transport

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter, bytes], Awaitable[bool]]


class RawServer:
    """Reads request heads (and Content-Length or chunked bodies); ``answer`` writes the
    response and says whether to keep the connection open."""

    def __init__(self, answer: Answer, tls: ssl.SSLContext | None = None):
        self.answer = answer
        self.tls = tls
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []  # (head, body)

    async def __aenter__(self) -> RawServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()

    async def _serve(self, reader, writer) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                lower = head.lower()
                body = b""
                if b"transfer-encoding: chunked" in lower:
                    while True:
                        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                        if size == 0:
                            await reader.readuntil(b"\r\n")
                            break
                        body += await reader.readexactly(size)
                        await reader.readexactly(2)
                elif b"content-length:" in lower:
                    length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
                    body = await reader.readexactly(length)
                self.requests.append((head, body))
                if not await self.answer(reader, writer, head):
                    return
        finally:
            writer.close()


def run(coro):
    return asyncio.run(coro)


def sends(data: bytes, keep_open: bool) -> Answer:
    """An answer of exactly these bytes, whatever was asked."""

    async def answer(reader, writer, head) -> bool:
        writer.write(data)
        await writer.drain()
        return keep_open

    return answer


def fixed(body: bytes, extra: bytes = b"") -> Answer:
    async def answer(reader, writer, head) -> bool:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (len(body), extra)
            + (b"" if head.startswith(b"HEAD") else body)
        )
        await writer.drain()
        return True

    return answer


def client(**kw) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=Http1Transport(), timeout=kw.pop("timeout", 5), **kw)


def test_keep_alive_reuses_one_connection_and_sends_the_request_as_given():
    async def main():
        async with (
            RawServer(fixed(b'{"ok": true}', b"Content-Type: application/json\r\n")) as srv,
            client() as http,
        ):
            for i in range(5):
                r = await http.get(
                    srv.url + "/api/v1/runs",
                    params={"scope": "team", "i": i},
                    headers={"Authorization": "token k"},
                )
                assert r.status_code == 200 and r.json() == {"ok": True}
            r = await http.post(srv.url + "/x", json={"a": 1})
            assert r.status_code == 200
            return srv

    srv = run(main())
    assert srv.connections == 1
    head, _ = srv.requests[4]
    assert head.startswith(b"GET /api/v1/runs?scope=team&i=4 HTTP/1.1\r\n")
    assert b"\r\nauthorization: token k\r\n" in head.lower()
    assert b"\r\nhost: 127.0.0.1:" in head.lower()
    assert srv.requests[5][1] == b'{"a":1}'


def test_chunked_and_close_delimited_bodies():
    chunked = sends(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n",
        True,
    )
    until_close = sends(b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 300_000, False)

    async def main():
        async with RawServer(chunked) as srv, client() as http:
            assert (await http.get(srv.url)).content == b"hello, world"
            assert (await http.get(srv.url)).content == b"hello, world"
            assert srv.connections == 1
        async with RawServer(until_close) as srv, client() as http:
            assert (await http.get(srv.url)).content == b"x" * 300_000
            assert (await http.get(srv.url)).content == b"x" * 300_000
            assert srv.connections == 2  # a body ended by closing cannot be followed

    run(main())


def test_a_streamed_upload_goes_out_chunked():
    async def body():
        for piece in (b"one,", b"two,", b"three"):
            yield piece

    async def main():
        async with RawServer(fixed(b"ok")) as srv, client() as http:
            r = await http.post(srv.url + "/upload", content=body())
            assert r.text == "ok"
            return srv

    srv = run(main())
    assert srv.requests[0][1] == b"one,two,three"


def test_a_connection_the_server_closed_while_idle_is_replaced_transparently():
    # closes after answering, without saying Connection: close
    once = sends(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", False)

    async def main():
        async with RawServer(once) as srv, client() as http:
            assert (await http.get(srv.url)).text == "ok"
            await asyncio.sleep(0.05)  # the close reaches us: the pooled connection is dead
            assert (await http.get(srv.url)).text == "ok"
            return srv

    assert run(main()).connections == 2


def _first_answer_only() -> Answer:
    """Answers the first request on each connection; the second finds the connection
    closing (as when a server's keep-alive timeout fires just as the request leaves)."""
    # the writers themselves, not their id(): a closed connection's writer is freed, and a
    # new connection's may get the same id, so the retry found itself "answered" (a flake)
    answered: set[asyncio.StreamWriter] = set()

    async def first_only(reader, writer, head) -> bool:
        if writer in answered:
            return False
        answered.add(writer)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        return True

    return first_only


def test_a_get_on_a_connection_closing_under_it_is_sent_again_on_a_new_one():
    async def main():
        async with RawServer(_first_answer_only()) as srv, client() as http:
            assert (await http.get(srv.url + "/a")).text == "ok"
            assert (await http.get(srv.url + "/b")).text == "ok"
            return srv

    srv = run(main())
    assert srv.connections == 2
    assert [head.split(b" ")[1] for head, _ in srv.requests] == [b"/a", b"/b", b"/b"]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_post_or_delete_is_never_sent_twice(method):
    # a clone or a stop that reached the server may have run: sending it again could
    # clone twice; the caller gets an error that says it was not resent
    async def main():
        async with RawServer(_first_answer_only()) as srv, client() as http:
            assert (await http.get(srv.url)).text == "ok"
            with pytest.raises(httpx.RemoteProtocolError, match="not sent again"):
                await http.request(method, srv.url + "/runs/alice/sweep/clone", content=b"once")
            return srv

    srv = run(main())
    assert [head.split(b" ")[0] for head, _ in srv.requests] == [b"GET", method.encode()]


@pytest.mark.parametrize(
    "name,value",
    [
        ("X-Grid-Visitor", "bob\r\nX-Grid-Visitor: alice"),
        ("X-Note", "a\nb"),
        ("X-Note", "a\x00b"),
        ("X Bad", "v"),
        ("X-Bad\r\nHost", "v"),
    ],
)
def test_a_header_that_would_split_the_request_is_refused(name, value):
    async def main():
        async with RawServer(fixed(b"ok")) as srv, client() as http:
            with pytest.raises(httpx.LocalProtocolError, match="not allowed"):
                await http.get(srv.url, headers={name: value})
            return srv

    assert run(main()).requests == []


def test_the_connection_cap_holds_and_a_request_past_it_waits_its_turn():
    open_now = {"n": 0, "most": 0}

    async def slow(reader, writer, head) -> bool:
        open_now["n"] += 1
        open_now["most"] = max(open_now["most"], open_now["n"])
        await asyncio.sleep(0.2)
        open_now["n"] -= 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        return False

    async def main():
        async with (
            RawServer(slow) as srv,
            httpx.AsyncClient(transport=Http1Transport(max_connections=3), timeout=10) as http,
        ):
            got = await asyncio.gather(*(http.get(srv.url) for _ in range(12)))
            assert [r.text for r in got] == ["ok"] * 12
            # with the pool full and no time to wait, the caller hears so
            busy = [asyncio.ensure_future(http.get(srv.url)) for _ in range(3)]
            await asyncio.sleep(0.05)
            with pytest.raises(httpx.PoolTimeout, match="3 connections are busy"):
                await http.get(srv.url, timeout=httpx.Timeout(10, pool=0.05))
            await asyncio.gather(*busy)
            return srv

    srv = run(main())
    assert srv.connections == 15 and open_now["most"] <= 3


def test_an_idle_connection_past_its_keepalive_expiry_is_not_reused(monkeypatch):
    # the pool's clock, moved by hand: a stall of the machine cannot expire it early
    from jupyter_grid_collab.extension import http1

    clock = [1000.0]
    monkeypatch.setattr(http1, "_now", lambda: clock[0])

    async def main():
        async with (
            RawServer(fixed(b"ok")) as srv,
            httpx.AsyncClient(transport=Http1Transport(keepalive_expiry=5.0), timeout=5) as http,
        ):
            await http.get(srv.url)
            clock[0] += 4.9
            await http.get(srv.url)  # within the expiry: the same connection
            clock[0] += 5.1
            await http.get(srv.url)  # idle past the expiry: a new one
            return srv

    assert run(main()).connections == 2


def test_a_body_cut_short_is_an_error_not_a_short_file():
    truncated = sends(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"y" * 10, False)

    async def main():
        async with RawServer(truncated) as srv, client() as http:
            with pytest.raises(httpx.RemoteProtocolError, match="990 bytes before the end"):
                await http.get(srv.url)

    run(main())


def test_a_garbled_answer_is_a_protocol_error():
    async def main():
        for garbage in (
            b"SMTP ready\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ):
            async with RawServer(sends(garbage, False)) as srv, client() as http:
                with pytest.raises(httpx.RemoteProtocolError, match="malformed"):
                    await http.get(srv.url)

    run(main())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_an_https_team_server_is_spoken_to_over_verified_tls(certificate):
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    async def main():
        async with RawServer(fixed(b"over tls"), tls=server_tls) as srv:
            trusting = ssl.create_default_context(cafile=str(cert))
            async with httpx.AsyncClient(transport=Http1Transport(ssl_context=trusting)) as c:
                assert (await c.get(srv.url)).text == "over tls"
                assert (await c.get(srv.url)).text == "over tls"
            assert srv.connections == 1
            # without one given, the transport makes a single context for all its
            # connections (each new context loads the CA bundle: 20-35 ms)
            made = []
            real = ssl.create_default_context

            def counting(*a, **kw):
                made.append(1)
                return real(*a, **kw)

            ssl.create_default_context = counting
            try:
                async with httpx.AsyncClient(transport=Http1Transport()) as c:
                    for _ in range(3):
                        with pytest.raises(httpx.ConnectError):
                            await c.get(srv.url)  # self-signed: refused, each a new connection
            finally:
                ssl.create_default_context = real
            assert len(made) == 1
            # a certificate nobody vouches for is refused
            async with client() as http:
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await http.get(srv.url)

    run(main())


def test_a_stalled_server_times_out_and_a_closed_port_fails_to_connect():
    async def stall(reader, writer, head) -> bool:
        await asyncio.sleep(5)
        return False

    async def main():
        async with RawServer(stall) as srv, client(timeout=0.3) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.get(srv.url)
        srv_url = srv.url  # the server is closed now
        async with client() as http:
            with pytest.raises(httpx.ConnectError):
                await http.get(srv_url)

    run(main())


def test_a_body_that_stalls_midway_times_out():
    async def stall_after_some(reader, writer, head) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"s" * 10)
        await writer.drain()
        await asyncio.sleep(5)
        return False

    async def main():
        async with RawServer(stall_after_some) as srv, client(timeout=0.3) as http:
            async with http.stream("GET", srv.url) as r:
                with pytest.raises(httpx.ReadTimeout):
                    await r.aread()

    run(main())


def test_a_large_body_to_a_slow_reader_arrives_whole_in_bounded_memory(monkeypatch):
    """A 64 MiB body read slowly: the connection holds at most BUFFER_LIMIT + one read
    (the socket is paused past the limit), and every byte arrives in order."""
    size = 64 << 20
    block = os.urandom(1 << 20)
    expected = hashlib.sha256()
    for i in range(size // len(block)):
        expected.update(bytes([i % 256]) + block[1:])

    async def big(reader, writer, head) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        for i in range(size // len(block)):
            writer.write(bytes([i % 256]) + block[1:])
            await writer.drain()
        return True

    most = [0]
    received = http1._Wire.data_received

    def watched(self, data: bytes) -> None:
        received(self, data)
        most[0] = max(most[0], self.buffered)

    monkeypatch.setattr(http1._Wire, "data_received", watched)

    async def main():
        got = hashlib.sha256()
        total = 0
        async with RawServer(big) as srv, client() as http:
            async with http.stream("GET", srv.url) as r:
                async for piece in r.aiter_raw():
                    got.update(piece)
                    total += len(piece)
                    await asyncio.sleep(0.002)  # the slow reader: the server gets ahead
        return got.hexdigest(), total

    digest, total = run(main())
    assert (total, digest) == (size, expected.hexdigest())
    assert most[0] > http1.BUFFER_LIMIT // 2, "the reader was not slow enough to test anything"
    assert most[0] <= http1.BUFFER_LIMIT + http1.RECV_SIZE


def test_a_body_left_unread_spends_its_connection_and_head_reads_none():
    async def main():
        async with RawServer(fixed(b"z" * 500_000)) as srv, client() as http:
            async with http.stream("GET", srv.url) as r:
                async for _ in r.aiter_raw():
                    break  # read one piece, then give up on the rest
            r = await http.head(srv.url)
            assert r.headers["content-length"] == "500000" and r.content == b""
            assert (await http.get(srv.url)).content == b"z" * 500_000
            return srv

    srv = run(main())
    # the abandoned body's connection was closed, the HEAD's was reused by the last GET
    assert srv.connections == 2


def test_against_the_real_team_server(sqlite_server):
    team_server = sqlite_server
    key = team_server.keys["alice"]

    async def main():
        async with (
            client(
                base_url=team_server.url + "/api/v1", headers={"Authorization": f"token {key}"}
            ) as lean,
            httpx.AsyncClient(
                base_url=team_server.url + "/api/v1", headers={"Authorization": f"token {key}"}
            ) as plain,
        ):
            # answers without fields that move on their own (durations, the credit balance)
            for path in ("/me", "/datastores?scope=team", "/nowhere", "/openapi.json"):
                a, b = await lean.get(path), await plain.get(path)
                assert (a.status_code, a.content) == (b.status_code, b.content), path
            r = await lean.get("/me", headers={"Authorization": "token wrong"})
            assert r.status_code == 401 and "key" in r.json()["message"].lower()

    run(main())


def test_concurrent_requests_each_get_their_own_answer(sqlite_server):
    """The sidebar asks for sessions, runs, datastores and the team at once: the pool opens
    as many connections as are busy, never mixes answers up, and keeps them for reuse."""
    key = sqlite_server.keys["alice"]
    paths = [
        "/me",
        "/sessions?scope=team",
        "/runs?scope=team&limit=3",
        "/datastores?scope=team",
        "/teams",
    ] * 4
    transport = Http1Transport()

    async def main():
        async with (
            httpx.AsyncClient(
                base_url=sqlite_server.url + "/api/v1",
                transport=transport,
                headers={"Authorization": f"token {key}"},
            ) as lean,
            httpx.AsyncClient(
                base_url=sqlite_server.url + "/api/v1", headers={"Authorization": f"token {key}"}
            ) as plain,
        ):
            # which records each answer holds (durations in them move with the clock)
            def records(r: httpx.Response):
                data = r.json()
                if "items" in data:
                    return [(i.get("owner"), i["name"]) for i in data["items"]]
                return data["username"]

            want = [records(await plain.get(p)) for p in paths]
            for _ in range(3):
                got = await asyncio.gather(*(lean.get(p) for p in paths))
                assert [records(r) for r in got] == want
            pooled = sum(len(idle) for idle in transport._idle.values())
            assert 1 <= pooled <= len(paths)

    run(main())
