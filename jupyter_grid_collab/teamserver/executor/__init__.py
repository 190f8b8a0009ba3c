"""The executor: runs each pending experiment through an engine (local or Ray)."""

from .core import Engine, Executor, RunRefused

__all__ = ["Engine", "Executor", "RunRefused"]
