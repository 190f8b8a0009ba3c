"""The OpenAPI document: committed, generated, served, valid, and covering every route."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import jsonschema
import pytest
import schemathesis
import tornado.web
from schemathesis.core.result import Err
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from jupyter_grid_collab.teamserver import app, openapi_spec
from jupyter_grid_collab.teamserver.handlers import meta

COMMITTED = Path(openapi_spec.__file__).with_name("openapi.json")
METHODS = ("get", "post", "put", "patch", "delete")
# sample values that satisfy each path parameter, to route a documented path like tornado does
SAMPLES = {
    "owner": "alice",
    "name": "mnist-exp0",
    "team": "vision",
    "username": "bob",
    "provider": "github",
    "upload_id": "7",
    "path": "sub/dir/model.pt",
}


@pytest.fixture(scope="module")
def document() -> dict:
    return openapi_spec.build()


def route_of(path: str) -> type:
    """The handler tornado picks for a concrete path: the first route that matches whole."""
    for pattern, handler in app.ROUTES:
        if re.fullmatch(pattern, path):
            return handler
    raise AssertionError(f"{path} matches no route")


def concrete(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m[1]], template)


def implemented(handler: type) -> set[str]:
    return {m for m in METHODS if getattr(handler, m) is not getattr(tornado.web.RequestHandler, m)}


def test_committed_file_is_what_the_builder_makes(document):
    # a changed handler or schema must be followed by regenerating the committed file
    assert COMMITTED.read_text() == openapi_spec.dumps(document), (
        "openapi.json is stale: run python -m jupyter_grid_collab.teamserver.openapi_spec "
        "> jupyter_grid_collab/teamserver/openapi.json"
    )


def test_document_is_valid_openapi_3_1(document):
    OPENAPI_31_VALIDATOR.validate(document)
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()
    for name, component in document["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(component)
        except jsonschema.SchemaError as exc:  # pragma: no cover - the message says which
            pytest.fail(f"components/schemas/{name} is not valid JSON Schema: {exc.message}")
    # every operation loads, so the fuzzer and other tools can use all of them
    errors = [r.err() for r in schema.get_all_operations() if isinstance(r, Err)]
    assert not errors


def test_invalid_documents_are_caught_by_the_validation():
    # the validation above is not vacuous: a response without a description is refused
    broken = openapi_spec.build()
    del broken["paths"]["/api/v1/me"]["get"]["responses"]["200"]["description"]
    with pytest.raises(Exception, match="description"):
        OPENAPI_31_VALIDATOR.validate(broken)


def test_every_documented_operation_is_routed_to_a_handler_that_implements_it(document):
    for template, item in document["paths"].items():
        handler = route_of(concrete(template))
        assert handler is not meta.NotFoundHandler, f"{template} is documented but not routed"
        for method in set(item) & set(METHODS):
            assert method in implemented(handler), (
                f"{method.upper()} {template} is documented but {handler.__name__} has no "
                f"{method}()"
            )


def test_every_route_and_method_is_documented(document):
    documented: dict[type, set[str]] = {}
    for template, item in document["paths"].items():
        documented.setdefault(route_of(concrete(template)), set()).update(set(item) & set(METHODS))
    for pattern, handler in app.ROUTES:
        if handler is meta.NotFoundHandler:
            continue
        assert handler in documented, f"route {pattern} ({handler.__name__}) is not documented"
        missing = implemented(handler) - documented[handler]
        assert not missing, f"{handler.__name__} methods {missing} are not documented"


def test_every_operation_documents_its_errors_as_the_error_schema(document):
    for template, item in document["paths"].items():
        for method in set(item) & set(METHODS):
            responses = item[method]["responses"]
            assert any(code.startswith("2") for code in responses), (method, template)
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }, (method, template, code)
            public = item[method].get("security") is not None
            if not public:
                assert {"401", "403"} <= set(responses), (method, template)


def test_served_document_is_the_committed_file(sqlite_server):
    response = httpx.get(f"{sqlite_server.url}/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == json.loads(COMMITTED.read_text())
    assert response.json()["openapi"].startswith("3.")
