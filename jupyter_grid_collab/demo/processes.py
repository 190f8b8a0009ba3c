"""The demo's child processes: started in their own process groups, stopped together.

Every child is ours to stop on Ctrl-C; the pids are also written to ``<dir>/demo.pids``
so a test (or a person) can check that nothing survives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log: Path


@dataclass
class Supervisor:
    """Starts children and stops all of them, newest first (labs before the team server)."""

    root: Path
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path) -> Child:
        log = self.root / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        child = Child(name, proc, log)
        self.children.append(child)
        self._write_pids()
        return child

    def _write_pids(self) -> None:
        (self.root / "demo.pids").write_text(
            "".join(f"{c.proc.pid} {c.name}\n" for c in self.children))

    def wait_http(self, child: Child, url: str, timeout: float, ok=None,
                  headers: dict[str, str] | None = None) -> None:
        """Wait until ``url`` answers (and ``ok(response)`` holds) or the child dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.proc.poll() is not None:
                tail = child.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{child.name} exited with code {child.proc.returncode}; "
                                   f"its log ({child.log}) ends with:\n{tail}")
            try:
                r = httpx.get(url, timeout=2, headers=headers)
                if r.status_code == 200 and (ok is None or ok(r)):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{child.name} did not become ready within {timeout:.0f}s; "
                           f"see {child.log}")

    def stop_all(self, timeout: float = 30.0) -> None:
        for child in reversed(self.children):
            _signal(child.proc, signal.SIGTERM)
            try:
                child.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal(child.proc, signal.SIGKILL)
                child.proc.wait()
            # whatever the child left in its group (kernels, launchers) goes too
            _signal(child.proc, signal.SIGKILL)


def _signal(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
