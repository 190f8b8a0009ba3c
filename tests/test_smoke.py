"""The basic round trip through GridClient against a real team server."""

from __future__ import annotations

import uuid

import pytest

from jupyter_grid_collab.client import PermissionDenied, Unauthorized


def test_teammate_sees_session_but_cannot_delete_it(clients):
    # Given alice registers a session
    name = f"s-{uuid.uuid4().hex[:6]}"
    session, secret = clients["alice"].register_session(name, url="http://127.0.0.1:1/")
    assert session.github["login"] == "alice-gh" and secret
    # When bob lists the team's sessions and tries to delete hers
    team = [s.name for s in clients["bob"].list_sessions(scope="team").items]
    with pytest.raises(PermissionDenied) as denied:
        clients["bob"].delete_session(f"alice:{name}")
    # Then he sees it, is refused with the contract's message, and it is still there
    assert name in team
    assert denied.value.message == (
        f'bob cannot delete alice\'s session "{name}": only its creator or a team admin can'
    )
    assert clients["alice"].session(name).status == "running"


def test_unknown_key_is_401(team_server):
    with team_server.client(None, api_key="gck_wrong") as c, pytest.raises(Unauthorized):
        c.me()
