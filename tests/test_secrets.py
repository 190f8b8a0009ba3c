"""Secrets stay secret: no API key or GitHub token in any response, error, log line or file on
disk; the git credential goes only to the session's own server, proven by its secret."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import httpx
import pytest

from jupyter_grid_collab.client import GridError

API = "/api/v1"


class Recording(httpx.HTTPTransport):
    """A real transport that keeps every response (status line, headers, body) it carried."""

    def __init__(self, seen: list[tuple[str, bytes]]):
        super().__init__()
        self.seen = seen

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        body = response.read()
        head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.seen.append(
            (
                f"{request.method} {request.url.path}",
                f"{response.status_code}\n{head}\n".encode() + body,
            )
        )
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )


def git_credential(server, owner: str, name: str, secret: str | None) -> httpx.Response:
    headers = {"X-Grid-Session-Secret": secret} if secret is not None else {}
    return httpx.get(
        f"{server.url}{API}/sessions/{owner}/{name}/git-credential", headers=headers, timeout=30
    )


def test_no_secret_leaks_anywhere(fresh_server, tmp_path: Path):
    server = fresh_server
    seen: list[tuple[str, bytes]] = []  # every response the clients received
    errors: list[str] = []  # every error message a person would have been shown
    alice_token = "ghp_" + secrets.token_hex(18)
    bob_token = "ghp_" + secrets.token_hex(18)
    rejected_token = "ghp_" + secrets.token_hex(18)
    wrong_key = "gck_" + secrets.token_urlsafe(32)

    def client(user: str | None, key: str | None = None):
        return server.client(user, api_key=key, transport=Recording(seen))

    def expect_error(fn, *args, **kw) -> GridError:
        with pytest.raises(GridError) as caught:
            fn(*args, **kw)
        errors.append(str(caught.value))
        return caught.value

    def raw(user: str | None, method: str, path: str, **kw) -> httpx.Response:
        headers = kw.pop("headers", {})
        if user:
            headers["Authorization"] = f"token {server.keys[user]}"
        with httpx.Client(transport=Recording(seen), timeout=30) as h:
            return h.request(method, server.url + API + path, headers=headers, **kw)

    # Given a site admin who makes a user and a key (the admin CLI prints the key, once)
    with client("root") as root:
        root.me()
        root._do("POST", "/users", json={"username": "erin", "email": "erin@example.com"})
        root.list_teams()
        root._do("GET", "/users")
        root.add_credits("vision", 10)
    server.keys["erin"] = server.admin("create-key", "erin")
    with client("carol") as carol:
        carol.me()
        carol.add_member("vision", "erin", "user")
        carol.team("vision")
        carol.audit_log("vision")
        carol.ledger("vision")

    # And the team at work: credentials, sessions, runs, logs, artifacts, datastores
    (tmp_path / "model.bin").write_bytes(os.urandom(10_000))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("x,y\n1,2\n")
    with client("alice") as alice, client("bob") as bob, client("erin") as erin:
        for c in (alice, bob, erin):
            c.me()
            c.list_teams()
        alice.set_credential("github", alice_token)
        bob.set_credential("github", bob_token, login="bob-gh")
        alice.list_credentials()
        session, alice_secret = alice.register_session("nb", url="http://127.0.0.1:9/")
        _, bob_secret = bob.register_session("nb", url="http://127.0.0.1:8/")
        alice.heartbeat("nb", url="http://127.0.0.1:9/lab")
        for c in (alice, bob, erin):
            c.session("alice:nb")
            c.list_sessions(scope="team")
        alice.create_run("python train.py", {"lr": [0.1, 0.2]}, name="train", tracked=True)
        alice.append_logs("train-exp0", ["epoch 1", f"GITHUB_USER={session.github['login']}"])
        art = alice.upload_artifact("train-exp0", "model.bin", tmp_path / "model.bin")
        alice.report_status("train-exp1", "succeeded", exit_code=0)
        bob.run("alice:train")
        bob.read_logs("alice:train-exp0")
        bob.download_artifact("alice:train-exp0", art, tmp_path / "dl.bin")
        bob.clone("alice:train", name="mine")
        alice.upload_datastore("data", tmp_path / "data")
        erin.attach_datastore("alice:data")
        for f in erin.datastore_files("alice:data"):
            erin.download_datastore_file("alice:data", f, tmp_path / "dl" / f.path)
        # and things going wrong, with secrets close at hand
        expect_error(bob.delete_session, "alice:nb")
        expect_error(erin.session_action, "alice:nb", "stop")
        expect_error(bob.set_credential, "github", rejected_token + " extra")
        expect_error(bob.set_credential, "gitlab", rejected_token)
        expect_error(alice.heartbeat, "bob:nb")
        expect_error(erin.add_member, "vision", "erin", "admin")
        expect_error(alice.add_credits, "vision", 5)
    with client(None, key=wrong_key) as stranger:
        expect_error(stranger.me)
        expect_error(stranger.session, "alice:nb")
    for headers in (
        {"Authorization": f"Basic {server.keys['alice']}"},
        {"Authorization": f"token {server.keys['alice']}x"},
    ):
        assert raw(None, "GET", "/me", headers=headers).status_code == 401
    # a credential whose JSON is broken still must not be echoed back
    r = raw("bob", "PUT", "/credentials/github", content=f'{{"token": "{rejected_token}"'.encode())
    assert r.status_code == 400

    # When the session's own server asks for its owner's git credential, with its secret
    legit = git_credential(server, "alice", "nb", alice_secret)
    assert legit.status_code == 200
    assert legit.json() == {"user": "alice", "login": "alice-gh", "token": alice_token}
    assert git_credential(server, "bob", "nb", bob_secret).json()["token"] == bob_token

    # Then anyone else asking is refused, the same way as for a session that does not exist
    refusals = [
        git_credential(server, "alice", "nb", "gcs_" + secrets.token_urlsafe(32)),  # wrong
        git_credential(server, "alice", "nb", None),  # missing
        git_credential(server, "alice", "nb", ""),  # empty
        git_credential(server, "alice", "nb", bob_secret),  # another session's secret
        git_credential(server, "bob", "nb", alice_secret),  # another user's session
        git_credential(server, "alice", "nope", alice_secret),  # no such session
        raw("alice", "GET", "/sessions/alice/nb/git-credential"),  # an API key is not enough
        raw("carol", "GET", "/sessions/alice/nb/git-credential"),  # even a team admin's
    ]
    for r in refusals:
        seen.append(("git-credential refusal", r.content))
        assert r.status_code == 404, r.text
        assert "token" not in r.json()
    # a deleted session's secret is dead too
    with client("alice") as alice:
        alice.me()
        alice.delete_session("nb")
    assert git_credential(server, "alice", "nb", alice_secret).status_code == 404

    # And no API key, GitHub token or session secret is in any response, error or log line
    keys = dict(server.keys, wrong=wrong_key)
    tokens = {"alice": alice_token, "bob": bob_token, "rejected": rejected_token}
    session_secrets = {"alice": alice_secret, "bob": bob_secret}
    everything = {
        **{f"key of {k}": v for k, v in keys.items()},
        **{f"GitHub token of {k}": v for k, v in tokens.items()},
        **{f"session secret of {k}": v for k, v in session_secrets.items()},
    }
    assert len(seen) > 60  # the scan below covers real traffic
    register_responses = [body for what, body in seen if what == "POST /api/v1/sessions"]
    assert sum(s.encode() in b for b in register_responses for s in session_secrets.values()) == 2
    for what, body in seen:
        for name, secret in everything.items():
            if what == "POST /api/v1/sessions" and name.startswith("session secret"):
                continue  # registration hands the session's server its secret, once
            assert secret.encode() not in body, f"{name} in the response to {what}"
    for message in errors:
        for name, secret in everything.items():
            assert secret not in message, f"{name} in the error {message!r}"
    log = server.log_path.read_bytes()
    assert b"git-credential" in log  # the log is the one that saw all of the above
    for name, secret in everything.items():
        assert secret.encode() not in log, f"{name} in the server log"

    # And on disk the token is stored encrypted and keys hashed: no file holds one in clear
    files = [p for p in server.data_dir.rglob("*") if p.is_file()]
    assert any(p.name == "team.db" for p in files)
    for path in files:
        data = path.read_bytes()
        for name, secret in everything.items():
            assert secret.encode() not in data, f"{name} in plain text in {path.name}"
