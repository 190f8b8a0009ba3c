"""``TeamPanel()``: the team's sessions, runs, datastores and members inside a notebook."""

from .panel import TeamPanel

__all__ = ["TeamPanel"]
