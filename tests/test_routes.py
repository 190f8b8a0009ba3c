"""The faces reach the team API only where the route table has an operation: the extension's
proxy allow-list and the sidebar's calls are parsed (not run) and each path they can send is
matched against the documented operations of openapi.json and the table (teamserver/routes.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

try:  # Python 3.11+
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]

from jupyter_grid_collab.extension.handlers import PROXY_ALLOWED
from jupyter_grid_collab.teamserver import routes
from jupyter_grid_collab.teamserver.handlers import meta

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = json.loads((ROOT / "jupyter_grid_collab/teamserver/openapi.json").read_text())
API_TS = ROOT / "labextension/src/api.ts"
SEGMENT = "seg"  # what stands for any one path segment in an expanded pattern
# the extension's own endpoints the sidebar calls (jobs it runs itself, not proxied)
EXTENSION_OWN = {("GET", "datastores/attach/seg"), ("GET", "artifacts/fetch/seg")}


def documented_operation(method: str, path: str) -> str | None:
    """The documented template a concrete path under /api/v1 is sent to with ``method``."""
    for template, item in DOCUMENT["paths"].items():
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
        if method.lower() in item and re.fullmatch(pattern, path):
            return template
    return None


def expand(parsed) -> list[str]:
    """Every string a simple regex (literals, groups, alternatives, '?') matches, with a
    character class repeated standing for one segment."""
    out = [""]
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            out = [s + chr(arg) for s in out]
        elif name == "AT":
            continue
        elif name == "SUBPATTERN":
            out = [s + t for s in out for t in expand(arg[-1])]
        elif name == "BRANCH":
            out = [s + t for s in out for branch in arg[1] for t in expand(branch)]
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, body = arg
            if (low, high) == (0, 1):
                out = [s + t for s in out for t in ["", *expand(body)]]
            elif str(body[0][0]) in ("IN", "NOT_LITERAL", "ANY"):
                out = [s + SEGMENT for s in out]
            else:  # pragma: no cover - a new kind of pattern: teach expand() about it
                raise AssertionError(f"cannot expand {parsed}")
        else:  # pragma: no cover
            raise AssertionError(f"cannot expand {name} in {parsed}")
    return out


def proxied() -> list[tuple[str, str]]:
    return [
        (method, path)
        for method, pattern in PROXY_ALLOWED.items()
        for path in expand(sre_parse.parse(pattern.pattern))
    ]


def sidebar_calls() -> list[tuple[str, str]]:
    """(method, path) of each ``this.call('M', apiPath(...))`` in api.ts; a variable segment
    becomes a sample, ``kind`` a run and an experiment, ``action`` stop."""
    calls = []
    text = API_TS.read_text()
    for method, args in re.findall(r"this\.call\(\s*'(\w+)',\s*apiPath\(([^)]*)\)", text):
        options = [[]]
        for arg in (a.strip() for a in args.split(",")):
            if arg.startswith("'"):
                values = [arg.strip("'")]
            elif arg == "kind":
                values = ["runs", "experiments"]
            elif arg == "action":  # act(): stop is the one action every kind takes
                values = ["stop"]
            else:
                values = [SEGMENT]
            options = [o + [v] for o in options for v in values]
        calls += [(method, "/".join(o)) for o in options]
    return calls


def test_the_expansion_sees_every_alternative():
    # not vacuous: a known allow-list entry and a known refusal
    assert ("POST", "sessions/seg/seg/open") in proxied()
    assert ("GET", "experiments/seg/seg/logs") in proxied()
    assert not any(path.startswith("credentials") for _, path in proxied())
    assert ("GET", "sessions/seg/seg") in sidebar_calls()


@pytest.mark.parametrize("method,path", proxied())
def test_every_path_the_proxy_allows_is_a_documented_and_routed_operation(method, path):
    full = f"{routes.API}/{path}"
    assert documented_operation(method, full), f"the proxy allows {method} {path}: not documented"
    route = routes.route_for(full)
    assert route is not None and route.handler is not meta.NotFoundHandler
    assert hasattr(route.handler, method.lower()), f"{route.handler.__name__} has no {method}"


@pytest.mark.parametrize("method,path", sidebar_calls())
def test_every_sidebar_call_is_proxied_to_an_operation_or_the_extensions_own(method, path):
    if (method, path) in EXTENSION_OWN:
        return
    assert PROXY_ALLOWED[method].match(path), f"the sidebar calls {method} {path}: not proxied"
    assert documented_operation(method, f"{routes.API}/{path}")


def test_every_documented_path_is_in_the_route_table():
    templates = {routes.API + route.template for route in routes.ROUTES}
    for path in DOCUMENT["paths"]:
        route = routes.route_for(re.sub(r"\{\w+\}", "x", path))
        assert route is not None, f"{path} is documented but no route serves it"
        if path in templates:
            continue
        # an action route documents each action as a path of its own
        assert route.template.endswith("/{action}"), f"{path} is served by {route.template}"
