"""The TeamPanel's question before a download: into which folder, and where this run's or
experiment's files will land under it (``<folder>/<owner>/<run>/...``), shown before
anything starts and kept for the next download."""

from __future__ import annotations

import html
import os
from pathlib import PurePath, PurePosixPath

import ipywidgets as w

from ..artifact_layout import landing_folder
from ..references import Ref


def base_folder(typed: str) -> str:
    """The download folder for what the user typed; nothing typed is the root itself (the
    session's root, or the notebook's working folder), never a default they did not see."""
    return typed.strip() or "."


def landing(base: str, ref: Ref, in_session: bool) -> str:
    """Where ``ref``'s files land in the folder ``base``, as the user will find it: under
    the session's root as its file browser shows it, or as a full path on this machine."""
    if in_session:
        return f"{landing_folder(PurePosixPath(base), ref).as_posix()}/"
    return os.path.join(os.path.abspath(landing_folder(PurePath(base), ref)), "")


class DownloadForm(w.HBox):
    """A row of the panel, hidden until a row's Download asks for a reference: Download
    into [grid_artifacts] → alice:mnist-sweep lands in grid_artifacts/alice/mnist-sweep/
    [Download] [Cancel]."""

    def __init__(self, folder: str, in_session: bool):
        # in a session the folder is under the server's root, as the file browser shows it;
        # without one it is the kernel's working folder, shown as the full path
        self.in_session = in_session
        self.ref: Ref | None = None
        self.folder = w.Text(
            value=folder,
            description="Download into",
            layout=w.Layout(width="320px"),
            continuous_update=True,
        )
        self.landing = w.HTML()
        self.start = w.Button(description="Download", button_style="primary", icon="download")
        self.cancel = w.Button(description="Cancel")
        self.folder.observe(lambda _change: self._show_landing(), names="value")
        self.cancel.on_click(lambda _b: self.dismiss())
        super().__init__(
            [self.folder, self.landing, self.start, self.cancel],
            layout=w.Layout(display="none"),
        )

    def ask(self, ref: Ref) -> None:
        """Show where ``ref``'s artifacts would land, and wait for Download or Cancel."""
        self.ref = ref
        self._show_landing()
        self.layout.display = ""

    def dismiss(self) -> None:
        self.ref = None
        self.layout.display = "none"

    def base(self) -> str:
        return base_folder(self.folder.value)

    def _show_landing(self) -> None:
        if self.ref is None:
            return
        where = "in this session's file browser" if self.in_session else "on this machine"
        self.landing.value = (
            f"→ {html.escape(str(self.ref))} lands in "
            f"<code>{html.escape(landing(self.base(), self.ref, self.in_session))}</code> "
            f"({where})"
        )
