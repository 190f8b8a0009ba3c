"""Schemathesis against a real team server: every operation of the served OpenAPI document,
fuzzed with a valid API key. No 5xx; status, content type and body match the document.

The servers (SQLite and PostgreSQL) are this module's own, seeded, with the executor off so
a fuzzed run never executes a generated command; nothing here can disturb the tests that
share ``team_server``.
Generation is derandomized: CI sees the same cases every time.
"""

from __future__ import annotations

import hashlib
import re
import uuid

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from teamserver_harness import TeamServerProcess, seeded_server

from jupyter_grid_collab.teamserver import openapi_spec

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_server(request, tmp_path_factory):
    # both backends: PostgreSQL refuses some values SQLite stores (NUL in text, big ints)
    with seeded_server(tmp_path_factory.mktemp(f"fuzz-{request.param}"), request.param) as server:
        yield server


@pytest.fixture(scope="module")
def api_schema(fuzz_server):
    return schemathesis.openapi.from_url(f"{fuzz_server.url}/api/v1/openapi.json")


def auth(server: TeamServerProcess, user: str) -> dict[str, str]:
    return {"Authorization": f"token {server.keys[user]}"}


def operations(path_regex: str = "") -> list:
    """(method, path) of every documented operation, from the document the server serves
    (test_openapi.py proves served == built). One pytest item per operation."""
    return [
        pytest.param(method.upper(), path, id=f"{method.upper()} {path}")
        for path, item in openapi_spec.build()["paths"].items()
        if re.search(path_regex, path)
        for method in item
    ]


def fuzz(schema, server: TeamServerProcess, method: str, path: str, user: str) -> None:
    """Positive and negative cases for one operation, each sent with ``user``'s key."""
    operation = schema[path][method]

    @FUZZ
    @given(
        case=st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )
    )
    def check(case) -> None:
        case.call_and_validate(
            base_url=server.url, headers=auth(server, user), checks=CHECKS, timeout=60
        )

    check()


@pytest.mark.parametrize(("method", "path"), operations())
def test_every_operation_as_a_team_owner(api_schema, fuzz_server, method, path):
    fuzz(api_schema, fuzz_server, method, path, "alice")


@pytest.mark.parametrize(("method", "path"), operations(r"^/api/v1/(users|teams|me)"))
def test_admin_operations_as_the_site_admin(api_schema, fuzz_server, method, path):
    fuzz(api_schema, fuzz_server, method, path, "root")


# --------------------------------------------------------------------------- real resources
# Random path parameters mostly meet 404s; these cases name real resources so the success
# bodies (sessions, runs, experiments, logs, artifacts, datastores) are checked too.


@pytest.fixture(scope="module")
def resources(fuzz_server):
    """alice's session, tracked run with logs and an artifact, and a two-version datastore."""
    tag = uuid.uuid4().hex[:6]
    h = auth(fuzz_server, "alice")
    with httpx.Client(base_url=fuzz_server.url + "/api/v1", headers=h, timeout=30) as c:

        def ok(response: httpx.Response) -> dict:
            assert response.status_code < 300, response.text
            return response.json() if response.content else {}

        ok(c.put("/credentials/github", json={"token": "ghp_" + "x" * 20}))
        reg = ok(c.post("/sessions", json={"name": f"s-{tag}", "url": "http://127.0.0.1:9/"}))
        run = ok(
            c.post(
                "/runs",
                json={
                    "name": f"r-{tag}",
                    "command": "python train.py",
                    "params": {"lr": [0.1, 0.01]},
                    "tracked": True,
                },
            )
        )
        exp = run["experiments"][0]["name"]
        ok(
            c.post(
                f"/experiments/alice/{exp}/logs",
                json={"lines": ["epoch 1", {"line": "warn", "stream": "stderr"}]},
            )
        )
        ok(
            c.post(
                f"/experiments/alice/{exp}/metrics",
                json={
                    "points": [
                        {"name": "loss", "value": 0.5, "step": 0},
                        {"name": "loss", "value": None},
                    ]
                },
            )
        )
        data = b"weights" * 100
        ok(
            c.put(
                f"/experiments/alice/{exp}/artifacts/out/model.bin",
                content=data,
                headers={"X-Content-Sha256": hashlib.sha256(data).hexdigest()},
            )
        )
        ok(c.post(f"/experiments/alice/{exp}/status", json={"status": "succeeded", "exit_code": 0}))
        for version in (1, 2):
            up = ok(c.post("/uploads", json={"name": f"d-{tag}"}))
            ok(c.put(f"/uploads/{up['upload_id']}/files/train/{version}.csv", content=b"a,b\n"))
            ok(c.post(f"/uploads/{up['upload_id']}/commit"))
        ok(c.post(f"/datastores/alice/d-{tag}/attach", json={"session": f"s-{tag}"}))
    bob = {"Authorization": f"token {fuzz_server.keys['bob']}"}
    with httpx.Client(base_url=fuzz_server.url + "/api/v1", headers=bob, timeout=30) as c:
        c.post(f"/sessions/alice/s-{tag}/open").raise_for_status()
    return {
        "session": f"s-{tag}",
        "run": f"r-{tag}",
        "experiment": exp,
        "datastore": f"d-{tag}",
        "secret": reg["server_secret"],
    }


def real_cases(r: dict) -> list[tuple[str, str, dict, dict, str]]:
    """(method, path, path parameters, query, user) naming the resources above."""
    s = {"owner": "alice", "name": r["session"]}
    run = {"owner": "alice", "name": r["run"]}
    exp = {"owner": "alice", "name": r["experiment"]}
    ds = {"owner": "alice", "name": r["datastore"]}
    return [
        ("GET", "/api/v1/me", {}, {}, "bob"),
        ("GET", "/api/v1/users", {}, {}, "root"),
        ("GET", "/api/v1/teams", {}, {}, "carol"),
        ("GET", "/api/v1/teams/{team}", {"team": "vision"}, {}, "bob"),
        ("GET", "/api/v1/teams/{team}", {"team": "vision"}, {}, "root"),
        ("GET", "/api/v1/teams/{team}/ledger", {"team": "vision"}, {"limit": 2}, "bob"),
        ("GET", "/api/v1/teams/{team}/audit", {"team": "vision"}, {"limit": 3}, "alice"),
        ("GET", "/api/v1/credentials", {}, {}, "alice"),
        ("GET", "/api/v1/sessions", {}, {"scope": "team"}, "bob"),
        ("GET", "/api/v1/sessions/{owner}/{name}", s, {}, "bob"),
        ("GET", "/api/v1/runs", {}, {"scope": "user=alice", "limit": 1}, "bob"),
        ("GET", "/api/v1/runs/{owner}/{name}", run, {}, "bob"),
        ("GET", "/api/v1/runs/{owner}/{name}/artifacts", run, {"match": "model"}, "bob"),
        ("GET", "/api/v1/experiments/{owner}/{name}", exp, {}, "bob"),
        ("GET", "/api/v1/experiments/{owner}/{name}/logs", exp, {"tail": 1}, "bob"),
        ("GET", "/api/v1/experiments/{owner}/{name}/metrics", exp, {"max_points": 10}, "bob"),
        ("GET", "/api/v1/metrics", {}, {"runs": f"alice:{r['run']}", "names": "loss"}, "bob"),
        ("GET", "/api/v1/experiments/{owner}/{name}/artifacts", exp, {}, "bob"),
        (
            "GET",
            "/api/v1/experiments/{owner}/{name}/artifacts/{path}",
            {**exp, "path": "out/model.bin"},
            {},
            "bob",
        ),
        ("GET", "/api/v1/datastores", {}, {"scope": "team"}, "bob"),
        ("GET", "/api/v1/datastores/{owner}/{name}", ds, {"version": 1}, "bob"),
        ("GET", "/api/v1/datastores/{owner}/{name}/files", ds, {}, "bob"),
        (
            "GET",
            "/api/v1/datastores/{owner}/{name}/files/{path}",
            {**ds, "path": "train/2.csv"},
            {},
            "bob",
        ),
        ("POST", "/api/v1/sessions/{owner}/{name}/open", s, {}, "bob"),
        ("POST", "/api/v1/sessions/{owner}/{name}/open", s, {}, "alice"),
        ("POST", "/api/v1/sessions/{owner}/{name}/heartbeat", s, {}, "alice"),
        ("POST", "/api/v1/runs/{owner}/{name}/stop", run, {}, "alice"),
        ("POST", "/api/v1/experiments/{owner}/{name}/stop", exp, {}, "bob"),
        ("POST", "/api/v1/datastores/{owner}/{name}/attach", ds, {}, "bob"),
    ]


# GETs whose success body is checked elsewhere or needs what these resources lack: the two
# that need no resource (fuzzed to success above), git-credential (a session secret, below),
# and a run's source (a tracked run has none; tests/test_executor.py downloads one)
GETS_NOT_HERE = {
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/sessions/{owner}/{name}/git-credential"),
    ("GET", "/api/v1/runs/{owner}/{name}/source"),
}


def test_success_bodies_of_real_resources_match_the_document(api_schema, fuzz_server, resources):
    succeeded = set()
    for method, path, params, query, user in real_cases(resources):
        case = api_schema[path][method].Case(path_parameters=params, query=query)
        response = case.call_and_validate(
            base_url=fuzz_server.url, headers=auth(fuzz_server, user), checks=CHECKS
        )
        # bob stopping alice's experiment is the contract's 403; everything else succeeds
        denied = user == "bob" and path.endswith("/stop")
        assert response.status_code == 403 if denied else response.status_code < 300, (
            method,
            path,
            response.status_code,
            response.text,
        )
        if response.status_code < 300:
            succeeded.add((method, path))
    # every documented GET had its success body checked here (a new one needs a real case)
    gets = {("GET", path) for path, item in openapi_spec.build()["paths"].items() if "get" in item}
    assert gets - GETS_NOT_HERE - succeeded == set()


def test_the_session_secret_endpoints_match_the_document(api_schema, fuzz_server, resources):
    # git-credential: the session's own server reads alice's token with its secret (set
    # here: fuzzing the credentials routes as alice, in any order, may have changed it)
    token = "ghp_" + uuid.uuid4().hex
    httpx.put(
        f"{fuzz_server.url}/api/v1/credentials/github",
        json={"token": token},
        headers=auth(fuzz_server, "alice"),
        timeout=30,
    ).raise_for_status()
    case = api_schema["/api/v1/sessions/{owner}/{name}/git-credential"]["GET"].Case(
        path_parameters={"owner": "alice", "name": resources["session"]},
        headers={"X-Grid-Session-Secret": resources["secret"]},
    )
    response = case.call_and_validate(base_url=fuzz_server.url, checks=CHECKS)
    assert response.status_code == 200 and response.json()["token"] == token
    # redeem: a wrong ticket is a 403 with the Error shape
    case = api_schema["/api/v1/visits/redeem"]["POST"].Case(
        body={"ticket": "gct_nope"}, headers={"X-Grid-Session-Secret": resources["secret"]}
    )
    response = case.call_and_validate(base_url=fuzz_server.url, checks=CHECKS)
    assert response.status_code == 403 and "unknown ticket" in response.json()["message"]


def test_a_document_that_lies_about_a_response_fails_the_checks(fuzz_server):
    # the checks above are not vacuous: claim /health's schema_version is a string
    document = openapi_spec.build()
    document["components"]["schemas"]["Health"]["properties"]["schema_version"] = {"type": "string"}
    lying = schemathesis.openapi.from_dict(document)
    case = lying["/api/v1/health"]["GET"].Case()
    with pytest.raises(FailureGroup) as failures:
        case.call_and_validate(base_url=fuzz_server.url, checks=CHECKS)
    assert [type(e).__name__ for e in failures.value.exceptions] == ["JsonSchemaError"]
    assert 'is not of type "string"' in str(failures.value.exceptions[0])
