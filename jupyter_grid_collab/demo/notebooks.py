"""What alice and bob find when they open their JupyterLab: a README that says where they
are and what to try, and a short notebook of real work on the demo's data (alice's reads her
datastore and compares her sweep's loss; bob's finds out why his run failed and picks a
learning rate for its clone).

They live in ``homes/<user>/``: the README as it is, each notebook as a Python file in the
percent format (``# %%`` starts a code cell, ``# %% [markdown]`` a Markdown cell of comment
lines), so ruff checks the notebooks' code like the rest and a change reads as a diff. The
cells use what a session gives its kernels: the session's own credential (``GridClient()``
needs no key) and ``attach_datastore``.

The notebooks are written as nbformat 4.5 JSON by hand: importing nbformat (and the JSON
Schema validator it loads) took seconds of the demo's start; tests/test_demo.py validates
what is written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

HOMES = Path(__file__).with_name("homes")
CELL = "# %%"
MARKDOWN = "# %% [markdown]"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def notebook_from_percent(source: str, name: str) -> dict[str, Any]:
    """A notebook (nbformat 4.5) of the cells of a percent-format script; ``name`` makes
    its cell ids."""
    cells: list[tuple[str, list[str]]] = []
    for line in source.splitlines():
        if line.startswith(CELL):
            cells.append(("markdown" if line.startswith(MARKDOWN) else "code", []))
        elif cells:
            cells[-1][1].append(line)
    made: list[dict[str, Any]] = []
    for index, (kind, lines) in enumerate(cells):
        cell: dict[str, Any] = {"cell_type": kind, "id": f"{name}-{index}", "metadata": {}}
        if kind == "markdown":
            # "# text" is the text, "#" alone an empty line
            text = "\n".join(line[2:] if line.startswith("# ") else line[1:] for line in lines)
        else:
            text = "\n".join(lines)
            cell.update(execution_count=None, outputs=[])
        cell["source"] = text.strip("\n")
        made.append(cell)
    return {
        "cells": made,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def seed_home(home: Path, user: str) -> list[Path]:
    """Write ``user``'s README and notebooks into their JupyterLab's root folder (only
    alice and bob have one); returns the files written."""
    source = HOMES / user
    if not source.is_dir():
        return []
    written = []
    for path in sorted(source.iterdir()):
        # only what the folder is meant to hold: an install compiles the notebooks' .py
        # files, which leaves a __pycache__ folder beside them
        if not path.is_file():
            continue
        if path.suffix == ".py":
            target = home / f"{path.stem}.ipynb"
            notebook = notebook_from_percent(path.read_text(), path.stem)
            target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
        elif path.suffix == ".md":
            target = home / path.name
            shutil.copyfile(path, target)
        else:
            continue
        written.append(target)
    return written
