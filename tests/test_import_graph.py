"""The team server sits at the bottom of the house: importing it loads none of the Jupyter faces
(the server extension, the widgets and what they pull in), so it runs where Jupyter is absent
and starts fast. Checked in a fresh interpreter, since this test process imports everything."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# what a team server process must never load
JUPYTER_FACES = (
    "jupyter_grid_collab.extension",
    "jupyter_grid_collab.widgets",
    "jupyter_grid_collab.cli",
    "ipywidgets",
    "jupyter_server",
    "IPython",
)


def modules_after_importing(module: str) -> list[str]:
    """Every module a fresh interpreter holds after ``import module``."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout)


def faces_in(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in JUPYTER_FACES or m.startswith(JUPYTER_FACES)]


@pytest.mark.parametrize(
    "module",
    [
        "jupyter_grid_collab.teamserver.app",
        "jupyter_grid_collab.teamserver.cli",
        "jupyter_grid_collab.teamserver.openapi_spec",
    ],
)
def test_the_team_server_imports_no_jupyter_face(module):
    # Given a fresh interpreter / When it imports the team server / Then no face came along
    modules = modules_after_importing(module)
    assert module in modules
    assert faces_in(modules) == [], (
        f"importing {module} loads {faces_in(modules)}: the team server must not depend on "
        "the Jupyter faces (see python -X importtime -c 'import " + module + "')"
    )


def test_the_check_sees_a_face_when_one_is_imported():
    # the check above is not vacuous: the package's server extension entry point loads one
    modules = modules_after_importing("jupyter_grid_collab.extension")
    assert "jupyter_grid_collab.extension" in faces_in(modules)
