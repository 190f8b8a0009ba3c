"""The jupyter_server extension of jupyter_grid_collab."""

from .app import GridCollab

__all__ = ["GridCollab"]
