"""Blobs cannot be changed through a mount, bad bytes are never served as good, and a hash
is no key to another team's bytes (issue 11, parts 4 and 5).

Everything runs for real: a team server subprocess with its blobs on this disk, Jupyter
servers with the extension, the mounts the launcher and the extension make, and a blob
corrupted on disk the way someone with access to the disk would."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import textwrap
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from jupyter_harness import BASE_URL, JupyterProcess
from teamserver_harness import TeamServerProcess
from test_executor import log_text, wait_run

from jupyter_grid_collab import track
from jupyter_grid_collab.client import NotFound, ServerError
from jupyter_grid_collab.datastore_mount import (
    CorruptedBlob,
    bytes_to_fetch,
    describe_mount,
    mount_datastore,
)
from jupyter_grid_collab.submit import submit_run

RUNNER = 65534  # the unprivileged uid a sandboxed experiment reads its datastore as
CORRUPTED = "is corrupted on the team server (sha256 mismatch); ask an admin to restore it"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="writes as root, reads as 65534")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    server = TeamServerProcess(
        tmp_path_factory.mktemp("integrity") / "team", extra_args=["--executor", "none"]
    )
    server.seed()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mounts():
    """A datastore root any uid can traverse (pytest's tmp_path is private to root)."""
    root = Path(f"/tmp/grid-integrity-{uuid.uuid4().hex[:8]}")
    root.mkdir(mode=0o755)
    yield root
    subprocess.run(["chmod", "-R", "u+w", str(root)], check=False)
    shutil.rmtree(root, ignore_errors=True)


def blob_path(team: TeamServerProcess, sha: str) -> Path:
    return team.data_dir / "blobs" / "objects" / sha[:2] / sha


def corrupt(team: TeamServerProcess, sha: str) -> None:
    """Change one byte of a stored blob in place, as someone with the disk would, and put
    its mtime back so only what user space cannot fake (ctime) tells."""
    path = blob_path(team, sha)
    before = path.stat()
    path.chmod(0o644)
    with open(path, "r+b") as f:
        f.seek(before.st_size // 2)
        byte = f.read(1)
        f.seek(before.st_size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    path.chmod(0o444)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert sha256(path.read_bytes()) != sha


def upload_datastore(team, owner: str, tmp_path: Path, files: dict[str, bytes]) -> str:
    data = tmp_path / f"data-{uuid.uuid4().hex[:6]}"
    for rel, content in files.items():
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_bytes(content)
    name = f"ds-{uuid.uuid4().hex[:6]}"
    with team.client(owner) as c:
        c.me()
        c.upload_datastore(name, data)
    return name


def artifact_run(team, owner: str, tmp_path: Path, data: bytes) -> str:
    """A tracked run of ``owner`` with one artifact ``model.bin``; returns the experiment."""
    src = tmp_path / f"model-{uuid.uuid4().hex[:6]}.bin"
    src.write_bytes(data)
    name = f"art-{uuid.uuid4().hex[:6]}"
    with team.client(owner) as c:
        c.me()
        with track.start_run(name, {"lr": 0.1}, client=c) as run:
            run.log_file(src, "model.bin")
    return f"{name}-exp0"


def source_archive(tmp_path: Path) -> Path:
    """A run source of its own: a train.py printing a fresh token, as src.tar.gz."""
    source = tmp_path / "src.tar.gz"
    with tarfile.open(source, "w:gz") as tar:
        script = tmp_path / "train.py"
        script.write_text(f"print({uuid.uuid4().hex!r})\n")
        tar.add(script, "train.py")
    return source


def as_runner(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["setpriv", "--reuid", str(RUNNER), "--regid", str(RUNNER), "--clear-groups", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_store_intact(team, ref: str, files: dict[str, bytes], tmp_path: Path) -> None:
    """The blobs hold the uploaded bytes, and a fresh download of every file gets them."""
    with team.client("carol") as c:
        listed = c.datastore_files(ref)
        for f in listed:
            assert sha256(blob_path(team, f.sha256).read_bytes()) == f.sha256, f.path
            got = c.download_datastore_file(ref, f, tmp_path / f"dl-{uuid.uuid4().hex}")
            assert got.read_bytes() == files[f.path], f.path


# ------------------------------------------------------------------ mounts
def test_a_root_write_into_a_launcher_mount_leaves_the_store_intact(team, mounts, tmp_path):
    files = {"train/a.bin": os.urandom(1 << 20), "b.txt": b"labels\n"}
    name = upload_datastore(team, "bob", tmp_path, files)
    # Given the launcher mounting bob's datastore for a script that runs as root
    with team.client("alice") as c:
        mount = mount_datastore(
            c, f"bob:{name}@1", mounts, str(team.data_dir / "blobs"), consumer_uid=os.getuid()
        )
    # Then no mounted file is a blob's inode, and the mount says how it was made
    with team.client("alice") as c:
        listed = {f.path: f.sha256 for f in c.datastore_files(f"bob:{name}@1")}
    for rel, sha in listed.items():
        assert (mount / rel).stat().st_ino != blob_path(team, sha).stat().st_ino, rel
    how = describe_mount(mount)
    assert how in ("reflinks (O(1))", "copied 1.0 MB: this consumer could write hard links")
    assert (mount / "train").stat().st_mode & 0o777 == 0o555
    assert (mount / "b.txt").stat().st_mode & 0o777 == 0o444
    # When the script, as root, appends to and rewrites mounted files
    with open(mount / "train" / "a.bin", "ab") as f:
        f.write(b"evil")
    (mount / "b.txt").write_bytes(b"rewritten")
    # Then the store and every later download still have the uploaded bytes
    assert_store_intact(team, f"bob:{name}@1", files, tmp_path)


def test_a_runner_mount_is_hard_links_the_runner_cannot_write(team, mounts, tmp_path):
    files = {"x/data.bin": os.urandom(256 << 10)}
    name = upload_datastore(team, "bob", tmp_path, files)
    # Given the launcher (root) mounting it for an experiment that runs as uid 65534
    with team.client("alice") as c:
        mount = mount_datastore(
            c, f"bob:{name}", mounts, str(team.data_dir / "blobs"), consumer_uid=RUNNER
        )
        sha = c.datastore_files(f"bob:{name}@1")[0].sha256
    target = mount / "x" / "data.bin"
    # Then it is O(1): the blob's own inode, and the mount says so
    assert target.stat().st_ino == blob_path(team, sha).stat().st_ino
    assert describe_mount(mount) == "hard links (O(1))"
    # and the runner reads it but can neither write it, make it writable, nor add a file
    assert as_runner("sha256sum", str(target)).stdout.split()[0] == sha
    append = as_runner(sys.executable, "-c", f"open({str(target)!r}, 'ab').write(b'x')")
    assert append.returncode != 0 and "PermissionError" in append.stderr
    chmod = as_runner("chmod", "u+w", str(target))
    assert chmod.returncode != 0 and "not permitted" in chmod.stderr
    create = as_runner("sh", "-c", f"echo x > {mount / 'x' / 'new.txt'}")
    assert create.returncode != 0 and "Permission denied" in create.stderr
    assert_store_intact(team, f"bob:{name}@1", files, tmp_path)
    # and a root consumer of the same version does not get those links: its own mount
    with team.client("alice") as c:
        mine = mount_datastore(
            c, f"bob:{name}", mounts, str(team.data_dir / "blobs"), consumer_uid=0
        )
    assert mine != mount and not describe_mount(mine).startswith("hard links")
    assert (mine / "x" / "data.bin").stat().st_ino != blob_path(team, sha).stat().st_ino


def test_a_root_consumer_never_shares_the_local_cache_inode(team, mounts, tmp_path):
    """No blobs on this machine: files are downloaded into the verified cache once; a root
    consumer gets copies of them, so its writes never reach the cache."""
    files = {"shared.bin": os.urandom(64 << 10)}
    name = upload_datastore(team, "bob", tmp_path, files)
    with team.client("alice") as c:
        mount = mount_datastore(c, f"bob:{name}", mounts, None, consumer_uid=0)
        sha = c.datastore_files(f"bob:{name}@1")[0].sha256
    cached = mounts / ".grid-cache" / sha[:2] / sha
    assert cached.read_bytes() == files["shared.bin"]
    assert (mount / "shared.bin").stat().st_ino != cached.stat().st_ino
    assert describe_mount(mount).endswith("0.1 MB downloaded into the local cache first")
    (mount / "shared.bin").write_bytes(b"evil")
    assert sha256(cached.read_bytes()) == sha
    # a runner mounting the same version links the (root-owned, 0444) cached file
    with team.client("alice") as c:
        runner = mount_datastore(c, f"bob:{name}", mounts, None, consumer_uid=RUNNER)
    assert (runner / "shared.bin").stat().st_ino == cached.stat().st_ino
    assert (runner / "shared.bin").read_bytes() == files["shared.bin"]
    assert describe_mount(runner) == "hard links (O(1))"


# ------------------------------------------------------------------ the extension
def _lab(team, user, tmp_path_factory, session: str, blob_dir: str | None) -> JupyterProcess:
    extra = [f"--GridCollab.blob_dir={blob_dir}"] if blob_dir else []
    return JupyterProcess(
        user, team, tmp_path_factory.mktemp(f"{session}-home"), session, extra_args=extra
    ).start()


@pytest.fixture(scope="module")
def fast_lab(team, tmp_path_factory):
    """alice's session on the team server's machine: blob_dir set, so attach and artifact
    downloads may use the blob files."""
    lab = _lab(team, "alice", tmp_path_factory, "alice-fast", str(team.data_dir / "blobs"))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def far_lab(team, tmp_path_factory):
    """carol's session elsewhere: no blob_dir, every byte through the team server."""
    lab = _lab(team, "carol", tmp_path_factory, "carol-far", None)
    yield lab
    lab.stop()


def attach(lab: JupyterProcess, ref: str) -> Path:
    with lab.owner_client(timeout=60) as c:
        r = c.post("grid-collab/api/datastores/attach", json={"ref": ref})
    assert r.status_code == 200, r.text
    return Path(r.json()["path"])


def test_a_root_write_into_an_extension_attach_leaves_the_store_intact(
    team, fast_lab, far_lab, tmp_path
):
    files = {"points.csv": os.urandom(300_000), "sub/y.npy": os.urandom(70_000)}
    name = upload_datastore(team, "bob", tmp_path, files)
    # Given alice's session (Jupyter and its kernels run as root) attaching bob's datastore
    mount = attach(fast_lab, f"bob:{name}")
    # When a notebook, as root, writes through the mount
    with open(mount / "points.csv", "ab") as f:
        f.write(b"evil")
    (mount / "sub" / "y.npy").write_bytes(b"")
    # Then the blobs, a CLI download and another session's attach still get bob's bytes
    assert_store_intact(team, f"bob:{name}@1", files, tmp_path)
    other = attach(far_lab, f"bob:{name}")
    assert {rel: (other / rel).read_bytes() for rel in files} == files
    # since the session's mount was private copies (or reflinks), not the blobs' inodes
    assert describe_mount(mount) in (
        "reflinks (O(1))",
        "copied 0.4 MB: this consumer could write hard links",
    )


# ------------------------------------------------------------------ corrupted blobs
def _download(lab: JupyterProcess, experiment: str) -> httpx.Response:
    with lab.owner_client(timeout=60) as c:
        return c.get(
            "grid-collab/api/artifacts/download",
            params={"ref": f"bob:{experiment}", "path": "model.bin"},
        )


def test_a_corrupted_artifact_is_refused_everywhere(team, fast_lab, far_lab, tmp_path):
    data = os.urandom(3 << 20)
    experiment = artifact_run(team, "bob", tmp_path, data)
    url = f"/experiments/bob/{experiment}/artifacts/model.bin"
    # Given it was downloaded fine once, through every way (so its check is remembered)
    with team.client("alice") as c:
        assert c._http.get(url).content == data
    assert _download(fast_lab, experiment).content == data
    assert _download(far_lab, experiment).content == data
    # When someone with the disk changes one byte of the blob (mtime put back)
    corrupt(team, sha256(data))
    mark = len(team.log_path.read_text())
    message = f"the stored file model.bin of bob:{experiment} {CORRUPTED}"
    # Then the team server refuses it, GET and HEAD alike, and logs it
    with team.client("alice") as c:
        got = c._http.get(url)
        assert got.status_code == 500 and got.json() == {"message": message}
        assert data[:4096] not in got.content
        assert c._http.head(url).status_code == 500
        with pytest.raises(ServerError, match="corrupted on the team server"):
            c.download_artifact(
                f"bob:{experiment}",
                c.list_artifacts(f"bob:{experiment}")[0],
                tmp_path / "model.bin",
            )
    assert not (tmp_path / "model.bin").exists()
    logged = (
        f"blob {sha256(data)} (the stored file model.bin of bob:{experiment}) failed "
        "its sha256 check"
    )
    assert logged in team.log_path.read_text()[mark:]
    # and so does the extension: its blob fast path and its proxy, with that message
    for lab in (fast_lab, far_lab):
        r = _download(lab, experiment)
        assert r.status_code == 502, (lab.session_name, r.status_code)
        assert message in r.json()["message"]


@pytest.mark.parametrize("way", ["team server", "extension's blob fast path"])
def test_a_blob_changed_during_its_download_reaches_the_client_cut_short(
    team, fast_lab, tmp_path, way
):
    data = os.urandom(32 << 20)
    experiment = artifact_run(team, "bob", tmp_path, data)
    blob = blob_path(team, sha256(data))
    if way == "team server":
        port, key, log = team.port, team.keys["alice"], team.log_path
        target = f"/api/v1/experiments/bob/{experiment}/artifacts/model.bin"
    else:
        port, key, log = fast_lab.port, fast_lab.token, fast_lab.log_path
        target = f"{BASE_URL}grid-collab/api/artifacts/download?" + urlencode(
            {"ref": f"bob:{experiment}", "path": "model.bin"}
        )
    mark = len(log.read_text())
    # Given alice's download is under way, her side reading slowly (a small receive buffer:
    # the server has to wait for her, with most of the file still to send)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
    sock.connect(("127.0.0.1", port))
    sock.settimeout(60)
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token {key}\r\n\r\n"
    sock.sendall(request.encode())
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length: %d" % len(data) in head
    got = len(body)
    while got < (1 << 20):
        got += len(sock.recv(65536))
    # When someone with the disk writes to the blob meanwhile (here: only its mtime moves,
    # which is all a server can see of a write)
    stat = blob.stat()
    os.utime(blob, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    # Then her download ends short of its length (a failed download, not bad bytes as good)
    while piece := sock.recv(1 << 20):
        got += len(piece)
    sock.close()
    assert (1 << 20) <= got < len(data)
    assert "changed while being sent" in log.read_text()[mark:]
    # and the next download, the bytes being the same, is whole again (hashed once more)
    with team.client("alice") as c:
        assert c._http.get(f"/experiments/bob/{experiment}/artifacts/model.bin").content == data


def test_uploading_the_same_bytes_again_restores_a_corrupted_blob(team, far_lab, tmp_path):
    data = os.urandom(1 << 20)
    experiment = artifact_run(team, "bob", tmp_path, data)
    corrupt(team, sha256(data))
    assert _download(far_lab, experiment).status_code == 502
    artifact_run(team, "bob", tmp_path, data)
    assert sha256(blob_path(team, sha256(data)).read_bytes()) == sha256(data)
    got = _download(far_lab, experiment)
    assert got.status_code == 200 and got.content == data


def test_the_fast_path_sends_only_the_file_the_team_server_verified(
    team, tmp_path_factory, tmp_path
):
    """A session whose blob folder holds another file under the blob's name (a stale or
    tampered copy of the same size): the team server's check passed on its own file, so the
    session must notice that its file is not that one and let the team server send it."""
    data = os.urandom(2 << 20)
    experiment = artifact_run(team, "bob", tmp_path, data)
    sha = sha256(data)
    fake = tmp_path_factory.mktemp("fake-blobs")
    (fake / "objects" / sha[:2]).mkdir(parents=True)
    bad = bytearray(data)
    bad[12345] ^= 0xFF
    (fake / "objects" / sha[:2] / sha).write_bytes(bytes(bad))
    lab = _lab(team, "alice", tmp_path_factory, "alice-fake-blobs", str(fake))
    try:
        r = _download(lab, experiment)
    finally:
        lab.stop()
    assert r.status_code == 200 and sha256(r.content) == sha


def test_a_corrupted_datastore_file_and_run_source_are_refused(team, tmp_path):
    files = {"points.csv": os.urandom(200_000)}
    name = upload_datastore(team, "alice", tmp_path, files)
    sha = sha256(files["points.csv"])
    corrupt(team, sha)
    with team.client("bob") as c:
        got = c._http.get(f"/datastores/alice/{name}/files/points.csv")
    assert got.status_code == 500
    assert got.json()["message"] == f"the stored file points.csv of alice:{name}@1 {CORRUPTED}"
    source = source_archive(tmp_path)
    run = f"src-{uuid.uuid4().hex[:6]}"
    with team.client("alice") as c:
        c.create_run("python train.py", name=run, source_sha256=c.upload_source(source))
    corrupt(team, sha256(source.read_bytes()))
    with team.client("bob") as c:
        got = c._http.get(f"/runs/alice/{run}/source")
    assert got.status_code == 500
    assert got.json()["message"] == f"the stored source of run alice:{run} {CORRUPTED}"


# ------------------------------------------------------------------ corrupted blobs, mounted
def not_mounted(root: Path, name: str) -> bool:
    """Nothing of datastore ``name`` under ``root``: no mount, no half-built folder."""
    return not root.exists() or not [p for p in root.iterdir() if name in p.name]


def test_a_mount_checks_blobs_in_o1_only_while_they_are_verified_and_unchanged(
    team, mounts, tmp_path
):
    files = {"big.bin": os.urandom(4 << 20)}
    name = upload_datastore(team, "bob", tmp_path, files)
    blob_dir = str(team.data_dir / "blobs")
    with team.client("alice") as c:
        listed = c.datastore_files(f"bob:{name}@1")
    # a blob verified at upload and unchanged: a runner's mount moves and hashes nothing
    assert bytes_to_fetch(listed, mounts, blob_dir, consumer_uid=RUNNER) == 0
    # the same blob changed on disk (its stamp with it): it must be hashed first
    corrupt(team, listed[0].sha256)
    assert bytes_to_fetch(listed, mounts, blob_dir, consumer_uid=RUNNER) == 4 << 20


def test_a_corrupted_blob_is_not_attached_in_a_session(team, fast_lab, tmp_path):
    files = {"points.csv": os.urandom(300_000), "ok.txt": b"fine\n"}
    name = upload_datastore(team, "bob", tmp_path, files)
    # Given one of its blobs changed on disk (one byte, mtime put back)
    corrupt(team, sha256(files["points.csv"]))
    # When alice's session, on the team server's machine (blob_dir), attaches it
    with fast_lab.owner_client(timeout=60) as c:
        r = c.post("grid-collab/api/datastores/attach", json={"ref": f"bob:{name}"})
    # Then it is refused, naming the file, and nothing is mounted
    message = f"the stored file points.csv of bob:{name}@1 {CORRUPTED}"
    assert r.status_code == 502, r.text
    assert r.json()["message"] == f"could not mount bob:{name}@1: {message}"
    assert not_mounted(fast_lab.datastore_root, name)
    # and attach_datastore()'s mount (a kernel's) refuses it the same way
    with team.client("alice") as c, pytest.raises(CorruptedBlob) as refused:
        mount_datastore(c, f"bob:{name}", tmp_path / "kernel", str(team.data_dir / "blobs"))
    assert (refused.value.message, refused.value.status) == (message, 500)
    assert not_mounted(tmp_path / "kernel", name)


READ_DATASTORE = textwrap.dedent("""
    import hashlib, os, pathlib
    root = pathlib.Path(os.environ["GRID_DATASTORE_DIR"])
    for p in sorted(root.rglob("*")):
        if p.is_file():
            print("read", p.name, hashlib.sha256(p.read_bytes()).hexdigest(), flush=True)
""")


def run_with(server, user: str, datastore: str, tmp: Path):
    """``user``'s one-experiment run of READ_DATASTORE with ``datastore``; (run, exp, log)."""
    proj = tmp / f"proj-{uuid.uuid4().hex[:6]}"
    proj.mkdir()
    (proj / "job.py").write_text(READ_DATASTORE)
    name = f"ds-run-{uuid.uuid4().hex[:6]}"
    with server.client(user) as c:
        c.me()
        submit_run(c, proj / "job.py", [], name=name, datastore=datastore)
        run, exps = wait_run(c, name)
        return run, exps[0], log_text(c, f"{name}-exp0")


def test_a_run_is_not_given_a_corrupted_datastore(exec_server, tmp_path):
    """The launcher's mount (hard links for the team's runner uid) checks the blobs first,
    made afresh or reused from an earlier run."""
    files = {"train.bin": os.urandom(1 << 20), "labels.txt": b"cat\ndog\n"}
    used = upload_datastore(exec_server, "alice", tmp_path, files)
    fresh = upload_datastore(exec_server, "alice", tmp_path, {"copy.bin": files["train.bin"]})
    # Given a run that read the first (its mount stays for the team's next runs)
    run, exp, lines = run_with(exec_server, "bob", f"alice:{used}@1", tmp_path)
    assert run.status == "succeeded", (exp.message, lines)
    assert f"read train.bin {sha256(files['train.bin'])}" in lines
    # When a blob of both changes on disk (one byte, mtime put back)
    corrupt(exec_server, sha256(files["train.bin"]))
    # Then a run with either fails before its script starts, saying which file and why
    for name, path in ((used, "train.bin"), (fresh, "copy.bin")):
        ref = f"alice:{name}@1"
        message = f"the stored file {path} of {ref} {CORRUPTED}"
        run, exp, lines = run_with(exec_server, "bob", ref, tmp_path)
        assert (run.status, exp.message) == ("failed", f"setup failed: {message}"), lines
        assert f"[grid] could not prepare the experiment: {message}" in lines
        assert not [line for line in lines if line.startswith(("read ", "[grid] running"))]
    # and the one never mounted is not mounted now, not even half
    assert not_mounted(exec_server.ds_root / ".team-vision", fresh)


# ------------------------------------------------------------------ scoped references
def test_a_run_names_only_sources_its_creator_may_see(team_server, tmp_path):
    """On SQLite and PostgreSQL: bob's source is his to use, and his teammates' through his
    runs (clone); dave in another team, holding its hash, gets the same 404 as for a hash
    that does not exist."""
    source = source_archive(tmp_path)
    run = f"scoped-{uuid.uuid4().hex[:6]}"
    with team_server.client("bob") as bob:
        sha = bob.upload_source(source)
        bob.create_run("python train.py", name=run, source_sha256=sha)
    unknown = sha256(uuid.uuid4().bytes)
    with team_server.client("dave") as dave:
        for named in (sha, unknown):
            with pytest.raises(NotFound) as refused:
                dave.create_run(
                    "python train.py", name=f"steal-{uuid.uuid4().hex[:6]}", source_sha256=named
                )
            assert refused.value.message == (
                f"no source {named} that you uploaded or that a run in your teams uses; "
                "upload the source first (PUT /sources; `grid run` does)"
            )
        assert not [r for r in dave.list_runs(scope="mine").items if r.name.startswith("steal-")]
    # a teammate clones bob's run: the clone keeps its source, which she can download
    with team_server.client("alice") as alice:
        clone, _ = alice.clone(f"bob:{run}")
        got = alice.download_run_source(f"alice:{clone.name}", tmp_path / "clone.tar.gz")
        assert got.read_bytes() == source.read_bytes()
        # and naming the hash bob's run uses is as good as cloning
        alice.create_run("python train.py", name=f"named-{uuid.uuid4().hex[:6]}", source_sha256=sha)
    # an artifact's or datastore file's hash is no source either, even within the team
    data = os.urandom(1024)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.bin").write_bytes(data)
    with team_server.client("bob") as bob:
        bob.upload_datastore(f"ds-{uuid.uuid4().hex[:6]}", tmp_path / "d")
    with team_server.client("alice") as alice, pytest.raises(NotFound):
        alice.create_run("python train.py", source_sha256=sha256(data))


def test_checks_survive_a_restart_and_a_blob_changed_meanwhile_is_refused(tmp_path):
    """Verified stamps persist (private to the server), so a restart re-hashes nothing that
    is unchanged; a blob changed while the server was down is still caught."""
    server = TeamServerProcess(tmp_path / "team", extra_args=["--executor", "none"])
    server.seed()
    server.start()
    try:
        good, bad = os.urandom(1 << 20), os.urandom(1 << 20)
        good_exp = artifact_run(server, "bob", tmp_path, good)
        bad_exp = artifact_run(server, "bob", tmp_path, bad)
        stamps = server.data_dir / "blobs" / "verified-stamps"
        assert stamps.stat().st_mode & 0o777 == 0o600
        assert {line.split()[0] for line in stamps.read_text().splitlines()} >= {
            sha256(good),
            sha256(bad),
        }
        server.stop()
        corrupt(server, sha256(bad))
        server.start()
        with server.client("alice") as c:
            ok = c._http.get(f"/experiments/bob/{good_exp}/artifacts/model.bin")
            refused = c._http.get(f"/experiments/bob/{bad_exp}/artifacts/model.bin")
        assert ok.status_code == 200 and ok.content == good
        assert refused.status_code == 500 and CORRUPTED in refused.json()["message"]
    finally:
        server.stop()
