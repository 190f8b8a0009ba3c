"""The team server as a real JupyterHub's service (``--team-source jupyterhub``): teams are
Hub groups, sessions are Hub servers, Open is a Hub share. No API key of ours anywhere: every
call here carries a Hub token (a person's, minted by the Hub, or a server's own
``JUPYTERHUB_API_TOKEN``).

One Hub (tests/hub_harness.py: vision = alice owner, bob, carol admin; other = dave; eve in
no group) and one team server per database; tests leave the groups as they found them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from hub_harness import SERVICE_NAME, running_hub
from teamserver_harness import (
    TeamServerProcess,
    create_pg_database,
    drop_pg_database,
    free_port,
)

SYNC_SECONDS = 0.5


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub_team(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"hub-{request.param}")
    db = create_pg_database() if request.param == "postgresql" else None
    # the Hub tells its servers where the team server is, and the team server where the Hub
    # is: the team server's port is chosen first
    port = free_port()
    environment = {
        "GRID_URL": f"http://127.0.0.1:{port}",
        # where the servers' extensions mount datastores (never the machine's /datastores)
        "GRID_DATASTORE_ROOT": str(base / "datastores"),
    }
    with running_hub(base / "hub", environment=environment) as hub:
        server = TeamServerProcess(
            base / "team",
            db=db,
            port=port,
            extra_args=[
                "--executor",
                "none",
                "--team-source",
                "jupyterhub",
                "--hub-sync-seconds",
                str(SYNC_SECONDS),
            ],
            extra_env={
                "JUPYTERHUB_API_URL": hub.api_url,
                "JUPYTERHUB_API_TOKEN": hub.service_token,
                "JUPYTERHUB_SERVICE_NAME": SERVICE_NAME,
                # also what the admin commands run by these tests see
                "GRID_COLLAB_TEAM_SOURCE": "jupyterhub",
            },
        )
        server.start()
        try:
            # the teams exist once the first sync has read the groups; credits stay ours
            for team, owner in (("vision", "alice"), ("other", "dave")):
                eventually(lambda o=owner: call(server, hub.user_token(o), "GET", "/me").is_success)
                server.admin("add-credits", team, "1000")
            hub.spawn("alice", "lab")
            yield hub, server
        finally:
            server.stop()
            if db:
                drop_pg_database(db)


def call(server, token: str, method: str, path: str, **kw) -> httpx.Response:
    headers = {"Authorization": f"token {token}", **kw.pop("headers", {})}
    return httpx.request(method, f"{server.url}/api/v1{path}", headers=headers, timeout=30, **kw)


def eventually(check, timeout: float = 20.0):
    """``check()``'s first truthy answer within ``timeout`` (the sync runs every 0.5 s)."""
    deadline = time.monotonic() + timeout
    while True:
        out = check()
        if out or time.monotonic() > deadline:
            return out
        time.sleep(0.2)


def sessions(server, token: str) -> dict[str, dict]:
    r = call(server, token, "GET", "/sessions?scope=team")
    assert r.status_code == 200, r.text
    return {f"{s['owner']}:{s['name']}": s for s in r.json()["items"]}


def listed(server, token: str, ref: str, status: str = "running", timeout: float = 20.0):
    """The session ``ref`` as ``token`` lists it, once it has ``status`` (None if never)."""

    def check():
        found = sessions(server, token).get(ref)
        return found if found and found["status"] == status else None

    return eventually(check, timeout)


def open_session(server, token: str, owner: str, name: str) -> httpx.Response:
    """Open ``owner:name`` as ``token``, once its extension has called in: until then the
    team server refuses (409) to share a server nothing in it would guard."""

    def attempt():
        r = call(server, token, "POST", f"/sessions/{owner}/{name}/open")
        return None if r.status_code == 409 and "has not called in" in r.text else r

    return eventually(attempt, 30) or call(server, token, "POST", f"/sessions/{owner}/{name}/open")


def new_hub_team(hub, name: str, *users: str) -> None:
    """A Hub group that is a team (it has the grid_roles property), with ``users``."""
    assert hub.api("POST", f"/groups/{name}").status_code == 201
    r = hub.api("PUT", f"/groups/{name}/properties", json={"grid_roles": {}})
    assert r.status_code == 200, r.text
    for user in users:
        hub.add_to_group(name, user)


def new_hub_user(hub, name: str) -> None:
    """A Hub user in no group yet (once per Hub: tests may run in any order)."""
    r = hub.api("POST", f"/users/{name}")
    assert r.status_code in (201, 409), r.text


def shared_with(hub, owner: str, server_name: str) -> set[str]:
    r = hub.api("GET", f"/shares/{owner}/{server_name}")
    assert r.status_code == 200, r.text
    return {s["user"]["name"] for s in r.json()["items"] if s.get("user")}


def test_groups_are_teams_with_their_roles_and_no_api_key(hub_team):
    hub, server = hub_team
    roles = {}
    for user in ("alice", "bob", "carol"):
        r = eventually(lambda u=user: call(server, hub.user_token(u), "GET", "/me").json())
        roles[user] = {t["name"]: t["role"] for t in r.get("teams", [])}
    assert roles == {
        "alice": {"vision": "owner"},
        "bob": {"vision": "user"},
        "carol": {"vision": "admin"},
    }
    # eve is on the Hub but in no group: the team server says what to ask for
    r = call(server, hub.user_token("eve"), "GET", "/sessions")
    assert r.status_code == 401
    assert "in no team" in r.json()["message"]
    # a token the Hub does not know is refused, and not echoed
    r = call(server, "not-a-real-token-0123456789", "GET", "/sessions")
    assert r.status_code == 401 and "0123456789" not in r.text


def _hub_lookups_since(hub, mark: int) -> int:
    """How many times the Hub was asked about a token it did not know since ``mark``: each
    such GET /hub/api/user is a 403 line of its request log (tornado's access log says it
    again)."""
    lines = hub.log_path.read_text(errors="replace")[mark:].splitlines()
    return sum(1 for line in lines if "JupyterHub log" in line and "403 GET /hub/api/user " in line)


def test_made_up_tokens_cost_the_hub_a_bounded_number_of_lookups(hub_team):
    hub, server = hub_team
    alice = hub.user_token("alice")
    assert call(server, alice, "GET", "/me").status_code == 200  # known, remembered

    async def send(tokens: list[str]) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=60) as c:
            return await asyncio.gather(
                *(c.get("/sessions", headers={"Authorization": f"token {t}"}) for t in tokens)
            )

    time.sleep(3)  # a full lookup budget
    # Given one made-up token sent 20 times at once, the Hub is asked about it once
    mark = len(hub.log_path.read_text(errors="replace"))
    same = asyncio.run(send([f"made-up-{uuid.uuid4().hex}"] * 20))
    assert {r.status_code for r in same} == {401}
    assert eventually(lambda: _hub_lookups_since(hub, mark) >= 1)
    time.sleep(1)
    assert _hub_lookups_since(hub, mark) == 1
    # When 150 different made-up tokens arrive at once
    mark = len(hub.log_path.read_text(errors="replace"))
    started = time.monotonic()
    answers = asyncio.run(send([f"made-up-{uuid.uuid4().hex}" for _ in range(150)]))
    elapsed = time.monotonic() - started
    # Then past the budget (40 at once, 20 a second) they are refused without asking it
    statuses = [r.status_code for r in answers]
    assert set(statuses) == {401, 503}, set(statuses)
    busy = next(r for r in answers if r.status_code == 503)
    assert "too many unknown JupyterHub tokens" in busy.json()["message"]
    time.sleep(1)
    asked = _hub_lookups_since(hub, mark)
    assert asked == statuses.count(401)
    assert asked <= 40 + 20 * elapsed + 1, (asked, elapsed)
    # and a member whose token is known is served all along, and the log says why others
    # were not
    assert call(server, alice, "GET", "/me").status_code == 200
    assert "unknown JupyterHub tokens a second" in server.log_path.read_text()


def test_a_members_hub_server_is_a_team_session(hub_team):
    hub, server = hub_team
    seen = listed(server, hub.user_token("bob"), "alice:lab")
    assert seen is not None, "alice's running Hub server is not listed as running"
    assert seen["team"] == "vision"
    assert seen["instance_type"] == "jupyterhub"
    assert seen["url"] == f"{hub.url}/user/alice/lab/"
    # the other team does not see it, and gets the 404 of a session that does not exist
    assert "alice:lab" not in sessions(server, hub.user_token("dave"))
    r = call(server, hub.user_token("dave"), "GET", "/sessions/alice/lab")
    assert r.status_code == 404


def test_grid_cli_lists_hub_sessions_with_a_hub_token(hub_team, tmp_path):
    hub, server = hub_team
    listed(server, hub.user_token("bob"), "alice:lab")
    env = {
        **os.environ,
        "GRID_URL": server.url,
        "GRID_API_KEY": hub.user_token("bob"),
        "HOME": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-m", "jupyter_grid_collab.cli.main", "session", "--global"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "alice" in out.stdout and "lab" in out.stdout


def test_open_shares_the_server_and_the_visitor_lands_as_themselves(hub_team):
    hub, server = hub_team
    listed(server, hub.user_token("bob"), "alice:lab")
    r = open_session(server, hub.user_token("bob"), "alice", "lab")
    assert r.status_code == 200, r.text
    opened = r.json()
    assert opened["visitor"] is True
    assert opened["url"] == f"{hub.url}/user/alice/lab/"
    assert "alice's GitHub identity" in opened["warning"]
    assert "hub_share" not in opened
    assert "bob" in shared_with(hub, "alice", "lab")
    # a token the server has not seen before the share (it caches a token's answer 300 s)
    fresh = hub.new_token("bob")
    me = httpx.get(
        f"{opened['url']}api/me", headers={"Authorization": f"token {fresh}"}, timeout=30
    )
    assert me.status_code == 200, me.text
    assert me.json()["identity"]["username"] == "bob"


def test_an_outsider_gets_no_share(hub_team):
    hub, server = hub_team
    listed(server, hub.user_token("alice"), "alice:lab")
    r = call(server, hub.user_token("dave"), "POST", "/sessions/alice/lab/open")
    assert r.status_code == 404
    assert "dave" not in shared_with(hub, "alice", "lab")


def test_leaving_the_group_revokes_the_share_and_the_listing(hub_team):
    hub, server = hub_team
    listed(server, hub.user_token("carol"), "alice:lab")
    r = open_session(server, hub.user_token("carol"), "alice", "lab")
    assert r.status_code == 200, r.text
    assert "carol" in shared_with(hub, "alice", "lab")
    hub.remove_from_group("vision", "carol")
    try:
        assert eventually(lambda: "carol" not in shared_with(hub, "alice", "lab"))
        # in no team any more: the team server no longer knows her
        gone = eventually(
            lambda: call(server, hub.user_token("carol"), "GET", "/sessions").status_code == 401
        )
        assert gone, "carol still reads the team's sessions after leaving its group"
        r = call(server, hub.user_token("carol"), "GET", "/sessions/alice/lab")
        assert r.status_code == 401 and "in no team" in r.json()["message"]
    finally:
        hub.add_to_group("vision", "carol")
        eventually(lambda: call(server, hub.user_token("carol"), "GET", "/me").is_success)


def test_membership_is_the_hubs_to_change(hub_team):
    hub, server = hub_team
    listed(server, hub.user_token("alice"), "alice:lab")
    r = call(
        server,
        hub.user_token("alice"),
        "POST",
        "/teams/vision/members",
        json={"username": "eve", "role": "user"},
    )
    assert r.status_code == 403
    assert "Hub group of the same name" in r.json()["message"]


def test_the_admin_cli_does_not_change_a_hub_teams_members(hub_team):
    hub, server = hub_team
    with pytest.raises(RuntimeError, match="Hub group of the same name"):
        server.admin("add-member", "vision", "dave")
    assert "vision" not in {
        t["name"] for t in call(server, hub.user_token("dave"), "GET", "/me").json()["teams"]
    }


def test_a_new_group_is_a_team_and_a_deleted_one_has_no_members(hub_team):
    hub, server = hub_team
    new_hub_user(hub, "frank")  # eve must stay the user no team has ever had
    # a group without the grid_roles property is not a team (a GPU group, a course)
    assert hub.api("POST", "/groups/gpu-users").status_code == 201
    try:
        hub.add_to_group("gpu-users", "frank")
        time.sleep(4 * SYNC_SECONDS)
        r = call(server, hub.user_token("frank"), "GET", "/me")
        assert r.status_code == 401 and "in no team" in r.json()["message"]
    finally:
        hub.api("DELETE", "/groups/gpu-users")
    new_hub_team(hub, "temp-team")
    try:
        hub.add_to_group("temp-team", "frank")
        teams = eventually(
            lambda: (
                (r := call(server, hub.user_token("frank"), "GET", "/me")).is_success
                and [t["name"] for t in r.json()["teams"]]
            )
        )
        assert teams == ["temp-team"]
    finally:
        assert hub.api("DELETE", "/groups/temp-team").status_code == 204
    gone = eventually(
        lambda: call(server, hub.user_token("frank"), "GET", "/me").status_code == 401
    )
    assert gone, "frank is still in the team of a deleted Hub group"


def test_a_team_without_credits_starts_no_hub_server(hub_team):
    hub, server = hub_team
    new_hub_user(hub, "gina")
    new_hub_team(hub, "broke", "gina")
    try:
        eventually(lambda: call(server, hub.user_token("gina"), "GET", "/me").json().get("teams"))
        r = call(server, hub.user_token("gina"), "POST", "/sessions/gina/try/start")
        assert r.status_code == 402
        assert "out of credits" in r.json()["message"]
        assert hub.server_model("gina", "try") is None
    finally:
        hub.api("DELETE", "/groups/broke")
        eventually(lambda: call(server, hub.user_token("gina"), "GET", "/me").status_code == 401)


def test_permission_table_for_hub_sessions(hub_team):
    hub, server = hub_team
    hub.spawn("bob", "scratch")
    try:
        listed(server, hub.user_token("bob"), "bob:scratch")
        # a plain member cannot stop a teammate's server: a clear message, and it still runs
        r = call(server, hub.user_token("bob"), "POST", "/sessions/alice/lab/pause")
        assert r.status_code == 403
        assert "alice" in r.json()["message"]
        assert hub.server_model("alice", "lab")["ready"]
        # an admin (carol) may pause bob's; then bob resumes his own
        r = call(server, hub.user_token("carol"), "POST", "/sessions/bob/scratch/pause")
        assert r.status_code == 200, r.text
        assert not (hub.server_model("bob", "scratch") or {}).get("ready")
        assert listed(server, hub.user_token("bob"), "bob:scratch", "stopped")
        r = call(server, hub.user_token("bob"), "POST", "/sessions/bob/scratch/resume")
        assert r.status_code == 200, r.text
        assert eventually(lambda: (hub.server_model("bob", "scratch") or {}).get("ready"), 60)
        # bob's server's own token is the session scope: no member changes from there
        token = hub.server_environ("bob", "scratch")["JUPYTERHUB_API_TOKEN"]
        r = call(server, token, "GET", "/sessions?scope=team")
        assert r.status_code == 200 and "alice:lab" in {
            f"{s['owner']}:{s['name']}" for s in r.json()["items"]
        }
        r = call(server, token, "POST", "/sessions/alice/lab/pause")
        assert r.status_code == 403
        r = call(server, token, "PUT", "/credentials/github", json={"token": "x" * 20})
        assert r.status_code == 403
        # only the creator or an admin or owner deletes: bob may not delete alice's
        r = call(server, hub.user_token("bob"), "DELETE", "/sessions/alice/lab")
        assert r.status_code == 403
        assert hub.server_model("alice", "lab")["ready"]
        # the team's owner (alice) may stop anyone's: she pauses bob's
        r = call(server, hub.user_token("alice"), "POST", "/sessions/bob/scratch/pause")
        assert r.status_code == 200, r.text
        assert listed(server, hub.user_token("bob"), "bob:scratch", "stopped")
    finally:
        r = call(server, hub.user_token("bob"), "DELETE", "/sessions/bob/scratch")
    assert r.status_code == 204, r.text
    assert eventually(lambda: hub.server_model("bob", "scratch") is None, 60)
    assert eventually(lambda: "bob:scratch" not in sessions(server, hub.user_token("bob")))


def test_grid_session_create_starts_a_named_hub_server_with_a_datastore(hub_team, tmp_path):
    from jupyter_grid_collab.client import GridClient

    hub, server = hub_team
    eventually(lambda: call(server, hub.user_token("dave"), "GET", "/me").is_success)
    data = tmp_path / "notes"
    data.mkdir()
    (data / "readme.txt").write_text("dave's notes\n")
    with GridClient(server.url, hub.user_token("dave")) as dave:
        dave.upload_datastore("notes", data)
    env = {
        **os.environ,
        "GRID_URL": server.url,
        "GRID_API_KEY": hub.user_token("dave"),
        "HOME": str(tmp_path),
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_grid_collab.cli.main",
            "session",
            "create",
            "exp2",
            "--datastore-name",
            "notes",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        assert out.returncode == 0, out.stderr
        assert "dave:exp2 is running on the JupyterHub" in out.stdout
        assert hub.server_model("dave", "exp2")["ready"]
        # mounted in dave's new server by its extension, and recorded as the team sees it
        mounted = out.stdout.split("mounted read-only at ", 1)[1].strip()
        assert Path(mounted, "readme.txt").read_text() == "dave's notes\n"
        seen = listed(server, hub.user_token("dave"), "dave:exp2")
        assert seen["datastores"] == ["dave:notes@1"]
    finally:
        hub.stop_server("dave", "exp2", remove=True)


# ----------------------------------------------------------------- the extension in a Hub server
def context(hub, owner: str, server_name: str, token: str) -> httpx.Response:
    return httpx.get(
        f"{hub.url}/user/{owner}/{server_name}/grid-collab/api/context",
        headers={"Authorization": f"token {token}"},
        timeout=30,
    )


def test_the_extension_in_a_hub_server_is_that_session_without_any_key(hub_team):
    hub, server = hub_team
    r = eventually(
        lambda: (
            (c := context(hub, "alice", "lab", hub.user_token("alice"))).is_success
            and c.json()["session"]["registered"]
            and c
        )
    )
    assert r, "the extension in alice's Hub server never found its session"
    ctx = r.json()
    assert ctx["visitor"] is False
    assert ctx["session"]["owner"] == "alice" and ctx["session"]["name"] == "lab"
    assert ctx["session"]["status"] == "running"
    # the team's listing through the extension: the server's own Hub token, no API key
    r = httpx.get(
        f"{hub.url}/user/alice/lab/grid-collab/api/sessions?scope=team",
        headers={"Authorization": f"token {hub.user_token('alice')}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert "alice:lab" in {f"{s['owner']}:{s['name']}" for s in r.json()["items"]}


def test_a_visitor_let_in_by_open_is_a_visitor_in_the_extension(hub_team):
    hub, server = hub_team
    listed(server, hub.user_token("bob"), "alice:lab")
    r = open_session(server, hub.user_token("bob"), "alice", "lab")
    assert r.status_code == 200, r.text
    fresh = hub.new_token("bob")  # the server caches a token's answer: one it has not seen
    ctx = eventually(lambda: (c := context(hub, "alice", "lab", fresh)).is_success and c)
    assert ctx, "bob, shared with through Open, cannot reach alice's server"
    body = ctx.json()
    assert body["visitor"] is True and body["user"]["username"] == "bob"
    assert body["banner"].startswith("You are visiting alice's session")


def test_a_share_made_behind_the_teams_back_does_not_let_an_outsider_in(hub_team):
    hub, server = hub_team
    listed(server, hub.user_token("alice"), "alice:lab")
    token = hub.new_token("eve")

    def refused_by_the_extension() -> bool:
        # a Hub admin shares alice's server with eve, who is in no team. The team server's
        # reconciliation (every 4 syncs here: 2 s) revokes such a share, and may do so
        # before eve's request arrives: then the Hub itself refuses her (its "Forbidden"),
        # and the share is made again until the request reaches the extension
        r = hub.api("POST", "/shares/alice/lab", json={"user": "eve"})
        assert r.status_code == 200, r.text
        r = context(hub, "alice", "lab", token)
        assert r.status_code == 403, r.text  # never let in, by either
        return "alice's session" in r.text

    try:
        assert eventually(refused_by_the_extension)
    finally:
        hub.api("PATCH", "/shares/alice/lab", json={"user": "eve"})


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and os.environ.get("CI") is None,
    reason="Debian's chromium is not installed (CI installs it)",
)
def test_bob_opens_alices_hub_server_from_his_sidebar_and_lands_under_the_banner(hub_team):
    """In chromium: bob logs in to the Hub, opens his own server's Team sidebar, opens
    alice's session, and lands in her server as himself under the visitor banner."""
    from playwright.sync_api import sync_playwright

    hub, server = hub_team
    listed(server, hub.user_token("bob"), "alice:lab")
    # Open works once the extension in alice's server has called in
    assert eventually(
        lambda: context(hub, "alice", "lab", hub.user_token("alice")).json()["session"][
            "registered"
        ]
    )
    hub.spawn("bob")
    listed(server, hub.user_token("bob"), "bob:default")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"]
            )
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.goto(f"{hub.url}/hub/login")
            page.fill("#username_input", "bob")
            page.fill("#password_input", hub.password)
            page.click("#login_submit")
            page.wait_for_url(lambda url: "/hub/login" not in url, timeout=30_000)
            page.goto(f"{hub.url}/user/bob/lab/workspaces/{uuid.uuid4().hex}")
            page.locator(".jp-LabShell").wait_for(timeout=60_000)
            page.locator("#jp-main-dock-panel").click()
            page.keyboard.press("Alt+Shift+T")
            alice = page.locator(
                ".jp-GridCollab-panel .jp-GridCollab-row[data-kind=session]"
                "[data-owner=alice][data-name='lab']"
            )
            alice.wait_for(timeout=30_000)
            alice.locator(".jp-GridCollab-action[data-action=open]").click()
            dialog = page.locator(".jp-Dialog")
            dialog.wait_for(timeout=30_000)
            assert "alice's GitHub identity" in dialog.inner_text()
            with page.context.expect_page(timeout=30_000) as opened:
                dialog.locator(".jp-mod-accept").click()
            visit = opened.value
            banner = visit.locator("#grid-collab-visitor-banner")
            authorize = visit.get_by_role("button", name="Authorize")
            banner.or_(authorize).first.wait_for(timeout=60_000)
            if authorize.count():
                authorize.first.click()  # the Hub asks once before a shared server opens
            banner.wait_for(timeout=60_000)
            assert visit.url.startswith(f"{hub.url}/user/alice/lab/")
            assert banner.inner_text().startswith(
                "You are visiting alice's session (full access: code you run here runs as alice)"
            )
            me = visit.evaluate(
                # a Hub server takes a cookie on its API only beside the XSRF token
                """async (url) => {
                const xsrf = document.cookie.match(/_xsrf=([^;]+)/)[1];
                const r = await fetch(url, {headers: {'X-XSRFToken': decodeURIComponent(xsrf)}});
                return {status: r.status, body: await r.text()}; }""",
                f"{hub.url}/user/alice/lab/api/me",
            )
            assert me["status"] == 200, me
            assert json.loads(me["body"])["identity"]["username"] == "bob"
            browser.close()
    finally:
        hub.stop_server("bob")
