"""The scrub finds what a stamp cannot see (issue 11, part 4): a blob whose bytes changed while
its verified stamp still looks unchanged (bit rot under the filesystem) is served as good
until the scrub hashes it again, and refused after, by the team server and by a datastore
mount on its machine alike.

Against real team servers with their blobs on this disk. Bit rot is simulated as the disk
would leave it: one byte of the blob changed, and its line in the stamp file then written
anew from the changed file, as the verifier writes it for bytes it checked (the server is
stopped meanwhile, so it holds no older stamp in memory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from teamserver_harness import TeamServerProcess
from test_blob_integrity import CORRUPTED, blob_path, sha256, upload_datastore

from jupyter_grid_collab.datastore_mount import CorruptedBlob, mount_datastore

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="blobs are 0444 files under 0700")


def rot(server: TeamServerProcess, sha: str) -> None:
    """Flip one byte of a stored blob and forge its verified stamp to match (see above)."""
    path = blob_path(server, sha)
    path.chmod(0o644)
    with open(path, "r+b") as f:
        f.seek(7)
        byte = f.read(1)
        f.seek(7)
        f.write(bytes([byte[0] ^ 0x01]))
    path.chmod(0o444)
    st = path.stat()
    with open(server.data_dir / "blobs" / "verified-stamps", "a") as f:
        f.write(f"{sha} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}\n")
    assert sha256(path.read_bytes()) != sha


def scrub(server: TeamServerProcess, *args: str) -> subprocess.CompletedProcess:
    """``grid-collab-server scrub`` on the server's data folder (the real command)."""
    return subprocess.run(
        [sys.executable, "-m", "jupyter_grid_collab.teamserver.cli", "scrub", *args],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def get_file(server: TeamServerProcess, ref: str, path: str):
    owner, name = ref.split(":")
    with server.client("bob") as c:
        return c._http.get(f"/datastores/{owner}/{name}/files/{path}")


@pytest.fixture
def server(tmp_path):
    """A team server of the test's own, its background scrub off until the test says."""
    server = TeamServerProcess(
        tmp_path / "team", extra_args=["--executor", "none", "--scrub-interval-hours", "0"]
    )
    server.seed()
    server.start()
    yield server
    server.stop()


def rotten_datastore(server: TeamServerProcess, tmp_path: Path) -> tuple[str, dict, str]:
    """alice's datastore of two files, the blob of ``a.bin`` rotted; (ref, files, its sha)."""
    files = {"a.bin": os.urandom(300_000), "b.bin": os.urandom(200_000)}
    ref = f"alice:{upload_datastore(server, 'alice', tmp_path, files)}"
    sha = sha256(files["a.bin"])
    server.stop()
    rot(server, sha)
    server.start()
    # a stamp that looks verified: the bad bytes are served as good, which is the gap
    served = get_file(server, ref, "a.bin")
    assert served.status_code == 200 and sha256(served.content) not in (sha, "")
    return ref, files, sha


def test_the_scrub_command_finds_a_rotted_blob_and_the_running_server_refuses_it(server, tmp_path):
    ref, files, sha = rotten_datastore(server, tmp_path)
    # When an admin runs the scrub, the server still running
    out = scrub(server)
    # Then it names the blob and what it is, and exits 1
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert f"corrupted: {sha}: the stored file a.bin of {ref}@1" in lines
    assert lines[-2].startswith("scrub: 2 blob(s) (0.5 MB) checked in ")
    assert lines[-2].endswith("; 1 corrupted, refused until restored")
    # and from now on the running server refuses it (its neighbour is served)
    message = f"the stored file a.bin of {ref}@1 {CORRUPTED}"
    refused = get_file(server, ref, "a.bin")
    assert (refused.status_code, refused.json()) == (500, {"message": message})
    assert get_file(server, ref, "b.bin").content == files["b.bin"]
    # as does a mount on its machine (a run's, a session's), and nothing is mounted
    mounts = tmp_path / "mounts"
    with server.client("alice") as c, pytest.raises(CorruptedBlob) as mounted:
        mount_datastore(c, ref, mounts, str(server.data_dir / "blobs"))
    assert mounted.value.message == message
    assert [p.name for p in mounts.iterdir()] == []
    # uploading the same bytes again restores it: the scrub then finds nothing wrong
    upload_datastore(server, "bob", tmp_path, {"again.bin": files["a.bin"]})
    assert get_file(server, ref, "a.bin").content == files["a.bin"]
    out = scrub(server)
    assert out.returncode == 0, out.stdout
    assert out.stdout.splitlines()[-1].endswith("; all good")


def test_the_scrub_command_says_which_blobs_records_name_are_missing(server, tmp_path):
    files = {"gone.bin": os.urandom(1000)}
    ref = f"alice:{upload_datastore(server, 'alice', tmp_path, files)}"
    sha = sha256(files["gone.bin"])
    blob_path(server, sha).unlink()
    out = scrub(server)
    assert out.returncode == 1
    assert f"missing: {sha}: the stored file gone.bin of {ref}@1" in out.stdout.splitlines()
    assert "; 1 missing (named by records, not in the store)" in out.stdout


def test_the_scrub_command_keeps_to_its_pace(server, tmp_path):
    upload_datastore(server, "alice", tmp_path, {"x.bin": os.urandom(3_000_000)})
    started = time.monotonic()
    out = scrub(server, "--mb-per-second", "1")
    assert out.returncode == 0, out.stdout + out.stderr
    # 3 MB at 1 MB/s: at least 2 s (the last chunk's wait is not needed)
    assert time.monotonic() - started >= 2.0


def test_the_background_scrub_refuses_a_rotted_blob_before_anyone_reads_it(server, tmp_path):
    ref, _files, sha = rotten_datastore(server, tmp_path)
    # When the server restarts with its background scrub on (no pass ran yet: one starts now)
    server.stop()
    mark = len(server.log_path.read_text())
    server.extra_args = ["--executor", "none", "--scrub-interval-hours", "24"]
    server.start()
    log = wait_for(server, "corrupted, refused until restored", mark)
    # Then the blob is refused, with the same message as a read that finds it so
    refused = get_file(server, ref, "a.bin")
    assert refused.status_code == 500
    assert refused.json()["message"] == f"the stored file a.bin of {ref}@1 {CORRUPTED}"
    # and the scrub said so once, by its name; the pass is recorded, so a restart within
    # the interval starts no other
    assert log.count(f"scrub: blob {sha} failed its sha256 check") == 1
    state = json.loads((server.data_dir / "blobs" / "scrub-state.json").read_text())
    assert state["position"] is None and time.time() - state["finished_at"] < 60


@pytest.mark.parametrize("hours", ["0", "24"])
def test_the_scrub_setting(tmp_path, hours):
    """0 turns the background scrub off; the default and any other value run a first pass at
    start (nothing was ever scrubbed) and say what it found."""
    server = TeamServerProcess(
        tmp_path / "team",
        extra_args=["--executor", "none", "--scrub-interval-hours", hours],
    )
    server.seed()
    server.start()
    try:
        said = "scrub: 0 blob(s) (0.0 MB) checked in"
        if hours == "0":
            time.sleep(2.0)
            assert said not in server.log_path.read_text()
        else:
            wait_for(server, said, 0)
        assert (server.data_dir / "blobs" / "scrub-state.json").exists() == (hours != "0")
    finally:
        server.stop()


def wait_for(server: TeamServerProcess, text: str, mark: int, timeout: float = 30.0) -> str:
    """The server's log past ``mark`` once it holds ``text``."""
    deadline = time.monotonic() + timeout
    while text not in (log := server.log_path.read_text()[mark:]):
        assert time.monotonic() < deadline, f"the log never said {text!r}: {log}"
        time.sleep(0.2)
    return log


def test_a_stopped_scrub_pass_resumes_where_it_was(tmp_path):
    """Stopped midway (the server shut down), a pass resumes after the last blob it checked
    instead of starting over: a store larger than a pass between two restarts still gets
    checked whole."""
    server = TeamServerProcess(
        tmp_path / "team", extra_args=["--executor", "none", "--scrub-interval-hours", "0"]
    )
    server.seed()
    server.start()
    files = {f"{i}.bin": os.urandom(1_000_000) for i in range(5)}
    upload_datastore(server, "alice", tmp_path, files)
    every = sorted(sha256(data) for data in files.values())
    server.stop()
    # Given a pass at 1 MB/s stopped after about two of the five blobs
    server.extra_args = ["--executor", "none", "--scrub-mb-per-second", "1"]
    server.start()
    time.sleep(2.5)
    server.stop()
    state = json.loads((server.data_dir / "blobs" / "scrub-state.json").read_text())
    assert state["position"] in every[:4], state
    left = len(every) - every.index(state["position"]) - 1
    # When the server starts again
    mark = len(server.log_path.read_text())
    server.extra_args = ["--executor", "none"]
    server.start()
    try:
        # Then the pass goes on after that blob, and ends
        said = f"scrub (resumed after {state['position'][:12]}…): {left} blob(s) "
        assert "; all good" in wait_for(server, said, mark).split(said, 1)[1].splitlines()[0]
    finally:
        server.stop()
    state = json.loads((server.data_dir / "blobs" / "scrub-state.json").read_text())
    assert state["position"] is None


def test_the_scrub_covers_a_remote_blob_store():
    """In a remote store (here fsspec's memory filesystem, as `--blobs memory://…`) a stamp
    is (size, ETag or mtime), and this one has neither: an overwrite of the same size is
    invisible to it. The scrub's pass still finds it, and the verifier then refuses it."""
    from jupyter_grid_collab.teamserver.blob_integrity import BlobCorrupted
    from jupyter_grid_collab.teamserver.blobs import BlobStore
    from jupyter_grid_collab.teamserver.scrub import Pace, scrub_pass

    store = BlobStore(f"memory://scrub-{uuid.uuid4().hex[:8]}")
    data = os.urandom(5000)
    sha, _ = store.put_bytes(data)
    store.put_bytes(os.urandom(100))
    store.fs.pipe(store.object_path(sha), bytes([data[0] ^ 1]) + data[1:])
    f, _ = store.verifier.open_verified(sha, "x")
    with f:
        assert sha256(f.read()) != sha  # served as good: its stamp did not change
    report = scrub_pass(store.verifier, Pace(None))
    assert (report.checked, report.bad) == (2, [sha])
    with pytest.raises(BlobCorrupted) as refused:
        store.verifier.open_verified(sha, "the stored file x.bin of alice:d@1")
    assert refused.value.message == f"the stored file x.bin of alice:d@1 {CORRUPTED}"
