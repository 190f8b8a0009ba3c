"""The team server as a real JupyterHub's service (``--team-source jupyterhub``): teams are
Hub groups, sessions are Hub servers, Open is a Hub share. No API key of ours anywhere: every
call here carries a Hub token (a person's, minted by the Hub, or a server's own
``JUPYTERHUB_API_TOKEN``).

One Hub (tests/hub_harness.py: vision = alice owner, bob, carol admin; other = dave; eve in
no group) and one team server per database; tests leave the groups as they found them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hub_harness import SERVICE_NAME, running_hub
from teamserver_harness import TeamServerProcess, create_pg_database, drop_pg_database

SYNC_SECONDS = 0.5


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub_team(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"hub-{request.param}")
    db = create_pg_database() if request.param == "postgresql" else None
    with running_hub(base / "hub") as hub:
        server = TeamServerProcess(
            base / "team",
            db=db,
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
            },
        )
        server.start()
        try:
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
    r = call(server, hub.user_token("bob"), "POST", "/sessions/alice/lab/open")
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
    r = call(server, hub.user_token("carol"), "POST", "/sessions/alice/lab/open")
    assert r.status_code == 200, r.text
    assert "carol" in shared_with(hub, "alice", "lab")
    hub.remove_from_group("vision", "carol")
    try:
        assert eventually(lambda: "carol" not in shared_with(hub, "alice", "lab"))
        gone = eventually(lambda: "alice:lab" not in sessions(server, hub.user_token("carol")))
        assert gone, "carol still lists the team's sessions after leaving its group"
        r = call(server, hub.user_token("carol"), "GET", "/sessions/alice/lab")
        assert r.status_code == 404
    finally:
        hub.add_to_group("vision", "carol")
        listed(server, hub.user_token("carol"), "alice:lab")


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
    assert "JupyterHub group 'vision'" in r.json()["message"]


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
    finally:
        r = call(server, hub.user_token("bob"), "DELETE", "/sessions/bob/scratch")
    assert r.status_code == 204, r.text
    assert eventually(lambda: hub.server_model("bob", "scratch") is None, 60)
    assert eventually(lambda: "bob:scratch" not in sessions(server, hub.user_token("bob")))


def test_grid_session_create_starts_a_named_hub_server(hub_team, tmp_path):
    hub, server = hub_team
    eventually(lambda: call(server, hub.user_token("dave"), "GET", "/me").is_success)
    env = {
        **os.environ,
        "GRID_URL": server.url,
        "GRID_API_KEY": hub.user_token("dave"),
        "HOME": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-m", "jupyter_grid_collab.cli.main", "session", "create", "exp2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        assert out.returncode == 0, out.stderr
        assert "dave:exp2" in out.stdout and "JupyterHub" in out.stdout
        assert hub.server_model("dave", "exp2") is not None
        listed = eventually(
            lambda: (
                sessions(server, hub.user_token("dave")).get("dave:exp2", {}).get("status")
                == "running"
            ),
            60,
        )
        assert listed
    finally:
        hub.stop_server("dave", "exp2", remove=True)
    assert Path(tmp_path).exists()
