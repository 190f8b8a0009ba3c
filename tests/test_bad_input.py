"""Bad input, on both database backends: malformed references and names, path traversal,
wrong JSON types, garbage paging. Every one is a 4xx whose message names the problem,
never a 500. Plus unit tests of the one reference parser."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import uuid
from typing import Any

import msgspec
import pytest

from jupyter_grid_collab.models import ReferenceError, parse_reference
from jupyter_grid_collab.teamserver import routes

LONG = "a" * 65
OK = "true"  # the only command a request here could ever launch: it does nothing


# --------------------------------------------------------------------------- parse_reference


@pytest.mark.parametrize(
    ("text", "allow_version", "owner", "name", "version"),
    [
        ("mnist", False, None, "mnist", None),
        ("alice:mnist", False, "alice", "mnist", None),
        ("  alice:mnist  ", False, "alice", "mnist", None),
        ("alice:mnist@3", True, "alice", "mnist", 3),
        ("mnist@12", True, None, "mnist", 12),
        ("alice:mnist", True, "alice", "mnist", None),
        ("a-1:data.v2_x", False, "a-1", "data.v2_x", None),
        ("x" * 64, False, None, "x" * 64, None),
    ],
)
def test_parse_reference_valid_forms(text, allow_version, owner, name, version):
    ref = parse_reference(text, allow_version=allow_version)
    assert (ref.owner, ref.name, ref.version) == (owner, name, version)
    assert parse_reference(str(ref), allow_version=allow_version) == ref  # round trip


@pytest.mark.parametrize(
    ("text", "allow_version", "keyword"),
    [
        ("alice:", False, "non-empty"),
        (":x", False, "username"),
        ("a:b:c", False, "not valid"),
        ("Alice:x", False, "username 'Alice'"),
        ("x@", True, "positive integer"),
        ("x@0", True, "positive integer"),
        ("x@abc", True, "positive integer"),
        ("x@1", False, "only applies to datastores"),
        (LONG, False, "the limit is 64"),
        ("my data", False, "not valid"),
        ("x\x00y", False, "malformed"),
        ("", False, "empty reference"),
        (None, False, "empty reference"),
        (3, True, "empty reference"),
    ],
)
def test_parse_reference_refuses_malformed_ones(text, allow_version, keyword):
    with pytest.raises(ReferenceError, match="reference") as err:
        parse_reference(text, allow_version=allow_version)
    assert keyword in str(err.value)


# --------------------------------------------------------------------------- the server


def call(
    server, method: str, path: str, body: Any = None, user: str = "alice", raw: bytes | None = None
) -> tuple[int, dict]:
    """Send ``path`` exactly as written (http.client, unlike httpx, keeps '..' segments)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {"Authorization": f"token {server.keys[user]}"}
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read()
        return response.status, json.loads(text) if text else {}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def real(team_server):
    """A tracked run of alice's (the executor leaves it alone) and a datastore of hers, so
    bad paths are refused for what they are, not because nothing is there."""
    tag = uuid.uuid4().hex[:6]
    status, run = call(
        team_server, "POST", "/api/v1/runs", {"name": f"bad-{tag}", "command": OK, "tracked": True}
    )
    assert status == 201, run
    status, up = call(team_server, "POST", "/api/v1/uploads", {"name": f"bad-{tag}"})
    assert status == 201, up
    data = b"x,y\n"
    conn = http.client.HTTPConnection("127.0.0.1", team_server.port, timeout=30)
    conn.request(
        "PUT",
        f"/api/v1/uploads/{up['upload_id']}/files/a.csv",
        body=data,
        headers={
            "Authorization": f"token {team_server.keys['alice']}",
            "X-Content-Sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    assert conn.getresponse().status == 200
    conn.close()
    assert call(team_server, "POST", f"/api/v1/uploads/{up['upload_id']}/commit")[0] == 201
    return {
        "run": f"bad-{tag}",
        "exp": f"bad-{tag}-exp0",
        "ds": f"bad-{tag}",
        "upload": up["upload_id"],
    }


def assert_refused(status: int, body: dict, keyword: str, code: int = 400) -> None:
    assert status == code, (status, body)
    assert set(body) == {"message"}
    assert keyword in body["message"], body["message"]


REFERENCES = [
    ("alice:", "name must be a non-empty string"),
    (":x", "username '' is not valid"),
    ("a:b:c", "'b:c' is not valid"),
    ("Alice:x", "username 'Alice' is not valid"),
    ("x@", "must be a positive integer"),
    ("x@0", "must be a positive integer"),
    ("x@abc", "must be a positive integer"),
    ("alice:" + LONG, "the limit is 64"),
    ("my data", "is not valid"),
]


@pytest.mark.parametrize(("ref", "keyword"), REFERENCES, ids=[r for r, _ in REFERENCES])
def test_malformed_datastore_reference_in_a_new_run(team_server, ref, keyword):
    status, body = call(
        team_server,
        "POST",
        "/api/v1/runs",
        {"name": f"r-{uuid.uuid4().hex[:6]}", "command": OK, "datastore": ref},
    )
    assert_refused(status, body, keyword)
    assert "malformed reference" in body["message"]


NAMES_IN_PATHS = [
    ("/api/v1/runs/Alice/x", "username 'Alice' is not valid"),
    ("/api/v1/runs/alice%00/x", "NUL"),
    ("/api/v1/sessions/x%40/y", "username 'x@' is not valid"),
    (f"/api/v1/runs/alice/{LONG}", "the limit is 64"),
    ("/api/v1/runs/alice/my%20run", "run name 'my run' is not valid"),
    ("/api/v1/runs/alice/x%00", "NUL"),
    ("/api/v1/datastores/alice/Data", "datastore name 'Data' is not valid"),
    ("/api/v1/experiments/alice/mnist", "not an experiment name"),
    ("/api/v1/experiments/alice/mnist-exp01", "not an experiment name"),
    ("/api/v1/sessions/alice/.hidden", "session name '.hidden' is not valid"),
    ("/api/v1/teams/vi%00sion", "NUL"),
]


@pytest.mark.parametrize(("path", "keyword"), NAMES_IN_PATHS, ids=[p for p, _ in NAMES_IN_PATHS])
def test_malformed_owner_or_name_in_the_path(team_server, path, keyword):
    assert_refused(*call(team_server, "GET", path), keyword)


TRAVERSALS = [
    ("../x", "escapes"),
    ("%2e%2e/x", "escapes"),
    ("..%2Fx", "escapes"),
    ("a/../../b", "escapes"),
    ("a/%2e%2e/%2e%2e/b", "escapes"),
    ("/etc/passwd", "absolute"),
    ("%2Fetc%2Fpasswd", "absolute"),
    ("C:%5Cwindows", "absolute"),
    ("x%00.txt", "NUL"),
    ("." + "/x" * 520, "longer than 1024"),
]


@pytest.mark.parametrize(("path", "keyword"), TRAVERSALS, ids=[p[:20] for p, _ in TRAVERSALS])
def test_path_traversal_in_artifact_paths(team_server, real, path, keyword):
    base = f"/api/v1/experiments/alice/{real['exp']}/artifacts/"
    assert_refused(*call(team_server, "GET", base + path), keyword)
    # uploads are refused before a byte is stored
    assert_refused(*call(team_server, "PUT", base + path, raw=b"data"), keyword)


@pytest.mark.parametrize(("path", "keyword"), TRAVERSALS, ids=[p[:20] for p, _ in TRAVERSALS])
def test_path_traversal_in_datastore_paths(team_server, real, path, keyword):
    assert_refused(
        *call(team_server, "GET", f"/api/v1/datastores/alice/{real['ds']}/files/{path}"), keyword
    )
    # a staged upload of alice's own refuses the path before storing anything
    status, up = call(team_server, "POST", "/api/v1/uploads", {"name": real["ds"]})
    assert status == 201
    assert_refused(
        *call(team_server, "PUT", f"/api/v1/uploads/{up['upload_id']}/files/{path}", raw=b"data"),
        keyword,
    )
    assert call(team_server, "DELETE", f"/api/v1/uploads/{up['upload_id']}")[0] == 204


def run_body(**overrides: Any) -> dict:
    return {"name": f"r-{uuid.uuid4().hex[:6]}", "command": OK, **overrides}


BODIES = [
    # (method, path, body, keyword)
    ("POST", "/api/v1/runs", run_body(name=42), "run name must be a non-empty string"),
    ("POST", "/api/v1/runs", run_body(name=["a"]), "run name must be a non-empty string"),
    ("POST", "/api/v1/runs", run_body(name={"a": 1}), "run name must be a non-empty string"),
    ("POST", "/api/v1/runs", run_body(name=LONG), "the limit is 64"),
    ("POST", "/api/v1/runs", run_body(name="Big"), "is not valid"),
    ("POST", "/api/v1/runs", run_body(params=[1, 2]), "params must be an object"),
    ("POST", "/api/v1/runs", run_body(params={"lr": {"a": 1}}), "not a number"),
    ("POST", "/api/v1/runs", run_body(params={"lr": []}), "empty list"),
    ("POST", "/api/v1/runs", run_body(num_trials="3"), "num_trials must be"),
    ("POST", "/api/v1/runs", run_body(strategy="random_search", num_trials="3"), "num_trials"),
    (
        "POST",
        "/api/v1/runs",
        run_body(strategy="random_search", num_trials=2, seed=[1]),
        "seed must be",
    ),
    ("POST", "/api/v1/runs", run_body(strategy="annealing"), "strategy must be one of"),
    ("POST", "/api/v1/runs", run_body(instance_type="tpu-v9"), "unknown instance type"),
    ("POST", "/api/v1/runs", run_body(instance_type=["gpu-t4"]), "unknown instance type"),
    ("POST", "/api/v1/runs", run_body(command=7), "command must be a non-empty string"),
    ("POST", "/api/v1/runs", run_body(command=OK + "\x00"), "NUL"),
    ("POST", "/api/v1/runs", run_body(tracked="yes"), "tracked must be true or false"),
    ("POST", "/api/v1/runs", run_body(source_sha256="abc"), "source_sha256 must be"),
    ("POST", "/api/v1/sessions", {"name": 5}, "session name must be a non-empty string"),
    ("POST", "/api/v1/sessions", {"name": "s" * 200}, "the limit is 64"),
    ("POST", "/api/v1/sessions", {"name": "ok", "instance_type": "huge"}, "unknown instance type"),
    (
        "POST",
        "/api/v1/sessions",
        {"name": "ok", "instance_type": {"a": 1}},
        "unknown instance type",
    ),
    ("POST", "/api/v1/sessions", {"name": "ok", "url": "ftp://x"}, "url must be"),
    ("POST", "/api/v1/sessions", {"name": "ok", "url": "http://x/\x00"}, "NUL"),
    ("POST", "/api/v1/sessions", {"name": "ok", "datastores": "a"}, "datastores must be"),
    ("POST", "/api/v1/uploads", {"name": ["x"]}, "datastore name must be"),
    ("POST", "/api/v1/uploads", {"name": LONG}, "the limit is 64"),
    (
        "POST",
        "/api/v1/teams/vision/members",
        {"username": "zed", "role": "boss"},
        "role must be one of",
    ),
    ("POST", "/api/v1/teams/vision/members", {"username": 3}, "username must be a string"),
    ("PUT", "/api/v1/credentials/github", {"token": 12345678}, "token must be"),
    ("PUT", "/api/v1/credentials/github", {"token": "has spaces in it"}, "token must be"),
    ("PUT", "/api/v1/credentials/gitlab", {"token": "x" * 10}, "unknown credential provider"),
    ("POST", "/api/v1/visits/redeem", {"ticket": 5}, "ticket must be"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "keyword"), BODIES, ids=[f"{m} {p} {k}" for m, p, _, k in BODIES]
)
def test_wrong_json_types_and_values(team_server, method, path, body, keyword):
    assert_refused(*call(team_server, method, path, body), keyword)


def test_wrong_types_on_a_real_experiment_and_datastore(team_server, real):
    exp = f"/api/v1/experiments/alice/{real['exp']}"
    ds = f"/api/v1/datastores/alice/{real['ds']}"
    assert_refused(
        *call(team_server, "POST", exp + "/logs", {"lines": {"a": "b"}}), "lines must be a list"
    )
    assert_refused(
        *call(team_server, "POST", exp + "/logs", {"lines": [{"line": 3}]}), "each log line must be"
    )
    assert_refused(
        *call(team_server, "POST", exp + "/logs", {"lines": [{"line": "x", "stream": "tty"}]}),
        "stream must be one of",
    )
    assert_refused(*call(team_server, "GET", exp + "/logs?offset=-1"), "offset >= 0")
    assert_refused(*call(team_server, "GET", exp + "/logs?offset=" + "9" * 30), "offset")
    assert_refused(*call(team_server, "GET", exp + "/logs?limit=x"), "must be integers")
    assert_refused(*call(team_server, "GET", exp + "/logs?wait=soon"), "wait must be a number")
    assert_refused(
        *call(team_server, "POST", exp + "/status", {"status": "exploded"}), "status must be one of"
    )
    assert_refused(
        *call(team_server, "POST", exp + "/status", {"status": "running", "exit_code": "0"}),
        "exit_code must be",
    )
    assert_refused(
        *call(team_server, "POST", exp + "/status", {"status": "running", "exit_code": 2**70}),
        "exit_code must be",
    )
    assert_refused(
        *call(team_server, "POST", exp + "/status", {"status": "running", "message": 5}),
        "message must be a string",
    )
    assert_refused(
        *call(team_server, "POST", exp + "/status", {"status": "running\x00"}),
        "status must be one of",
    )
    # a failed script's last lines may hold a NUL: the executor's report is kept, minus it
    status, out = call(
        team_server, "POST", exp + "/status", {"status": "running", "message": "tail\x00 of stderr"}
    )
    assert status == 200 and out["message"] == "tail of stderr"
    assert_refused(
        *call(
            team_server,
            "GET",
            f"/api/v1/runs/alice/{real['run']}/artifacts?match=%5E%28a%2B%29%2B%24",
        ),
        "looks like a regular expression",
    )
    assert_refused(
        *call(team_server, "POST", f"/api/v1/runs/alice/{real['run']}/clone", {"params": [1]}),
        "params must be an object",
    )
    for version in ("abc", "0", "-1", "9" * 30):
        assert_refused(
            *call(team_server, "GET", f"{ds}?version={version}"),
            "version must be a positive integer",
        )
    assert_refused(
        *call(team_server, "POST", ds + "/attach", {"version": "x"}), "must be a positive integer"
    )
    assert_refused(
        *call(team_server, "POST", ds + "/attach", {"session": ["s"]}), "session name must be"
    )
    assert_refused(
        *call(team_server, "POST", ds + "/attach", {"session": "No Such"}),
        "session name 'No Such' is not valid",
    )
    for upload in ("abc", "9" * 30):
        assert_refused(
            *call(team_server, "POST", f"/api/v1/uploads/{upload}/commit"), "upload id must be"
        )
    # the run and the datastore are untouched by all of that
    status, run = call(team_server, "GET", f"/api/v1/runs/alice/{real['run']}")
    assert status == 200 and run["experiments"][0]["exit_code"] is None


SHAPES = [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'"text"', "must be a JSON object"),
    (b"\xff\xfe", "not valid JSON"),
    (b"null", "must be a JSON object"),
    # NaN / Infinity are accepted by Python's json but are not JSON: never stored
    (b'{"command": "python x.py", "name": "n", "params": {"lr": NaN}}', "not valid JSON"),
    (b'{"name": "n", "instance_type": Infinity}', "not valid JSON"),
]


@pytest.mark.parametrize(("raw", "keyword"), SHAPES, ids=[k for _, k in SHAPES])
@pytest.mark.parametrize("path", ["/api/v1/runs", "/api/v1/sessions", "/api/v1/uploads"])
def test_body_that_is_not_a_json_object(team_server, path, raw, keyword):
    assert_refused(*call(team_server, "POST", path, raw=raw), keyword)


LISTINGS = [
    ("cursor=garbage", "cursor is not one this server issued"),
    ("cursor=" + "1" * 40, "cursor is not one this server issued"),
    ("limit=0", "limit must be an integer from 1 to 200"),
    ("limit=100000", "limit must be an integer from 1 to 200"),
    ("limit=x", "limit must be an integer from 1 to 200"),
    ("scope=everyone", "unknown scope 'everyone'"),
    ("scope=user%3DBob", "username 'Bob' is not valid"),
    ("status=exploded", "status must be"),
]


@pytest.mark.parametrize(("query", "keyword"), LISTINGS, ids=[q for q, _ in LISTINGS])
@pytest.mark.parametrize("what", ["runs", "sessions", "datastores"])
def test_bad_listing_arguments(team_server, what, query, keyword):
    assert_refused(*call(team_server, "GET", f"/api/v1/{what}?{query}"), keyword)


@pytest.mark.parametrize("query", ["limit=0", "cursor=x1", "limit=abc"])
@pytest.mark.parametrize("what", ["ledger", "audit"])
def test_bad_paging_of_team_logs(team_server, what, query):
    status, body = call(team_server, "GET", f"/api/v1/teams/vision/{what}?{query}")
    assert_refused(status, body, "limit" if "limit" in query else "cursor")


@pytest.mark.parametrize(
    ("amount", "keyword"),
    [
        ("100", "amount must be a number"),
        ([1], "amount must be a number"),
        (True, "amount must be a number"),
        (1e12, "between -1e9 and 1e9"),
        (None, "amount"),
    ],
)
def test_bad_credit_amounts(team_server, amount, keyword):
    status, body = call(
        team_server, "POST", "/api/v1/teams/vision/credits", {"amount": amount}, user="root"
    )
    assert_refused(status, body, keyword)


def test_bad_new_users_as_the_site_admin(team_server):
    for body, keyword in [
        ({"username": "Zed"}, "username 'Zed' is not valid"),
        ({"username": "zed", "email": "no-at-sign"}, "not a valid address"),
        ({"username": "zed", "email": 5}, "not a valid address"),
        ({"username": "zed", "email": "z@x\x00"}, "NUL"),
        ({"username": "zed", "github_login": ["x"]}, "not valid"),
    ]:
        assert_refused(*call(team_server, "POST", "/api/v1/users", body, user="root"), keyword)


SAMPLE_SEGMENTS = {
    "owner": "alice",
    "team": "vision",
    "username": "bob",
    "provider": "github",
    "upload_id": "7",
}


def body_operations() -> list[tuple[str, str, type, str]]:
    """(method, concrete path, body Struct, field) for every field of every documented body."""
    out = []
    for route in routes.ROUTES:
        for template, op in route.documented():
            if op.body is None:
                continue
            segments = {
                **SAMPLE_SEGMENTS,
                "name": "mnist-exp0" if template.startswith("/experiments/") else "mnist",
            }
            path = "/api/v1" + re.sub(r"\{(\w+)\}", lambda m, s=segments: s[m.group(1)], template)
            out += [(op.method, path, op.body, f) for f in op.body.__struct_fields__]
    return out


@pytest.mark.parametrize(
    ("method", "path", "struct", "field"),
    body_operations(),
    ids=[f"{m} {p} {f}" for m, p, _, f in body_operations()],
)
def test_every_body_field_of_the_route_table_is_checked_and_named(
    team_server, method, path, struct, field
):
    # Given a value of the wrong JSON type for one field (a number where none is one, else text)
    number = any(
        t.get("type") == "number"
        for t in [struct_schema(struct)[field], *struct_schema(struct)[field].get("anyOf", [])]
    )
    # When the site admin sends it to the operation the route table documents with that body
    status, body = call(team_server, method, path, {field: "text" if number else 3.5}, user="root")
    # Then it is refused before anything is looked up, and the message names the field
    assert_refused(status, body, field.split("_")[-1])


def struct_schema(struct: type) -> dict[str, Any]:
    _, defs = msgspec.json.schema_components((struct,))
    return defs[struct.__name__]["properties"]
