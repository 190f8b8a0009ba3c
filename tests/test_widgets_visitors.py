"""TeamPanel and what visitors may do in a session (issue 11): each session row says its
visitor mode, and Open on a teammate's session says exactly what that mode gives before the
link is used. Against a real team server, with ipywidgets' dummy comm (no browser); the
sidebar's side of the same is tests/test_sidebar_browser.py."""

from __future__ import annotations

import html
import uuid

import httpx
from test_widgets import buttons, panel_for, row_with, settle, texts

VIEW_WARNING = (
    "You will visit alice's session view-only: you can browse its files and notebooks and "
    "use the Team panel as yourself, but not start kernels, open terminals or change files."
)
FULL_WARNING = (
    "You will visit alice's session with full access: code you run and terminals you open "
    "there run as alice, with alice's files and the session's team credential (it cannot "
    "change members, roles, credits, keys or credentials), and git there uses alice's GitHub "
    "identity (alice-gh)."
)


def row_text(panel, name: str) -> str:
    return html.unescape(" ".join(texts(row_with(panel.sessions, name))))


def shown(panel) -> str:
    return html.unescape(panel.message.value)


def alices_sessions(server) -> tuple[str, str, str]:
    """alice's two running sessions, one per mode; (view, full, full's server secret)."""
    tag = uuid.uuid4().hex[:6]
    view, full = f"view-{tag}", f"full-{tag}"
    with server.client("alice") as alice:
        alice.me()
        alice.register_session(view, url="http://127.0.0.1:1/", visitors="view")
        _, secret = alice.register_session(full, url="http://127.0.0.1:2/")  # full: the default
    return view, full, secret


def test_each_session_row_says_what_its_visitors_may_do(sqlite_server, loop):
    view, full, secret = alices_sessions(sqlite_server)
    panel = panel_for(sqlite_server, "bob", loop)
    assert "visitors: view only" in row_text(panel, view)
    assert "visitors: full access" in row_text(panel, full)
    # the owner changes it from the session's server (its heartbeat): the panel follows
    r = httpx.post(
        f"{sqlite_server.url}/api/v1/sessions/alice/{full}/heartbeat",
        headers={"X-Grid-Session-Secret": secret},
        json={"visitors": "view"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    panel.refresh_button.click()
    settle(panel, loop)
    assert "visitors: view only" in row_text(panel, full)


def test_open_says_what_the_session_lets_its_visitor_do(sqlite_server, loop):
    view, full, _ = alices_sessions(sqlite_server)
    panel = panel_for(sqlite_server, "bob", loop)
    # Open on the view-only session: a single-use link, and what view-only means
    buttons(row_with(panel.sessions, view))["Open"].click()
    settle(panel, loop)
    said = shown(panel)
    assert f"Open alice's session “{view}” in a new tab" in said and "ticket=" in said
    assert VIEW_WARNING in said and "run as" not in said
    assert "files. The link works once, for a short while." in said
    # Open on the full-access one: code runs as alice, with her files, credential and git
    buttons(row_with(panel.sessions, full))["Open"].click()
    settle(panel, loop)
    said = shown(panel)
    assert f"Open alice's session “{full}” in a new tab" in said
    assert FULL_WARNING in said and "view-only" not in said


def test_the_owner_opening_her_own_session_gets_no_warning(sqlite_server, loop):
    view, _, _ = alices_sessions(sqlite_server)
    panel = panel_for(sqlite_server, "alice", loop)
    assert "visitors: view only" in row_text(panel, view)
    buttons(row_with(panel.sessions, view))["Open"].click()
    settle(panel, loop)
    said = shown(panel)
    assert f"Open alice's session “{view}” in a new tab" in said
    assert "You will visit" not in said and "The link works once" not in said
