"""Downloads land in ``<dir>/<owner>/<run>/<experiment>/<path>`` on every face: teammates'
runs of the same name (a clone keeps its name) never drop or overwrite each other's files,
in one command or in several into one folder; two different artifacts that would write one
file are refused, naming both, before a byte is written. Against a real team server, the
real `grid` executable, and a real Jupyter server for the extension's fetch and the panel."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
from jupyter_harness import JupyterProcess
from test_cli import grid, ok, refused
from test_widgets import buttons, panel_for, row_with, settle

from jupyter_grid_collab.widgets import TeamPanel
from jupyter_grid_collab.widgets.connection import Connection


def files_under(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its path relative to it (no .part left behind)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def make_run(server, owner: str, run: str, files: dict[str, dict[str, bytes]], tmp: Path):
    """``owner``'s run with one experiment per entry of ``files`` (experiment index ->
    {artifact path: bytes})."""
    with server.client(owner) as c:
        c.me()
        c.create_run(
            "python train.py", {"lr": [0.1 * (i + 1) for i in range(len(files))]}, name=run
        )
        for index, artifacts in files.items():
            for path, data in artifacts.items():
                src = tmp / uuid.uuid4().hex
                src.write_bytes(data)
                c.upload_artifact(f"{run}-exp{index}", path, src)


@pytest.fixture
def same_named_runs(sqlite_server, tmp_path):
    """alice's run (2 experiments, 2 files each) and bob's clone of it under the same name
    (1 experiment, 2 files), whose files have the same paths and other bytes."""
    run = f"sweep-{uuid.uuid4().hex[:6]}"
    alice = {
        0: {"metrics.json": b'{"owner": "alice", "exp": 0}', "ckpt/model.pt": b"alice w0"},
        1: {"metrics.json": b'{"owner": "alice", "exp": 1}', "ckpt/model.pt": b"alice w1"},
    }
    bob = {0: {"metrics.json": b'{"owner": "bob"}', "ckpt/model.pt": b"bob w0"}}
    make_run(sqlite_server, "alice", run, alice, tmp_path)
    make_run(sqlite_server, "bob", run, bob, tmp_path)
    expected = {
        f"{owner}/{run}/{run}-exp{i}/{path}": data
        for owner, files in (("alice", alice), ("bob", bob))
        for i, artifacts in files.items()
        for path, data in artifacts.items()
    }
    return run, expected


# ----------------------------------------------------------------- the CLI
def test_two_owners_runs_of_one_name_in_one_command_all_land(
    sqlite_server, same_named_runs, tmp_path
):
    # Given alice's run and bob's of the same name, with files of the same paths
    run, expected = same_named_runs
    dest = tmp_path / "dl"
    # When carol downloads both in one command
    out = ok(
        grid(
            sqlite_server,
            "carol",
            "artifacts",
            f"alice:{run}",
            f"bob:{run}",
            "--download-dir",
            str(dest),
        )
    )
    # Then all 6 files land, each under its owner, none dropped or overwritten
    assert "downloaded 6 file(s)" in out
    assert files_under(dest) == expected


def test_two_commands_into_one_folder_keep_both_owners_files(
    sqlite_server, same_named_runs, tmp_path
):
    run, expected = same_named_runs
    dest = tmp_path / "dl"

    def download(*refs: str) -> list[dict]:
        got = grid(
            sqlite_server, "carol", "artifacts", *refs, "--download-dir", str(dest), "-o", "json"
        )
        return json.loads(ok(got))

    # When carol downloads alice's run, then bob's, into one folder
    download(f"alice:{run}")
    second = download(f"bob:{run}")
    # Then bob's files came down and alice's are still hers
    assert {a["action"] for a in second} == {"downloaded"}
    assert files_under(dest) == expected
    # And running both again (bob's run named twice, and one of its experiments) skips
    # every complete file, each once
    again = download(f"alice:{run}", f"bob:{run}", f"bob:{run}", f"bob:{run}-exp0")
    assert len(again) == 6 and {a["action"] for a in again} == {"skipped"}
    assert sorted(Path(a["file"]).relative_to(dest).as_posix() for a in again) == sorted(expected)


@pytest.mark.parametrize(
    "first, second, clash",
    [
        # a file where another artifact needs a folder
        ("out", "out/metrics.json", "would be a file and a folder"),
        # a file that is another's download in progress (its .part)
        ("model.pt", "model.pt.part", "would both write"),
    ],
)
def test_two_artifacts_that_would_write_one_file_are_refused_naming_both(
    sqlite_server, tmp_path, first, second, clash
):
    # Given an experiment of alice's whose two artifacts cannot both be files on disk
    run = f"clash-{uuid.uuid4().hex[:6]}"
    make_run(sqlite_server, "alice", run, {0: {first: b"one", second: b"two"}}, tmp_path)
    dest = tmp_path / "dl"
    # When bob downloads the run
    line = refused(
        grid(sqlite_server, "bob", "artifacts", f"alice:{run}", "--download-dir", str(dest))
    )
    # Then it is refused, naming both artifacts and the path, and nothing was written
    assert f"'{first}' of alice:{run}-exp0 (from alice:{run})" in line, line
    assert f"'{second}' of alice:{run}-exp0 (from alice:{run})" in line, line
    assert clash in line and "nothing was downloaded" in line, line
    assert not dest.exists() or files_under(dest) == {}
    # And a match that picks one of them downloads it
    ok(
        grid(
            sqlite_server,
            "bob",
            "artifacts",
            f"alice:{run}",
            "-m",
            second,
            "--download-dir",
            str(dest),
        )
    )
    assert files_under(dest) == {f"alice/{run}/{run}-exp0/{second}": b"two"}


# ----------------------------------------------------------------- the extension's fetch
@pytest.fixture(scope="module")
def alice_lab(sqlite_server, tmp_path_factory):
    lab = JupyterProcess(
        "alice", sqlite_server, tmp_path_factory.mktemp("alice-home"), f"lab-{uuid.uuid4().hex[:6]}"
    ).start()
    yield lab
    lab.stop()


def fetch(lab: JupyterProcess, body: dict) -> tuple[int, dict]:
    """POST a fetch and follow its job to the end: (the POST's status, the last job)."""
    with lab.owner_client() as c:
        r = c.post("grid-collab/api/artifacts/fetch", json=body)
        job = r.json()
        deadline = time.monotonic() + 60
        while r.status_code == 202 and job["state"] == "running":
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
            job = c.get(f"grid-collab/api/artifacts/fetch/{job['id']}").json()
    return r.status_code, job


def test_the_extension_fetches_two_owners_runs_into_one_folder(alice_lab, same_named_runs):
    run, expected = same_named_runs
    base = f"shared-{uuid.uuid4().hex[:4]}"
    # When alice fetches her run and bob's of the same name into one folder of her session
    for owner in ("alice", "bob"):
        status, job = fetch(alice_lab, {"ref": f"{owner}:{run}", "kind": "run", "dest": base})
        # Then each lands under its owner, and the job says where (relative to the root)
        assert status == 202 and job["state"] == "done", job
        assert job["dest"] == base and job["folder"] == f"{base}/{owner}/{run}"
        assert sorted(job["files"]) == sorted(
            f"{base}/{path}" for path in expected if path.startswith(f"{owner}/")
        )
    assert files_under(alice_lab.root / base) == expected
    # And fetching one experiment again skips its complete files (nothing changes)
    status, job = fetch(alice_lab, {"ref": f"bob:{run}-exp0", "dest": base})
    assert job["state"] == "done" and job["folder"] == f"{base}/bob/{run}/{run}-exp0"
    assert files_under(alice_lab.root / base) == expected


def test_the_extension_refuses_a_clash_before_writing(alice_lab, sqlite_server, tmp_path):
    run = f"clash-{uuid.uuid4().hex[:6]}"
    make_run(sqlite_server, "bob", run, {0: {"out": b"one", "out/m.json": b"two"}}, tmp_path)
    status, answer = fetch(alice_lab, {"ref": f"bob:{run}", "dest": "clashes"})
    assert status == 409, answer
    assert f"'out' of bob:{run}-exp0" in answer["message"]
    assert f"'out/m.json' of bob:{run}-exp0" in answer["message"]
    assert not (alice_lab.root / "clashes").exists()


# ----------------------------------------------------------------- the TeamPanel
def test_the_panel_asks_where_then_downloads_under_the_owner(
    sqlite_server, same_named_runs, loop, tmp_path
):
    run, expected = same_named_runs
    dest = tmp_path / "dl"
    panel = panel_for(sqlite_server, "carol", loop, download_dir=str(dest))
    form = panel.download_form
    # When carol clicks bob's run's Download artifacts
    buttons(row_with(panel.runs, f"<b>{run}</b> · bob"))["Download artifacts"].click()
    settle(panel, loop)
    # Then the panel shows where it will land, and nothing is downloaded yet
    assert form.layout.display == "" and form.folder.value == str(dest)
    assert f"{dest}/bob/{run}/" in form.landing.value
    assert not dest.exists()
    # When she changes the folder, the landing follows; Download puts the files there
    form.folder.value = str(tmp_path / "chosen")
    assert f"{tmp_path}/chosen/bob/{run}/" in form.landing.value
    form.start.click()
    settle(panel, loop)
    assert form.layout.display == "none"
    bob_files = {p: d for p, d in expected.items() if p.startswith("bob/")}
    assert files_under(tmp_path / "chosen") == bob_files, panel.message.value
    assert f"downloaded 2 file(s) of bob:{run} into" in panel.message.value
    assert f"{tmp_path}/chosen/bob/{run}/" in panel.message.value
    panel.close()


def test_the_panel_in_a_session_offers_grid_artifacts_under_its_root(
    alice_lab, same_named_runs, loop
):
    run, expected = same_named_runs
    panel = TeamPanel(connection=Connection.extension(alice_lab.url, alice_lab.token))
    settle(panel, loop)
    row = row_with(panel.runs, f"<b>{run}</b> · alice")
    buttons(row)["Download artifacts"].click()
    settle(panel, loop)
    # the default folder, and where the run lands under this session's root
    assert panel.download_form.folder.value == "grid_artifacts"
    assert f"grid_artifacts/alice/{run}/" in panel.download_form.landing.value
    panel.download_form.start.click()
    settle(panel, loop)
    alices = {p: d for p, d in expected.items() if p.startswith("alice/")}
    assert files_under(alice_lab.root / "grid_artifacts") == alices, panel.message.value
    assert f"into <code>grid_artifacts/alice/{run}/</code>" in panel.message.value
    panel.close()
