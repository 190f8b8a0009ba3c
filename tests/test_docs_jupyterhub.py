"""docs/jupyterhub.md's configurations hold what the team server needs, without a Hub.

The ``jupyterhub_config.py`` block runs against a stand-in for traitlets' config object and
must give the service exactly the scopes the team server uses (the ones the real-Hub tests
grant), the users the scope to reach it, named servers and ``GRID_URL``; the Zero to
JupyterHub ``values.yaml`` block must parse and put the same settings where the chart reads
them. Fast: no process is started."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

try:  # where the scopes live once the Hub configuration has a module of its own
    from jupyter_grid_collab.hub_config import SERVICE_SCOPES
except ImportError:
    from hub_harness import SERVICE_SCOPES

DOC = Path(__file__).resolve().parent.parent / "docs" / "jupyterhub.md"
SERVICE = "grid-team"
ROLES = {"owner", "admin", "user"}
# a fenced block: its language and its text
BLOCK = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(DOC.read_text()) if lang == language]


class Config:
    """What a config file sees as ``c``: ``c.Section.trait = value`` is recorded, and
    ``c.Section`` reads back the same section (made on first use), as traitlets does."""

    def __init__(self) -> None:
        object.__setattr__(self, "values", {})

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self.values.setdefault(name, Config())

    def __setattr__(self, name: str, value) -> None:
        self.values[name] = value

    def __getitem__(self, name: str):
        return getattr(self, name)


def run_config(source: str, c: Config, monkeypatch) -> None:
    # any environment variable the config reads is set (to a dummy)
    for name in re.findall(r"os\.environ\[[\"'](\w+)[\"']\]", source):
        monkeypatch.setenv(name, f"dummy-{name.lower()}")
    code = compile(source, f"{DOC.name}: jupyterhub_config.py", "exec")
    exec(code, {"get_config": lambda: c, "__name__": "jupyterhub_config"})


def config_blocks() -> tuple[str, list[str]]:
    """The jupyterhub_config.py block and the python blocks meant to be appended to it."""
    python = blocks("python")
    full = [b for b in python if "get_config()" in b]
    assert len(full) == 1, "docs/jupyterhub.md should hold one whole jupyterhub_config.py"
    return full[0], [b for b in python if b is not full[0]]


def option(command: list[str], name: str) -> str | None:
    """``--name value`` or ``--name=value`` in a command line."""
    for i, arg in enumerate(command):
        if arg == name and i + 1 < len(command):
            return command[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def check_service(service: dict) -> list[str]:
    """The team server's service entry: started by the Hub as a jupyterhub team source,
    with no URL (the proxy would route a prefix the team server does not serve)."""
    command = service.get("command")
    assert isinstance(command, list) and command[0] == "grid-collab-server", command
    assert option(command, "--team-source") == "jupyterhub"
    assert option(command, "--data-dir").startswith("/"), "the Hub's cwd is not ours"
    assert "url" not in service, "with a url the Hub's proxy routes /services/grid-team/"
    # a managed service's JUPYTERHUB_API_URL is the Hub's internal address: the sessions'
    # URLs need the public one
    public = option(command, "--hub-public-url")
    assert public and urlsplit(public).scheme in ("http", "https")
    return command


def check_roles(roles: list[dict]) -> None:
    by_name = {r["name"]: r for r in roles}
    user = by_name["user"]
    assert "self" in user["scopes"], "the user role replaces the Hub's default: keep self"
    assert f"access:services!service={SERVICE}" in user["scopes"]
    [service_role] = [r for r in roles if SERVICE in r.get("services", [])]
    assert service_role["scopes"] == SERVICE_SCOPES


@pytest.fixture(scope="module")
def known_scopes() -> set[str] | None:
    try:
        from jupyterhub.scopes import scope_definitions
    except ImportError:
        return None
    return set(scope_definitions)


def test_the_python_blocks_compile():
    full, extras = config_blocks()
    for i, source in enumerate([full, *extras]):
        compile(source, f"{DOC.name}: python block {i}", "exec")


def test_the_hub_config_grants_exactly_what_the_team_server_needs(monkeypatch, known_scopes):
    full, _ = config_blocks()
    c = Config()
    run_config(full, c, monkeypatch)
    hub = c.JupyterHub.values
    assert hub["allow_named_servers"] is True
    [service] = [s for s in hub["services"] if s["name"] == SERVICE]
    command = check_service(service)
    check_roles(hub["load_roles"])
    if known_scopes is not None:  # every scope is one this JupyterHub defines
        scopes = {s.split("!")[0] for r in hub["load_roles"] for s in r.get("scopes", [])}
        assert scopes <= known_scopes, scopes - known_scopes
    # teams: each group's grid_roles names known roles for its own members
    for name, group in hub["load_groups"].items():
        roles = group.get("properties", {}).get("grid_roles", {})
        assert set(roles.values()) <= ROLES, name
        assert set(roles) <= set(group["users"]), name
    # single-user servers reach the team server where it listens
    grid_url = urlsplit(c.Spawner.values["environment"]["GRID_URL"])
    assert grid_url.scheme == "http"
    assert grid_url.port == int(option(command, "--port"))
    assert grid_url.hostname == option(command, "--host")


def test_the_narrowing_snippet_filters_every_scope_by_group(monkeypatch):
    full, extras = config_blocks()
    [narrow] = [b for b in extras if "!group=" in b]
    c = Config()
    run_config(full + "\n" + narrow, c, monkeypatch)
    teams = re.search(r"TEAMS = (\[.*?\])", narrow)
    assert teams
    [role] = [r for r in c.JupyterHub.values["load_roles"] if SERVICE in r.get("services", [])]
    expected = {f"{s}!group={t}" for s in SERVICE_SCOPES for t in ast.literal_eval(teams.group(1))}
    assert set(role["scopes"]) == expected


def test_the_z2jh_values_put_each_setting_where_the_chart_reads_it(known_scopes):
    yaml = pytest.importorskip("yaml", reason="PyPI's PyYAML is needed to read values.yaml")
    [text] = [b for b in blocks("yaml") if "singleuser:" in b]
    values = yaml.safe_load(text)
    hub, singleuser = values["hub"], values["singleuser"]
    # hub.services and hub.loadRoles are dicts keyed by name (the chart adds the names)
    command = check_service({"name": SERVICE, **hub["services"][SERVICE]})
    check_roles([{"name": k, **v} for k, v in hub["loadRoles"].items()])
    assert hub["allowNamedServers"] is True
    groups = hub["config"]["JupyterHub"]["load_groups"]
    assert all(set(g["properties"]["grid_roles"].values()) <= ROLES for g in groups.values())
    assert singleuser["image"]["name"] and singleuser["image"]["tag"]
    assert hub["image"]["name"] and hub["image"]["tag"]
    # single-user pods reach the team server through the hub Service's extra port
    port = int(option(command, "--port"))
    grid_url = urlsplit(singleuser["extraEnv"]["GRID_URL"])
    assert (grid_url.hostname, grid_url.port) == ("hub", port)
    assert port in [p["targetPort"] for p in hub["service"]["extraPorts"]]
    assert option(command, "--host") == "0.0.0.0"
    # and the network policies let that traffic through, both ways
    assert any(
        port in [p["port"] for p in rule["ports"]] for rule in hub["networkPolicy"]["ingress"]
    )
    assert any(
        port in [p["port"] for p in rule["ports"]] for rule in singleuser["networkPolicy"]["egress"]
    )
