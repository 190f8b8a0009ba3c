"""Sizes and durations read the same in the CLI, the notebook panel and the sidebar: the
Python formatter passes the very table of cases the sidebar's jest test reads
(labextension/test/format_cases.json), and the CLI and panel print through it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.filesize import decimal

from jupyter_grid_collab import formats
from jupyter_grid_collab.cli import tables
from jupyter_grid_collab.widgets import rows

CASES = json.loads(
    (Path(__file__).parent.parent / "labextension" / "test" / "format_cases.json").read_text()
)


@pytest.mark.parametrize(("value", "expected"), CASES["size"])
def test_size_cases(value, expected):
    assert formats.size(value) == expected


@pytest.mark.parametrize(("value", "expected"), CASES["duration"])
def test_duration_cases(value, expected):
    assert formats.duration(value) == expected


@pytest.mark.parametrize("value", [v for v, _ in CASES["size"] if isinstance(v, int) and v >= 0])
def test_sizes_are_rich_decimal(value):
    # the convention is rich's own (its progress bars print the same), not a look-alike
    assert formats.size(value) == decimal(value)


def test_cli_and_panel_share_the_convention():
    for value, expected in CASES["size"]:
        assert (tables.size(value), rows.size(value)) == (expected, expected)
    for value, expected in CASES["duration"]:
        assert (tables.duration(value), rows.duration(value)) == (expected, expected)
