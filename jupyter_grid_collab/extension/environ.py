"""What kernels and terminals of this server find in their environment.

The extension never adds to ``os.environ``: what a session's kernels and terminals need
(the team server's URL, this session's name, its credential file, git's helper, ...) is
held by ``ChildEnv`` and handed to each one as it starts, through jupyter_server's kernel
manager (the ``env`` of ``start_kernel``) and terminado's ``make_term_env``. The only change
to the server's own environment is taking the owner's secrets out, below.

Keep the owner's secrets out of what kernels and terminals inherit.

Every kernel and terminal of this server starts with a copy of the server's environment, a
visitor's too. The owner's API key (``GRID_API_KEY``) and this server's token
(``JUPYTER_TOKEN``) are often handed to the server that way (``grid session create``, the
demo), so the extension takes them out of ``os.environ`` before any kernel or terminal can
start, once jupyter_server and the extension have read what they need.

Removing a variable from ``os.environ`` does not change ``/proc/<pid>/environ``: that shows
the block the kernel copied at exec time, and any process of the same user (a kernel, whose
parent the server is) can read it. On Linux the block is overwritten in place as well, so
``cat /proc/$PPID/environ`` from a terminal finds nothing either.
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Callable, Mapping

from ..procfs import stat_fields
from .identity import mix_into

log = logging.getLogger("grid_collab.extension")

OWNER_SECRETS = ("GRID_API_KEY", "JUPYTER_TOKEN")


def drop_owner_secrets(names: tuple[str, ...] = OWNER_SECRETS) -> list[str]:
    """Remove ``names`` from this process's environment (and its exec-time copy); returns
    the names that were set."""
    present = [n for n in names if n in os.environ]
    for name in present:
        del os.environ[name]  # unsetenv too: libc's environ no longer points at the string
    if present:
        try:
            _scrub_exec_environ(present)
        except (OSError, ValueError, IndexError) as exc:  # not Linux, or /proc not mounted
            log.debug("could not scrub the exec-time environment: %s", exc)
    return present


def _scrub_exec_environ(names: list[str]) -> None:
    """Zero ``NAME=value`` entries in the block /proc/self/environ shows.

    Fields 50 and 51 of /proc/self/stat (Linux >= 3.5) are the block's bounds. Only entries
    already unset are zeroed, so nothing still refers to them.
    """
    fields = stat_fields("self")
    if fields is None:
        raise ValueError("no /proc/self/stat")
    start, end = int(fields[50 - 3]), int(fields[51 - 3])
    if not 0 < start < end:
        raise ValueError("no environment block")
    block = ctypes.string_at(start, end - start)
    for name in names:
        prefix = name.encode() + b"="
        at = block.find(prefix)
        while at >= 0:
            if at == 0 or block[at - 1] == 0:  # the start of an entry, not inside a value
                stop = block.find(b"\0", at)
                stop = len(block) if stop < 0 else stop
                ctypes.memset(start + at, 0, stop - at)
            at = block.find(prefix, at + len(prefix))


class ChildEnv:
    """The variables this server gives every kernel and terminal it starts, on top of the
    environment they would inherit (never with the owner's secrets)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        # computed from the environment a child would get (git's env-only configuration
        # keeps what the user set that way)
        self.derived: list[Callable[[Mapping[str, str]], dict[str, str]]] = []

    def set(self, **values: str) -> None:
        self.values.update(values)

    def build(self, base: Mapping[str, str]) -> dict[str, str]:
        """The environment of a child that would otherwise get ``base``."""
        env = {k: v for k, v in base.items() if k not in OWNER_SECRETS}
        env.update(self.values)
        for derive in self.derived:
            env.update(derive(env))
        return env


class _KernelEnvMixin:
    """Mixed into the server's kernel manager: each kernel starts with the session's env."""

    grid_child_env: ChildEnv | None = None

    async def start_kernel(self, *args, **kwargs):
        if self.grid_child_env is not None:
            kwargs["env"] = self.grid_child_env.build(kwargs.get("env") or os.environ)
        return await super().start_kernel(*args, **kwargs)  # type: ignore[misc]


class _TerminalEnvMixin:
    """Mixed into terminado's terminal manager: each terminal starts with the session's env."""

    grid_child_env: ChildEnv | None = None

    def make_term_env(self, *args, **kwargs) -> dict[str, str]:
        env = super().make_term_env(*args, **kwargs)  # type: ignore[misc]
        return self.grid_child_env.build(env) if self.grid_child_env is not None else env


def install_kernel_env(kernel_manager, child_env: ChildEnv) -> None:
    mix_into(kernel_manager, _KernelEnvMixin)
    kernel_manager.grid_child_env = child_env


def install_terminal_env(terminal_manager, child_env: ChildEnv) -> None:
    mix_into(terminal_manager, _TerminalEnvMixin)
    terminal_manager.grid_child_env = child_env
