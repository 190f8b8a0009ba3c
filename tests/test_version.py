"""The version is stated once (jupyter_grid_collab/_version.py); everything else reads it."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import jupyter_grid_collab
from jupyter_grid_collab._version import __version__
from jupyter_grid_collab.teamserver import openapi_spec

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_the_api_document_and_the_install_say_the_same_version():
    assert jupyter_grid_collab.__version__ == __version__
    assert openapi_spec.build()["info"]["version"] == __version__
    # pyproject.toml reads _version.py (dynamic): the installed metadata says the same
    assert version("jupyter_grid_collab") == __version__


def test_the_sidebar_package_has_the_same_version():
    # npm needs its own copy in labextension/package.json; it may not drift
    package = json.loads((ROOT / "labextension" / "package.json").read_text())
    assert package["version"] == __version__, (
        f"labextension/package.json says {package['version']}, _version.py says {__version__}: "
        "change both together"
    )
