"""How a JupyterHub server is named as a team session, for the team server and the extension
alike: a named server keeps its name, the user's default server (name "") is "default"."""

from __future__ import annotations

DEFAULT_SERVER_SESSION = "default"
#: the instance type of a session that is a Hub server (a price for it charges credits)
HUB_INSTANCE_TYPE = "jupyterhub"


def session_name(server: str) -> str:
    """The session name of the Hub server ``server`` ("" is the user's default server)."""
    return server or DEFAULT_SERVER_SESSION


def hub_server_name(session: str) -> str:
    """The Hub server a Hub session is."""
    return "" if session == DEFAULT_SERVER_SESSION else session
