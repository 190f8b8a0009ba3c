"""A session's server acts for its owner and its visitors only within their scopes (issue 11).

Against the real team server (both backends). A session's server is whatever machine its owner
registered, so the tests play a hostile one:

- the trap session: mallory (a plain member) registers a session whose URL is his own, bob (a
  team owner and site admin: his own key could do all of it) opens it, mallory's "server"
  redeems bob's ticket and tries, as bob, everything a visit does not need. All refused (403
  naming the visit), nothing changed, the audit log says "bob via session mallory:<name>";
  what a visit needs still works.
- the session credential (the secret alone) acts as its owner but cannot change members,
  roles, credits, keys or credentials, nor touch the owner's other sessions or a teammate's
  resources; a session needs: heartbeat, runs, uploads, attach.
- the team server fixes how long a visit lasts, and a visit ends with its session.
- what visitors may do ("view" | "full") is on the session record, the Open answer and the
  visit.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from teamserver_harness import TeamServerProcess

API = "/api/v1"
SESSION_REFUSAL = (
    "a session's server cannot change members, roles, credits, API keys or "
    "GitHub credentials; use your own API key (grid login)"
)


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def admin_store(team_server):
    """The server's store opened directly, to make fresh people and teams quickly (the seeded
    users must stay as the other tests expect them)."""
    from jupyter_grid_collab.teamserver.cli import open_store

    store = open_store(str(team_server.data_dir), team_server.db)
    yield store
    store.engine.dispose()


@dataclass
class Team:
    """A fresh team on one server, with a caller for each way of calling."""

    server: Any
    name: str
    keys: dict[str, str] = field(default_factory=dict)

    def http(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        secret: str | None = None,
        visitor: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        headers = kw.pop("headers", {})
        if key:
            headers["Authorization"] = f"token {self.keys.get(key, key)}"
        if secret:
            headers["X-Grid-Session-Secret"] = secret
        if visitor:
            headers["X-Grid-Visitor"] = visitor
        return httpx.request(
            method, self.server.url + API + path, headers=headers, timeout=30, **kw
        )

    def ok(self, user: str, method: str, path: str, **kw: Any) -> Any:
        r = self.http(method, path, key=user, **kw)
        assert r.status_code < 300, (method, path, r.status_code, r.text)
        return r.json() if r.content and "json" in r.headers.get("content-type", "") else r

    def audit(self, reader: str) -> list[dict]:
        return self.ok(reader, "GET", f"/teams/{self.name}/audit", params={"limit": 200})["items"]


def make_team(server, store, **roles: str) -> tuple[Team, dict[str, str]]:
    """A fresh team: ``roles`` maps a label ("bob") to a role; the first is the owner. Labels
    ending in "!" are site admins. Returns the team and label -> username."""
    team = Team(server, fresh("tt"))
    people = {}
    for i, (label, role) in enumerate(roles.items()):
        name = fresh(label.rstrip("!"))
        store.teams.create_user(name, f"{name}@example.com", f"{name}-gh", label.endswith("!"))
        team.keys[name] = store.teams.create_key(name)
        people[label.rstrip("!")] = name
        if i == 0:
            store.teams.create_team(team.name, name)
        else:
            store.teams.set_member(None, team.name, name, role)
    store.teams.add_credits(team.name, 100)
    return team, people


def register(team: Team, owner: str, name: str | None = None, **body: Any) -> tuple[str, str]:
    name = name or fresh("s")
    out = team.ok(
        owner,
        "POST",
        "/sessions",
        json={"name": name, "team": team.name, "url": f"http://127.0.0.1:9/{name}/", **body},
    )
    return name, out["server_secret"]


def visit(team: Team, visitor: str, owner: str, session: str, secret: str, **body: Any) -> dict:
    """``visitor`` opens ``owner``'s session; its server redeems the ticket."""
    opened = team.ok(visitor, "POST", f"/sessions/{owner}/{session}/open")
    ticket = opened["url"].split("ticket=", 1)[1]
    r = team.http("POST", "/visits/redeem", secret=secret, json={"ticket": ticket, **body})
    assert r.status_code == 200, r.text
    return {**r.json(), "open": opened}


def make_run(team: Team, owner: str, tmp: Path) -> dict:
    """A tracked run of ``owner`` with a log and an artifact (it stays running)."""
    name = fresh("r")
    data = os.urandom(1024)
    (tmp / "w.bin").write_bytes(data)
    with team.server.client(owner, api_key=team.keys[owner]) as c:
        c.create_run("python train.py", {"lr": [0.1]}, name=name, tracked=True, team=team.name)
        c.append_logs(f"{owner}:{name}-exp0", ["epoch 1"])
        c.upload_artifact(f"{owner}:{name}-exp0", "model/w.bin", tmp / "w.bin")
    return {"name": name, "exp": f"{name}-exp0", "bytes": data}


def make_datastore(team: Team, owner: str, tmp: Path) -> dict:
    name = fresh("d")
    data = os.urandom(512)
    (tmp / "train.csv").write_bytes(data)
    with team.server.client(owner, api_key=team.keys[owner]) as c:
        c.upload_datastore(name, tmp / "train.csv", team=team.name)
    return {"name": name, "bytes": data}


# ----------------------------------------------------------------- the trap session
@dataclass
class Trap:
    team: Team
    p: dict[str, str]  # label -> username
    session: str  # mallory's session
    secret: str  # mallory's session secret: "his server" holds it
    run: dict
    ds: dict
    bob_session: str
    bob_secret: str
    token: str  # bob's GitHub token
    visit: dict
    upload: str  # an upload bob began and has not committed

    @property
    def via(self) -> str:
        return f"{self.p['mallory']}:{self.session}"

    def as_bob(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.team.http(method, path, secret=self.secret, visitor=self.p["bob"], **kw)


@pytest.fixture(scope="module")
def trap(team_server, admin_store, tmp_path_factory) -> Trap:
    team, p = make_team(
        team_server, admin_store, **{"bob!": "owner", "mallory": "user", "carl": "user"}
    )
    outsider = fresh("eve")
    admin_store.teams.create_user(outsider, f"{outsider}@example.com")
    p["outsider"] = outsider
    bob, mallory = p["bob"], p["mallory"]
    tmp = tmp_path_factory.mktemp("trap")
    token = "ghp_" + uuid.uuid4().hex
    team.ok(bob, "PUT", "/credentials/github", json={"token": token, "login": f"{bob}-gh"})
    run = make_run(team, bob, tmp)
    ds = make_datastore(team, bob, tmp)
    bob_session, bob_secret = register(team, bob)
    upload = team.ok(bob, "POST", "/uploads", json={"name": fresh("u"), "team": team.name})
    # mallory's session points at a server of his own; bob presses Open, the ticket lands
    # there, and mallory's server redeems it
    session, secret = register(team, mallory)
    visited = visit(team, bob, mallory, session, secret)
    return Trap(
        team,
        p,
        session,
        secret,
        run,
        ds,
        bob_session,
        bob_secret,
        token,
        visited,
        upload["upload_id"],
    )


class Balance(float):
    """A team balance compared as "no credits were added": running sessions are charged
    while a test runs, so a later reading may be lower, never higher."""

    def __eq__(self, earlier: object) -> bool:
        return isinstance(earlier, float) and earlier - 1.0 <= self <= earlier

    __hash__ = float.__hash__


def trap_state(trap: Trap) -> dict:
    """Everything a refused call must leave as it was, read with bob's own key."""
    team, bob, run = trap.team, trap.p["bob"], trap.run
    detail = team.ok(bob, "GET", f"/teams/{team.name}")
    run_now = team.ok(bob, "GET", f"/runs/{bob}/{run['name']}")
    git = team.http(
        "GET", f"/sessions/{bob}/{trap.bob_session}/git-credential", secret=trap.bob_secret
    ).json()
    return {
        "members": sorted((m["username"], m["role"]) for m in detail["members"]),
        "quota": detail["storage_quota_bytes"],
        # running sessions are charged as the test goes: credits only ever go down
        "balance": Balance(detail["balance"]),
        "teams": sorted(t["name"] for t in team.ok(bob, "GET", "/teams")["items"]),
        "credential": (git["login"], git["token"]),
        "datastore": team.ok(bob, "GET", f"/datastores/{bob}/{trap.ds['name']}")["versions"],
        "datastores": sorted(
            d["name"] for d in team.ok(bob, "GET", "/datastores", params={"limit": 200})["items"]
        ),
        "artifacts": [
            a["path"]
            for a in team.ok(bob, "GET", f"/experiments/{bob}/{trap.run['exp']}/artifacts")["items"]
        ],
        "run": (run_now["status"], [e["status"] for e in run_now["experiments"]]),
        "bob's runs": sorted(
            r["name"]
            for r in team.ok(bob, "GET", "/runs", params={"scope": "mine", "limit": 200})["items"]
        ),
        "bob's sessions": sorted(
            (s["name"], s["status"])
            for s in team.ok(bob, "GET", "/sessions", params={"scope": "mine", "limit": 200})[
                "items"
            ]
        ),
        "mallory's session": team.ok(bob, "GET", f"/sessions/{trap.p['mallory']}/{trap.session}")[
            "status"
        ],
    }


def test_a_session_reaches_only_its_own_team(team_server, admin_store, tmp_path_factory):
    # Given bob in two teams (mallory only in the first) with a run and a datastore in the
    # second, and bob visiting mallory's session of the first team
    team, p = make_team(team_server, admin_store, **{"bob": "owner", "mallory": "user"})
    other, q = make_team(team_server, admin_store, carol="owner")
    bob, mallory = p["bob"], p["mallory"]
    admin_store.teams.set_member(None, other.name, bob, "user")
    other.keys[bob] = team.keys[bob]
    tmp = tmp_path_factory.mktemp("two-teams")
    run = make_run(other, bob, tmp)
    ds = make_datastore(other, bob, tmp)
    session, secret = register(team, mallory)
    visit(team, bob, mallory, session, secret)
    bobs_session, bobs_secret = register(team, bob)
    # When mallory's server (as bob), and bob's own session of the first team, look there
    for how in ({"secret": secret, "visitor": bob}, {"secret": bobs_secret}):
        runs = team.http("GET", "/runs", params={"scope": "team", "limit": 200}, **how)
        # Then the second team is not there: listed, named or attached
        assert runs.status_code == 200
        assert run["name"] not in [r["name"] for r in runs.json()["items"]]
        assert team.http("GET", f"/runs/{bob}/{run['name']}", **how).status_code == 404
        assert team.http("GET", f"/experiments/{bob}/{run['exp']}/logs", **how).status_code == 404
        assert team.http("GET", f"/teams/{other.name}/audit", **how).status_code == 404
        attach = team.http("POST", f"/datastores/{bob}/{ds['name']}/attach", json={}, **how)
        assert attach.status_code == 404, attach.text
        teams = team.http("GET", "/teams", **how).json()["items"]
        assert [t["name"] for t in teams] == [team.name]
    # while bob's own key still sees his second team
    assert team.http("GET", f"/runs/{bob}/{run['name']}", key=bob).status_code == 200


# (what mallory's server tries as bob, request built from the trap)
REFUSED_AS_VISITOR = {
    "make mallory owner": lambda t: (
        "PATCH",
        f"/teams/{t.team.name}/members/{t.p['mallory']}",
        {"role": "owner"},
    ),
    "make mallory admin": lambda t: (
        "PATCH",
        f"/teams/{t.team.name}/members/{t.p['mallory']}",
        {"role": "admin"},
    ),
    "add an outsider": lambda t: (
        "POST",
        f"/teams/{t.team.name}/members",
        {"username": t.p["outsider"], "role": "admin"},
    ),
    "remove a member": lambda t: ("DELETE", f"/teams/{t.team.name}/members/{t.p['carl']}", None),
    "set the team's storage quota": lambda t: (
        "PATCH",
        f"/teams/{t.team.name}",
        {"storage_quota_bytes": 1},
    ),
    "add credits": lambda t: ("POST", f"/teams/{t.team.name}/credits", {"amount": 1000}),
    "create a team": lambda t: ("POST", "/teams", {"name": fresh("evil"), "owner": t.p["mallory"]}),
    "create a user": lambda t: ("POST", "/users", {"username": fresh("sock")}),
    "set bob's GitHub credential": lambda t: (
        "PUT",
        "/credentials/github",
        {"token": "ghp_" + "e" * 36, "login": "evil"},
    ),
    "delete bob's GitHub credential": lambda t: ("DELETE", "/credentials/github", None),
    "read bob's credentials": lambda t: ("GET", "/credentials", None),
    "delete a datastore version": lambda t: (
        "DELETE",
        f"/datastores/{t.p['bob']}/{t.ds['name']}?version=1",
        None,
    ),
    "delete bob's run": lambda t: ("DELETE", f"/runs/{t.p['bob']}/{t.run['name']}", None),
    "stop bob's run": lambda t: ("POST", f"/runs/{t.p['bob']}/{t.run['name']}/stop", None),
    "stop bob's experiment": lambda t: (
        "POST",
        f"/experiments/{t.p['bob']}/{t.run['exp']}/stop",
        None,
    ),
    "delete bob's experiment": lambda t: (
        "DELETE",
        f"/experiments/{t.p['bob']}/{t.run['exp']}",
        None,
    ),
    "report on bob's experiment": lambda t: (
        "POST",
        f"/experiments/{t.p['bob']}/{t.run['exp']}/status",
        {"status": "failed"},
    ),
    "write bob's logs": lambda t: (
        "POST",
        f"/experiments/{t.p['bob']}/{t.run['exp']}/logs",
        {"lines": ["forged"]},
    ),
    "create a run as bob": lambda t: (
        "POST",
        "/runs",
        {"command": "python evil.py", "name": fresh("evil"), "team": t.team.name},
    ),
    "clone bob's run as bob": lambda t: (
        "POST",
        f"/runs/{t.p['bob']}/{t.run['name']}/clone",
        {"name": fresh("evil")},
    ),
    "clone bob's experiment as bob": lambda t: (
        "POST",
        f"/experiments/{t.p['bob']}/{t.run['exp']}/clone",
        {"name": fresh("evil")},
    ),
    "upload an artifact to bob's experiment": lambda t: (
        "PUT",
        f"/experiments/{t.p['bob']}/{t.run['exp']}/artifacts/evil.bin",
        b"evil",
    ),
    "register a session as bob": lambda t: (
        "POST",
        "/sessions",
        {"name": fresh("evil"), "team": t.team.name},
    ),
    "stop bob's session": lambda t: ("POST", f"/sessions/{t.p['bob']}/{t.bob_session}/stop", None),
    "pause bob's session": lambda t: (
        "POST",
        f"/sessions/{t.p['bob']}/{t.bob_session}/pause",
        None,
    ),
    "heartbeat bob's session": lambda t: (
        "POST",
        f"/sessions/{t.p['bob']}/{t.bob_session}/heartbeat",
        {"url": "http://evil/"},
    ),
    "delete bob's session": lambda t: ("DELETE", f"/sessions/{t.p['bob']}/{t.bob_session}", None),
    "resume bob's session": lambda t: (
        "POST",
        f"/sessions/{t.p['bob']}/{t.bob_session}/resume",
        None,
    ),
    "stop mallory's own session as bob": lambda t: (
        "POST",
        f"/sessions/{t.p['mallory']}/{t.session}/stop",
        None,
    ),
    "open a session as bob (a login link)": lambda t: (
        "POST",
        f"/sessions/{t.p['bob']}/{t.bob_session}/open",
        None,
    ),
    "begin an upload": lambda t: ("POST", "/uploads", {"name": fresh("evil"), "team": t.team.name}),
    "add a file to bob's upload": lambda t: ("PUT", f"/uploads/{t.upload}/files/evil.txt", b"evil"),
    "commit bob's upload": lambda t: ("POST", f"/uploads/{t.upload}/commit", None),
    "abort bob's upload": lambda t: ("DELETE", f"/uploads/{t.upload}", None),
    "upload a source": lambda t: ("PUT", "/sources", b"evil"),
    "end the visits": lambda t: ("DELETE", "/visits", None),
}


@pytest.mark.parametrize("action", list(REFUSED_AS_VISITOR))
def test_trap_session_cannot_act_as_its_visitor(trap: Trap, action: str):
    # Given bob's visit to mallory's session (bob owns the team: his own key could do this)
    before = trap_state(trap)
    method, path, body = REFUSED_AS_VISITOR[action](trap)

    # When mallory's server calls as bob
    kw = {"content": body} if isinstance(body, bytes) else {"json": body}
    r = trap.as_bob(method, path, **kw)

    # Then refused, naming the visit, and nothing changed
    message = (
        f"{trap.p['bob']} is visiting {trap.via}: a session's server may only read, "
        "download and attach for a visitor"
    )
    assert (r.status_code, r.json()["message"]) == (403, message), r.text
    assert trap_state(trap) == before
    # and bob's team's admins see who tried, through which session
    assert any(
        e["actor"] == f"{trap.p['bob']} via session {trap.via}"
        and e["outcome"] == "denied"
        and e["detail"] == message
        and e["resource"] == API + path.split("?")[0]
        for e in trap.team.audit(trap.p["bob"])
    )


# ----------------------------------------------------------------- the whole route table
# What a session's server may do for a visitor, written out here rather than read from the
# handlers (that would only hold the handlers to themselves): read what the team shows
# (records, listings, logs, downloads, the team) and attach read-only. Every other
# operation of the route table, one added tomorrow included, must be refused.
VISIT_NEEDS = {
    ("GET", "/me"),
    ("GET", "/teams"),
    ("GET", "/teams/{team}"),
    ("GET", "/teams/{team}/ledger"),
    ("GET", "/teams/{team}/audit"),
    ("GET", "/sessions"),
    ("GET", "/sessions/{owner}/{name}"),
    ("GET", "/runs"),
    ("GET", "/runs/{owner}/{name}"),
    ("GET", "/runs/{owner}/{name}/artifacts"),
    ("GET", "/runs/{owner}/{name}/source"),
    ("GET", "/experiments/{owner}/{name}"),
    ("GET", "/experiments/{owner}/{name}/logs"),
    ("GET", "/experiments/{owner}/{name}/metrics"),
    ("GET", "/metrics"),
    ("GET", "/experiments/{owner}/{name}/artifacts"),
    ("GET", "/experiments/{owner}/{name}/artifacts/{path}"),
    ("HEAD", "/experiments/{owner}/{name}/artifacts/{path}"),
    ("GET", "/datastores"),
    ("GET", "/datastores/{owner}/{name}"),
    ("GET", "/datastores/{owner}/{name}/files"),
    ("GET", "/datastores/{owner}/{name}/files/{path}"),
    ("POST", "/datastores/{owner}/{name}/attach"),
}
# What the session's server may do as its owner (the secret alone), likewise written out:
# what a session does (its own record, runs, uploads, attach), never people, money or keys.
SESSION_NEEDS = VISIT_NEEDS | {
    ("GET", "/credentials"),  # the owner's credentials' metadata, never a token
    ("POST", "/sessions"),  # re-registering itself
    ("DELETE", "/sessions/{owner}/{name}"),
    ("POST", "/sessions/{owner}/{name}/heartbeat"),
    ("POST", "/sessions/{owner}/{name}/stop"),
    ("POST", "/sessions/{owner}/{name}/pause"),
    ("POST", "/sessions/{owner}/{name}/resume"),
    ("POST", "/sessions/{owner}/{name}/open"),
    ("DELETE", "/visits"),
    ("DELETE", "/visits/{username}"),
    ("POST", "/runs"),
    ("DELETE", "/runs/{owner}/{name}"),
    ("POST", "/runs/{owner}/{name}/stop"),
    ("POST", "/runs/{owner}/{name}/clone"),
    ("DELETE", "/experiments/{owner}/{name}"),
    ("POST", "/experiments/{owner}/{name}/stop"),
    ("POST", "/experiments/{owner}/{name}/clone"),
    ("POST", "/experiments/{owner}/{name}/status"),
    ("POST", "/experiments/{owner}/{name}/logs"),
    ("POST", "/experiments/{owner}/{name}/metrics"),
    ("PUT", "/experiments/{owner}/{name}/artifacts/{path}"),
    ("DELETE", "/datastores/{owner}/{name}"),
    ("POST", "/uploads"),
    ("DELETE", "/uploads/{upload_id}"),
    ("POST", "/uploads/{upload_id}/commit"),
    ("PUT", "/uploads/{upload_id}/files/{path}"),
    ("PUT", "/sources"),
}
# Public operations take no caller (an X-Grid-Visitor header means nothing to them): health
# and the API document, and two a session's server makes as itself, proven by its secret:
# redeeming a ticket, and its own owner's git credential.
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("POST", "/visits/redeem"),
    ("GET", "/sessions/{owner}/{name}/git-credential"),
}


def route_table() -> set[tuple[str, str]]:
    """Every operation of the team API: (method, documented path template)."""
    from jupyter_grid_collab.teamserver.routes import ROUTES

    return {(op.method, template) for route in ROUTES for template, op in route.documented()}


def concrete(trap: Trap, template: str) -> str:
    """``template`` with the trap's real things filled in: were a refusal missing, the call
    would reach bob's own run, datastore, session, upload or team, which trap_state watches."""
    prefix = template.split("/")[1]
    names = {
        "sessions": trap.bob_session,
        "runs": trap.run["name"],
        "experiments": trap.run["exp"],
        "datastores": trap.ds["name"],
    }
    values = {
        "team": trap.team.name,
        "owner": trap.p["bob"],
        "name": names.get(prefix, "x"),
        "username": trap.p["carl"],
        "provider": "github",
        "path": {"experiments": "model/w.bin", "datastores": "train.csv"}.get(prefix, "e.txt"),
        "upload_id": trap.upload,
    }
    # a parameter added tomorrow gets a plain value: the scope refuses before any lookup
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], "x")), template)


def send_all_but(trap: Trap, needs: set, **caller: Any) -> dict[tuple[str, str], httpx.Response]:
    """Each operation of the route table but ``needs`` and PUBLIC, sent as ``caller``."""
    answers = {}
    for method, template in sorted(route_table() - needs - PUBLIC):
        body: dict[str, Any] = {}
        if method == "PUT":
            body = {"content": b"evil"}
        elif method in ("POST", "PATCH"):
            body = {"json": {}}
        answers[(method, template)] = trap.team.http(
            method, concrete(trap, template), **caller, **body
        )
    return answers


def test_the_route_table_has_no_public_operation_unaccounted_for():
    from jupyter_grid_collab.teamserver.routes import ROUTES

    public = {(op.method, t) for route in ROUTES for t, op in route.documented() if op.public}
    assert public == PUBLIC


def test_every_operation_a_visit_does_not_need_is_refused_to_a_visitor(trap: Trap):
    # Given bob's visit to mallory's session
    before = trap_state(trap)
    # When mallory's server sends, as bob, every operation a visit does not need
    answers = send_all_but(trap, VISIT_NEEDS, secret=trap.secret, visitor=trap.p["bob"])
    # Then each is refused by the visit's scope: a route added tomorrow is too, until a
    # visit is said (here) to need it
    message = (
        f"{trap.p['bob']} is visiting {trap.via}: a session's server may only read, "
        "download and attach for a visitor"
    )
    assert VISIT_NEEDS | PUBLIC <= route_table() and len(answers) >= 36
    wrong = {
        f"{method} {template}": (r.status_code, r.text[:200])
        for (method, template), r in answers.items()
        if (r.status_code, r.json()["message"] if method != "HEAD" else message) != (403, message)
    }
    assert wrong == {}
    assert trap_state(trap) == before


def test_every_operation_a_session_does_not_need_is_refused_to_its_credential(trap: Trap):
    # mallory's server as mallory (the secret alone), against bob's team: members, roles,
    # credits, the quota, users, credentials
    before = trap_state(trap)
    answers = send_all_but(trap, SESSION_NEEDS, secret=trap.secret)
    assert SESSION_NEEDS | PUBLIC <= route_table() and len(answers) >= 10
    wrong = {
        f"{method} {template}": (r.status_code, r.text[:200])
        for (method, template), r in answers.items()
        if (r.status_code, r.json()["message"]) != (403, SESSION_REFUSAL)
    }
    assert wrong == {}
    assert trap_state(trap) == before


def test_there_is_no_api_key_endpoint_to_reach(trap: Trap):
    # keys are made by the site's admin CLI only: no API path creates or deletes one, so
    # neither a session nor a visitor can
    for method, path in (("POST", "/keys"), ("DELETE", "/keys/gck_x"), ("POST", "/me/keys")):
        r = trap.as_bob(method, path, json={})
        assert r.status_code == 404 and r.json()["message"].startswith("no API endpoint")


def test_trap_session_can_still_do_what_a_visit_needs(trap: Trap):
    bob, run, ds, team = trap.p["bob"], trap.run, trap.ds, trap.team
    # who am I: bob, with no site admin power through a session
    me = trap.as_bob("GET", "/me").json()
    assert (me["username"], me["site_admin"]) == (bob, False)
    # listings, records, logs
    runs = trap.as_bob("GET", "/runs", params={"scope": "team", "team": team.name}).json()
    assert run["name"] in [r["name"] for r in runs["items"]]
    assert trap.as_bob("GET", f"/runs/{bob}/{run['name']}").json()["name"] == run["name"]
    logs = trap.as_bob("GET", f"/experiments/{bob}/{run['exp']}/logs").json()
    assert [x["line"] for x in logs["lines"] if x["stream"] == "stdout"] == ["epoch 1"]
    assert trap.as_bob("GET", f"/teams/{team.name}").status_code == 200
    assert trap.as_bob("GET", "/sessions", params={"scope": "team"}).status_code == 200
    # downloads: an artifact (GET and HEAD), a datastore file
    art = trap.as_bob("GET", f"/experiments/{bob}/{run['exp']}/artifacts/model/w.bin")
    assert (art.status_code, art.content) == (200, run["bytes"])
    head = trap.as_bob("HEAD", f"/experiments/{bob}/{run['exp']}/artifacts/model/w.bin")
    assert head.status_code == 200 and head.headers["content-length"] == "1024"
    f = trap.as_bob("GET", f"/datastores/{bob}/{ds['name']}/files/train.csv")
    assert (f.status_code, f.content) == (200, ds["bytes"])
    # attach read-only: to this session (recorded on it), never to another
    r = trap.as_bob(
        "POST", f"/datastores/{bob}/{ds['name']}/attach", json={"session": trap.session}
    )
    assert r.status_code == 200 and [x["path"] for x in r.json()["files"]] == ["train.csv"]
    mounted = team.ok(bob, "GET", f"/sessions/{trap.p['mallory']}/{trap.session}")
    assert mounted["datastores"] == [f"{bob}:{ds['name']}@1"]
    r = trap.as_bob(
        "POST", f"/datastores/{bob}/{ds['name']}/attach", json={"session": trap.bob_session}
    )
    assert r.status_code == 403 and "only its own session" in r.json()["message"]
    assert team.ok(bob, "GET", f"/sessions/{bob}/{trap.bob_session}")["datastores"] == []
    # the downloads are audited as bob's, through mallory's session
    assert any(
        e["action"] == "download"
        and e["outcome"] == "ok"
        and e["actor"] == f"{bob} via session {trap.via}"
        for e in team.audit(bob)
    )


def test_visitor_calls_need_a_live_visit_of_that_session(trap: Trap):
    team, p = trap.team, trap.p
    # carl never visited mallory's session: his name alone gets nothing
    r = team.http("GET", "/me", secret=trap.secret, visitor=p["carl"])
    assert r.status_code == 401 and "no live visit" in r.json()["message"]
    # bob's visit is to mallory's session, not to bob's own (another secret)
    r = team.http("GET", "/me", secret=trap.bob_secret, visitor=p["bob"])
    assert r.status_code == 401
    r = team.http("GET", "/me", secret="gcs_wrong", visitor=p["bob"])
    assert r.status_code == 401 and r.json()["message"] == "invalid session server secret"


# ----------------------------------------------------------------- the session credential
@pytest.fixture(scope="module")
def owner_session(team_server, admin_store):
    """bob owns a team (and is a site admin); his session's server holds only its secret."""
    team, p = make_team(
        team_server, admin_store, **{"bob!": "owner", "carl": "user", "dana": "admin"}
    )
    outsider = fresh("eve")
    admin_store.teams.create_user(outsider, f"{outsider}@example.com")
    p["outsider"] = outsider
    name, secret = register(team, p["bob"])
    team.ok(p["bob"], "PUT", "/credentials/github", json={"token": "ghp_" + "b" * 36})
    return team, p, name, secret


REFUSED_TO_SESSION = {
    "add a member": lambda t, p: (
        "POST",
        f"/teams/{t}/members",
        {"username": p["outsider"], "role": "user"},
    ),
    "change a role": lambda t, p: ("PATCH", f"/teams/{t}/members/{p['carl']}", {"role": "owner"}),
    "remove a member": lambda t, p: ("DELETE", f"/teams/{t}/members/{p['dana']}", None),
    "add credits": lambda t, p: ("POST", f"/teams/{t}/credits", {"amount": 5}),
    "set the team's storage quota": lambda t, p: (
        "PATCH",
        f"/teams/{t}",
        {"storage_quota_bytes": 1},
    ),
    "create a team": lambda t, p: ("POST", "/teams", {"name": fresh("evil"), "owner": p["bob"]}),
    "create a user": lambda t, p: ("POST", "/users", {"username": fresh("sock")}),
    "list users": lambda t, p: ("GET", "/users", None),
    "set the GitHub credential": lambda t, p: (
        "PUT",
        "/credentials/github",
        {"token": "ghp_" + "e" * 36},
    ),
    "delete the GitHub credential": lambda t, p: ("DELETE", "/credentials/github", None),
}


@pytest.mark.parametrize("action", list(REFUSED_TO_SESSION))
def test_session_credential_cannot_change_people_money_or_credentials(owner_session, action: str):
    team, p, name, secret = owner_session
    bob = p["bob"]

    def state():
        detail = team.ok(bob, "GET", f"/teams/{team.name}")
        return (
            sorted((m["username"], m["role"]) for m in detail["members"]),
            Balance(detail["balance"]),
            detail["storage_quota_bytes"],
            team.ok(bob, "GET", "/credentials")["items"],
            len(team.ok(bob, "GET", "/users")["items"]),
            sorted(t["name"] for t in team.ok(bob, "GET", "/teams")["items"]),
        )

    before = state()
    method, path, body = REFUSED_TO_SESSION[action](team.name, p)
    r = team.http(method, path, secret=secret, json=body)
    assert (r.status_code, r.json()["message"]) == (403, SESSION_REFUSAL), r.text
    assert state() == before
    assert any(
        e["actor"] == f"{bob} via session {bob}:{name}"
        and e["outcome"] == "denied"
        and e["detail"] == SESSION_REFUSAL
        for e in team.audit(bob)
    )
    # the same call with bob's own key is allowed: the scope is what refused it
    if action in ("add credits", "list users"):
        assert team.http(method, path, key=bob, json=body).status_code < 300


def test_session_credential_does_what_a_session_needs(owner_session, tmp_path):
    team, p, name, secret = owner_session
    bob = p["bob"]
    via = f"{bob} via session {bob}:{name}"
    me = team.http("GET", "/me", secret=secret).json()
    assert me["username"] == bob
    # its own heartbeat, with an update
    r = team.http(
        "POST",
        f"/sessions/{bob}/{name}/heartbeat",
        secret=secret,
        json={"url": "http://127.0.0.1:9/moved/", "datastores": []},
    )
    assert r.status_code == 200 and r.json()["url"] == "http://127.0.0.1:9/moved/"
    # runs: create, log, clone, stop, delete (the owner's own)
    run = fresh("r")
    r = team.http(
        "POST",
        "/runs",
        secret=secret,
        json={"command": "python train.py", "name": run, "team": team.name, "tracked": True},
    )
    assert r.status_code == 201, r.text
    r = team.http(
        "POST", f"/experiments/{bob}/{run}-exp0/logs", secret=secret, json={"lines": ["hello"]}
    )
    assert r.status_code == 200
    clone = fresh("c")
    assert (
        team.http(
            "POST", f"/runs/{bob}/{run}/clone", secret=secret, json={"name": clone}
        ).status_code
        == 201
    )
    assert team.http("POST", f"/runs/{bob}/{run}/stop", secret=secret).status_code == 200
    for r_name in (run, clone):
        assert team.http("DELETE", f"/runs/{bob}/{r_name}", secret=secret).status_code == 204
        # gone, not only answered 204: bob's own key finds no such run
        assert team.http("GET", f"/runs/{bob}/{r_name}", key=bob).status_code == 404
    # a datastore: upload (begin, file, commit), attach to this session, delete
    ds = fresh("d")
    up = team.http("POST", "/uploads", secret=secret, json={"name": ds, "team": team.name})
    assert up.status_code == 201, up.text
    uid = up.json()["upload_id"]
    assert (
        team.http("PUT", f"/uploads/{uid}/files/a.txt", secret=secret, content=b"abc").status_code
        == 200
    )
    assert team.http("POST", f"/uploads/{uid}/commit", secret=secret).status_code == 201
    r = team.http("POST", f"/datastores/{bob}/{ds}/attach", secret=secret, json={"session": name})
    assert r.status_code == 200
    assert team.ok(bob, "GET", f"/sessions/{bob}/{name}")["datastores"] == [f"{bob}:{ds}@1"]
    assert team.http("DELETE", f"/datastores/{bob}/{ds}", secret=secret).status_code == 204
    assert team.http("GET", f"/datastores/{bob}/{ds}", key=bob).status_code == 404
    # its git credential, its credentials' metadata (never a token)
    git = team.http("GET", f"/sessions/{bob}/{name}/git-credential", secret=secret).json()
    assert git["token"] == "ghp_" + "b" * 36
    assert "token" not in str(team.http("GET", "/credentials", secret=secret).json())
    # what it did is bob's, through his session
    entries = [e for e in team.audit(bob) if e["actor"] == via]
    assert {"create", "clone", "stop", "delete", "upload", "attach"} <= {
        e["action"] for e in entries
    }


def test_session_credential_keeps_to_its_own_session_and_its_owners_resources(
    owner_session, tmp_path
):
    team, p, name, secret = owner_session
    bob, carl = p["bob"], p["carl"]
    other, _ = register(team, bob)  # another session of bob's
    carl_session, _ = register(team, carl)
    carl_run = make_run(team, carl, tmp_path)

    def record(session):
        s = team.ok(bob, "GET", f"/sessions/{bob}/{session}")
        return s["status"], s["url"], s["last_heartbeat"], s["stopped_at"]

    before_other = record(other)
    for method, path in (
        ("POST", f"/sessions/{bob}/{other}/heartbeat"),
        ("POST", f"/sessions/{bob}/{other}/stop"),
        ("DELETE", f"/sessions/{bob}/{other}"),
        ("POST", f"/sessions/{carl}/{carl_session}/stop"),
    ):
        r = team.http(method, path, secret=secret, json={} if method == "POST" else None)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["message"].startswith(f"the server of session {bob}:{name} can ")
        assert "only its own session" in r.json()["message"]
    assert record(other) == before_other
    # bob owns the team, so his key could stop or delete carl's run; his session cannot
    for method, path in (
        ("POST", f"/runs/{carl}/{carl_run['name']}/stop"),
        ("DELETE", f"/runs/{carl}/{carl_run['name']}"),
        ("POST", f"/experiments/{carl}/{carl_run['exp']}/stop"),
    ):
        r = team.http(method, path, secret=secret)
        assert r.status_code == 403 and f"only {bob}'s own resources" in r.json()["message"]
    assert team.ok(carl, "GET", f"/runs/{carl}/{carl_run['name']}")["status"] == "running"
    # re-registering: only itself
    r = team.http("POST", "/sessions", secret=secret, json={"name": fresh("s"), "team": team.name})
    assert r.status_code == 403 and "only its own session" in r.json()["message"]
    # opening a teammate's session works (bob's visit, as bob)
    r = team.http("POST", f"/sessions/{carl}/{carl_session}/open", secret=secret)
    assert r.status_code == 200 and r.json()["visitor"] is True


def test_an_unknown_or_revoked_session_secret_is_401(owner_session):
    team, p, _, _ = owner_session
    name, secret = register(team, p["carl"])
    assert team.http("GET", "/me", secret=secret).status_code == 200
    # re-registering replaces the secret: the old one stops working at once
    r = team.ok(
        p["carl"], "POST", "/sessions", json={"name": name, "team": team.name, "replace": True}
    )
    assert team.http("GET", "/me", secret=secret).status_code == 401
    assert team.http("GET", "/me", secret=r["server_secret"]).status_code == 200
    team.ok(p["carl"], "DELETE", f"/sessions/{p['carl']}/{name}")
    r = team.http("GET", "/me", secret=r["server_secret"])
    assert (r.status_code, r.json()["message"]) == (401, "invalid session server secret")


# ----------------------------------------------------------------- visits: length and end
def test_the_team_server_fixes_the_visit_length(team_server, admin_store):
    team, p = make_team(team_server, admin_store, alice="owner", bob="user")
    name, secret = register(team, p["alice"])
    t0 = time.time()
    # the session asks for 24 h: it gets the server's 8 h (the default), and is told so
    v = visit(team, p["bob"], p["alice"], name, secret, visit_seconds=86400)
    assert t0 + 8 * 3600 - 5 <= v["expires_at"] <= time.time() + 8 * 3600
    # a shorter one is granted as asked
    v = visit(team, p["bob"], p["alice"], name, secret, visit_seconds=600)
    assert t0 + 600 - 5 <= v["expires_at"] <= time.time() + 600
    # none asked: the server's
    v = visit(team, p["bob"], p["alice"], name, secret)
    assert t0 + 8 * 3600 - 5 <= v["expires_at"] <= time.time() + 8 * 3600


@pytest.mark.parametrize("how", ["stop", "pause", "delete", "replace", "visitors"])
def test_a_visit_ends_with_its_session(team_server, admin_store, how: str):
    team, p = make_team(team_server, admin_store, alice="owner", bob="user")
    alice, bob = p["alice"], p["bob"]
    name, secret = register(team, alice)
    visit(team, bob, alice, name, secret)
    assert team.http("GET", "/me", secret=secret, visitor=bob).status_code == 200
    if how == "delete":
        team.ok(alice, "DELETE", f"/sessions/{alice}/{name}")
    elif how == "replace":  # a new server for the session
        team.ok(alice, "POST", "/sessions", json={"name": name, "team": team.name, "replace": True})
    elif how == "visitors":  # the owner changes what visitors may do
        team.http(
            "POST", f"/sessions/{alice}/{name}/heartbeat", secret=secret, json={"visitors": "view"}
        )
    else:
        team.ok(alice, "POST", f"/sessions/{alice}/{name}/{how}")
    r = team.http("GET", "/me", secret=secret, visitor=bob)
    assert r.status_code == 401, r.text
    if how in ("stop", "pause"):  # and no new visit starts while it is not running
        opened = team.http("POST", f"/sessions/{alice}/{name}/open", key=bob)
        assert opened.status_code == 409


def test_the_session_server_ends_its_visits(team_server, admin_store):
    team, p = make_team(team_server, admin_store, alice="owner", bob="user", carl="user")
    alice, bob, carl = p["alice"], p["bob"], p["carl"]
    name, secret = register(team, alice)
    for who in (bob, carl):
        visit(team, who, alice, name, secret)
    r = team.http("DELETE", f"/visits/{bob}", secret=secret)
    assert r.json() == {"ended": 1}
    assert team.http("GET", "/me", secret=secret, visitor=bob).status_code == 401
    assert team.http("GET", "/me", secret=secret, visitor=carl).status_code == 200
    assert team.http("DELETE", "/visits", secret=secret).json() == {"ended": 1}
    assert team.http("GET", "/me", secret=secret, visitor=carl).status_code == 401
    # only the session's server ends visits this way
    r = team.http("DELETE", "/visits", key=alice)
    assert r.status_code == 403 and "session's own server" in r.json()["message"]


def test_a_visitor_removed_from_the_team_loses_the_visit_at_once(team_server, admin_store):
    team, p = make_team(team_server, admin_store, alice="owner", bob="user")
    name, secret = register(team, p["alice"])
    visit(team, p["bob"], p["alice"], name, secret)
    assert team.http("GET", "/me", secret=secret, visitor=p["bob"]).status_code == 200
    # removed by the admin CLI's store (another process: no cache of the server's to clear)
    admin_store.teams.set_member(None, team.name, p["bob"], None)
    r = team.http("GET", "/me", secret=secret, visitor=p["bob"])
    assert r.status_code == 401 and "no longer in team" in r.json()["message"]


@pytest.fixture(scope="module")
def short_server(tmp_path_factory):
    """A server of its own: visits last 0.5 h, a session is lost after 2 s of silence."""
    server = TeamServerProcess(
        tmp_path_factory.mktemp("short") / "team",
        extra_args=[
            "--executor",
            "none",
            "--visit-hours",
            "0.5",
            "--heartbeat-timeout",
            "2",
            "--tick",
            "0.3",
        ],
    )
    server.seed()
    server.start()
    yield server
    server.stop()


def test_visit_hours_setting_and_a_lost_session_ends_its_visits(short_server):
    team = Team(short_server, "vision", keys=dict(short_server.keys))
    name, secret = register(team, "alice")
    t0 = time.time()
    v = visit(team, "bob", "alice", name, secret, visit_seconds=86400)
    assert t0 + 1800 - 5 <= v["expires_at"] <= time.time() + 1800
    assert team.http("GET", "/me", secret=secret, visitor="bob").status_code == 200
    # no heartbeat: lost, and the visit with it
    deadline = time.monotonic() + 20
    while team.ok("alice", "GET", f"/sessions/alice/{name}")["status"] != "lost":
        assert time.monotonic() < deadline, "the session was never marked lost"
        time.sleep(0.3)
    assert team.http("GET", "/me", secret=secret, visitor="bob").status_code == 401


# ----------------------------------------------------------------- what visitors may do
def test_visitor_mode_on_the_record_the_open_answer_and_the_visit(team_server, admin_store):
    team, p = make_team(team_server, admin_store, alice="owner", bob="user")
    alice, bob = p["alice"], p["bob"]
    # default: full (Grid's behaviour)
    full, full_secret = register(team, alice)
    assert team.ok(alice, "GET", f"/sessions/{alice}/{full}")["visitors"] == "full"
    v = visit(team, bob, alice, full, full_secret)
    assert v["visitors"] == "full" and v["session"]["visitors"] == "full"
    assert v["open"]["visitors"] == "full"
    warning = v["open"]["warning"]
    assert (
        f"code you run there runs as {alice}, with {alice}'s files and GitHub identity" in warning
    )
    # view, chosen at registration
    view, view_secret = register(team, alice, visitors="view")
    listed = team.ok(bob, "GET", "/sessions", params={"scope": f"user={alice}"})["items"]
    assert {s["name"]: s["visitors"] for s in listed} == {full: "full", view: "view"}
    v = visit(team, bob, alice, view, view_secret)
    assert v["visitors"] == "view"
    assert (
        "you can browse files and notebooks but not run code or change files"
        in v["open"]["warning"]
    )
    assert "runs as" not in v["open"]["warning"]
    # changed by the session's server (heartbeat body) and shown everywhere
    r = team.http(
        "POST", f"/sessions/{alice}/{view}/heartbeat", secret=view_secret, json={"visitors": "full"}
    )
    assert r.json()["visitors"] == "full"
    assert team.ok(bob, "GET", f"/sessions/{alice}/{view}")["visitors"] == "full"
    # validated
    for bad in ("admin", None, 1):
        r = team.http(
            "POST",
            "/sessions",
            key=alice,
            json={"name": fresh("s"), "team": team.name, "visitors": bad},
        )
        assert (r.status_code, r.json()["message"]) == (400, "visitors must be 'view' or 'full'")
        r = team.http(
            "POST", f"/sessions/{alice}/{view}/heartbeat", key=alice, json={"visitors": bad}
        )
        assert r.status_code == 400
    # the owner's own Open says the mode too
    own = team.ok(alice, "POST", f"/sessions/{alice}/{view}/open")
    assert own["visitor"] is False and own["visitors"] == "full"


def test_models_session_reads_the_mode():
    from jupyter_grid_collab.models import Session

    s = Session.from_json(
        {
            "id": 1,
            "name": "lab",
            "owner": "alice",
            "team": "vision",
            "status": "running",
            "instance_type": "cpu-small",
            "created_at": "2024-01-01T00:00:00Z",
            "visitors": "view",
        }
    )
    assert s.visitors == "view"
