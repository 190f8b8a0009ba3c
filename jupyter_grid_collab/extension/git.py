"""Give the server's processes (kernels, terminals) a git that uses the session creator's
GitHub credential, through environment-only git configuration: nothing is written to the
user's ~/.gitconfig, and stopping the server removes it.

The helper's 0600 file is also the session's credential for everything else running in
it (``grid`` in a terminal, attach_datastore() and TeamPanel in a kernel): it names the team
server and holds the session's secret, never the owner's API key, which is not in the
environment they inherit (GRID_SESSION_CREDENTIAL names the file)."""

from __future__ import annotations

import json
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from ..client import SESSION_CREDENTIAL_ENV

HELPER_KEY = "credential.https://github.com.helper"


class GitCredentialContext:
    """The helper's 0600 configuration file, the visitor-activity file, and the env."""

    def __init__(self, runtime_dir: str, share_with_visitors: bool):
        self.dir = Path(tempfile.mkdtemp(prefix="grid-collab-git-", dir=runtime_dir))
        os.chmod(self.dir, 0o700)
        self.config_file = self.dir / "helper.json"
        self.state_file = self.dir / "state.json"
        self.share_with_visitors = share_with_visitors
        self._last_visit_mark = 0.0

    def write(self, url: str, owner: str, session: str, secret: str) -> None:
        data = {
            "url": url,
            "owner": owner,
            "session": session,
            "secret": secret,
            "share_with_visitors": self.share_with_visitors,
            "state_file": str(self.state_file),
        }
        fd = os.open(
            self.config_file.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
        )
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(self.config_file.with_suffix(".tmp"), self.config_file)

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """What a child with environment ``base`` adds for git: the helper for github.com
        in git's env-only configuration (after any the user already set that way), and the
        session credential file."""
        added: dict[str, str] = {}
        count = int(base.get("GIT_CONFIG_COUNT", "0") or 0)
        if not any(base.get(f"GIT_CONFIG_KEY_{i}") == HELPER_KEY for i in range(count)):
            # an empty helper first resets any helper from ~/.gitconfig for github.com, so
            # git asks ours and not a stale store
            helper = f"!{shlex.quote(sys.executable)} -m jupyter_grid_collab.git_credential"
            for value in ("", helper):
                added[f"GIT_CONFIG_KEY_{count}"] = HELPER_KEY
                added[f"GIT_CONFIG_VALUE_{count}"] = value
                count += 1
            added["GIT_CONFIG_COUNT"] = str(count)
        added["GRID_COLLAB_GIT_HELPER"] = str(self.config_file)
        added[SESSION_CREDENTIAL_ENV] = str(self.config_file)
        return added

    def mark_visitor_activity(self, minutes: float = 10.0) -> None:
        """A visitor is here: with sharing off, git asks for credentials for a while."""
        now = time.time()
        if self.share_with_visitors or now - self._last_visit_mark < 30:
            return
        self._last_visit_mark = now
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"visitor_active_until": now + minutes * 60}))
        os.replace(tmp, self.state_file)

    def remove(self) -> None:
        for path in (self.config_file, self.state_file):
            path.unlink(missing_ok=True)
        try:
            self.dir.rmdir()
        except OSError:
            pass
