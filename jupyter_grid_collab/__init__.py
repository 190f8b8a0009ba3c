"""Grid-style team collaboration for Jupyter."""

from __future__ import annotations

from ._version import __version__ as __version__


def _jupyter_server_extension_points():
    from .extension import GridCollab

    return [{"module": "jupyter_grid_collab", "app": GridCollab}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    # the Team sidebar, prebuilt into the package (labextension/ holds its TypeScript)
    return [{"src": "labextension", "dest": "jupyter-grid-collab"}]


def __getattr__(name: str):
    # TeamPanel imports ipywidgets: only when a notebook asks for it
    if name == "TeamPanel":
        from .widgets import TeamPanel

        return TeamPanel
    raise AttributeError(name)


def attach_datastore(ref: str, *, session: str | None = None) -> str:
    """Mount a teammate's (or my) datastore read-only in this session; returns its path."""
    from .attach import attach_datastore as attach

    return attach(ref, session=session)
