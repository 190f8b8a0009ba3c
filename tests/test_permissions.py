"""The permission table of DESIGN.md, cell by cell, against a real team server (both backends).

One parametrized test: every action x every column. Each case makes its own fresh resources,
acts once over plain HTTP (so the status and body are exactly what a client sees), then checks
the effect when allowed, or, when denied, that the resource is unchanged, that a 403 carries the
contract's message and is in the team's audit log, and that a 404 reads exactly like the 404
for a resource that does not exist (existence does not leak).

Columns, each a different person from the resource's creator:
- resource actions (team "vision"): creator = alice acting on her own; teammate = bob (role
  user) on alice's; admin = carol on alice's; owner = alice on bob's; non-member = dave (team
  "other") on alice's; no key = no Authorization header.
- member actions run on a fresh team per case (fresh users, so the seeded users stay in
  exactly one team): "creator" is the member concerned acting on their own membership.
- add credits / create teams have no creator; the site admin (root) takes that column.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

API = "/api/v1"
COLUMNS = ("creator", "teammate", "admin", "owner", "non-member", "no key")
# (creator of the resource, actor) per column for resources in team "vision"
RESOURCE_PEOPLE = {
    "creator": ("alice", "alice"),
    "teammate": ("alice", "bob"),
    "admin": ("alice", "carol"),
    "owner": ("bob", "alice"),
    "non-member": ("alice", "dave"),
    "no key": ("alice", None),
}
MISSING = "missing-0000"  # a name no case ever creates


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def admin_store(team_server):
    """The team server's store opened directly (as the harness seeds it), to make fresh users
    with API keys quickly; the seeded users must stay in exactly one team."""
    from jupyter_grid_collab.teamserver.cli import open_store

    store = open_store(str(team_server.data_dir), team_server.db)
    yield store
    store.engine.dispose()


# ----------------------------------------------------------------- one case's world
@dataclass
class World:
    server: Any
    store: Any
    tmp: Path
    keys: dict[str, str] = field(default_factory=dict)
    ctx: dict[str, Any] = field(default_factory=dict)
    cleanup: list[tuple[str, str]] = field(default_factory=list)  # (user, path) to DELETE

    def key(self, user: str) -> str:
        if user not in self.keys and user not in self.server.keys:  # a fresh person
            self.keys[user] = self.store.teams.create_key(user)
        return self.keys.get(user) or self.server.keys[user]

    def http(self, user: str | None, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"token {self.key(user)}"} if user else {}
        return httpx.request(
            method, self.server.url + API + path, headers=headers, timeout=30, **kw
        )

    def ok(self, user: str, method: str, path: str, **kw: Any) -> Any:
        r = self.http(user, method, path, **kw)
        assert r.status_code < 300, (method, path, r.status_code, r.text)
        return r.json() if r.content and "json" in r.headers.get("content-type", "") else r

    def client(self, user: str):
        c = self.server.client(user, api_key=self.key(user))
        c.me()
        return c

    def audit(self, team: str, reader: str) -> list[dict]:
        return self.ok(reader, "GET", f"/teams/{team}/audit", params={"limit": 200})["items"]


def make_session(w: World, creator: str, paused: bool = False) -> None:
    name = fresh("s")
    w.ok(creator, "POST", "/sessions", json={"name": name, "url": "http://127.0.0.1:9/"})
    w.cleanup.append((creator, f"/sessions/{creator}/{name}"))
    if paused:
        w.ok(creator, "POST", f"/sessions/{creator}/{name}/pause")
    w.ctx.update(owner=creator, name=name, kind="session", team="vision")


def stdout_lines(w: World, user: str, owner: str, exp: str) -> list[str]:
    logs = w.ok(user, "GET", f"/experiments/{owner}/{exp}/logs")["lines"]
    return [x["line"] for x in logs if x["stream"] == "stdout"]


def make_run(w: World, creator: str) -> None:
    name = fresh("r")
    exp = f"{name}-exp0"
    data = os.urandom(4096)
    (w.tmp / "weights.bin").write_bytes(data)
    with w.client(creator) as c:
        # tracked: the creator reports on it by hand, so the executor leaves it alone and
        # it stays running for the whole case
        c.create_run("python train.py", {"lr": [0.1]}, name=name, tracked=True)
        w.cleanup.append((creator, f"/runs/{creator}/{name}"))
        c.append_logs(f"{creator}:{exp}", ["epoch 1", "loss 0.5"])
        c.upload_artifact(f"{creator}:{exp}", "model/weights.bin", w.tmp / "weights.bin")
    w.ctx.update(
        owner=creator,
        name=name,
        exp=exp,
        kind="run",
        team="vision",
        artifact="model/weights.bin",
        artifact_bytes=data,
        logs=["epoch 1", "loss 0.5"],
        clone=fresh("c"),
    )


def make_datastore(w: World, creator: str, actor: str | None) -> None:
    name = fresh("d")
    data = os.urandom(2048)
    (w.tmp / "train.csv").write_bytes(data)
    with w.client(creator) as c:
        c.upload_datastore(name, w.tmp / "train.csv")
    w.cleanup.append((creator, f"/datastores/{creator}/{name}"))
    w.ctx.update(
        owner=creator,
        name=name,
        kind="datastore",
        team="vision",
        file="train.csv",
        file_bytes=data,
        actor_session=fresh("s"),
    )
    if actor is not None:  # the actor attaches it to a session of their own
        w.ok(actor, "POST", "/sessions", json={"name": w.ctx["actor_session"]})
        w.cleanup.append((actor, f"/sessions/{actor}/{w.ctx['actor_session']}"))


def make_team(w: World) -> None:
    """A team of fresh people: owner, admin, user, a user and an admin to manage, a newcomer."""
    team = fresh("pt")
    people = {
        role: fresh(role[:3])
        for role in ("owner", "admin", "user", "target-user", "target-admin", "newcomer")
    }
    for person in people.values():
        w.store.teams.create_user(person, f"{person}@example.com")
    w.store.teams.create_team(team, people["owner"])
    for role, person in people.items():
        if role in ("admin", "user", "target-user", "target-admin"):
            w.store.teams.set_member(None, team, person, role.rsplit("-", 1)[-1])
    w.ctx.update(team=team, people=people, kind="team", name=team, new_team=fresh("nt"))


# ----------------------------------------------------------------- snapshots (denied: unchanged)
def snapshot(w: World) -> Any:
    """What a denied action must not change, read as someone allowed to see it."""
    c = w.ctx
    kind, owner, name = c["kind"], c.get("owner"), c.get("name")
    if kind == "session":
        s = w.ok(owner, "GET", f"/sessions/{owner}/{name}")
        return {k: s[k] for k in ("status", "url", "datastores", "stopped_at", "last_heartbeat")}
    if kind == "run":
        run = w.ok(owner, "GET", f"/runs/{owner}/{name}")
        arts = w.ok(owner, "GET", f"/runs/{owner}/{name}/artifacts")["items"]
        # a refused clone made no run for the one who tried
        actor = c["actor"]
        clone = actor and w.http(actor, "GET", f"/runs/{actor}/{c['clone']}").status_code
        return (
            run["status"],
            run["counts"],
            [(e["name"], e["status"], e["message"]) for e in run["experiments"]],
            [(a["path"], a["sha256"]) for a in arts],
            stdout_lines(w, owner, owner, c["exp"]),
            clone,
        )
    if kind == "datastore":
        d = w.ok(owner, "GET", f"/datastores/{owner}/{name}")
        files = w.ok(owner, "GET", f"/datastores/{owner}/{name}/files")["files"]
        return d["versions"], [(f["path"], f["sha256"]) for f in files]
    team = w.ok("root", "GET", f"/teams/{c['team']}")
    new_team = w.http("root", "GET", f"/teams/{c['new_team']}").status_code
    return ([(m["username"], m["role"]) for m in team["members"]], team["balance"], new_team)


# ----------------------------------------------------------------- actions
Request = Callable[[dict], tuple[str, str, dict | None]]


@dataclass(frozen=True)
class Action:
    name: str
    kind: str  # session | run | datastore | team | site
    rule: str  # read | owner | member | site
    request: Request
    check: Callable[[World, str | None, httpx.Response], None]  # the effect, when allowed
    verb: str = ""  # the word in the 403 message and audit log (owner rule)
    noun: str = ""  # the resource kind in the message
    paused: bool = False
    member: tuple[str, str | None] = ("", None)  # (target person, new role) for member rule


def _get(path: str) -> Request:
    return lambda c: ("GET", path.format(**c), None)


def _listed(key: str = "name") -> Callable:
    def check(w: World, actor, r: httpx.Response) -> None:
        assert w.ctx[key] in [i["name"] for i in r.json()["items"]]

    return check


def _check_session_view(w, actor, r):
    body = r.json()
    assert (body["owner"], body["name"]) == (w.ctx["owner"], w.ctx["name"])
    assert body["github"]["user"] == w.ctx["owner"]  # whose GitHub identity it carries


def _check_run_view(w, actor, r):
    body = r.json()
    assert body["name"] == w.ctx["name"]
    assert [e["name"] for e in body["experiments"]] == [w.ctx["exp"]]


def _check_exp_view(w, actor, r):
    assert (r.json()["name"], r.json()["status"]) == (w.ctx["exp"], "running")


def _check_ds_view(w, actor, r):
    assert (r.json()["name"], r.json()["versions"]) == (w.ctx["name"], [1])


def _check_ds_files(w, actor, r):
    assert [f["path"] for f in r.json()["files"]] == [w.ctx["file"]]


def _check_artifacts(w, actor, r):
    assert [a["path"] for a in r.json()["items"]] == [w.ctx["artifact"]]


def _check_artifact_bytes(w, actor, r):
    assert r.content == w.ctx["artifact_bytes"]


def _check_logs(w, actor, r):
    lines = r.json()["lines"]
    assert [x["line"] for x in lines if x["stream"] == "stdout"] == w.ctx["logs"]


def _check_ds_bytes(w, actor, r):
    assert r.content == w.ctx["file_bytes"]


def _check_attach(w, actor, r):
    c = w.ctx
    assert [f["path"] for f in r.json()["files"]] == [c["file"]]
    mine = w.ok(actor, "GET", f"/sessions/{actor}/{c['actor_session']}")
    assert mine["datastores"] == [f"{c['owner']}:{c['name']}@1"]


def _check_clone(w, actor, r):
    c = w.ctx
    body = r.json()
    assert (body["owner"], body["name"]) == (actor, c["clone"])
    assert body["cloned_from"].startswith(f"{c['owner']}:{c['name']}")
    assert [e["params"] for e in body["experiments"]] == [{"lr": 0.1}]
    w.cleanup.append((actor, f"/runs/{actor}/{c['clone']}"))
    assert w.ok(actor, "GET", f"/runs/{actor}/{c['clone']}")["name"] == c["clone"]


def _check_session_status(status: str):
    def check(w, actor, r):
        c = w.ctx
        assert r.json()["status"] == status
        assert w.ok(c["owner"], "GET", f"/sessions/{c['owner']}/{c['name']}")["status"] == status

    return check


def _check_gone(path: str):
    def check(w, actor, r):
        assert r.status_code == 204
        assert w.http(w.ctx["owner"], "GET", path.format(**w.ctx)).status_code == 404

    return check


def _check_run_stopped(w, actor, r):
    c = w.ctx
    run = w.ok(c["owner"], "GET", f"/runs/{c['owner']}/{c['name']}")
    assert run["status"] == "cancelled"
    assert [(e["status"], e["message"]) for e in run["experiments"]] == [
        ("cancelled", f"stopped by {actor}")
    ]


def _check_exp_stopped(w, actor, r):
    c = w.ctx
    assert r.json()["status"] == "cancelled"
    exp = w.ok(c["owner"], "GET", f"/experiments/{c['owner']}/{c['exp']}")
    assert exp["status"] == "cancelled"


def _check_member(w, actor, r):
    target, role = w.ctx["target"], w.ctx["new_role"]
    members = {
        m["username"]: m["role"] for m in w.ok("root", "GET", f"/teams/{w.ctx['team']}")["members"]
    }
    assert members.get(target) == role


def _check_credits(w, actor, r):
    assert r.json()["balance"] == 12.5
    assert w.ok("root", "GET", f"/teams/{w.ctx['team']}")["balance"] == 12.5


def _check_new_team(w, actor, r):
    team = w.ok("root", "GET", f"/teams/{w.ctx['new_team']}")
    assert [(m["username"], m["role"]) for m in team["members"]] == [
        (w.ctx["people"]["owner"], "owner")
    ]


def _member_action(name: str, method: str, target: str, role: str | None) -> Action:
    def request(c):
        person = c["people"][target]
        if method == "POST":
            return "POST", f"/teams/{c['team']}/members", {"username": person, "role": role}
        if method == "PATCH":
            return "PATCH", f"/teams/{c['team']}/members/{person}", {"role": role}
        return "DELETE", f"/teams/{c['team']}/members/{person}", None

    return Action(name, "team", "member", request, _check_member, member=(target, role))


ACTIONS = [
    # list / view
    Action(
        "view session", "session", "read", _get("/sessions/{owner}/{name}"), _check_session_view
    ),
    Action("list sessions", "session", "read", _get("/sessions?scope=team&team={team}"), _listed()),
    Action("view run", "run", "read", _get("/runs/{owner}/{name}"), _check_run_view),
    Action("list runs", "run", "read", _get("/runs?scope=team&team={team}"), _listed()),
    Action("view experiment", "run", "read", _get("/experiments/{owner}/{exp}"), _check_exp_view),
    Action(
        "view datastore", "datastore", "read", _get("/datastores/{owner}/{name}"), _check_ds_view
    ),
    Action(
        "list datastores",
        "datastore",
        "read",
        _get("/datastores?scope=team&team={team}"),
        _listed(),
    ),
    Action(
        "list datastore files",
        "datastore",
        "read",
        _get("/datastores/{owner}/{name}/files"),
        _check_ds_files,
    ),
    # download artifacts and logs
    Action(
        "list artifacts", "run", "read", _get("/runs/{owner}/{name}/artifacts"), _check_artifacts
    ),
    Action(
        "download artifact",
        "run",
        "read",
        _get("/experiments/{owner}/{exp}/artifacts/{artifact}"),
        _check_artifact_bytes,
    ),
    Action("download logs", "run", "read", _get("/experiments/{owner}/{exp}/logs"), _check_logs),
    Action(
        "download datastore file",
        "datastore",
        "read",
        _get("/datastores/{owner}/{name}/files/{file}"),
        _check_ds_bytes,
    ),
    # attach, clone
    Action(
        "attach datastore",
        "datastore",
        "read",
        lambda c: (
            "POST",
            "/datastores/{owner}/{name}/attach".format(**c),
            {"session": c["actor_session"]},
        ),
        _check_attach,
    ),
    Action(
        "clone run",
        "run",
        "read",
        lambda c: ("POST", "/runs/{owner}/{name}/clone".format(**c), {"name": c["clone"]}),
        _check_clone,
    ),
    Action(
        "clone experiment",
        "run",
        "read",
        lambda c: ("POST", "/experiments/{owner}/{exp}/clone".format(**c), {"name": c["clone"]}),
        _check_clone,
    ),
    # stop, pause, resume, delete
    *[
        Action(
            f"{verb} session",
            "session",
            "owner",
            (lambda v: lambda c: ("POST", f"/sessions/{c['owner']}/{c['name']}/{v}", None))(verb),
            _check_session_status(status),
            verb=verb,
            noun="session",
            paused=verb == "resume",
        )
        for verb, status in (("stop", "stopped"), ("pause", "paused"), ("resume", "running"))
    ],
    Action(
        "delete session",
        "session",
        "owner",
        lambda c: ("DELETE", "/sessions/{owner}/{name}".format(**c), None),
        _check_gone("/sessions/{owner}/{name}"),
        verb="delete",
        noun="session",
    ),
    Action(
        "stop run",
        "run",
        "owner",
        lambda c: ("POST", "/runs/{owner}/{name}/stop".format(**c), None),
        _check_run_stopped,
        verb="stop",
        noun="run",
    ),
    Action(
        "delete run",
        "run",
        "owner",
        lambda c: ("DELETE", "/runs/{owner}/{name}".format(**c), None),
        _check_gone("/runs/{owner}/{name}/artifacts"),
        verb="delete",
        noun="run",
    ),
    Action(
        "stop experiment",
        "run",
        "owner",
        lambda c: ("POST", "/experiments/{owner}/{exp}/stop".format(**c), None),
        _check_exp_stopped,
        verb="stop",
        noun="experiment",
    ),
    Action(
        "delete experiment",
        "run",
        "owner",
        lambda c: ("DELETE", "/experiments/{owner}/{exp}".format(**c), None),
        _check_gone("/experiments/{owner}/{exp}"),
        verb="delete",
        noun="experiment",
    ),
    Action(
        "delete datastore",
        "datastore",
        "owner",
        lambda c: ("DELETE", "/datastores/{owner}/{name}".format(**c), None),
        _check_gone("/datastores/{owner}/{name}"),
        verb="delete",
        noun="datastore",
    ),
    # members and roles
    _member_action("add member as user", "POST", "newcomer", "user"),
    _member_action("add member as admin", "POST", "newcomer", "admin"),
    _member_action("promote user to admin", "PATCH", "target-user", "admin"),
    _member_action("demote admin to user", "PATCH", "target-admin", "user"),
    _member_action("remove user", "DELETE", "target-user", None),
    _member_action("remove admin", "DELETE", "target-admin", None),
    # site admin only
    Action(
        "add credits",
        "site",
        "site",
        lambda c: ("POST", f"/teams/{c['team']}/credits", {"amount": 12.5}),
        _check_credits,
    ),
    Action(
        "create team",
        "site",
        "site",
        lambda c: ("POST", "/teams", {"name": c["new_team"], "owner": c["people"]["owner"]}),
        _check_new_team,
    ),
]


# ----------------------------------------------------------------- the table
def expected(action: Action, column: str) -> int | str:
    """ "ok", or the status code the contract gives this cell."""
    if column == "no key":
        return 401
    if action.rule == "site":
        return "ok" if column == "site admin" else 403
    if column == "non-member":
        return 404
    if action.rule == "read":
        return "ok"
    if action.rule == "owner":
        return 403 if column == "teammate" else "ok"
    target, new_role = action.member
    if column == "creator":  # the member concerned, on their own membership
        return 404 if target == "newcomer" else 403
    if column == "owner":
        return "ok"
    if column == "admin":  # admins manage members with role user, and only as users
        return "ok" if target in ("newcomer", "target-user") and new_role in (None, "user") else 403
    return 403


def member_actor(column: str, action: Action, people: dict[str, str]) -> str | None:
    return {
        "creator": people.get(action.member[0]),
        "teammate": people["user"],
        "admin": people["admin"],
        "owner": people["owner"],
        "non-member": "dave",
        "no key": None,
        "site admin": "root",
    }[column]


def site_columns() -> tuple[str, ...]:
    return ("site admin",) + COLUMNS[1:]


CASES = [
    pytest.param(a, col, id=f"{a.name}:{col}".replace(" ", "_"))
    for a in ACTIONS
    for col in (site_columns() if a.rule == "site" else COLUMNS)
]


def denial_message(action: Action, actor: str, w: World) -> str:
    c = w.ctx
    if action.rule == "owner":
        name = c["exp"] if action.noun == "experiment" else c["name"]
        return (
            f'{actor} cannot {action.verb} {c["owner"]}\'s {action.noun} "{name}": '
            "only its creator or a team admin can"
        )
    if action.rule == "site":
        return (
            f"{actor} is not a site admin: only site admins can create teams, users and add credits"
        )
    team, target = c["team"], c["target"]
    if actor in (c["people"]["admin"], c["people"]["target-admin"]):
        return (
            f"{actor} cannot change {target}'s membership of team {team!r} to "
            f"{c['new_role'] or 'removed'}: team admins manage members with role 'user'; "
            "ask a team owner"
        )
    return f"{actor} cannot change the members of team {team!r}: only its admins and owners can"


@pytest.mark.parametrize("action,column", CASES)
def test_permission_table(team_server, admin_store, tmp_path, action: Action, column: str):
    # Given fresh resources for this case alone
    w = World(team_server, admin_store, tmp_path)
    try:
        check_cell(w, action, column)
    finally:  # stop the case's experiments so they never queue ahead of the next case
        for user, path in w.cleanup:
            w.http(user, "DELETE", path)


def check_cell(w: World, action: Action, column: str) -> None:
    if action.kind in ("team", "site"):
        make_team(w)
        actor = member_actor(column, action, w.ctx["people"])
        target, role = action.member
        w.ctx.update(target=w.ctx["people"].get(target), new_role=role)
    else:
        creator, actor = RESOURCE_PEOPLE[column]
        if action.kind == "session":
            make_session(w, creator, paused=action.paused)
        elif action.kind == "run":
            make_run(w, creator)
        else:
            make_datastore(w, creator, actor)
    w.ctx["actor"] = actor
    before = snapshot(w)
    want = expected(action, column)

    # When the column's person acts
    method, path, body = action.request(w.ctx)
    r = w.http(actor, method, path, json=body)

    # Then the contract's answer, and its effect or the lack of one
    if want == "ok":
        assert r.status_code in (200, 201, 204), (r.status_code, r.text)
        action.check(w, actor, r)
        if action.rule in ("owner", "member"):
            resource = (
                f"{w.ctx['team']}/{w.ctx['target']}"
                if action.rule == "member"
                else f"{action.noun} {w.ctx['owner']}:"
                f"{w.ctx['exp'] if action.noun == 'experiment' else w.ctx['name']}"
            )
            reader = w.ctx["people"]["admin"] if action.rule == "member" else "carol"
            assert any(
                e["actor"] == actor and e["resource"] == resource and e["outcome"] == "ok"
                for e in w.audit(w.ctx["team"], reader)
            )
        return
    assert r.status_code == want, (r.status_code, r.text)
    message = r.json()["message"]
    assert snapshot(w) == before  # a denied action changed nothing
    if want == 401:
        assert "API key" in message
    elif want == 403:
        assert message == denial_message(action, actor, w)
        if action.rule != "site":  # the team's admins can see who was refused what
            reader = w.ctx["people"]["admin"] if action.rule == "member" else "carol"
            assert any(
                e["actor"] == actor and e["outcome"] == "denied" and e["detail"] == message
                for e in w.audit(w.ctx["team"], reader)
            )
        elif action.name == "add credits" and actor in w.ctx["people"].values():
            # a member trying to top up their own team: its admins see that too
            assert any(
                e["actor"] == actor
                and e["action"] == "add credits"
                and e["outcome"] == "denied"
                and e["detail"] == message
                for e in w.audit(w.ctx["team"], w.ctx["people"]["admin"])
            )
    else:  # 404: reads exactly like a resource (or team) that does not exist
        real = w.ctx["team"] if action.kind == "team" or "team=" in path else w.ctx["name"]
        missing = {
            k: (v.replace(real, MISSING) if isinstance(v, str) else v) for k, v in w.ctx.items()
        }
        m2, p2, b2 = action.request(missing)
        r2 = w.http(actor, m2, p2, json=b2)
        assert (r2.status_code, r2.json()["message"]) == (404, message.replace(real, MISSING))
        if action.kind in ("session", "run", "datastore") and "scope=" not in path:
            # the outsider learns nothing, but the team's admins see the attempt, on what
            # they asked for
            kind = path.strip("/").split("/")[0].rstrip("s")
            named = w.ctx["exp"] if kind == "experiment" else w.ctx["name"]
            assert any(
                e["actor"] == actor
                and e["outcome"] == "denied"
                and e["detail"] == f"{actor} is not a member of this team"
                and e["resource"].startswith(f"{kind} {w.ctx['owner']}:{named}")
                for e in w.audit(w.ctx["team"], "carol")
            )
