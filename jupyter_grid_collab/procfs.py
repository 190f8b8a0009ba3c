"""Reading a process's /proc/<pid>/stat: the one parser for the launcher, the executor and
the extension."""

from __future__ import annotations


def stat_fields(pid: int | str = "self") -> list[bytes] | None:
    """The fields of /proc/<pid>/stat from the 3rd (state) on, or None when there is no such
    process. ``fields[n - 3]`` is the manual's field n."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    return stat[stat.rfind(b")") + 2 :].split()
