"""Stalled clients cannot exhaust the team server (issue 12): a real server on loopback,
attacked with thousands of half-sent request heads (bounded in count and time)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
from teamserver_harness import TeamServerProcess

HALF_HEAD = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# The attacker is a process of its own: the test process's descriptors (whatever earlier
# tests left open) must not limit how many connections it can hold.
ATTACKER = """
import resource, socket, sys, time
# pytest-jupyter lowers the test process's soft descriptor limit to 4,096 on import, and
# children inherit it: take the hard limit, as the team server does
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
port, count, deadline = int(sys.argv[1]), int(sys.argv[2]), time.monotonic() + 60
socks = []
while len(socks) < count and time.monotonic() < deadline:
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(HALF_HEAD)
    except OSError:
        s.close()  # evicted before we sent: the server made room, try the next one
        continue
    socks.append(s)
print(len(socks), flush=True)
sys.stdin.read()  # hold them until told to let go (stdin closes)
"""


@contextmanager
def half_open_connections(port: int, count: int):
    """``count`` connections that each sent half a request head and then say nothing,
    held by another process until the block ends (bounded: 60 s to open them)."""
    code = f"HALF_HEAD = {HALF_HEAD!r}\n" + ATTACKER
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(port), str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        opened = int(proc.stdout.readline() or 0)
        yield opened
    finally:
        proc.stdin.close()
        proc.wait(30)


@pytest.fixture
def guarded(tmp_path):
    server = TeamServerProcess(
        tmp_path / "team",
        extra_args=[
            "--executor",
            "none",
            "--max-connections",
            "300",
            "--idle-timeout",
            "2",
            "--body-timeout",
            "2",
        ],
    )
    server.seed()
    server.start()
    yield server
    server.stop()


def test_thousands_of_stalled_connections_leave_the_server_answering_and_it_recovers(guarded):
    pid = guarded.proc.pid
    baseline = open_fds(pid)
    with half_open_connections(guarded.port, 5000) as opened:
        # Given 5,000 connections that sent half a head (no key needed), more than the cap
        assert opened == 5000
        # When a real client asks
        started = time.perf_counter()
        answer = httpx.get(f"{guarded.url}/api/v1/health", timeout=10)
        took = time.perf_counter() - started
        # Then it is answered at once (the stalled ones were evicted to make room) ...
        assert answer.status_code == 200
        assert took < 1.0, took
        # ... and the server never held more than its cap
        assert open_fds(pid) <= baseline + 300 + 16
    # And once the attackers are gone the descriptors come back by themselves
    for _ in range(100):
        if open_fds(pid) <= baseline + 5:
            break
        time.sleep(0.1)
    assert open_fds(pid) <= baseline + 5
    # and the log said so in a few throttled lines, not one per connection
    lines = [ln for ln in guarded.log_path.read_text().splitlines() if "max-connections" in ln]
    assert 1 <= len(lines) <= 20, len(lines)
    with guarded.client("alice") as alice:
        assert alice.me().username == "alice"


def test_a_connection_that_never_finishes_its_head_is_closed_after_the_idle_timeout(guarded):
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=10) as s:
        s.sendall(HALF_HEAD)
        started = time.monotonic()
        assert s.recv(1) == b""  # closed by the server, not answered
        assert time.monotonic() - started < 8  # --idle-timeout 2, on a busy machine


def test_a_slow_anonymous_body_is_cut_off_but_a_busy_request_is_never_evicted(guarded):
    with guarded.client("alice") as alice:
        alice.me()
        alice.create_run("python t.py", {}, name="slow")
        # Given alice following logs with a long poll (a busy connection) ...
        result: dict = {}

        def follow():
            result["out"] = alice.read_logs("slow-exp0", offset=0, wait=3)

        follower = threading.Thread(target=follow)
        follower.start()
        time.sleep(0.3)
        # ... when 1,000 stalled connections push the server past its cap of 300
        with half_open_connections(guarded.port, 1000):
            follower.join(30)
        # Then her poll ends normally: only waiting connections were evicted
        assert "out" in result and result["out"]["lines"] == []
    # And a body promised but never sent is cut off after --body-timeout
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=90) as s:
        s.sendall(b"POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
        assert s.recv(1) == b""
