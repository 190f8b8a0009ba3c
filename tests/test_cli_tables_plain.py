"""tables.py draws a plain table (printable ASCII, nothing to wrap) itself, without importing
rich: byte for byte what rich draws, on every console this checks (a pipe, a terminal of
some width, FORCE_COLOR, TTY_COMPATIBLE, NO_COLOR, a dumb terminal, COLUMNS and LINES), and
rich still draws what needs it (wide characters, wrapped text)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jupyter_grid_collab.cli import tables
from jupyter_grid_collab.cli.tables import Column, emit_table

TABLES = {
    "user's teams": (
        [Column("Team"), Column("Role")],
        [["vision", "owner"], ["a-much-longer-team-name", "user"]],
    ),
    "members": (
        [
            Column("Member"),
            Column("Role", drop=4),
            Column("Email", drop=2),
            Column("GitHub", drop=3),
            Column("Joined", drop=1),
        ],
        [
            ["alice", "owner", "alice@example.com", "alice-gh", "2026-12-01 18:00:01"],
            ["carol", "admin", "carol@example.com", None, "2026-12-01 18:00:01"],
        ],
    ),
    "runs, with a command": (
        [
            Column("Run"),
            Column("Status", drop=1),
            Column("Command", wrap=True),
        ],
        [["alice:lr-sweep-with-a-long-name", "failed (exit 1)", "python train.py --lr [bold]"]],
    ),
}

CONSOLES = {
    "a pipe": {},
    "a pipe, COLUMNS": {"COLUMNS": "70"},
    "a narrow pipe": {"COLUMNS": "40"},
    "too narrow for the names": {"COLUMNS": "20"},
    "a terminal (FORCE_COLOR)": {"FORCE_COLOR": "1"},
    "a terminal, 60 wide": {"FORCE_COLOR": "1", "COLUMNS": "60"},
    "FORCE_COLOR empty": {"FORCE_COLOR": ""},
    "TTY_COMPATIBLE=1": {"TTY_COMPATIBLE": "1", "TERM": "xterm-256color"},
    "TTY_COMPATIBLE=0 beats FORCE_COLOR": {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"},
    "NO_COLOR keeps bold": {"FORCE_COLOR": "1", "NO_COLOR": "1"},
    "a dumb terminal": {"FORCE_COLOR": "1", "TERM": "dumb"},
    "a dumb terminal, COLUMNS": {"FORCE_COLOR": "1", "TERM": "dumb", "COLUMNS": "200"},
    "COLUMNS and LINES": {"FORCE_COLOR": "1", "TERM": "dumb", "COLUMNS": "45", "LINES": "9"},
}


class Declined(Exception):
    """tables.py left the table to rich."""


def drawn(monkeypatch, capsys, columns, rows, by: str) -> str:
    """What emit_table prints, drawn by rich or by tables.py itself (Declined if it asks
    rich to draw it)."""
    with monkeypatch.context() as patched:
        if by == "rich":
            patched.setattr(tables, "_plain_console", lambda: None)
        else:

            def declined(stderr: bool = False):
                raise Declined()

            patched.setattr(tables, "console", declined)
        emit_table(columns, rows, empty="none")
    return capsys.readouterr().out


def on_console(monkeypatch, settings: dict[str, str]) -> None:
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    # a terminal's size, as rich asks for it: stdin is none, stdout is 90 wide
    sizes = {1: os.terminal_size((90, 30)), 2: os.terminal_size((10, 5))}

    def terminal_size(fd: int = 1) -> os.terminal_size:
        if fd not in sizes:
            raise OSError("not a terminal")
        return sizes[fd]

    monkeypatch.setattr(os, "get_terminal_size", terminal_size)


@pytest.mark.parametrize("console", sorted(CONSOLES))
@pytest.mark.parametrize("table", sorted(TABLES))
def test_a_plain_table_is_drawn_as_rich_draws_it(monkeypatch, capsys, console, table):
    columns, rows = TABLES[table]
    on_console(monkeypatch, CONSOLES[console])
    by_rich = drawn(monkeypatch, capsys, columns, rows, "rich")
    try:
        plain = drawn(monkeypatch, capsys, columns, rows, "plain")
    except Declined:
        # only where rich wraps the command onto more lines (the console is too narrow)
        assert table == "runs, with a command", by_rich
        assert len(by_rich.splitlines()) > len(rows) + 4, by_rich
        return
    assert plain == by_rich


def test_what_is_not_plain_is_left_to_rich(monkeypatch, capsys):
    # wide characters (a CJK name takes two columns a character) and tabs: rich measures them
    monkeypatch.delenv("COLUMNS", raising=False)
    for cell in ("视觉", "caf\u00e9"):
        with pytest.raises(Declined):
            drawn(monkeypatch, capsys, [Column("Team")], [[cell]], "plain")
        assert cell in drawn(monkeypatch, capsys, [Column("Team")], [[cell]], "rich")


def test_grid_user_into_a_pipe_loads_no_rich():
    code = (
        "import json, sys\n"
        "from jupyter_grid_collab.cli.tables import Column, emit_table\n"
        "emit_table([Column('Team'), Column('Role')], [['vision', 'owner']], empty='none')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('rich'))))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.splitlines()
    assert out[:5] == [
        "┏━━━━━━━━┳━━━━━━━┓",
        "┃ Team   ┃ Role  ┃",
        "┡━━━━━━━━╇━━━━━━━┩",
        "│ vision │ owner │",
        "└────────┴───────┘",
    ]
    # rich.filesize, for formats.size, is all of rich there is: no console, no table
    assert not {"rich.console", "rich.table"} & set(json.loads(out[5]))
