"""How a JupyterHub server is named as a team session, for the team server and the extension
alike: a named server keeps its name, the user's default server (name "") is "default"."""

from __future__ import annotations

DEFAULT_SERVER_SESSION = "default"
#: the instance type of a session that is a Hub server (a price for it charges credits)
HUB_INSTANCE_TYPE = "jupyterhub"
#: A Hub session's ``server_secret_hash`` (it has no secret of ours) once the extension in the
#: server has called in with the server's own token since it started: only then may it be
#: opened, since only the extension lets in no one but teammates with a visit, and enforces
#: the owner's view-only choice. Never a sha256, so no secret ever matches it.
HUB_EXTENSION_SEEN = "jupyterhub-extension"


def session_name(server: str) -> str:
    """The session name of the Hub server ``server`` ("" is the user's default server)."""
    return server or DEFAULT_SERVER_SESSION


def hub_server_name(session: str) -> str:
    """The Hub server a Hub session is."""
    return "" if session == DEFAULT_SERVER_SESSION else session
