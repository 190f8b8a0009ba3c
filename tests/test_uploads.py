"""Uploads are all or nothing: a killed client, a killed server or a corrupted body leaves
nothing listed, nothing staged and nothing stored, and the next upload simply works."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

API = "/api/v1"
SIZE = 48 << 20  # big enough to be caught mid-way on a slowed link, small for a shared disk

# A real client on a slow link (it pauses after each 1 MiB chunk), so a test can kill it, or
# the server, while the body is streaming.
CHILD = """
import sys, time
from jupyter_grid_collab.client import GridClient
url, key, kind, target, source = sys.argv[1:6]
with GridClient(url, key) as c:
    c.me()
    slow = lambda n: time.sleep(0.1)
    if kind == "datastore":
        c.upload_datastore(target, source, progress=slow)
    else:
        c.upload_artifact(target, "model.bin", source, progress=slow)
"""


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.bin"
    with open(path, "wb") as f:
        for _ in range(SIZE >> 20):
            f.write(os.urandom(1 << 20))
    return path


def staging(server) -> Path:
    return server.data_dir / "blobs" / "staging"


def staged_bytes(server) -> int:
    return sum(p.stat().st_size for p in staging(server).iterdir() if p.is_file())


def objects(server) -> set[str]:
    return {p.name for p in (server.data_dir / "blobs" / "objects").rglob("*") if p.is_file()}


def poll(what: str, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)


def start_upload(server, kind: str, target: str, source: Path) -> subprocess.Popen:
    """Start the slowed client and return once the server has staged part of the body."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, server.url, server.keys["alice"], kind, target, str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    poll(
        "the upload to start streaming into staging",
        lambda: staged_bytes(server) > (2 << 20) or child.poll() is not None,
        timeout=60,
    )
    assert child.poll() is None, child.communicate()[1].decode()[-2000:]
    assert staged_bytes(server) < SIZE  # caught mid-way
    return child


def datastore_names(client) -> list[str]:
    return [d.name for d in client.list_datastores(scope="team").items]


def test_killed_client_leaves_no_datastore_and_no_staged_bytes(fresh_server, big_file):
    before = objects(fresh_server)
    # Given a client uploading a datastore
    child = start_upload(fresh_server, "datastore", "imagenet", big_file)
    # When it is killed -9 mid-way
    child.kill()
    child.wait()
    # Then nothing is listed, the partial body is removed and no object was stored
    with fresh_server.client("alice") as alice:
        alice.me()
        assert "imagenet" not in datastore_names(alice)
        poll("staging to be emptied", lambda: not any(staging(fresh_server).iterdir()))
        assert objects(fresh_server) == before
        # And the next upload of the same name is its first version
        small = big_file.parent / "labels.csv"
        small.write_text("label\n7\n")
        ds = alice.upload_datastore("imagenet", small)
        assert ds.version == 1
        assert [f.path for f in alice.datastore_files("imagenet")] == ["labels.csv"]


def test_killed_server_clears_staging_when_it_starts_again(fresh_server, big_file):
    # Given a client uploading a datastore
    child = start_upload(fresh_server, "datastore", "imagenet", big_file)
    # When the server is killed -9 mid-upload
    fresh_server.stop(signal.SIGKILL)
    _, err = child.communicate(timeout=60)
    assert child.returncode != 0
    assert b"cannot reach the team server" in err  # the client says why, clearly
    assert staged_bytes(fresh_server) > 0  # the kill left a partial body behind
    # Then on start it removes what the dead process left, and lists nothing partial
    fresh_server.start()
    assert not any(staging(fresh_server).iterdir())
    assert "removed 1 staged upload(s)" in fresh_server.log_path.read_text()
    with fresh_server.client("alice") as alice:
        alice.me()
        assert "imagenet" not in datastore_names(alice)
        ds = alice.upload_datastore("imagenet", big_file)
        assert (ds.version, ds.size) == (1, SIZE)


def test_killed_artifact_upload_lists_no_artifact(fresh_server, big_file):
    with fresh_server.client("alice") as alice:
        alice.me()
        alice.create_run("python train.py", {"lr": [0.1]}, name="train", tracked=True)
        before = objects(fresh_server)
        child = start_upload(fresh_server, "artifact", "alice:train-exp0", big_file)
        child.kill()
        child.wait()
        assert alice.list_artifacts("train-exp0") == []
        poll("staging to be emptied", lambda: not any(staging(fresh_server).iterdir()))
        assert objects(fresh_server) == before
        # the experiment can still upload it afterwards
        art = alice.upload_artifact("train-exp0", "model.bin", big_file)
        assert [a.path for a in alice.list_artifacts("train-exp0")] == [art.path]


def test_wrong_checksum_is_refused_and_nothing_is_kept(fresh_server, tmp_path):
    data = os.urandom(100_000)
    wrong = hashlib.sha256(b"something else").hexdigest()
    headers = {"Authorization": f"token {fresh_server.keys['alice']}", "X-Content-Sha256": wrong}
    api = fresh_server.url + API
    with fresh_server.client("alice") as alice:
        alice.me()
        alice.create_run("python train.py", {"lr": [0.1]}, name="train", tracked=True)
        before = objects(fresh_server)

        # an artifact whose body does not match the declared sha256
        r = httpx.put(
            f"{api}/experiments/alice/train-exp0/artifacts/model.bin",
            content=data,
            headers=headers,
            timeout=30,
        )
        assert r.status_code == 400, r.text
        assert wrong in r.json()["message"] and "send it again" in r.json()["message"]
        assert alice.list_artifacts("train-exp0") == []

        # a datastore file likewise: the upload cannot become a version
        upload = httpx.post(
            f"{api}/uploads", json={"name": "corrupt"}, headers=headers, timeout=30
        ).json()["upload_id"]
        r = httpx.put(
            f"{api}/uploads/{upload}/files/train.csv", content=data, headers=headers, timeout=30
        )
        assert r.status_code == 400, r.text
        r = httpx.post(f"{api}/uploads/{upload}/commit", headers=headers, timeout=30)
        assert r.status_code == 400, r.text
        assert "corrupt" not in datastore_names(alice)

        # and neither body was kept in staging or in the object store
        assert not any(staging(fresh_server).iterdir())
        assert objects(fresh_server) == before
