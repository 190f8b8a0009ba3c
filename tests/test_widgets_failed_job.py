"""TeamPanel inside a Jupyter server: a background job of its extension that fails (an
artifact download the team server refuses) ends as the job's own message in the panel, and
the progress bar goes away. A real team server and Jupyter server on loopback."""

from __future__ import annotations

import os
import uuid

import pytest
from jupyter_harness import JupyterProcess
from teamserver_harness import TeamServerProcess
from test_blob_integrity import corrupt, sha256
from test_widgets import buttons, row_with, settle

from jupyter_grid_collab import track
from jupyter_grid_collab.widgets import TeamPanel
from jupyter_grid_collab.widgets.connection import Connection


@pytest.fixture
def team(tmp_path):
    """A team server of this test's own: the test corrupts one of its blobs."""
    server = TeamServerProcess(tmp_path / "team", extra_args=["--executor", "none"])
    server.seed()
    server.start()
    yield server
    server.stop()


def test_a_download_job_that_fails_shows_its_message(team, loop, tmp_path):  # noqa: F811
    # Given bob's run whose artifact's stored bytes were changed on the team server's disk
    tag = uuid.uuid4().hex[:6]
    data = os.urandom(300_000)
    (tmp_path / "model.bin").write_bytes(data)
    with team.client("bob") as bob:
        bob.me()
        with track.start_run(f"bad-{tag}", {"lr": 1}, client=bob) as run:
            run.log_file(tmp_path / "model.bin", "model.bin")
    corrupt(team, sha256(data))
    lab = JupyterProcess("alice", team, tmp_path / "alice", f"s-{tag}").start()
    try:
        panel = TeamPanel(connection=Connection.extension(lab.url, lab.token))
        settle(panel, loop)
        panel.scope.value = "team"
        settle(panel, loop)
        # When alice downloads its artifacts through her session's extension
        buttons(row_with(panel.runs, f"bad-{tag}"))["Download artifacts"].click()
        settle(panel, loop)
        panel.download_form.start.click()
        settle(panel, loop)
        # Then the panel says why the job failed, and no bar is left behind
        assert "corrupted on the team server" in panel.message.value
        assert panel.progress.layout.display == "none"
        assert not (
            lab.root / "grid_artifacts" / "bob" / f"bad-{tag}" / f"bad-{tag}-exp0" / "model.bin"
        ).exists()
        panel.close()
    finally:
        lab.stop()
