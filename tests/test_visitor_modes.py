"""Visitors inside a session, with real Jupyter servers and a real team server: what a
visitor's kernel and terminal inherit (no owner secret), what the session's server can do
with what it holds (a session credential only), the owner's choice of visitor mode enforced
(view: browse only; full: run code as the owner), and the proxy's path normalisation."""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import time
import uuid
from contextlib import closing

import httpx
import pytest
from jupyter_harness import BASE_URL, JupyterProcess, visit, xsrf_headers
from kernel_messages import execute
from teamserver_harness import TeamServerProcess
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from jupyter_grid_collab.client import GridClient, PermissionDenied

VIEW_BANNER = (
    "You are visiting alice's session (view only: no kernels, terminals or edits) "
    "— git here uses alice's GitHub identity (alice-gh)"
)
FULL_BANNER = (
    "You are visiting alice's session (full access: code you run here runs as "
    "alice) — git here uses alice's GitHub identity (alice-gh)"
)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    server = TeamServerProcess(
        tmp_path_factory.mktemp("visit-team") / "team", extra_args=["--executor", "none"]
    )
    server.seed()
    server.start()
    yield server
    server.stop()


def _lab(team, tmp_path_factory, name: str, visitors: str | None) -> JupyterProcess:
    # the key and the token reach the server by environment, as `grid session create` does
    env = {"GRID_SESSION_VISITORS": visitors} if visitors else {}
    return JupyterProcess(
        "alice", team, tmp_path_factory.mktemp(name), name, token_in_env=True, extra_env=env
    ).start()


@pytest.fixture(scope="module")
def full_lab(team, tmp_path_factory):
    lab = _lab(team, tmp_path_factory, f"full-{uuid.uuid4().hex[:6]}", None)
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def view_lab(team, tmp_path_factory):
    lab = _lab(team, tmp_path_factory, f"view-{uuid.uuid4().hex[:6]}", "view")
    (lab.root / "notes.txt").write_text("alice's notes\n")
    (lab.root / "analysis.ipynb").write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "source": "print(1)",
                        "metadata": {},
                        "outputs": [],
                        "execution_count": None,
                    }
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    (lab.root / ".hidden-state.json").write_text('{"token": "not for visitors"}')
    yield lab
    lab.stop()


# ------------------------------------------------------------------ talking like a browser
def _cookie_header(browser: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


def _ws_url(lab: JupyterProcess, path: str) -> str:
    return lab.url.replace("http://", "ws://") + path


async def _ws(lab: JupyterProcess, path: str, browser: httpx.Client | None):
    headers = (
        {"Cookie": _cookie_header(browser)} if browser else {"Authorization": f"token {lab.token}"}
    )
    return await websocket_connect(
        HTTPRequest(_ws_url(lab, path), headers=headers, connect_timeout=30)
    )


async def _kernel_execute(lab, kernel_id: str, browser, code: str, timeout=90.0) -> str:
    """Run ``code`` in a kernel over its websocket (as the browser does); what it printed,
    its traceback included."""
    conn = await _ws(lab, f"api/kernels/{kernel_id}/channels", browser)
    try:
        done = await execute(conn, code, timeout=timeout)
        return done.output + (done.error or "")
    finally:
        conn.close()


async def _terminal_run(lab, name: str, browser, command: str, timeout=60.0) -> str:
    """Type ``command`` into a terminal over its websocket; what it printed up to a marker."""
    conn = await _ws(lab, f"terminals/websocket/{name}", browser)
    try:
        # the marker's two halves meet only in the output, not in the echoed command line
        await conn.write_message(json.dumps(["stdin", f"{command}; echo __DO''NE__\r"]))
        out = ""
        deadline = time.monotonic() + timeout
        while "__DONE__" not in out:
            raw = await asyncio.wait_for(conn.read_message(), deadline - time.monotonic())
            assert raw is not None, "the terminal's websocket closed"
            kind, *rest = json.loads(raw)
            if kind == "stdout":
                out += rest[0]
        return out
    finally:
        conn.close()


def _post(browser: httpx.Client, url: str, **kw) -> httpx.Response:
    return browser.post(url, headers=xsrf_headers(browser), **kw)


# ------------------------------------------------------------------ no owner secret inside
ENV_PROBE = (
    "import os, json\n"
    "parent = open(f'/proc/{os.getppid()}/environ', 'rb').read()\n"
    "print('ENV', json.dumps({k: v for k, v in os.environ.items()}))\n"
    "print('PARENT', json.dumps([n for n in ('GRID_API_KEY', 'JUPYTER_TOKEN') "
    "if n.encode() + b'=' in parent]))\n"
)

SESSION_CREDENTIAL_PROBE = (
    "from jupyter_grid_collab import attach_datastore\n"
    "from jupyter_grid_collab.client import GridClient, PermissionDenied\n"
    "c = GridClient()\n"
    "print('WHO', c.whoami(), c.has_key, c.via_session)\n"
    "print('MOUNTED', attach_datastore(DATASTORE))\n"
    "for name, call in [('role', lambda: c.set_role('vision', 'bob', 'admin')),\n"
    "                   ('member', lambda: c.add_member('vision', 'dave')),\n"
    "                   ('credential', lambda: c.set_credential('github', 'ghp_x')),\n"
    "                   ('credits', lambda: c.add_credits('vision', 5))]:\n"
    "    try:\n"
    "        call(); print('ALLOWED', name)\n"
    "    except PermissionDenied as exc:\n"
    "        print('REFUSED', name, exc.status)\n"
)


def _line(out: str, tag: str) -> str:
    match = re.search(rf"^{tag} (.*)$", out, re.M)
    assert match, f"no {tag} line in {out!r}"
    return match.group(1)


def test_a_full_visitors_kernel_and_terminal_hold_no_owner_secret(team, full_lab):
    """bob, visiting in full mode, starts a kernel and a terminal through his own cookie:
    neither has the owner's API key or Jupyter token in its environment (nor can read them
    from the server's), and what the session gives them cannot change roles or
    credentials."""
    key = team.keys["alice"]
    roles_before = _roles(team)
    data = full_lab.home / "upload"
    data.mkdir()
    (data / "x.csv").write_text("1,2\n")
    datastore = f"ds-{uuid.uuid4().hex[:6]}"
    with team.client("bob") as bob:
        bob.me()
        bob.upload_datastore(datastore, data)
    browser, landing, _ = visit(team, "bob", "alice", full_lab.session_name)
    with closing(browser):
        assert landing.status_code == 302
        ctx = browser.get(full_lab.url + "grid-collab/api/context").json()
        assert ctx["visitors"] == "full" and ctx["banner"] == FULL_BANNER
        # a full visitor may start a kernel
        r = _post(browser, full_lab.url + "api/kernels", json={"name": "python3"})
        assert r.status_code == 201, r.text
        kernel = r.json()["id"]
        out = asyncio.run(_kernel_execute(full_lab, kernel, browser, ENV_PROBE))
        env = json.loads(_line(out, "ENV"))
        assert "GRID_API_KEY" not in env and "JUPYTER_TOKEN" not in env
        assert not any(key in v or full_lab.token in v for v in env.values())
        assert json.loads(_line(out, "PARENT")) == []  # the server's exec-time env, too
        # what the session needs is still there: its team server, name and credential file
        assert env["GRID_URL"] == team.url and env["GRID_SESSION_NAME"] == full_lab.session_name
        assert env["GRID_SESSION_CREDENTIAL"] and env["GRID_SESSION_VISITORS"] == "full"
        # the session credential works (as alice) but cannot change roles, members,
        # credentials or credits
        out = asyncio.run(
            _kernel_execute(
                full_lab,
                kernel,
                browser,
                f"DATASTORE = 'bob:{datastore}'\n" + SESSION_CREDENTIAL_PROBE,
            )
        )
        assert _line(out, "WHO") == "alice False True"
        mounted = full_lab.datastore_root / datastore
        assert _line(out, "MOUNTED") == str(mounted)  # attach_datastore() works with it
        assert (mounted / "x.csv").read_text() == "1,2\n"
        assert "ALLOWED" not in out
        for name in ("role", "member", "credential", "credits"):
            assert f"REFUSED {name} 403" in out
        # a terminal opened by the visitor: the same
        r = _post(browser, full_lab.url + "api/terminals")
        assert r.status_code == 200, r.text
        term = r.json()["name"]
        out = asyncio.run(
            _terminal_run(
                full_lab,
                term,
                browser,
                "echo IN_ENV=$(env | grep -c -e GRID_API_KEY -e JUPYTER_TOKEN) "
                "IN_SERVER=$(tr '\\0' '\\n' < /proc/$PPID/environ | grep -c -e GRID_API_KEY "
                "-e JUPYTER_TOKEN)",
            )
        )
        assert key not in out and full_lab.token not in out
        assert re.search(r"IN_ENV=0 IN_SERVER=0", out), out
    # the owner's token, read from the environment before it left, still logs in
    assert full_lab.get("api/me").json()["identity"]["username"] == "alice"
    assert _roles(team) == roles_before  # and nothing changed


def _roles(team) -> dict[str, str]:
    with team.client("carol") as carol:
        return {m.username: m.role for m in carol.team("vision").members}


def test_the_sessions_server_acts_with_its_session_credential_after_registering(team, full_lab):
    """Once registered, the server calls the team server with its session's secret, not
    the owner's key: its calls are audited "via session", and the secret it holds cannot
    change members, roles, credits, keys or credentials."""
    secret = json.loads(
        next((full_lab.home / "runtime").glob("grid-collab-git-*/helper.json")).read_text()
    )["secret"]
    carols = f"carols-{uuid.uuid4().hex[:4]}"
    with team.client("carol") as carol:
        carol.register_session(carols, url="http://127.0.0.1:9/")
    with full_lab.owner_client() as lab:
        r = lab.post(f"grid-collab/api/sessions/carol/nope-{uuid.uuid4().hex[:4]}/open")
        assert r.status_code == 404
        assert lab.get("grid-collab/api/sessions").status_code == 200
        # an audited call through the lab's proxy: opening a teammate's session
        lab.post(f"grid-collab/api/sessions/carol/{carols}/open")
    with team.client("carol") as carol:
        audit = carol._http.get("/teams/vision/audit", params={"limit": 50}).json()["items"]
    assert any(a["actor"] == f"alice via session alice:{full_lab.session_name}" for a in audit), [
        (a["actor"], a["action"], a["resource"], a["outcome"]) for a in audit
    ]
    with GridClient(team.url, session_secret=secret) as session:
        assert session.whoami() == "alice"
        for call in (
            lambda: session.set_role("vision", "bob", "admin"),
            lambda: session.add_member("vision", "dave"),
            lambda: session.remove_member("vision", "bob"),
            lambda: session.set_credential("github", "ghp_" + uuid.uuid4().hex),
            lambda: session.delete_credential("github"),
            lambda: session.add_credits("vision", 10),
        ):
            with pytest.raises(PermissionDenied):
                call()
    assert not (full_lab.home / "grid-home" / "credentials.json").exists()


# ------------------------------------------------------------------ view mode
def test_a_view_visitor_browses_but_runs_nothing_and_changes_nothing(team, view_lab):
    lab = view_lab
    with team.client("carol") as carol:
        assert carol.session(f"alice:{lab.session_name}").visitors == "view"
    with lab.owner_client() as owner:
        owners_kernel = owner.post("api/kernels", json={"name": "python3"}).json()["id"]
        owners_terminal = owner.post("api/terminals").json()["name"]
    browser, landing, _ = visit(team, "bob", "alice", lab.session_name)
    with closing(browser):
        assert landing.status_code == 302
        base = lab.url
        ctx = browser.get(base + "grid-collab/api/context").json()
        assert ctx["visitors"] == "view" and ctx["banner"] == VIEW_BANNER
        # browsing works: the file list, a notebook, a file's bytes, the team through the proxy
        listing = browser.get(base + "api/contents").json()
        assert {"notes.txt", "analysis.ipynb"} <= {c["name"] for c in listing["content"]}
        assert browser.get(base + "api/contents/analysis.ipynb").json()["type"] == "notebook"
        # (/files/ wants the XSRF token even on GET: it must come from the same site)
        assert (
            browser.get(base + "files/notes.txt", headers=xsrf_headers(browser)).text
            == "alice's notes\n"
        )
        assert browser.get(base + "api/kernels").status_code == 200
        assert browser.get(base + "grid-collab/api/sessions?scope=team").status_code == 200
        assert browser.get(base + "api/contents/.hidden-state.json").status_code == 404
        # nothing runs: no kernel, no notebook session, no terminal, no connection to the
        # owner's running kernel or terminal
        refused = {
            "start a kernel": _post(browser, base + "api/kernels", json={"name": "python3"}),
            "start a notebook session": _post(
                browser,
                base + "api/sessions",
                json={"path": "analysis.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
            ),
            "restart the owner's kernel": _post(
                browser, base + f"api/kernels/{owners_kernel}/restart"
            ),
            "open a terminal": _post(browser, base + "api/terminals"),
            # nothing changes: save, create, rename, delete, upload, checkpoint
            "save a file": browser.put(
                base + "api/contents/notes.txt",
                headers=xsrf_headers(browser),
                json={"type": "file", "format": "text", "content": "changed"},
            ),
            "create a file": _post(browser, base + "api/contents", json={"type": "file"}),
            "rename a file": browser.patch(
                base + "api/contents/notes.txt",
                headers=xsrf_headers(browser),
                json={"path": "renamed.txt"},
            ),
            "delete a file": browser.delete(
                base + "api/contents/notes.txt", headers=xsrf_headers(browser)
            ),
            "checkpoint": _post(browser, base + "api/contents/notes.txt/checkpoints"),
            "change lab settings": browser.put(
                base + "lab/api/settings/@jupyterlab/apputils-extension:themes",
                headers=xsrf_headers(browser),
                json={"raw": '{"theme": "JupyterLab Dark"}'},
            ),
            "shut the server down": _post(browser, base + "api/shutdown"),
            # and nothing lands in the session through the extension either
            "attach a datastore": _post(
                browser, base + "grid-collab/api/datastores/attach", json={"ref": "alice:anything"}
            ),
            "fetch artifacts": _post(
                browser, base + "grid-collab/api/artifacts/fetch", json={"ref": "alice:anything"}
            ),
        }
        for what, r in refused.items():
            assert r.status_code == 403, (what, r.status_code, r.text)
        for path in (
            f"api/kernels/{owners_kernel}/channels",
            f"terminals/websocket/{owners_terminal}",
        ):
            with pytest.raises(HTTPClientError) as denied:
                asyncio.run(_ws(lab, path, browser))
            assert denied.value.code == 403, path
    assert sorted(p.name for p in lab.root.iterdir()) == [
        ".hidden-state.json",
        "analysis.ipynb",
        "notes.txt",
    ]
    assert (lab.root / "notes.txt").read_text() == "alice's notes\n"
    # the server is up and the owner unrestricted
    with lab.owner_client() as owner:
        r = owner.post("api/kernels", json={"name": "python3"})
        assert r.status_code == 201
        out = asyncio.run(_kernel_execute(lab, owners_kernel, None, "print(6 * 7)"))
        assert out.strip() == "42"
        assert (
            owner.put(
                "api/contents/owner.txt", json={"type": "file", "format": "text", "content": "mine"}
            ).status_code
            == 201
        )
        for kernel in (owners_kernel, r.json()["id"]):
            owner.delete(f"api/kernels/{kernel}")
        owner.delete(f"api/terminals/{owners_terminal}")
        assert owner.get("grid-collab/api/context").json()["banner"] is None


def test_a_mistyped_mode_lets_visitors_only_view(team, tmp_path_factory):
    lab = _lab(team, tmp_path_factory, f"typo-{uuid.uuid4().hex[:6]}", "ful")
    try:
        browser, _, _ = visit(team, "bob", "alice", lab.session_name)
        with closing(browser):
            assert browser.get(lab.url + "grid-collab/api/context").json()["visitors"] == "view"
            r = _post(browser, lab.url + "api/kernels", json={"name": "python3"})
            assert r.status_code == 403
    finally:
        lab.stop()


# ------------------------------------------------------------------ the proxy's paths
def _raw(lab: JupyterProcess, method: str, path: str) -> tuple[int, dict]:
    """A request whose path goes on the wire exactly as written (httpx would resolve
    dot segments itself)."""
    conn = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=30)
    try:
        conn.request(method, BASE_URL + path, headers={"Authorization": f"token {lab.token}"})
        response = conn.getresponse()
        body = response.read()
        try:
            data = json.loads(body)
        except ValueError:
            data = {"raw": body.decode(errors="replace")}
        return response.status, data
    finally:
        conn.close()


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "grid-collab/api/runs/%2e%2e/credentials"),
        ("GET", "grid-collab/api/runs/%2E%2E/credentials"),
        ("GET", "grid-collab/api/runs/%2e%2E/credentials"),
        ("GET", "grid-collab/api/runs/alice/%2e%2e%2f%2e%2e%2fcredentials"),
        ("GET", "grid-collab/api/runs/..%2fcredentials"),
        ("GET", "grid-collab/api/runs/..%2Fcredentials"),
        ("GET", "grid-collab/api/runs%2f..%2fcredentials"),
        ("GET", "grid-collab/api/teams/vision%2faudit"),
        ("GET", "grid-collab/api/teams%2Fvision"),
        ("GET", "grid-collab/api/runs/../credentials"),
        ("GET", "grid-collab/api/runs/./alice"),
        ("GET", "grid-collab/api/runs/%2e/alice"),
        ("GET", "grid-collab/api/runs/%252e%252e/credentials"),
        ("GET", "grid-collab/api/runs/%5c..%5ccredentials"),
        ("GET", "grid-collab/api/runs/alice/x%00"),
        ("POST", "grid-collab/api/runs/alice/%2e%2e/stop"),
        ("POST", "grid-collab/api/sessions/%2e%2e/sessions/open"),
        ("DELETE", "grid-collab/api/runs/%2e%2e/credentials"),
        ("DELETE", "grid-collab/api/sessions/alice/%2e%2e"),
    ],
)
def test_the_proxy_refuses_encoded_dot_segments_and_slashes(full_lab, method, path):
    status, body = _raw(full_lab, method, path)
    assert status == 404, (status, body)
    # refused by the extension itself, before anything reached the team server
    assert body.get("message", "").startswith(f"no team API {method} "), body


def test_the_proxy_forwards_the_path_it_checked(team, full_lab):
    with team.client("alice") as alice:
        want = alice._http.get(f"/sessions/alice/{full_lab.session_name}").json()
    for path in (
        f"sessions/alice/{full_lab.session_name}",
        f"sessions//alice/{full_lab.session_name}",
        f"sessions/%61lice/{full_lab.session_name}",
    ):
        status, body = _raw(full_lab, "GET", "grid-collab/api/" + path)
        assert status == 200 and body["id"] == want["id"], (path, status, body)


def test_a_deleted_record_is_final_without_the_owners_key(team, tmp_path_factory):
    """The server forgot the owner's key after registering, so once its record (and secret)
    is deleted on the team server it cannot register again by itself: it says so instead of
    failing obscurely."""
    lab = _lab(team, tmp_path_factory, f"gone-{uuid.uuid4().hex[:6]}", None)
    try:
        with team.client("alice") as alice:
            alice.me()
            alice.delete_session(lab.session_name)
        deadline = time.monotonic() + 30
        while (ctx := lab.get("grid-collab/api/context").json())["session"]["status"] != "deleted":
            assert time.monotonic() < deadline, ctx
            time.sleep(0.5)
        assert ctx["session"]["registered"] is False
        r = lab.get("grid-collab/api/sessions")
        assert r.status_code == 503
        assert r.json()["message"] == (
            f"the team server no longer knows session alice:"
            f"{lab.session_name} (deleted?); restart this server "
            "to register it again"
        )
        assert "restart this server to register it again" in lab.log_path.read_text()
        with team.client("carol") as carol:
            assert carol._http.get(f"/sessions/alice/{lab.session_name}").status_code == 404
    finally:
        lab.stop()


# ------------------------------------------------------------------ a team server restart
def test_a_restarted_team_server_keeps_the_session_without_the_owners_key(tmp_path):
    """The server dropped the owner's key after registering; when the team server restarts,
    heartbeats resume with the session's secret, and visitors still get in."""
    team = TeamServerProcess(tmp_path / "team", extra_args=["--executor", "none"])
    team.seed()
    team.start()
    lab = JupyterProcess("alice", team, tmp_path / "lab", "restart-lab").start()

    def record() -> dict:
        with team.client("carol") as carol:
            return carol._http.get("/sessions/alice/restart-lab").json()

    try:
        before = record()["last_heartbeat"]
        failed_before = lab.log_path.read_text().count("session heartbeat failed")
        team.stop()
        # until a heartbeat has failed meanwhile (every 2 s here), as the lab's log says
        deadline = time.monotonic() + 30
        while lab.log_path.read_text().count("session heartbeat failed") == failed_before:
            assert time.monotonic() < deadline, "no heartbeat failed while the team server was down"
            time.sleep(0.2)
        team.start()
        deadline = time.monotonic() + 30
        while (now := record())["last_heartbeat"] == before or now["status"] != "running":
            assert time.monotonic() < deadline, now
            time.sleep(0.5)
        assert lab.get("grid-collab/api/context").json()["session"]["registered"] is True
        browser, landing, _ = visit(team, "bob", "alice", "restart-lab")
        with closing(browser):
            assert landing.status_code == 302
            assert browser.get(lab.url + "api/me").json()["identity"]["username"] == "bob"
    finally:
        lab.stop()
        team.stop()
