"""The git credential helper installed in a session: ``git`` asks it for github.com and it
answers with the session creator's GitHub token.

git runs ``python -m jupyter_grid_collab.git_credential get`` with the request on stdin.
The helper reads its 0600 configuration file (named by GRID_COLLAB_GIT_HELPER), fetches
the token from the team server's session-server-only endpoint and prints it to git alone:
it is never written to a file, a page, a notebook, or a log.
"""

from __future__ import annotations

import json
import os
import sys
import time

import httpx

GITHUB_HOSTS = ("github.com",)


def _request(stream) -> dict[str, str]:
    fields = {}
    for line in stream:
        line = line.strip()
        if not line:
            break
        key, _, value = line.partition("=")
        fields[key] = value
    return fields


def _config() -> dict | None:
    path = os.environ.get("GRID_COLLAB_GIT_HELPER")
    if not path:
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _visitor_active(config: dict) -> bool:
    try:
        with open(config["state_file"]) as f:
            return json.load(f).get("visitor_active_until", 0) > time.time()
    except (OSError, ValueError, KeyError):
        return False


def answer(fields: dict[str, str], config: dict | None) -> str:
    """What to print back to git for one ``get`` request (empty: let git ask the user)."""
    if (
        config is None
        or fields.get("protocol") != "https"
        or fields.get("host") not in GITHUB_HOSTS
    ):
        return ""
    if not config.get("share_with_visitors", True) and _visitor_active(config):
        sys.stderr.write(
            f"{config['owner']}'s GitHub credential is not shared with visitors "
            "of this session: enter your own.\n"
        )
        return ""
    try:
        response = httpx.get(
            f"{config['url']}/api/v1/sessions/{config['owner']}/{config['session']}/git-credential",
            headers={"X-Grid-Session-Secret": config["secret"]},
            timeout=10,
        )
        data = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        sys.stderr.write("the team server could not be reached for the GitHub credential\n")
        return ""
    if not data.get("token"):
        sys.stderr.write(
            f"{config['owner']} has no GitHub credential set (grid credential set github)\n"
        )
        return ""
    return f"username={data.get('login') or 'x-access-token'}\npassword={data['token']}\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "get":
        return 0  # store / erase: the team server is the only place credentials live
    sys.stdout.write(answer(_request(sys.stdin), _config()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
