"""What one Hub sync does to the store (store/hub_mirror.py), on a real SQLite file and a
real PostgreSQL database: the snapshot is what the Hub answered (tests/test_hub.py gets it
from a real Hub); here it is written out, to reach the cases a live Hub makes slow or hard
(a visit that ran its length, a Hub answering no group, names the team server cannot hold,
a user in two groups)."""

from __future__ import annotations

import time

import pytest
from teamserver_harness import create_pg_database, drop_pg_database

from jupyter_grid_collab.bodies import Heartbeat
from jupyter_grid_collab.hub_sessions import session_name
from jupyter_grid_collab.teamserver.cli import open_store
from jupyter_grid_collab.teamserver.errors import Conflict, NotAllowed, OutOfCredits
from jupyter_grid_collab.teamserver.hub.api import HubGroup, HubServer, HubSnapshot
from jupyter_grid_collab.teamserver.store.hub_mirror import Revocation

HUB = "http://hub.example"
STARTED = time.time() - 60  # when the Hub says the servers started


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    db = create_pg_database() if request.param == "postgresql" else None
    s = open_store(str(tmp_path / "team"), db)
    s.core.members_from_hub = True
    yield s
    s.engine.dispose()
    if db:
        drop_pg_database(db)


def group(name: str, *users: str, **roles: str) -> HubGroup:
    return HubGroup(name, users, dict(roles))


def server(user: str, name: str = "", ready: bool = True, used: bool = True) -> HubServer:
    ts = STARTED
    return HubServer(
        user=user,
        name=name,
        url=f"{HUB}/user/{user}/{name}",
        ready=ready,
        pending=None,
        started=ts if ready else None,
        last_activity=ts if used else None,
    )


def extension_calls_in(store, owner: str, server_name: str) -> None:
    """What the extension in a Hub server does once it runs: a heartbeat with the server's
    own token (the session scope), after which the session may be opened."""
    caller = store.hub.server(owner, server_name, f"test:{owner}/{server_name}")
    store.sessions.heartbeat(caller, owner, session_name(server_name), Heartbeat(visitors="full"))


def teams_of(store, user: str) -> dict[str, str]:
    caller = store.core.caller_for(user)
    return {caller.team_names[tid]: role for tid, role in caller.roles.items()}


def sessions_of(store, user: str) -> dict[str, str]:
    page = store.sessions.list_sessions(store.core.caller_for(user), scope="team")
    return {f"{s['owner']}:{s['name']}": s["status"] for s in page["items"]}


def test_groups_become_teams_with_roles_and_servers_sessions(store):
    result = store.hub.apply(
        HubSnapshot(
            [group("vision", "alice", "bob", alice="owner", bob="boss")],
            [server("alice", "lab"), server("alice"), server("bob", used=False, ready=False)],
        )
    )
    assert result.changed and not result.revocations
    assert teams_of(store, "alice") == {"vision": "owner"}
    assert teams_of(store, "bob") == {"vision": "user"}  # an unknown role is "user"
    # bob's default server was never used: no session; alice's default one is "default"
    assert sessions_of(store, "bob") == {"alice:lab": "running", "alice:default": "running"}
    again = store.hub.apply(
        HubSnapshot(
            [group("vision", "alice", "bob", alice="owner", bob="boss")],
            [server("alice", "lab"), server("alice"), server("bob", used=False, ready=False)],
        )
    )
    assert again.changed == 0  # the same answer changes nothing


def test_names_the_team_server_cannot_hold_are_skipped_with_the_rule(store):
    result = store.hub.apply(
        HubSnapshot(
            [group("Vision Team", "alice"), group("nlp", "alice", "Bob.Smith")],
            [server("alice", "default"), server("alice", "My Lab")],
        )
    )
    skipped = "\n".join(result.skipped)
    assert "group 'Vision Team'" in skipped
    assert "user 'Bob.Smith'" in skipped
    assert "server alice/default: a named server 'default' would be taken" in skipped
    assert "server alice/My Lab" in skipped
    assert teams_of(store, "alice") == {"nlp": "user"}


def test_a_user_in_two_groups_has_their_sessions_in_the_first_by_name(store):
    store.hub.apply(
        HubSnapshot([group("vision", "bob"), group("nlp", "bob")], [server("bob", "lab")])
    )
    caller = store.core.caller_for("bob")
    (session,) = store.sessions.list_sessions(caller, scope="mine")["items"]
    assert session["team"] == "nlp"


def test_leaving_a_group_ends_visits_and_names_the_shares_to_revoke(store):
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], [server("alice", "lab")]))
    bob = store.core.caller_for("bob")
    # a Hub server no extension called in from is not shared: nothing there would guard it
    with pytest.raises(Conflict, match="has not called in"):
        store.visits.open_session(bob, "alice", "lab")
    extension_calls_in(store, "alice", "lab")
    opened = store.visits.open_session(bob, "alice", "lab")
    assert opened["hub_share"] == {"owner": "alice", "server": "lab", "user": "bob"}
    result = store.hub.apply(HubSnapshot([group("vision", "alice")], [server("alice", "lab")]))
    assert result.revocations == [Revocation("alice", "lab", "bob")]
    assert teams_of(store, "bob") == {}


def test_a_stopped_server_ends_its_visits_and_a_gone_one_its_session(store):
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], [server("alice", "lab")]))
    extension_calls_in(store, "alice", "lab")
    store.visits.open_session(store.core.caller_for("bob"), "alice", "lab")
    stopped = store.hub.apply(
        HubSnapshot([group("vision", "alice", "bob")], [server("alice", "lab", ready=False)])
    )
    assert stopped.revocations == [Revocation("alice", "lab", "bob")]
    assert sessions_of(store, "bob") == {"alice:lab": "stopped"}
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], []))
    assert sessions_of(store, "bob") == {}


def test_a_visit_that_ran_its_length_is_revoked(store):
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], [server("alice", "lab")]))
    extension_calls_in(store, "alice", "lab")
    store.visits.open_session(store.core.caller_for("bob"), "alice", "lab", visit_seconds=0.01)
    time.sleep(0.05)
    result = store.hub.apply(
        HubSnapshot([group("vision", "alice", "bob")], [server("alice", "lab")])
    )
    assert result.revocations == [Revocation("alice", "lab", "bob")]


def test_a_hub_answering_no_group_keeps_everyone(store):
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], [server("alice", "lab")]))
    result = store.hub.apply(HubSnapshot([], []))
    assert "the Hub listed none" in result.skipped[0]
    assert teams_of(store, "bob") == {"vision": "user"}
    assert sessions_of(store, "bob") == {"alice:lab": "running"}
    # a deleted group, with others left, does end its team's membership
    store.hub.apply(HubSnapshot([group("vision", "alice"), group("nlp", "bob")], []))
    assert teams_of(store, "alice") == {"vision": "user"}
    store.hub.apply(HubSnapshot([group("nlp", "bob")], []))
    assert teams_of(store, "alice") == {}


def test_membership_and_credits_under_a_hub(store):
    store.hub.apply(HubSnapshot([group("vision", "alice", alice="owner")], []))
    alice = store.core.caller_for("alice")
    with pytest.raises(NotAllowed, match="Hub group of the same name"):
        store.teams.set_member(alice, "vision", "alice", "admin")
    # a team made from a group starts with no credits: no server is started for it
    with pytest.raises(OutOfCredits):
        store.hub.may_start(alice, "alice", "lab")
    store.teams.add_credits("vision", 10)
    store.hub.may_start(alice, "alice", "lab")


def test_a_restarted_server_must_call_in_again_and_its_url_is_the_hubs(store):
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], [server("alice", "lab")]))
    extension_calls_in(store, "alice", "lab")
    # code in the server cannot point teammates elsewhere: a beat's URL is ignored
    caller = store.hub.server("alice", "lab", "test:alice/lab")
    beat = Heartbeat(url="http://evil.example/")
    assert store.sessions.heartbeat(caller, "alice", "lab", beat)["url"] == f"{HUB}/user/alice/lab"
    restarted = HubServer(
        user="alice",
        name="lab",
        url=f"{HUB}/user/alice/lab",
        ready=True,
        pending=None,
        started=STARTED + 30,
        last_activity=STARTED + 30,
    )
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], [restarted]))
    with pytest.raises(Conflict, match="has not called in"):
        store.visits.open_session(store.core.caller_for("bob"), "alice", "lab")


def test_someone_in_no_team_is_nobody_under_a_hub(store):
    from jupyter_grid_collab.teamserver.errors import NotAuthenticated

    store.hub.apply(HubSnapshot([group("vision", "alice"), group("nlp", "bob")], []))
    store.hub.apply(HubSnapshot([group("vision", "alice")], []))
    with pytest.raises(NotAuthenticated, match="bob is in no team"):
        store.hub.person("bob", "test:bob")
    assert store.hub.person("alice", "test:alice").username == "alice"


def test_an_extension_calling_in_while_its_server_is_pending_is_kept(store):
    spawning = HubServer(
        user="alice",
        name="lab",
        url=f"{HUB}/user/alice/lab",
        ready=False,
        pending="spawn",
        started=None,
        last_activity=None,
    )
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], [spawning]))
    extension_calls_in(store, "alice", "lab")
    # rounds while it is still pending, then the Hub calls it ready: the same start
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], [spawning]))
    store.hub.apply(HubSnapshot([group("vision", "alice", "bob")], [server("alice", "lab")]))
    opened = store.visits.open_session(store.core.caller_for("bob"), "alice", "lab")
    assert opened["visitors"] == "full"
