"""`grid` imports a command's module only when that command runs, and its help lists every
command from a static table: the table must say what each command's own docstring says."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from jupyter_grid_collab.cli.lazy import short_help
from jupyter_grid_collab.cli.main import COMMANDS, GridCommand, cli

PACKAGE = "jupyter_grid_collab.cli"

# what `grid --help` must leave unloaded: every command module, rich, httpx, the client
NOT_FOR_HELP = (
    *(f"{PACKAGE}.{lazy.module}" for lazy in COMMANDS.values()),
    f"{PACKAGE}.tables",
    "jupyter_grid_collab.client",
    "jupyter_grid_collab.models",
    "rich.console",
    "httpx",
)


def modules_after(argv: list[str]) -> list[str]:
    """Every module a fresh interpreter holds after running ``grid *argv``."""
    code = (
        "import json, sys\n"
        "from jupyter_grid_collab.cli.main import main\n"
        f"sys.argv = ['grid', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout.splitlines()[-1])


def real(name: str) -> click.Command:
    lazy = COMMANDS[name]
    command = getattr(importlib.import_module(f"{PACKAGE}.{lazy.module}"), lazy.attribute)
    assert isinstance(command, click.Command)
    return command


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_names_each_command_and_says_what_its_docstring_says(name):
    command = real(name)
    assert command.name == name
    assert command.help
    # at every terminal width the help line is the same as click draws from the docstring
    for limit in range(20, 240, 3):
        assert short_help(COMMANDS[name].help, limit) == (command.get_short_help_str(limit)), (
            name,
            limit,
        )


@pytest.mark.parametrize("argv", [["--help"], ["--version"], []])
def test_help_and_version_load_no_command_module(argv):
    loaded = set(modules_after(argv))
    assert not loaded & set(NOT_FOR_HELP), sorted(loaded & set(NOT_FOR_HELP))


@pytest.mark.parametrize("width", [50, 80, 120])
def test_help_is_what_the_commands_loaded_up_front_would_print(width):
    # a fresh lazy group (this process may have loaded commands into `cli` already)
    # against a plain click group holding every real command, as `grid` was before
    lazy = GridCommand(
        name="grid",
        lazy=COMMANDS,
        package=PACKAGE,
        help=cli.help,
        params=cli.params,
        context_settings=cli.context_settings,
    )
    eager = click.Group(
        name="grid", help=cli.help, params=cli.params, context_settings=cli.context_settings
    )
    for name in COMMANDS:
        eager.add_command(real(name))
    runner = CliRunner()
    shown = runner.invoke(lazy, ["--help"], prog_name="grid", terminal_width=width)
    assert not lazy.commands, "listing the commands loaded one"
    expected = runner.invoke(eager, ["--help"], prog_name="grid", terminal_width=width)
    assert shown.exit_code == expected.exit_code == 0
    assert shown.output == expected.output
    assert all(f"  {name} " in shown.output for name in COMMANDS)


def test_a_command_loads_its_own_module_only():
    # `grid user --help` parses `user`, so its module (teams) is imported, and no other
    loaded = set(modules_after(["user", "--help"]))
    assert f"{PACKAGE}.teams" in loaded
    others = {f"{PACKAGE}.{lazy.module}" for lazy in COMMANDS.values()} - {f"{PACKAGE}.teams"}
    assert not loaded & others, sorted(loaded & others)
    # a command's help is drawn by click alone: no table, no request
    assert not loaded & {"rich.console", "httpx"}


def test_an_unknown_command_is_refused_as_before():
    out = subprocess.run(
        [sys.executable, "-m", "jupyter_grid_collab.cli.main", "usr"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "No such command 'usr'" in out.stderr
