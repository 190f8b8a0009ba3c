"""What another member sends cannot stall the server or reach your terminal raw (issue 12).

Artifact filters are globs or substrings matched in linear time, never a regular expression;
control characters in teammates' log lines and messages are shown escaped by `grid`, and
file names holding them are refused at upload. Against a real team server on loopback.
"""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest
from test_cli import grid, make_run, ok, refused, unique

from jupyter_grid_collab.controls import visible
from jupyter_grid_collab.pathmatch import PatternError, check_pattern, path_matches


@pytest.fixture(scope="module")
def server(sqlite_server):
    return sqlite_server


@pytest.fixture
def alice(server):
    with server.client("alice") as c:
        c.me()
        yield c


def _put_artifact(server, user: str, exp: str, path: str, data: bytes) -> httpx.Response:
    """A raw upload, so the team server (not the client's own check) judges the path."""
    return httpx.put(
        f"{server.url}/api/v1/experiments/alice/{exp}/artifacts/{path}",
        content=data,
        headers={"Authorization": f"token {server.keys[user]}"},
        timeout=30,
    )


# ----------------------------------------------------------------- the filter
@pytest.mark.parametrize(
    "pattern,path,expected",
    [
        ("*.json", "metrics.json", True),
        ("*.json", "ckpt/metrics.json", True),  # a glob may match the last part alone
        ("*.json", "metrics.json.bak", False),
        ("ckpt/*", "ckpt/epoch-3.pt", True),
        ("ckpt/*", "other/ckpt/x", False),
        ("epoch-?.pt", "ckpt/epoch-3.pt", True),
        ("epoch-?.pt", "ckpt/epoch-12.pt", False),
        ("*a*b*c", "xaybzc", True),
        ("*a*b*c", "xaybz", False),
        ("a*a", "a", False),
        ("metrics", "out/metrics.json", True),  # no wildcard: a substring
        ("model (1)", "model (1).pt", True),
    ],
)
def test_a_filter_is_a_glob_or_a_substring(pattern, path, expected):
    assert path_matches(check_pattern(pattern), path) is expected


@pytest.mark.parametrize("pattern", ["(a+)+$", "^metrics", ".*json", "a\\d", "x" * 300, "a\nb"])
def test_a_regular_expression_or_an_oversized_filter_is_refused_with_a_hint(pattern):
    with pytest.raises(PatternError, match="glob|longer|control"):
        check_pattern(pattern)


def test_a_pathological_glob_is_linear():
    # the classic backtracking case for a naive matcher: many stars, no match at the end
    path, pattern = "a" * 1000 + "!", "*a" * 100 + "*b"
    started = time.perf_counter()
    assert not path_matches(pattern, path)
    # a backtracking matcher takes far beyond minutes here; a linear one microseconds
    assert time.perf_counter() - started < 5


def test_the_redos_request_is_refused_while_the_server_keeps_answering(server, alice, tmp_path):
    # Given alice's experiment with an artifact named for a backtracking regex
    run = unique("redos")
    make_run(alice, run, 1)
    evil_name = "a" * 30 + "!"
    assert _put_artifact(server, "alice", f"{run}-exp0", evil_name, b"x").status_code == 201
    base = f"{server.url}/api/v1/runs/alice/{run}/artifacts"
    headers = {"Authorization": f"token {server.keys['bob']}"}
    # ... and someone checking the server's health meanwhile
    latencies: list[float] = []
    stop = threading.Event()

    def probe():
        with httpx.Client(timeout=30) as c:
            while not stop.is_set():
                started = time.perf_counter()
                c.get(f"{server.url}/api/v1/health")
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        # When bob sends the regex that froze the server (26 characters took 6.3 s), and
        # the glob a naive matcher would backtrack on
        refused_regex = httpx.get(base, params={"match": "(a+)+$"}, headers=headers, timeout=60)
        glob = httpx.get(base, params={"match": "*a" * 100 + "*b"}, headers=headers, timeout=60)
        found = httpx.get(base, params={"match": "a*!"}, headers=headers, timeout=60)
    finally:
        stop.set()
        prober.join()
    # Then the regex is refused with a hint, the globs answer, and health never stalled
    # (a generous bound: the regex stalled everyone for seconds, doubling per character)
    assert refused_regex.status_code == 400
    assert "glob" in refused_regex.json()["message"]
    assert glob.status_code == 200 and glob.json()["items"] == []
    assert [a["path"] for a in found.json()["items"]] == [evil_name]
    assert latencies and max(latencies) < 1.0, max(latencies)


def test_grid_artifacts_filters_with_a_glob(server, alice, tmp_path):
    run = unique("glob")
    make_run(alice, run, 1)
    for path in ("metrics.json", "ckpt/epoch-1.pt", "ckpt/epoch-2.pt"):
        assert _put_artifact(server, "alice", f"{run}-exp0", path, b"data").status_code == 201

    def artifacts(match: str):
        return grid(
            server,
            "bob",
            "artifacts",
            f"alice:{run}",
            "-m",
            match,
            "--download-dir",
            str(tmp_path),
        )

    ok(artifacts("ckpt/*"))
    got = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert got == [
        f"alice/{run}/{run}-exp0/ckpt/epoch-1.pt",
        f"alice/{run}/{run}-exp0/ckpt/epoch-2.pt",
    ]
    line = refused(artifacts("json$"))
    assert "looks like a regular expression" in line and "*.json" in line


# ----------------------------------------------------------------- control characters
def test_visible_escapes_controls_but_keeps_text():
    assert visible("loss 0.3\tacc 0.9") == "loss 0.3\tacc 0.9"
    assert visible("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07"
    assert visible("a\r\nb") == "a\\x0d\\x0ab"
    assert visible("a\nb\x9b", keep_newlines=True) == "a\nb\\x9b"
    assert visible("état ✓") == "état ✓"


def test_grid_logs_shows_a_teammates_escape_sequences_escaped(server, alice):
    # Given alice's experiment whose output sets the window title and writes the clipboard
    run = unique("esc")
    make_run(alice, run, 1)
    alice.append_logs(
        f"{run}-exp0", ["\x1b]0;pwned\x07title", "\x1b]52;c;ZWNobyBoaQ==\x07clip", "plain"]
    )
    # When bob reads them
    out = ok(grid(server, "bob", "logs", f"alice:{run}"))
    # Then no escape character reaches his terminal; each shows as text
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines() == [
        "\\x1b]0;pwned\\x07title",
        "\\x1b]52;c;ZWNobyBoaQ==\\x07clip",
        "plain",
    ]
    # and so does a failure message quoting them, in grid status's table
    alice.report_status(
        f"{run}-exp0", "failed", exit_code=1, message="last lines:\n\x1b]0;pwned\x07"
    )
    status = ok(grid(server, "bob", "status", f"alice:{run}"))
    assert "\x1b]0" not in status


@pytest.mark.parametrize(
    "name", ["bad%0Aname.txt", "bad%0Dname.txt", "bad%1B%5D0%3Bx", "dir/tab%09name"]
)
def test_an_artifact_name_with_a_control_character_is_refused_at_upload(server, alice, name):
    run = unique("ctl")
    make_run(alice, run, 1)
    response = _put_artifact(server, "alice", f"{run}-exp0", name, b"x")
    assert response.status_code == 400
    assert "control character" in response.json()["message"]
    assert alice.list_artifacts(f"alice:{run}") == []


def test_a_datastore_file_with_a_control_character_is_refused_with_its_name(server, tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "ok.csv").write_text("x\n")
    (folder / "evil\rname.csv").write_text("y\n")
    line = refused(
        grid(
            server,
            "bob",
            "datastore",
            "create",
            str(folder),
            "--name",
            f"ctl-{uuid.uuid4().hex[:6]}",
        )
    )
    assert "control character" in line and "\r" not in line


@pytest.mark.parametrize(
    "name,control",
    [
        ("evil%0Aname.csv", "U+000A"),  # LF
        ("evil%0Dname.csv", "U+000D"),  # CR
        ("evil%1B%5D0%3Bpwned%07.csv", "U+001B"),  # ESC (an OSC title sequence)
        ("dir/evil%09name.csv", "U+0009"),  # TAB
    ],
)
def test_the_team_server_refuses_a_datastore_file_with_a_control_character(server, name, control):
    # The grid client refuses such a name before sending (the test above); another client
    # need not, so the team server judges the path itself: raw HTTP, no GridClient
    auth = {"Authorization": f"token {server.keys['bob']}"}
    api = f"{server.url}/api/v1"
    datastore = f"ctl-raw-{uuid.uuid4().hex[:6]}"
    begun = httpx.post(f"{api}/uploads", json={"name": datastore}, headers=auth, timeout=30)
    assert begun.status_code == 201, begun.text
    files = f"{api}/uploads/{begun.json()['upload_id']}/files"
    # When a file whose name holds the control character is sent
    response = httpx.put(f"{files}/{name}", content=b"y\n", headers=auth, timeout=30)
    # Then it is a 400 naming what is wrong and which character, with the name shown
    # escaped (visible() keeps a tab as it is: a terminal only moves the cursor for it)
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert "datastore file path" in message and f"control character ({control})" in message
    assert "rename the file" in message
    assert not any(c in message for c in "\n\r\x1b\x07"), message
    # ... and nothing of it was staged: the upload commits with the good file alone
    assert httpx.put(f"{files}/ok.csv", content=b"x\n", headers=auth, timeout=30).is_success
    committed = httpx.post(files.rsplit("/", 1)[0] + "/commit", headers=auth, timeout=30)
    assert committed.status_code == 201, committed.text
    listed = httpx.get(f"{api}/datastores/bob/{datastore}/files", headers=auth, timeout=30)
    assert listed.status_code == 200, listed.text
    assert [f["path"] for f in listed.json()["files"]] == ["ok.csv"]
