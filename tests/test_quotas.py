"""Nothing bounds what a member stores, no more (issue 12, item 4): a team's storage quota
refuses uploads past it with a message a person can act on and keeps nothing of them; an
experiment's log stops at --max-log-mb with one truncation line; a run source no run uses is
collected after its grace period. Real team servers on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from teamserver_harness import TeamServerProcess, create_pg_database, drop_pg_database

from jupyter_grid_collab.client import GridError, NotFound
from jupyter_grid_collab.sizes import size_unit
from jupyter_grid_collab.teamserver.store.outputs import LINE_OVERHEAD

API = "/api/v1"
GRID = str(Path(sys.executable).parent / "grid")
MAX_LOG_MB = 0.05  # 50,000 bytes of log lines per experiment
TRUNCATION = (
    "[grid] log truncated: this experiment wrote more than 0.05 MB of logs; later "
    "lines are not kept (team server --max-log-mb)"
)
ADVICE = (
    "delete old artifacts or datastore versions, or ask a site admin to raise the quota "
    "(grid-collab-server admin set-quota vision SIZE); nothing was stored"
)


def start(base: Path, backend: str, *args: str) -> TeamServerProcess:
    db = create_pg_database() if backend == "postgresql" else None
    server = TeamServerProcess(base, db=db, extra_args=["--executor", "none", *args])
    server.seed()
    server.start()
    return server


def finish(server: TeamServerProcess) -> None:
    server.stop()
    if server.db:
        drop_pg_database(server.db)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    """A seeded server with a small log cap; its source grace stays the default (24 h), so
    nothing is collected under these tests."""
    srv = start(
        tmp_path_factory.mktemp(f"quota-{request.param}"),
        request.param,
        "--max-log-mb",
        str(MAX_LOG_MB),
    )
    yield srv
    finish(srv)


@pytest.fixture
def alice(server):
    with server.client("alice") as c:
        yield c


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def http(server, user: str, method: str, path: str, **kw) -> httpx.Response:
    return httpx.request(
        method,
        server.url + API + path,
        timeout=60,
        headers={"Authorization": f"token {server.keys[user]}", **kw.pop("headers", {})},
        **kw,
    )


def random_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def objects(server) -> set[str]:
    return {p.name for p in (server.data_dir / "blobs" / "objects").rglob("*") if p.is_file()}


def staged(server) -> list[Path]:
    return [p for p in (server.data_dir / "blobs" / "staging").iterdir() if p.is_file()]


def team(server, name: str, user: str = "alice") -> dict:
    r = http(server, user, "GET", f"/teams/{name}")
    assert r.status_code == 200, r.text
    return r.json()


def set_quota(server, name: str, quota: int | None) -> dict:
    r = http(server, "root", "PATCH", f"/teams/{name}", json={"storage_quota_bytes": quota})
    assert r.status_code == 200, r.text
    assert r.json()["storage_quota_bytes"] == quota
    return r.json()


def new_experiment(client) -> str:
    run, _ = client.create_run("python main.py", name=unique("q"), team="vision")
    return f"alice:{run.name}-exp0"


def stored(server, client, exp: str) -> dict:
    """What the team stores, as its members and the disk see it."""
    return {
        "artifacts": sorted(a.path for a in client.list_artifacts(exp)),
        "datastores": sorted(
            f"{d.owner}:{d.name}@{d.version}" for d in client.list_datastores(scope="team").items
        ),
        "objects": objects(server),
        "staged": staged(server),
        "used": team(server, "vision")["storage_used_bytes"],
    }


def full(quota: int) -> str:
    """ "4.1 kB of 4.1 kB", "4.0 kB of 4 kB": the quota's unit, a whole quota without
    decimals (as "50.0 GB of 50 GB")."""
    unit, factor = size_unit(quota)
    whole = f"{quota // factor}" if quota % factor == 0 else f"{quota / factor:.1f}"
    return f"{quota / factor:.1f} {unit} of {whole} {unit}"


def refused(call) -> str:
    with pytest.raises(GridError) as info:
        call()
    assert info.value.status == 413, info.value.message
    return info.value.message


# ----------------------------------------------------------------- the quota
def test_a_team_at_its_quota_is_refused_every_upload_and_keeps_nothing(server, alice, tmp_path):
    exp = new_experiment(alice)
    old = unique("old")
    alice.upload_datastore(old, random_file(tmp_path / "old.bin", 3000), team="vision")
    used = team(server, "vision")["storage_used_bytes"]
    assert used >= 3000
    quota = used + 1000
    set_quota(server, "vision", quota)
    try:
        # up to the quota is fine: an artifact that fills it exactly
        alice.upload_artifact(exp, "fits.bin", random_file(tmp_path / "fits.bin", 1000))
        detail = team(server, "vision")
        assert (detail["storage_used_bytes"], detail["storage_quota_bytes"]) == (quota, quota)
        before = stored(server, alice, exp)
        big = random_file(tmp_path / "big.bin", 2000)
        # an artifact, a datastore file and a run source: each refused, with the same advice
        for upload in (
            lambda: alice.upload_artifact(exp, "big.bin", big),
            lambda: alice.upload_datastore(unique("new"), big, team="vision"),
            lambda: alice.upload_source(big),
        ):
            assert refused(upload) == (
                f"team vision is at {full(quota)} and this upload (2.0 kB) does not fit; {ADVICE}"
            )
        # nothing of them was kept: no listing, no blob, no staged file, no byte counted
        assert stored(server, alice, exp) == before
        # another team is not affected
        with server.client("dave") as dave:
            dave.upload_datastore(unique("theirs"), big, team="other")
            assert team(server, "other", "dave")["storage_quota_bytes"] is None
        # deleting a datastore frees its room: the next upload works
        alice.delete_datastore(f"alice:{old}")
        assert team(server, "vision")["storage_used_bytes"] == quota - 3000
        alice.upload_artifact(exp, "big.bin", big)
        assert "big.bin" in stored(server, alice, exp)["artifacts"]
    finally:
        set_quota(server, "vision", None)


def test_a_declared_size_past_the_quota_is_refused_before_any_byte(server, alice):
    exp = new_experiment(alice)
    quota = team(server, "vision")["storage_used_bytes"] + 100
    set_quota(server, "vision", quota)
    try:
        # only the headers: the answer comes without a byte of the body sent
        head = (
            f"PUT {API}/experiments/{exp.replace(':', '/')}/artifacts/huge.bin HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: token {server.keys['alice']}\r\n"
            "Content-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(head.encode())
            answer = b""
            while b"nothing was stored" not in answer:
                chunk = sock.recv(65536)
                assert chunk, answer
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"this upload (10.0 MB) does not fit" in answer
        assert not staged(server)
    finally:
        set_quota(server, "vision", None)


def test_a_chunked_upload_that_crosses_the_quota_is_aborted_and_leaves_nothing(
    server, alice, tmp_path
):
    exp = new_experiment(alice)
    quota = team(server, "vision")["storage_used_bytes"] + 200_000
    set_quota(server, "vision", quota)
    try:
        before = stored(server, alice, exp)
        sent = []

        def body():  # no Content-Length: the server learns the size as it streams
            for _ in range(16):
                sent.append(64 << 10)
                yield os.urandom(64 << 10)

        path = f"/experiments/{exp.replace(':', '/')}/artifacts/chunked.bin"
        r = http(server, "alice", "PUT", path, content=body())
        assert r.status_code == 413, r.text
        message = r.json()["message"]
        assert re.fullmatch(
            r"team vision is at \S+ kB of \S+ kB and this upload \(more than "
            r"\S+ kB\) does not fit; " + re.escape(ADVICE),
            message,
        ), message
        assert sum(sent) > 200_000
        assert stored(server, alice, exp) == before
        # a team with no room left is refused a chunked body before it starts
        alice.upload_artifact(exp, "fill.bin", random_file(tmp_path / "fill.bin", 200_000))
        r = http(server, "alice", "PUT", path, content=body())
        assert r.status_code == 413
        assert r.json()["message"] == f"team vision is at {full(quota)}; {ADVICE}"
    finally:
        set_quota(server, "vision", None)


def test_quota_is_for_site_admins_to_set_and_members_to_read(server):
    r = http(server, "alice", "PATCH", "/teams/vision", json={"storage_quota_bytes": 10})
    assert r.status_code == 403
    assert r.json()["message"] == (
        "alice is not a site admin: only site admins can set a team's storage quota"
    )
    for bad in (-1, 1.5, "50GB", True, 2**63):
        r = http(server, "root", "PATCH", "/teams/vision", json={"storage_quota_bytes": bad})
        assert r.status_code == 400, (bad, r.text)
    assert http(server, "root", "PATCH", "/teams/vision", json={}).status_code == 400
    assert (
        http(server, "root", "PATCH", "/teams/nope", json={"storage_quota_bytes": 1}).status_code
        == 404
    )
    assert team(server, "vision", "bob")["storage_quota_bytes"] is None
    # audited in the team's log
    set_quota(server, "vision", 5 * 10**12)
    set_quota(server, "vision", None)
    entries = http(server, "alice", "GET", "/teams/vision/audit").json()["items"]
    assert [e["detail"] for e in entries if e["action"] == "quota"][:2] == [
        "storage quota set to none",
        "storage quota set to 5000000000000 bytes",
    ]


def grid(server, user: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(
        GRID_HOME=os.environ["GRID_HOME"], GRID_URL=server.url, GRID_API_KEY=server.keys[user]
    )
    return subprocess.run([GRID, *args], env=env, capture_output=True, text=True, timeout=60)


def test_the_admin_command_sets_and_clears_a_quota_and_grid_teams_shows_it(server, tmp_path):
    with server.client("dave") as dave:
        dave.upload_datastore(unique("shown"), random_file(tmp_path / "f.bin", 1500), team="other")
    used = team(server, "other", "dave")["storage_used_bytes"]
    assert server.admin("set-quota", "other", "50GB") == (
        f"team other storage quota: 50 GB ({used / 1000:,.1f} kB stored)"
    )
    assert team(server, "other", "dave")["storage_quota_bytes"] == 50 * 10**9
    out = grid(server, "dave", "teams", "other")
    assert out.returncode == 0, out.stderr
    assert f"Storage: {used / 1000:,.1f} kB used of 50 GB (0%)" in out.stdout
    out = grid(server, "dave", "teams", "other", "-o", "json")
    assert '"storage_quota_bytes": 50000000000' in out.stdout
    assert server.admin("set-quota", "other", "none").startswith(
        "team other has no storage quota now"
    )
    assert team(server, "other", "dave")["storage_quota_bytes"] is None
    assert "used (no quota)" in grid(server, "dave", "teams", "other").stdout
    with pytest.raises(RuntimeError, match="'lots' is not a size: write e.g. 50GB"):
        server.admin("set-quota", "other", "lots")


# ----------------------------------------------------------------- the log cap
def test_a_log_flood_stops_at_the_cap_with_one_truncation_line(server, alice):
    exp = new_experiment(alice)
    line = "x" * 100
    posted = dropped = 0
    for _ in range(20):  # 2,000 lines of 140 counted bytes: 280 kB against a 50 kB cap
        out = alice.append_logs(exp, [line] * 100)
        posted += 100
        dropped += out["dropped"]
    assert out["truncated"] is True
    kept = int(MAX_LOG_MB * 1_000_000) // (len(line) + LINE_OVERHEAD)
    assert dropped == posted - kept
    lines = alice.read_logs(exp, limit=10_000)["lines"]
    # what is stored is bounded: the lines under the cap, then the truncation line, once
    assert len(lines) == kept + 1
    assert sum(len(x.line) + LINE_OVERHEAD for x in lines[:-1]) <= MAX_LOG_MB * 1_000_000
    assert [x.line for x in lines[:-1]] == [line] * kept
    assert (lines[-1].stream, lines[-1].line) == ("system", TRUNCATION)
    # later lines answer 200 and say they were dropped, so a launcher does not send them again
    out = alice.append_logs(exp, ["one more", {"line": "[grid] exit 0", "stream": "system"}])
    assert (out["dropped"], out["truncated"]) == (2, True)
    assert len(alice.read_logs(exp, limit=10_000)["lines"]) == kept + 1
    # grid logs ends with the truncation line
    result = grid(server, "alice", "logs", exp)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.rstrip("\n").split("\n")
    assert len(printed) == kept + 1 and printed[-1].endswith(TRUNCATION)


def test_lines_under_the_cap_are_all_kept(server, alice):
    exp = new_experiment(alice)
    out = alice.append_logs(exp, ["hello", "world"])
    assert (out["dropped"], out["truncated"]) == (0, False)
    assert [x.line for x in alice.read_logs(exp)["lines"]] == ["hello", "world"]


# ----------------------------------------------------------------- unused sources
@pytest.fixture(params=["sqlite", "postgresql"])
def collecting_server(request, tmp_path):
    """Sources no run uses are collected 2 s after upload; housekeeping every 0.2 s."""
    srv = start(
        tmp_path / "team", request.param, "--tick", "0.2", "--source-grace-hours", str(2 / 3600)
    )
    yield srv
    finish(srv)


def test_an_unused_source_is_collected_after_its_grace_and_a_used_one_stays(
    collecting_server, tmp_path
):
    server = collecting_server
    with server.client("alice") as alice:
        unused = alice.upload_source(random_file(tmp_path / "unused.tar.gz", 5000))
        used = alice.upload_source(random_file(tmp_path / "used.tar.gz", 7000))
        assert team(server, "vision")["storage_used_bytes"] == 12_000
        run, _ = alice.create_run(
            "python main.py", name=unique("src"), team="vision", source_sha256=used
        )
        assert {unused, used} <= objects(server)
        deadline = time.monotonic() + 30
        while unused in objects(server):
            assert time.monotonic() < deadline, "the unused source was not collected"
            time.sleep(0.2)
        # the record went with the blob: it no longer counts, and no run may name it
        assert team(server, "vision")["storage_used_bytes"] == 7000
        with pytest.raises(NotFound):
            alice.create_run(
                "python main.py", name=unique("late"), team="vision", source_sha256=unused
            )
        # the used one stays, past its grace too, and its run still gets it
        time.sleep(0.5)
        assert used in objects(server)
        dest = alice.download_run_source(f"alice:{run.name}", tmp_path / "back.tar.gz")
        assert dest.read_bytes() == (tmp_path / "used.tar.gz").read_bytes()


def test_a_source_is_collected_once_its_only_run_is_deleted_and_a_shared_one_stays(
    collecting_server, tmp_path
):
    server = collecting_server
    with server.client("alice") as alice:

        def run_with(sha: str):
            run, _ = alice.create_run(
                "python main.py", name=unique("src"), team="vision", source_sha256=sha
            )
            return run

        # Given a source two runs use, then one a single run uses; each named by its runs
        # right after its upload (within the 2 s grace), the shared one uploaded first so
        # its grace ends first
        shared_file = random_file(tmp_path / "shared.tar.gz", 7000)
        shared = alice.upload_source(shared_file)
        keeps, goes = run_with(shared), run_with(shared)
        alone = alice.upload_source(random_file(tmp_path / "alone.tar.gz", 5000))
        only = run_with(alone)
        assert team(server, "vision")["storage_used_bytes"] == 12_000
        # When the lone source's run and one of the shared source's two runs are deleted
        alice.delete_run(f"alice:{goes.name}")
        alice.delete_run(f"alice:{only.name}")
        # Then past its grace the lone source is collected: its blob, and its record, so it
        # no longer counts and no run may name it (a liveness bound: housekeeping ticks
        # every 0.2 s)
        deadline = time.monotonic() + 30
        while alone in objects(server):
            assert time.monotonic() < deadline, "the deleted run's source was not collected"
            time.sleep(0.2)
        assert team(server, "vision")["storage_used_bytes"] == 7000
        with pytest.raises(NotFound):
            run_with(alone)
        # ... while the shared one, past its grace when that pass ran (it was uploaded
        # first), stays for the run that still uses it
        assert shared in objects(server)
        dest = alice.download_run_source(f"alice:{keeps.name}", tmp_path / "back.tar.gz")
        assert dest.read_bytes() == shared_file.read_bytes()
