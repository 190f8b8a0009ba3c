"""TeamPanel against a real team server, with ipywidgets' dummy comm (no browser): rows per
scope, actions offered only where the permission table allows, clicks that call through."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import ipywidgets as w
import pytest
from jupyter_harness import JupyterProcess
from test_cli_run import GATED
from test_executor import wait_status

from jupyter_grid_collab import track
from jupyter_grid_collab.submit import submit_run
from jupyter_grid_collab.widgets import TeamPanel


def settle(panel: TeamPanel, loop) -> None:
    """Let every task the panel started (loading, clicks) finish."""
    for _ in range(50):
        pending = [t for t in panel.tasks if not t.done()]
        if not pending:
            return
        loop.run_until_complete(asyncio.wait(pending, timeout=30))


def texts(box: w.Box) -> list[str]:
    out = []
    for child in box.children:
        if isinstance(child, w.HTML):
            out.append(child.value)
        elif isinstance(child, w.Box):
            out.extend(texts(child))
    return out


def row_with(box: w.Box, text: str) -> w.Box:
    for child in box.children:
        label = " ".join(texts(child)) if isinstance(child, w.Box) else ""
        if text in label:
            return child
    raise AssertionError(f"no row with {text!r} in {texts(box)}")


def buttons(row: w.Box) -> dict[str, w.Button]:
    """The row's buttons by label; the row's own come before those of rows nested in it."""
    found: dict[str, w.Button] = {}
    for child in row.children:
        if isinstance(child, w.Button):
            found.setdefault(child.description, child)
    for child in row.children:
        if isinstance(child, w.Box):
            for label, button in buttons(child).items():
                found.setdefault(label, button)
    return found


def panel_for(server, user, loop, **kw) -> TeamPanel:
    panel = TeamPanel(server.url, server.keys[user], **kw)
    settle(panel, loop)
    return panel


def test_rows_follow_the_scope_and_member_filter(sqlite_server, loop):
    tag = uuid.uuid4().hex[:6]
    with sqlite_server.client("alice") as alice, sqlite_server.client("bob") as bob:
        alice.me(), bob.me()
        alice.register_session(f"a-{tag}", url="http://127.0.0.1:1/")
        bob.register_session(f"b-{tag}", url="http://127.0.0.1:2/")
    panel = panel_for(sqlite_server, "bob", loop)
    shown = " ".join(texts(panel.sessions))
    assert f"a-{tag}" in shown and f"b-{tag}" in shown
    panel.scope.value = "mine"
    settle(panel, loop)
    shown = " ".join(texts(panel.sessions))
    assert f"b-{tag}" in shown and f"a-{tag}" not in shown
    panel.scope.value = "team"
    panel.member.value = "alice"
    settle(panel, loop)
    shown = " ".join(texts(panel.sessions))
    assert f"a-{tag}" in shown and f"b-{tag}" not in shown
    assert "alice-gh" in shown  # whose GitHub identity git uses there
    assert "credits left" in panel.team.value and "carol" in panel.team.value


def test_someone_elses_rows_offer_no_stop_or_delete(sqlite_server, loop, tmp_path):
    tag = uuid.uuid4().hex[:6]
    with sqlite_server.client("alice") as alice, sqlite_server.client("bob") as bob:
        alice.me(), bob.me()
        alice.register_session(f"a-{tag}", url="http://127.0.0.1:1/")
        bob.register_session(f"b-{tag}", url="http://127.0.0.1:2/")
        track.start_run(f"ar-{tag}", {"lr": 1}, client=alice)
        track.start_run(f"br-{tag}", {"lr": 1}, client=bob)
        (tmp_path / "f.txt").write_text("x")
        alice.upload_datastore(f"ads-{tag}", tmp_path / "f.txt")
        bob.upload_datastore(f"bds-{tag}", tmp_path / "f.txt")
    panel = panel_for(sqlite_server, "bob", loop)
    assert set(buttons(row_with(panel.sessions, f"a-{tag}"))) == {"Open"}
    assert {"Pause", "Stop", "Delete"} <= set(buttons(row_with(panel.sessions, f"b-{tag}")))
    assert set(buttons(row_with(panel.runs, f"ar-{tag}"))) == {"▸", "Download artifacts", "Clone"}
    assert {"Stop", "Delete"} <= set(buttons(row_with(panel.runs, f"br-{tag}")))
    assert set(buttons(row_with(panel.datastores, f"ads-{tag}"))) == {"Attach"}
    assert set(buttons(row_with(panel.datastores, f"bds-{tag}"))) == {"Attach", "Delete"}
    # alice's running experiment: logs, download, clone, but no Stop for bob
    buttons(row_with(panel.runs, f"ar-{tag}"))["▸"].click()
    settle(panel, loop)
    exp = row_with(row_with(panel.runs, f"ar-{tag}"), f"ar-{tag}-exp0")
    assert set(buttons(exp)) == {"Logs", "Download", "Clone"}


def test_clicks_call_through_and_update_the_view(sqlite_server, loop, tmp_path, monkeypatch):
    monkeypatch.setenv("GRID_DATASTORE_ROOT", str(tmp_path / "datastores"))
    tag = uuid.uuid4().hex[:6]
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "x.csv").write_text("1,2\n")
    (tmp_path / "model.txt").write_text("weights")
    with sqlite_server.client("alice") as alice:
        alice.me()
        alice.upload_datastore(f"ds-{tag}", tmp_path / "ds")
        with track.start_run(f"ar-{tag}", {"lr": 1}, client=alice) as run:
            run.log_text("epoch 1: loss 0.5")
            run.log_text("\x1b]0;pwned\x07retitled")  # a teammate's escape sequence
            run.log_file(tmp_path / "model.txt", "model.txt")
    with sqlite_server.client("bob") as bob:
        bob.me()
        mine = track.start_run(f"br-{tag}", {"lr": 1}, client=bob)
    panel = panel_for(sqlite_server, "bob", loop, download_dir=str(tmp_path / "dl"))
    # Attach alice's datastore: mounted, and the path to use is shown
    buttons(row_with(panel.datastores, f"ds-{tag}"))["Attach"].click()
    settle(panel, loop)
    mount = tmp_path / "datastores" / f"ds-{tag}"
    assert (mount / "x.csv").exists(), panel.message.value
    assert (mount / "x.csv").read_text() == "1,2\n"
    assert str(mount) in panel.message.value
    # Download alice's artifacts into this file tree
    buttons(row_with(panel.runs, f"ar-{tag}"))["Download artifacts"].click()
    settle(panel, loop)
    panel.download_form.start.click()
    settle(panel, loop)
    got = tmp_path / "dl" / "alice" / f"ar-{tag}" / f"ar-{tag}-exp0" / "model.txt"
    assert got.read_text() == "weights" and "downloaded 1 file(s)" in panel.message.value
    # Expand the run, read the experiment's logs
    buttons(row_with(panel.runs, f"ar-{tag}"))["▸"].click()
    settle(panel, loop)
    buttons(row_with(row_with(panel.runs, f"ar-{tag}"), f"ar-{tag}-exp0"))["Logs"].click()
    settle(panel, loop)
    shown = "".join(o["text"] for o in panel.logs.outputs)
    assert "epoch 1: loss 0.5" in shown
    # the output area would obey it: it is shown escaped instead
    assert "\\x1b]0;pwned\\x07retitled" in shown and "\x1b" not in shown
    # Clone it: a new run of bob's appears
    buttons(row_with(panel.runs, f"ar-{tag}"))["Clone"].click()
    settle(panel, loop)
    assert f"cloned alice:ar-{tag} into bob:" in panel.message.value
    assert any(f"ar-{tag}-clone" in t for t in texts(panel.runs))
    # Stop my own running run: it is cancelled and the view shows it
    buttons(row_with(panel.runs, f"br-{tag}"))["Stop"].click()
    settle(panel, loop)
    with sqlite_server.client("bob") as bob:
        bob.me()
        assert bob.run(mine.name)[0].status == "cancelled"
    assert "cancelled" in " ".join(texts(row_with(panel.runs, f"br-{tag}")))


def test_refusals_and_an_unreachable_server_are_messages(sqlite_server, loop):
    tag = uuid.uuid4().hex[:6]
    with sqlite_server.client("alice") as alice:
        alice.me()
        alice.register_session(f"a-{tag}", url="http://127.0.0.1:1/")
    # the panel offers no Delete on alice's row; if a refused action happens anyway, the
    # team server's message is what the user sees
    bob_panel = panel_for(sqlite_server, "bob", loop)
    loop.run_until_complete(
        bob_panel.act(lambda: bob_panel.client.delete_session(f"alice:a-{tag}"))
    )
    assert "bob cannot delete alice&#x27;s session" in bob_panel.message.value
    dead = TeamPanel("http://127.0.0.1:9", "gck_x")
    settle(dead, loop)
    assert "cannot reach the team server at http://127.0.0.1:9" in dead.message.value
    assert dead.retry.layout.display == ""


def test_my_own_session_pauses_resumes_and_deletes_from_its_row(sqlite_server, loop):
    tag = uuid.uuid4().hex[:6]
    with sqlite_server.client("bob") as bob:
        bob.me()
        bob.register_session(f"b-{tag}", url="http://127.0.0.1:2/")
    panel = panel_for(sqlite_server, "bob", loop)
    buttons(row_with(panel.sessions, f"b-{tag}"))["Pause"].click()
    settle(panel, loop)
    row = row_with(panel.sessions, f"b-{tag}")
    assert "paused" in " ".join(texts(row)) and "Resume" in buttons(row)
    buttons(row)["Delete"].click()
    settle(panel, loop)
    assert f"deleted bob:b-{tag}" in panel.message.value
    assert not any(f"b-{tag}" in t for t in texts(panel.sessions))


def run_until(loop, condition, what: str, timeout: float = 30.0) -> None:
    """Run the panel's loop (its timers, refreshes, follows) until ``condition()`` holds."""

    async def poll() -> None:
        deadline = loop.time() + timeout
        while not condition():
            assert loop.time() < deadline, f"never: {what}"
            await asyncio.sleep(0.05)

    loop.run_until_complete(poll())


def test_auto_refresh_shows_a_run_created_after_the_panel_was_built(sqlite_server, loop):
    # Given bob's panel refreshing itself every second, loaded
    panel = TeamPanel(sqlite_server.url, sqlite_server.keys["bob"], auto_refresh=1)
    try:
        run_until(loop, lambda: "credits left" in panel.team.value, "the panel loaded")
        # When alice starts a run (the panel's loop is not running meanwhile: no refresh)
        name = f"auto-{uuid.uuid4().hex[:6]}"
        with sqlite_server.client("alice") as alice:
            alice.me()
            track.start_run(name, client=alice)
        assert not any(name in t for t in texts(panel.runs))
        # Then it appears without a click
        run_until(loop, lambda: any(name in t for t in texts(panel.runs)), "the new run was shown")
        # And with auto-refresh off, a later run stays away until Refresh is clicked
        panel.auto.value = 0
        settle(panel, loop)  # (which would wait forever on a still scheduled refresh)
        later = f"auto-{uuid.uuid4().hex[:6]}"
        with sqlite_server.client("alice") as alice:
            alice.me()
            track.start_run(later, client=alice)
        panel.refresh_button.click()
        settle(panel, loop)
        assert any(later in t for t in texts(panel.runs))
    finally:
        panel.close()


def test_logs_follow_a_running_experiment(exec_server, loop, tmp_path):
    # Given alice's experiment that prints a line and then waits for the test to let it end
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "gated.py").write_text(GATED)
    name = f"live-{uuid.uuid4().hex[:6]}"
    with exec_server.client("alice") as alice:
        alice.me()
        submit_run(alice, tmp_path / "proj" / "gated.py", [], name=name)
        wait_status(alice, f"{name}-exp0", "running")
        # When bob opens its logs while it runs
        panel = panel_for(exec_server, "bob", loop)
        buttons(row_with(panel.runs, name))["▸"].click()
        settle(panel, loop)
        buttons(row_with(row_with(panel.runs, name), f"{name}-exp0"))["Logs"].click()

        def shown() -> str:
            return "".join(o["text"] for o in panel.logs.outputs)

        # Then its line shows while it still runs
        run_until(loop, lambda: "waiting for " in shown(), "the first line was shown")
        assert alice.experiment(f"{name}-exp0").status == "running"
        # and once it is let go, the output area follows it to its end
        gate = shown().split("waiting for ", 1)[1].splitlines()[0].strip()
        Path(gate).touch()
        settle(panel, loop)
    assert "done" in shown()
    assert f"[alice:{name}-exp0 succeeded]" in shown()


@pytest.fixture
def alice_jupyter(request, tmp_path):
    team = request.getfixturevalue(request.param)
    lab = JupyterProcess("alice", team, tmp_path / "alice", f"s-{uuid.uuid4().hex[:6]}")
    lab.start()
    yield team, lab
    lab.stop()


@pytest.mark.parametrize("alice_jupyter", ["sqlite_server"], indirect=True)
def test_inside_a_jupyter_server_the_panel_goes_through_its_extension(
    alice_jupyter, loop, tmp_path, monkeypatch
):
    team, lab = alice_jupyter
    tag = uuid.uuid4().hex[:6]
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "x.csv").write_text("1,2\n")
    (tmp_path / "model.txt").write_text("weights")
    with team.client("bob") as bob:
        bob.me()
        bob.upload_datastore(f"ds-{tag}", tmp_path / "ds")
        bob.register_session(f"b-{tag}", url="http://127.0.0.1:2/")
        with track.start_run(f"br-{tag}", {"lr": 1}, client=bob) as run:
            run.log_file(tmp_path / "model.txt", "model.txt")
    # Given a kernel's environment as the extension leaves it: no API key, only this
    # server's URL; its token comes from the server's runtime file
    for var in ("GRID_API_KEY", "GRID_URL", "GRID_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GRID_HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv("GRID_SESSION_NAME", lab.session_name)
    monkeypatch.setenv("GRID_JUPYTER_URL", lab.url)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(lab.home / "runtime"))
    # When the notebook says TeamPanel()
    panel = TeamPanel()
    settle(panel, loop)
    # Then it talks to this server's extension, as alice
    assert panel.conn.via == "extension" and f":{lab.port}/" in panel.conn.where
    assert "alice · via extension" in panel.message.value
    assert set(buttons(row_with(panel.sessions, lab.session_name))) >= {"Stop", "Delete"}
    # Attach mounts bob's datastore into this server
    buttons(row_with(panel.datastores, f"ds-{tag}"))["Attach"].click()
    settle(panel, loop)
    mount = lab.datastore_root / f"ds-{tag}"
    assert (mount / "x.csv").read_text() == "1,2\n"
    assert str(mount) in panel.message.value
    # Download lands in this server's file tree and says where
    buttons(row_with(panel.runs, f"br-{tag}"))["Download artifacts"].click()
    settle(panel, loop)
    panel.download_form.start.click()
    settle(panel, loop)
    got = lab.root / "grid_artifacts" / "bob" / f"br-{tag}" / f"br-{tag}-exp0" / "model.txt"
    assert got.read_text() == "weights"
    assert f"grid_artifacts/bob/br-{tag}/" in panel.message.value
    assert panel.progress.value == 1.0
    # Open on bob's session: a new-tab link with whose GitHub identity git uses there
    buttons(row_with(panel.sessions, f"b-{tag}"))["Open"].click()
    settle(panel, loop)
    assert 'target="_blank"' in panel.message.value and "ticket=" in panel.message.value
    assert "git there uses bob&#x27;s GitHub identity" in panel.message.value
    # A refusal comes back through the extension as the team server's message (the
    # extension calls with its session's credential, which deletes only alice's own things)
    loop.run_until_complete(panel.act(lambda: panel.client.delete_datastore(f"bob:ds-{tag}@1")))
    assert (
        f"the server of session alice:{lab.session_name} can delete only alice&#x27;s own "
        "resources, not bob&#x27;s"
    ) in panel.message.value
    panel.close()


@pytest.mark.parametrize("alice_jupyter", ["sqlite_server"], indirect=True)
def test_the_panel_follows_a_background_attach_to_its_mounted_path(alice_jupyter, loop, tmp_path):
    team, _ = alice_jupyter
    # this server leaves every download to a background job
    lab = JupyterProcess(
        "alice",
        team,
        tmp_path / "alice-bg",
        f"s-{uuid.uuid4().hex[:6]}",
        extra_args=["--GridCollab.attach_inline_bytes=0"],
    ).start()
    try:
        from jupyter_grid_collab.widgets.connection import Connection

        tag = uuid.uuid4().hex[:6]
        (tmp_path / "ds").mkdir()
        (tmp_path / "ds" / "weights.bin").write_bytes(os.urandom(200_000))
        with team.client("bob") as bob:
            bob.me()
            bob.upload_datastore(f"bg-{tag}", tmp_path / "ds")
        panel = TeamPanel(connection=Connection.extension(lab.url, lab.token))
        settle(panel, loop)
        panel.scope.value = "team"
        settle(panel, loop)
        buttons(row_with(panel.datastores, f"bg-{tag}"))["Attach"].click()
        settle(panel, loop)
        mount = lab.datastore_root / f"bg-{tag}"
        assert (mount / "weights.bin").read_bytes() == (
            tmp_path / "ds" / "weights.bin"
        ).read_bytes()
        assert str(mount) in panel.message.value
        assert panel.progress.value == 1.0  # the bar followed the job to its end
        panel.close()
    finally:
        lab.stop()


@pytest.mark.parametrize("alice_jupyter", ["fresh_server"], indirect=True)
def test_an_unreachable_team_server_behind_the_extension_offers_retry(alice_jupyter, loop):
    team, lab = alice_jupyter
    from jupyter_grid_collab.widgets.connection import Connection

    panel = TeamPanel(connection=Connection.extension(lab.url, lab.token))
    settle(panel, loop)
    assert panel.retry.layout.display == "none"
    # When the team server goes away
    team.stop()
    panel.refresh_button.click()
    settle(panel, loop)
    # Then one line names the team server's URL, and Retry is offered
    assert f"cannot reach the team server at {team.url}" in panel.message.value
    assert panel.retry.layout.display == ""
    # And once it is back, Retry loads the panel again
    team.start()
    panel.retry.click()
    settle(panel, loop)
    assert panel.retry.layout.display == "none"
    assert "cannot reach" not in panel.message.value
    assert any(lab.session_name in t for t in texts(panel.sessions))
    panel.close()
