"""The Jupyter server extension with real Jupyter servers (alice's and bob's) as
subprocesses against a real team server: sessions, proxy, visitors, git, datastores,
artifacts."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest
from jupyter_harness import BASE_URL, JupyterProcess, visit, xsrf_headers
from teamserver_harness import TeamServerProcess

from jupyter_grid_collab import track
from jupyter_grid_collab.extension.handlers import CONTEXT_MAX_AGE_SECONDS
from jupyter_grid_collab.file_clone import reflinks_work


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    server = TeamServerProcess(
        tmp_path_factory.mktemp("ext-team") / "team",
        extra_args=["--heartbeat-timeout", "8", "--tick", "0.5"],
    )
    server.seed()
    server.start()
    yield server
    server.stop()


def _lab(team, user, tmp_path_factory, name, **kw) -> JupyterProcess:
    home = tmp_path_factory.mktemp(f"{user}-home")
    return JupyterProcess(
        user,
        team,
        home,
        name,
        extra_args=["--GridCollab.visitor_check_seconds=1", *kw.pop("extra_args", [])],
        **kw,
    ).start()


@pytest.fixture(scope="module")
def alice_lab(team, tmp_path_factory):
    lab = _lab(team, "alice", tmp_path_factory, "alice-lab")
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def bob_lab(team, tmp_path_factory):
    lab = _lab(team, "bob", tmp_path_factory, "bob-lab")
    yield lab
    lab.stop()


def session_record(team, owner, name, as_user="carol") -> dict:
    with team.client(as_user) as c:
        return c._http.get(f"/sessions/{owner}/{name}").json()


# ------------------------------------------------------------------ this server is a session
def test_server_registers_as_session_with_github_context(team, alice_lab):
    # alice has no GitHub token stored (other tests set one: in any order, this one says so)
    with team.client("alice") as alice:
        alice.me()
        if any(c.provider == "github" for c in alice.list_credentials()):
            alice.delete_credential("github")
    record = session_record(team, "alice", "alice-lab")
    assert record["status"] == "running"
    assert record["url"] == alice_lab.url
    assert record["github"] == {"user": "alice", "login": "alice-gh", "credential_bound": False}
    ctx = alice_lab.get("grid-collab/api/context").json()
    assert ctx["user"] == {"username": "alice", "visitor": False}
    assert ctx["session"]["owner"] == "alice" and ctx["banner"] is None


def test_clean_shutdown_marks_stopped_and_a_killed_server_is_lost(team, tmp_path_factory):
    lab = _lab(team, "carol", tmp_path_factory, "carol-short")
    lab.stop()
    assert session_record(team, "carol", "carol-short")["status"] == "stopped"
    lab = _lab(team, "carol", tmp_path_factory, "carol-killed")
    lab.proc.kill()
    lab.proc.wait()
    deadline = time.monotonic() + 30
    while session_record(team, "carol", "carol-killed")["status"] != "lost":
        assert time.monotonic() < deadline, "a killed server's session never became lost"
        time.sleep(0.5)


@contextmanager
def dead_url() -> Iterator[str]:
    """A loopback URL where nothing listens: the port stays bound (never listening) while the
    test runs, so no other process can take it and answer."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


def test_jupyter_starts_even_when_the_team_server_is_down(team, tmp_path_factory):
    home = tmp_path_factory.mktemp("down-home")
    with dead_url() as dead:
        lab = JupyterProcess("alice", team, home, "offline", extra_env={"GRID_URL": dead})
        lab.start(registered=False)
        try:
            # Jupyter is up, unregistered, and team queries fail fast with a clear message
            assert lab.get("grid-collab/api/context").json()["session"]["registered"] is False
            r = lab.get("grid-collab/api/sessions?scope=team", timeout=30)
            assert r.status_code == 502
            assert dead in r.json()["message"]
        finally:
            lab.stop()


# ------------------------------------------------------------------ the proxy
def test_listings_through_the_extension_match_the_team_server(team, alice_lab):
    with team.client("alice") as direct, alice_lab.owner_client() as lab:
        for kind in ("sessions", "runs", "datastores"):
            want = direct._http.get(f"/{kind}", params={"scope": "team"}).json()
            got = lab.get(f"grid-collab/api/{kind}", params={"scope": "team"}).json()
            assert [i["id"] for i in got["items"]] == [i["id"] for i in want["items"]]
        assert lab.get("grid-collab/api/teams/vision").json()["balance"] > 0
        assert lab.get("grid-collab/api/sessions?scope=nonsense").status_code == 400


def test_proxy_refuses_what_it_must_not_relay(alice_lab):
    with alice_lab.owner_client() as lab:
        assert lab.post("grid-collab/api/sessions", json={"name": "x"}).status_code == 404
        assert lab.get("grid-collab/api/credentials").status_code == 404
        assert lab.post("grid-collab/api/sessions/alice/alice-lab/heartbeat").status_code == 404


def test_owner_actions_through_the_proxy_and_teammates_denied(team, alice_lab, bob_lab):
    with team.client("alice") as alice:
        alice.me()
        alice.register_session("alice-scratch", url="http://127.0.0.1:1/")
    with bob_lab.owner_client() as lab:
        # bob's own server (its session credential): the team server's 403 message arrives
        # unchanged
        r = lab.delete("grid-collab/api/sessions/alice/alice-scratch")
        assert r.status_code == 403
        assert r.json()["message"] == (
            "the server of session bob:bob-lab can delete only its "
            "own session, not alice:alice-scratch; use your own API "
            "key (grid login)"
        )
    assert session_record(team, "alice", "alice-scratch")["status"] == "running"
    with alice_lab.owner_client() as lab:
        # alice's server calls with its session credential: it may stop or delete its own
        # session, not her others (that takes her own key)
        r = lab.delete("grid-collab/api/sessions/alice/alice-scratch")
        assert r.status_code == 403 and "only its own session" in r.json()["message"]
        assert lab.post("grid-collab/api/sessions/alice/alice-scratch/stop").status_code == 403
    assert session_record(team, "alice", "alice-scratch")["status"] == "running"
    with team.client("alice") as alice:
        alice.delete_session("alice:alice-scratch")


def test_a_delete_through_the_proxy_removes_the_record(team, alice_lab):
    with team.client("alice") as alice:
        alice.me()
        name = f"gone-{uuid.uuid4().hex[:6]}"
        track.start_run(name, client=alice).end()
        with alice_lab.owner_client() as lab:
            # alice's server deletes her run with its session credential
            assert lab.delete(f"grid-collab/api/runs/alice/{name}").status_code == 204
            # and it is gone: for her key, through the proxy, and from the team's listing
            assert alice._http.get(f"/runs/alice/{name}").status_code == 404
            assert lab.get(f"grid-collab/api/runs/alice/{name}").status_code == 404
            listed = lab.get("grid-collab/api/runs", params={"scope": "team"}).json()["items"]
            assert name not in [run["name"] for run in listed]


# ------------------------------------------------------------------ visitors
def test_visitor_lands_as_himself_with_the_github_warning(team, alice_lab):
    browser, landing, _ = visit(team, "bob", "alice", "alice-lab")
    with closing(browser):
        assert landing.status_code == 302 and landing.headers["location"] == f"{BASE_URL}lab"
        me = browser.get(alice_lab.url + "api/me").json()["identity"]
        assert me["username"] == "bob" and me["visitor"] is True
        ctx = browser.get(alice_lab.url + "grid-collab/api/context").json()
        assert ctx["visitor"] is True
        assert ctx["banner"] == (
            "You are visiting alice's session (full access: code you run "
            "here runs as alice) — git here uses alice's GitHub identity "
            "(alice-gh)"
        )
        assert ctx["visitors"] == "full"
        # bob can use the contents API of alice's server
        assert browser.get(alice_lab.url + "api/contents").status_code == 200
        # through alice's server bob still acts as bob: he cannot stop her session
        r = browser.post(
            alice_lab.url + "grid-collab/api/sessions/alice/alice-lab/stop",
            headers=xsrf_headers(browser),
        )
        assert r.status_code == 403
        assert r.json()["message"].startswith("bob is visiting alice:alice-lab")
        # without the XSRF header a cookie-authenticated POST is refused
        r = browser.post(alice_lab.url + "grid-collab/api/sessions/alice/alice-lab/stop")
        assert r.status_code == 403
    assert session_record(team, "alice", "alice-lab")["status"] == "running"
    # alice's own token still means alice
    assert alice_lab.get("api/me").json()["identity"]["username"] == "alice"
    with team.client("carol") as carol:
        audit = carol._http.get("/teams/vision/audit", params={"limit": 200}).json()["items"]
    assert any(a["action"] == "open" and a["actor"] == "bob" for a in audit)
    assert any(
        a["action"] == "visit" and a["actor"] == "bob" and a["outcome"] == "ok" for a in audit
    )


def test_tickets_are_single_use_short_lived_and_bound_to_their_session(team, alice_lab, bob_lab):
    # replayed
    browser, landing, url = visit(team, "carol", "alice", "alice-lab")
    browser.close()
    assert landing.status_code == 302
    with httpx.Client() as other:
        replay = other.get(url)
        assert replay.status_code == 403 and "already used" in replay.text
    # forged
    with httpx.Client() as other:
        forged = other.get(alice_lab.url + "grid-collab/visit?ticket=gct_forged")
        assert forged.status_code == 403 and "unknown ticket" in forged.text
    # issued for alice's session, presented at bob's server
    with team.client("carol") as c:
        opened = c._http.post("/sessions/alice/alice-lab/open").json()
    wrong = opened["url"].replace(alice_lab.url, bob_lab.url)
    with httpx.Client() as other:
        r = other.get(wrong)
        assert r.status_code == 403 and "another session" in r.text
    # the ticket never reaches the access log
    assert "gct_" not in alice_lab.log_path.read_text()
    assert "gct_" not in team.log_path.read_text()


def test_an_expired_ticket_is_refused(tmp_path_factory):
    # tickets live half a second on a team server of this test's own (the module's server
    # keeps the default, so no other visit races its ticket's lifetime)
    server = TeamServerProcess(
        tmp_path_factory.mktemp("short-tickets") / "team",
        extra_args=["--ticket-seconds", "0.5", "--executor", "none"],
    )
    server.seed()
    server.start()
    try:
        lab = _lab(server, "alice", tmp_path_factory, "alice-expiring")
        try:
            with server.client("carol") as c:
                opened = c._http.post("/sessions/alice/alice-expiring/open").json()
            # the team server runs in another process, so its clock cannot be moved: wait out
            # the lifetime it reported (counted from after it answered, so the ticket is past it)
            time.sleep(opened["expires_in"])
            with httpx.Client() as other:
                late = other.get(opened["url"])
            assert late.status_code == 403 and "expired" in late.text
        finally:
            lab.stop()
    finally:
        server.stop()


def test_owner_browser_cannot_turn_into_a_visitor(team, alice_lab):
    with alice_lab.owner_client() as owner:
        with team.client("bob") as c:
            opened = c._http.post("/sessions/alice/alice-lab/open").json()
        r = owner.get(opened["url"])
        assert r.status_code == 409 and "owner" in r.text
        assert owner.get("api/me").json()["identity"]["username"] == "alice"


def test_visitor_removed_from_the_team_loses_access(team, alice_lab):
    user = f"erin{uuid.uuid4().hex[:4]}"
    team.admin("create-user", user)
    team.admin("add-member", "vision", user)
    team.keys[user] = team.admin("create-key", user)
    browser, landing, _ = visit(team, user, "alice", "alice-lab")
    with closing(browser):
        assert browser.get(alice_lab.url + "api/me").status_code == 200
        team.admin("remove-member", "vision", user)
        # the extension re-checks visitors every second in this test
        deadline = time.monotonic() + 30
        while browser.get(alice_lab.url + "api/me").status_code != 403:
            assert time.monotonic() < deadline, "a removed member kept visiting"
            time.sleep(0.2)


# ------------------------------------------------------------------ git credential context
def _kernel_run(lab: JupyterProcess, code: str, browser: httpx.Client | None = None) -> str:
    """Run ``code`` in a fresh kernel of ``lab`` and return its stdout.

    A client not made by a KernelManager judges a kernel dead from missed heartbeats, which a
    loaded machine can cause while the kernel starts; then a new kernel is tried (3 at most).
    """
    from jupyter_client import BlockingKernelClient

    for attempt in range(3):
        with lab.owner_client() as c:
            kernel = c.post("api/kernels", json={"name": "python3"}).json()
        try:
            client = BlockingKernelClient(
                connection_file=str(lab.home / "runtime" / f"kernel-{kernel['id']}.json")
            )
            client.load_connection_file()
            client.start_channels()
            try:
                client.wait_for_ready(timeout=60)
            except RuntimeError:
                client.stop_channels()
                if attempt == 2:
                    raise
                continue
            out: list[str] = []

            def collect(msg: dict, out: list[str] = out) -> None:
                if msg["msg_type"] == "stream":
                    out.append(msg["content"].get("text", ""))

            client.execute_interactive(code, timeout=60, output_hook=collect)
            client.stop_channels()
            return "".join(out)
        finally:
            with lab.owner_client() as c:
                c.delete(f"api/kernels/{kernel['id']}")
    raise AssertionError("unreachable")


GIT_FILL = (
    "import subprocess\n"
    "r = subprocess.run(['git', 'credential', 'fill'], input='protocol=https\\nhost=github.com"
    "\\n\\n', capture_output=True, text=True, env={**__import__('os').environ, "
    "'GIT_TERMINAL_PROMPT': '0', 'GIT_ASKPASS': ''})\n"
    "print('EXIT', r.returncode); print(r.stdout)\n"
)


def test_git_in_the_session_uses_the_creators_github_credential(team, alice_lab):
    token = "ghp_" + uuid.uuid4().hex
    with team.client("alice") as alice:
        alice.me()
        alice.set_credential("github", token, login="alice-gh")
    out = _kernel_run(alice_lab, GIT_FILL)
    assert "EXIT 0" in out and f"password={token}" in out and "username=alice-gh" in out
    # no response about the session carries the token, once the context shows it bound
    with alice_lab.owner_client() as lab:
        wait_for_context(lab, credential_bound=True)
        bodies = [
            lab.get(p).text
            for p in (
                "grid-collab/api/context",
                "grid-collab/api/sessions?scope=team",
                "grid-collab/api/sessions/alice/alice-lab",
            )
        ]
    assert all(token not in body for body in bodies)
    assert json.loads(bodies[0])["github"]["credential_bound"] is True
    assert token not in alice_lab.log_path.read_text()
    assert token not in team.log_path.read_text()


def wait_for_context(lab: httpx.Client, credential_bound: bool) -> None:
    """Until the context says so: it may serve a record up to CONTEXT_MAX_AGE_SECONDS old.
    The deadline is far below the heartbeat interval of the test that needs it."""
    deadline = time.monotonic() + 30 * CONTEXT_MAX_AGE_SECONDS
    while lab.get("grid-collab/api/context").json()["github"]["credential_bound"] is not (
        credential_bound
    ):
        assert time.monotonic() < deadline, f"the context never said bound={credential_bound}"
        time.sleep(0.1)


def test_the_context_follows_a_credential_change_without_waiting_for_a_heartbeat(
    team, tmp_path_factory
):
    # heartbeats ten minutes apart: only the context's own re-read can show the change
    lab = _lab(
        team,
        "alice",
        tmp_path_factory,
        "alice-slow-beat",
        extra_args=["--GridCollab.heartbeat_interval=600"],
    )
    try:
        with team.client("alice") as alice, lab.owner_client() as c:
            alice.set_credential("github", "ghp_" + uuid.uuid4().hex, login="alice-gh")
            wait_for_context(c, credential_bound=True)
            alice.delete_credential("github")
            wait_for_context(c, credential_bound=False)
    finally:
        lab.stop()


def test_owner_can_keep_the_credential_from_visitors(team, tmp_path_factory):
    lab = _lab(
        team,
        "alice",
        tmp_path_factory,
        "alice-private",
        extra_args=["--GridCollab.share_github_credential_with_visitors=False"],
    )
    try:
        with team.client("alice") as alice:
            alice.me()
            alice.set_credential("github", "ghp_" + uuid.uuid4().hex)
        assert "password=" in _kernel_run(lab, GIT_FILL)
        browser, _, _ = visit(team, "bob", "alice", "alice-private")
        with closing(browser):
            ctx = browser.get(lab.url + "grid-collab/api/context").json()
            assert ctx["git_uses"] == "your own credentials (git will ask)"
            out = _kernel_run(lab, GIT_FILL)
        assert "password=" not in out and "EXIT 0" not in out
    finally:
        lab.stop()


# ------------------------------------------------------------------ datastores, artifacts
def test_attach_a_teammates_datastore_read_only(team, alice_lab, tmp_path):
    data = tmp_path / "mnist"
    (data / "train").mkdir(parents=True)
    (data / "train" / "images.bin").write_bytes(os.urandom(4096))
    with team.client("bob") as bob:
        bob.me()
        bob.upload_datastore("mnist-att", data)
    with alice_lab.owner_client() as lab:
        bad = lab.post("grid-collab/api/datastores/attach", json={"ref": "bob:"})
        assert bad.status_code == 400 and "malformed" in bad.json()["message"]
        r = lab.post("grid-collab/api/datastores/attach", json={"ref": "bob:mnist-att"})
        assert r.status_code == 200, r.text
        info = r.json()
    mount = Path(info["path"])
    assert mount == alice_lab.datastore_root / "mnist-att"
    assert info["reference"] == "bob:mnist-att@1"
    # the lab runs as root, who could write a hard link to the cached file: it got a copy,
    # and the answer says so
    assert "copied" in info["how"] and info["how"] in info["hint"]
    assert (mount / "train" / "images.bin").read_bytes() == (
        data / "train" / "images.bin"
    ).read_bytes()
    write = subprocess.run(
        [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "sh",
            "-c",
            f"echo x >> {mount / 'train' / 'images.bin'}",
        ],
        capture_output=True,
        text=True,
    )
    assert write.returncode != 0 and "Permission denied" in write.stderr
    deadline = time.monotonic() + 10
    while "bob:mnist-att@1" not in session_record(team, "alice", "alice-lab")["datastores"]:
        assert time.monotonic() < deadline, "the session record never showed the datastore"
        time.sleep(0.3)


def test_an_attach_with_a_large_download_runs_in_the_background(team, tmp_path_factory, tmp_path):
    """Blobs elsewhere and more to download than attach_inline_bytes: the request answers
    202 at once and the job is followed to the mounted path; nothing is half-visible."""
    lab = _lab(
        team,
        "alice",
        tmp_path_factory,
        "alice-bg-attach",
        extra_args=["--GridCollab.attach_inline_bytes=100000"],
    )
    data = tmp_path / "big"
    data.mkdir()
    blobs = {f"part{i}.bin": os.urandom(300_000) for i in range(3)}
    for name, blob in blobs.items():
        (data / name).write_bytes(blob)
    name = f"big-{uuid.uuid4().hex[:6]}"
    with team.client("bob") as bob:
        bob.me()
        bob.upload_datastore(name, data)
    mount = lab.datastore_root / name
    try:
        with lab.owner_client() as c:
            r = c.post("grid-collab/api/datastores/attach", json={"ref": f"bob:{name}"})
            assert r.status_code == 202, r.text
            job = r.json()
            assert job["state"] == "running" and job["path"] is None
            # downloaded into the cache, then (Jupyter runs as root, who could write a hard
            # link to the cached file) copied into the mount where reflinks are not to be had
            moved = 900_000 if reflinks_work(lab.home) else 1_800_000
            assert job["bytes_total"] == moved and job["reference"] == f"bob:{name}@1"
            deadline = time.monotonic() + 60
            while job["state"] == "running":
                assert not mount.exists(), "a mount became visible before it was complete"
                assert time.monotonic() < deadline
                time.sleep(0.1)
                job = c.get(f"grid-collab/api/datastores/attach/{job['id']}").json()
            assert job["state"] == "done", job
            assert job["path"] == str(mount) and job["bytes_done"] == moved
            assert {p.name: p.read_bytes() for p in mount.iterdir()} == blobs
            # the files are in the local cache now: attaching again downloads nothing
            again = c.post("grid-collab/api/datastores/attach", json={"ref": f"bob:{name}"})
            assert again.status_code == 200 and again.json()["path"] == str(mount)
            gone = c.get("grid-collab/api/datastores/attach/" + "0" * 32)
            assert gone.status_code == 404 and "no datastore attach" in gone.json()["message"]
    finally:
        lab.stop()


def _tracked_run_with_artifacts(team, owner: str, files: dict[str, Path]) -> str:
    with team.client(owner) as c:
        c.me()
        name = f"art-{uuid.uuid4().hex[:6]}"
        with track.start_run(name, {"lr": 0.1}, client=c) as run:
            for rel, path in files.items():
                run.log_file(path, rel)
    return name


def test_fetch_a_teammates_artifacts_into_the_session(team, alice_lab, tmp_path):
    (tmp_path / "m.txt").write_text("weights")
    name = _tracked_run_with_artifacts(team, "bob", {"model/m.txt": tmp_path / "m.txt"})
    with alice_lab.owner_client() as lab:
        for dest in ("../outside", "/etc", "results/../../x"):
            r = lab.post(
                "grid-collab/api/artifacts/fetch", json={"ref": f"bob:{name}", "dest": dest}
            )
            assert r.status_code == 400 and "escapes" in r.json()["message"]
        r = lab.post(
            "grid-collab/api/artifacts/fetch", json={"ref": f"bob:{name}", "dest": "results"}
        )
        assert r.status_code == 202
        job = r.json()
        deadline = time.monotonic() + 30
        while job["state"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.2)
            job = lab.get(f"grid-collab/api/artifacts/fetch/{job['id']}").json()
    assert job["state"] == "done" and job["files_done"] == 1
    landed = alice_lab.root / "results" / "bob" / name / f"{name}-exp0" / "model" / "m.txt"
    assert landed.read_text() == "weights"


def test_a_200mb_artifact_streams_through_intact(team, alice_lab, tmp_path):
    # (how much memory the Jupyter server takes while it streams is a figure, not a pass/fail:
    # bench/bench_extension.py prints it, "jupyter RSS+", from a peak reset before each way)
    big = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with open(big, "wb") as f:
        for _ in range(200):
            chunk = os.urandom(1 << 20)
            digest.update(chunk)
            f.write(chunk)
    name = _tracked_run_with_artifacts(team, "bob", {"big.bin": big})
    big.unlink()
    got = hashlib.sha256()
    with (
        alice_lab.owner_client(timeout=120) as lab,
        lab.stream(
            "GET",
            "grid-collab/api/artifacts/download",
            params={"ref": f"bob:{name}-exp0", "path": "big.bin"},
        ) as r,
    ):
        assert r.status_code == 200
        for chunk in r.iter_bytes(1 << 20):
            got.update(chunk)
    assert got.hexdigest() == digest.hexdigest()


# ------------------------------------------------------------------ authentication of handlers
def test_every_extension_handler_requires_authentication(tmp_path):
    script = (
        "import warnings\n"
        "from jupyter_server.serverapp import ServerApp\n"
        "from jupyter_server.utils import JupyterServerAuthWarning\n"
        "warnings.simplefilter('error', JupyterServerAuthWarning)\n"
        "app = ServerApp(allow_unauthenticated_access=False)\n"
        "app.jpserver_extensions = {'jupyter_grid_collab': True}\n"
        "app.initialize(argv=['--GridCollab.register=False', '--port=0', '--allow-root',\n"
        f"    '--ServerApp.root_dir={tmp_path}'], new_httpserver=False)\n"
        "print('OK', [e for e in app.extension_manager.extensions])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    with dead_url() as dead:
        env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"), GRID_HOME=str(tmp_path / "gh"))
        env["GRID_URL"] = dead
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
        )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "jupyter_grid_collab" in out.stdout


def test_unauthenticated_requests_are_refused(alice_lab):
    with httpx.Client(base_url=alice_lab.url) as anon:
        for path in (
            "grid-collab/api/context",
            "grid-collab/api/sessions",
            "grid-collab/api/artifacts/download?ref=a:b&path=x",
        ):
            assert anon.get(path).status_code == 403, path
        assert anon.post("grid-collab/api/datastores/attach", json={}).status_code == 403


def test_attach_without_local_blobs_uses_a_verified_cache_once(team, tmp_path):
    """No blob_dir: files are downloaded into the content-addressed cache once; a second
    version sharing a file is linked from the cache, not downloaded again."""
    from jupyter_grid_collab.attach import attach_datastore

    data = tmp_path / "v"
    data.mkdir()
    (data / "shared.bin").write_bytes(os.urandom(2048))
    (data / "only-v1.txt").write_text("v1")
    name = f"cache-{uuid.uuid4().hex[:6]}"
    with team.client("bob") as bob:
        bob.me()
        bob.upload_datastore(name, data)
        (data / "only-v1.txt").unlink()
        (data / "only-v2.txt").write_text("v2")
        bob.upload_datastore(name, data)
    root = tmp_path / "mounts"
    os.environ["GRID_DATASTORE_ROOT"] = str(root)
    try:
        with team.client("alice") as alice:
            v1 = Path(attach_datastore(f"bob:{name}@1", client=alice))
            v2 = Path(attach_datastore(f"bob:{name}@2", client=alice))
    finally:
        del os.environ["GRID_DATASTORE_ROOT"]
    assert v1 == root / name and v2 == root / f"{name}@bob-v2"
    assert sorted(p.name for p in v2.iterdir()) == ["only-v2.txt", "shared.bin"]
    # the shared file is cached once; this consumer (root) could write a hard link to it, so
    # each mount holds a private copy (or reflink), never the cached inode
    assert (v1 / "shared.bin").read_bytes() == (v2 / "shared.bin").read_bytes()
    assert (v1 / "shared.bin").stat().st_ino != (v2 / "shared.bin").stat().st_ino
    cached = list((root / ".grid-cache").rglob("*"))
    assert len([p for p in cached if p.is_file()]) == 3
    with team.client("carol") as carol:
        audit = carol._http.get("/teams/vision/audit", params={"limit": 200}).json()["items"]
    downloads = [
        a
        for a in audit
        if a["action"] == "download" and name in a["resource"] and "shared.bin" in a["resource"]
    ]
    assert len(downloads) == 1, "the shared file must be downloaded once"
