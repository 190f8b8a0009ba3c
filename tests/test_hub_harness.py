"""What a real JupyterHub 6 does that the Hub integration relies on (tests/hub_harness.py).

One Hub for the module and one long-lived server (alice's "lab", started by the team
server's service token); the start/stop/remove test spawns a second, short-lived one.
"""

from __future__ import annotations

import httpx
import pytest
from hub_harness import SERVICE_NAME, HubProcess, running_hub

ACCESS_SERVICE = f"access:services!service={SERVICE_NAME}"
SERVER_KEYS = {
    "name",
    "display_name",
    "full_name",
    "ready",
    "pending",
    "stopped",
    "started",
    "last_activity",
    "url",
    "full_url",
    "progress_url",
    "user_options",
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with running_hub(tmp_path_factory.mktemp("hub")) as hub:
        yield hub
    # stop() ran: nothing of the Hub (proxy, servers, kernels) may be left running
    assert hub.proc is not None and hub.proc.returncode is not None
    assert hub._marked_pids() == []


@pytest.fixture(scope="module")
def alice_lab(hub: HubProcess) -> str:
    """alice's named server "lab", started by the team server's token; its full URL."""
    return hub.spawn("alice", "lab", token=hub.service_token)


def who(server_url: str, token: str) -> tuple[int, str | None]:
    """(status, username) of ``GET <server>/api/me`` with ``token``."""
    r = httpx.get(server_url + "api/me", headers={"Authorization": f"token {token}"}, timeout=30)
    return r.status_code, r.json()["identity"]["username"] if r.status_code == 200 else None


def hub_identity(hub: HubProcess, token: str) -> dict:
    r = hub.api("GET", "/user", token=token)
    assert r.status_code == 200, r.text
    return r.json()


def test_person_token_and_server_token_are_told_apart_by_scopes(hub, alice_lab):
    person = hub_identity(hub, hub.user_token("alice"))
    assert person["name"] == "alice" and person["kind"] == "user"
    assert ACCESS_SERVICE in person["scopes"]
    assert "access:servers!user=alice" in person["scopes"]

    server_token = hub.server_environ("alice", "lab")["JUPYTERHUB_API_TOKEN"]
    server = hub_identity(hub, server_token)
    assert server["name"] == "alice" and server["kind"] == "user"
    assert ACCESS_SERVICE not in server["scopes"]
    assert "access:servers!server=alice/lab" in server["scopes"]
    assert "access:servers!user=alice" not in server["scopes"]

    # the team server's own token names the service, and no one else can use it as a user
    service = hub_identity(hub, hub.service_token)
    assert service["kind"] == "service" and service["name"] == SERVICE_NAME


def test_service_reads_teams_with_properties_and_membership_changes(hub):
    r = hub.api("GET", "/groups/vision", token=hub.service_token)
    assert r.status_code == 200
    assert sorted(r.json()["users"]) == ["alice", "bob", "carol"]
    assert r.json()["properties"] == {"grid_roles": {"alice": "owner", "carol": "admin"}}
    names = [g["name"] for g in hub.api("GET", "/groups", token=hub.service_token).json()]
    assert sorted(names) == ["other", "vision"]

    hub.add_to_group("vision", "eve")
    try:
        users = hub.api("GET", "/groups/vision", token=hub.service_token).json()["users"]
        assert "eve" in users
        eve = hub.api("GET", "/users/eve", token=hub.service_token).json()
        assert eve["groups"] == ["vision"]
    finally:
        hub.remove_from_group("vision", "eve")
    users = hub.api("GET", "/groups/vision", token=hub.service_token).json()["users"]
    assert "eve" not in users


def test_service_lists_every_users_servers(hub, alice_lab):
    r = hub.api("GET", "/users?include_stopped_servers=1", token=hub.service_token)
    assert r.status_code == 200
    users = {u["name"]: u for u in r.json()}
    assert sorted(users) == ["alice", "bob", "carol", "dave", "eve"]
    lab = users["alice"]["servers"]["lab"]
    assert SERVER_KEYS <= set(lab)
    assert "state" not in lab  # admin:server_state only
    assert lab["ready"] is True and lab["stopped"] is False and lab["pending"] is None
    assert lab["url"] == "/user/alice/lab/" and lab["full_url"] == alice_lab
    assert lab["started"] and lab["last_activity"]
    # every user has a default server entry, never started
    assert users["eve"]["servers"][""]["stopped"] is True
    assert users["eve"]["servers"][""]["started"] is None

    # without include_stopped_servers: running (or pending) servers only
    ready = hub.api("GET", "/users?state=ready", token=hub.service_token).json()
    assert [(u["name"], sorted(u["servers"])) for u in ready] == [("alice", ["lab"])]


def test_service_starts_stops_and_removes_a_named_server(hub):
    url = hub.spawn("carol", "scratch", token=hub.service_token)
    assert url == f"{hub.url}/user/carol/scratch/"
    assert who(url, hub.user_token("carol")) == (200, "carol")

    hub.stop_server("carol", "scratch", token=hub.service_token)
    listed = hub.api("GET", "/users/carol?include_stopped_servers=1", token=hub.service_token)
    assert listed.json()["servers"]["scratch"]["stopped"] is True
    # the Hub answers for a stopped server: 424, with where to restart it
    gone = httpx.get(
        url + "api/status",
        headers={"Authorization": f"token {hub.user_token('carol')}"},
        follow_redirects=True,
        timeout=30,
    )
    assert gone.status_code == 424
    assert gone.url.path == "/hub/user/carol/scratch/api/status"

    r = hub.api(
        "DELETE", "/users/carol/servers/scratch", token=hub.service_token, json={"remove": True}
    )
    assert r.status_code == 204
    listed = hub.api("GET", "/users/carol?include_stopped_servers=1", token=hub.service_token)
    assert "scratch" not in listed.json()["servers"]


def test_share_lets_bob_into_alices_server_with_his_own_token(hub, alice_lab):
    shares = "/shares/alice/lab"
    # fresh tokens: the server caches each token's answer from the Hub for up to 300 s
    bob_early = hub.new_token("bob")
    assert who(alice_lab, bob_early) == (403, None)
    assert who(alice_lab, hub.user_token("eve")) == (403, None)

    r = hub.api("POST", shares, token=hub.service_token, json={"user": "bob"})
    try:
        assert r.status_code == 200, r.text
        assert r.json()["scopes"] == ["access:servers!server=alice/lab"]
        assert r.json()["user"] == {"name": "bob"}

        bob = hub.new_token("bob")
        assert who(alice_lab, bob) == (200, "bob")
        assert "access:servers!server=alice/lab" in hub_identity(hub, bob)["scopes"]
        assert who(alice_lab, hub.user_token("eve")) == (403, None)
        # a token the server refused before the share stays refused until its cache expires
        assert who(alice_lab, bob_early) == (403, None)

        listed = hub.api("GET", shares, token=hub.service_token).json()["items"]
        assert [s["user"]["name"] for s in listed] == ["bob"]
    finally:
        # revoke one user's share: PATCH with the same body ({} once nothing is left)
        r = hub.api("PATCH", shares, token=hub.service_token, json={"user": "bob"})
    assert r.status_code == 200 and r.json() == {}
    assert hub.api("GET", shares, token=hub.service_token).json()["items"] == []
    assert who(alice_lab, hub.new_token("bob")) == (403, None)
    # ...but a token the server let in before the revocation keeps working (cached)
    assert who(alice_lab, bob) == (200, "bob")


def test_delete_revokes_every_share_of_a_server(hub, alice_lab):
    shares = "/shares/alice/lab"
    for body in ({"group": "vision"}, {"user": "dave"}):
        assert hub.api("POST", shares, token=hub.service_token, json=body).status_code == 200
    assert len(hub.api("GET", shares, token=hub.service_token).json()["items"]) == 2
    assert hub.api("DELETE", shares, token=hub.service_token).status_code == 204
    assert hub.api("GET", shares, token=hub.service_token).json()["items"] == []
    assert who(alice_lab, hub.new_token("dave")) == (403, None)
