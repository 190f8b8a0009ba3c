"""Artifact downloads through a Jupyter server that has the team server's blobs on its own
disk (``GridCollab.blob_dir``): the bytes come from the file, not over HTTP, while the team
server still decides who may download, audits it, and names the file to send."""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest
from jupyter_harness import JupyterProcess
from teamserver_harness import TeamServerProcess

from jupyter_grid_collab import track


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    server = TeamServerProcess(
        tmp_path_factory.mktemp("fast-team") / "team", extra_args=["--executor", "none"]
    )
    server.seed()
    server.start()
    yield server
    server.stop()


def _lab(team, user, tmp_path_factory, blob_dir: str) -> JupyterProcess:
    home = tmp_path_factory.mktemp(f"{user}-fast-home")
    lab = JupyterProcess(
        user, team, home, f"{user}-fast", extra_args=[f"--GridCollab.blob_dir={blob_dir}"]
    )
    return lab.start()


@pytest.fixture(scope="module")
def alice_lab(team, tmp_path_factory):
    lab = _lab(team, "alice", tmp_path_factory, str(team.data_dir / "blobs"))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def bobs_artifact(team, tmp_path_factory):
    """bob's run with one 8 MiB artifact: (experiment, path, bytes)."""
    src = tmp_path_factory.mktemp("art") / "model.bin"
    data = os.urandom(8 << 20)
    src.write_bytes(data)
    with team.client("bob") as c:
        c.me()
        name = f"fast-{uuid.uuid4().hex[:6]}"
        with track.start_run(name, {"lr": 0.1}, client=c) as run:
            run.log_file(src, "weights/model.bin")
    return f"{name}-exp0", "weights/model.bin", data


def _access_lines(team, since: int) -> list[str]:
    return [
        line for line in team.log_path.read_text()[since:].splitlines() if "tornado.access" in line
    ]


def test_download_is_read_from_the_blob_file_after_the_team_server_allows_it(
    team, alice_lab, bobs_artifact
):
    experiment, path, data = bobs_artifact
    mark = len(team.log_path.read_text())
    # When alice downloads bob's artifact through her session, which sees the blobs
    with alice_lab.owner_client(timeout=60) as lab:
        r = lab.get(
            "grid-collab/api/artifacts/download", params={"ref": f"bob:{experiment}", "path": path}
        )
    # Then she gets exactly the bytes, with the sha256 the team server recorded
    assert r.status_code == 200, r.text
    assert r.content == data
    assert r.headers["X-Content-Sha256"] == hashlib.sha256(data).hexdigest()
    assert r.headers["Content-Length"] == str(len(data))
    assert "model.bin" in r.headers["Content-Disposition"]
    # and the team server was asked (HEAD) but sent no bytes (no GET of the artifact)
    artifact_url = f"/api/v1/experiments/bob/{experiment}/artifacts/weights/model.bin"
    lines = [line for line in _access_lines(team, mark) if artifact_url in line]
    assert any(f"200 HEAD {artifact_url}" in line for line in lines), lines
    assert not any(f"GET {artifact_url}" in line for line in lines), lines
    # and the download is in the team's audit log under alice's name, through her session
    with team.client("alice") as c:
        audit = c._http.get("/teams/vision/audit", params={"limit": 20}).json()["items"]
    assert any(
        a["actor"] == "alice via session alice:alice-fast"
        and a["action"] == "download"
        and a["resource"] == f"artifact bob:{experiment}/{path}"
        for a in audit
    ), audit


def test_missing_artifact_gets_the_team_servers_message(alice_lab, bobs_artifact):
    experiment, _, _ = bobs_artifact
    with alice_lab.owner_client(timeout=60) as lab:
        r = lab.get(
            "grid-collab/api/artifacts/download",
            params={"ref": f"bob:{experiment}", "path": "no/such.bin"},
        )
    assert r.status_code == 404
    assert r.json()["message"] == f"no artifact 'no/such.bin' in experiment bob:{experiment}"


def test_someone_outside_the_team_gets_404_even_with_the_blobs_on_disk(
    team, tmp_path_factory, bobs_artifact
):
    experiment, path, data = bobs_artifact
    # dave is in another team; his session can read the very blob folder
    dave_lab = _lab(team, "dave", tmp_path_factory, str(team.data_dir / "blobs"))
    try:
        with dave_lab.owner_client(timeout=60) as lab:
            r = lab.get(
                "grid-collab/api/artifacts/download",
                params={"ref": f"bob:{experiment}", "path": path},
            )
    finally:
        dave_lab.stop()
    # Then the team server's 404 reaches him, and not one byte of the file
    assert r.status_code == 404
    assert r.json()["message"] == f"no experiment bob:{experiment} in your teams"
    assert data[:64] not in r.content


def test_a_blob_missing_here_is_sent_through_the_team_server(team, tmp_path_factory, bobs_artifact):
    experiment, path, data = bobs_artifact
    # carol's session is configured with a blob folder that does not hold the file
    empty = tmp_path_factory.mktemp("empty-blobs")
    carol_lab = _lab(team, "carol", tmp_path_factory, str(empty))
    mark = len(team.log_path.read_text())
    try:
        with carol_lab.owner_client(timeout=60) as lab:
            r = lab.get(
                "grid-collab/api/artifacts/download",
                params={"ref": f"bob:{experiment}", "path": path},
            )
    finally:
        carol_lab.stop()
    # Then she still gets the bytes, proxied from the team server
    assert r.status_code == 200 and r.content == data
    artifact_url = f"/api/v1/experiments/bob/{experiment}/artifacts/weights/model.bin"
    assert any(f"200 GET {artifact_url}" in line for line in _access_lines(team, mark))
