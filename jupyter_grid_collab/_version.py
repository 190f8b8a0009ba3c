"""The package's version, stated once: pyproject.toml reads it (hatch), the team server's OpenAPI
document and ``jupyter_grid_collab.__version__`` import it, and tests/test_version.py holds
labextension/package.json to it. Importing this module imports nothing else."""

__version__ = "0.1.0"
