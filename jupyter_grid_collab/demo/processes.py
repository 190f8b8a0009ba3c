"""The demo's child processes: started in their own process groups, stopped together.

Every child is ours to stop on Ctrl-C, and so is everything a child started: Jupyter
kernels and the executor's launchers and scripts run in sessions of their own, so a
signal to a child's process group does not reach them. ``stop_all`` therefore remembers
each child's descendants (from /proc) before it signals anything and kills those still
alive at the end. The pids are also written to ``<dir>/demo.pids`` so a test (or a
person) can check that nothing survives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..jupyter_process import JupyterLaunch, JupyterServer
from ..launcher_files import alive
from ..procfs import stat_fields
from ..readiness import Stopped, http_ok, wait_until


class Interrupted(Exception):
    """Ctrl-C arrived while the demo was still starting."""


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log: Path
    # stopped after the others: the labs and the experiment launchers report their end
    # to the team server, so it must still be up while they stop
    stop_last: bool = False


@dataclass
class Supervisor:
    """Starts children; ``stop_all`` stops them and everything they started."""

    root: Path
    stop: threading.Event = field(default_factory=threading.Event)
    # a second Ctrl-C while stopping: shorten every grace period
    hurry: threading.Event = field(default_factory=threading.Event)
    children: list[Child] = field(default_factory=list)

    def start(
        self, name: str, argv: list[str], env: dict[str, str], cwd: Path, stop_last: bool = False
    ) -> Child:
        log = self.root / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            # a new session: Ctrl-C in the terminal reaches only the demo, which then stops
            # the children in order instead of all of them dying at once
            proc = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = Child(name, proc, log, stop_last)
        self.children.append(child)
        self._write_pids()
        return child

    def _write_pids(self) -> None:
        (self.root / "demo.pids").write_text(
            "".join(f"{c.proc.pid} {c.name}\n" for c in self.children)
        )

    def wait_http(
        self, child: Child, url: str, timeout: float, ok=None, headers: dict[str, str] | None = None
    ) -> None:
        """Wait until ``url`` answers 200 (and ``ok(response)`` holds); raise RuntimeError
        if the child dies or time runs out, Interrupted on Ctrl-C."""
        try:
            wait_until(
                http_ok(url, headers, ok),
                timeout=timeout,
                what=child.name,
                proc=child.proc,
                log=child.log,
                interval=0.3,
                should_stop=self.stop.is_set,
            )
        except Stopped:
            raise Interrupted from None

    def start_jupyter(self, name: str, launch: JupyterLaunch) -> tuple[Child, JupyterServer]:
        """Start a Jupyter server with the extension as one of the children (its log is the
        child's); ``wait_jupyter`` waits for it."""
        launch = replace(launch, log=self.root / "logs" / f"{name}.log")
        children: list[Child] = []

        def popen(argv: list[str], env: dict[str, str], cwd: Path, **_) -> subprocess.Popen:
            children.append(self.start(name, argv, env, cwd))
            return children[0].proc

        server = launch.start(popen)
        return children[0], server

    def wait_jupyter(self, server: JupyterServer, timeout: float) -> JupyterServer:
        """Wait until it has registered as a session; RuntimeError if it dies or time runs
        out, Interrupted on Ctrl-C."""
        try:
            return server.wait_ready(timeout, should_stop=self.stop.is_set)
        except Stopped:
            raise Interrupted from None

    def stop_all(self, timeout: float = 20.0) -> None:
        """SIGTERM in two waves (first the labs and the team server's launchers, then the
        team server), then SIGKILL whatever any of them started that is still alive."""
        first = [c for c in self.children if not c.stop_last]
        last = [c for c in self.children if c.stop_last]
        started = _descendants([c.proc.pid for c in self.children])
        # the launchers the team server started: stopping them while it is up lets them
        # record their experiments as cancelled (they stop their scripts themselves)
        launchers = _descendants([c.proc.pid for c in last], depth=1)
        for child in first:
            _signal_group(child.proc.pid, signal.SIGTERM)
        for pid, start in launchers.items():
            _signal_pid(pid, start, signal.SIGTERM)
        self._wait(first, launchers, timeout)
        # experiments the executor started meanwhile (it had free slots) are ours too
        started.update(_descendants([c.proc.pid for c in last]))
        for child in last:
            _signal_group(child.proc.pid, signal.SIGTERM)
        self._wait(last, {}, timeout)
        started.update(_descendants([c.proc.pid for c in self.children]))
        # the team server SIGTERMs its launchers as it exits but does not wait for them;
        # with the server gone they can only retry, so they get a moment, then SIGKILL
        self._wait([], started, 3.0)
        for child in self.children:
            if child.proc.poll() is None:
                _signal_group(child.proc.pid, signal.SIGKILL)
                child.proc.wait()
            _signal_group(child.proc.pid, signal.SIGKILL)  # what is left in its group
        for pid, start in started.items():
            _signal_pid(pid, start, signal.SIGKILL)

    def _wait(self, children: list[Child], others: dict[int, int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.hurry.is_set():
            if all(c.proc.poll() is not None for c in children) and not any(
                alive(p, s) for p, s in others.items()
            ):
                return
            time.sleep(0.1)


def _descendants(roots: list[int], depth: int | None = None) -> dict[int, int]:
    """Every living descendant of ``roots`` (to ``depth`` generations): pid -> start time,
    so a pid the system reuses later is never mistaken for one of ours."""
    children: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = stat_fields(entry)
        if fields and fields[0] != b"Z":  # fields[n - 3] is field n: 4 parent, 22 start
            children.setdefault(int(fields[4 - 3]), []).append(int(entry))
            starts[int(entry)] = int(fields[22 - 3])
    found: dict[int, int] = {}
    level, generation = list(roots), 0
    while level and (depth is None or generation < depth):
        level = [k for pid in level for k in children.get(pid, []) if k not in found]
        found.update((k, starts[k]) for k in level)
        generation += 1
    return found


def _signal_pid(pid: int, start: int, sig: int) -> None:
    if alive(pid, start):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
