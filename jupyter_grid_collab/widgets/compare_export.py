"""The Compare view's "Download CSV": the table as it is sorted, written into a file named
beside the button, in the notebook's folder (the kernel's working folder); a file already
there is replaced only after Overwrite."""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w

from ..compare import Comparison
from .compare_data import csv_path


class CsvExport(w.HBox):
    """[CSV file: comparison.csv] [Download CSV] ([Overwrite], once asked)."""

    def __init__(
        self,
        table: Callable[[], Comparison | None],
        say: Callable[[str, bool], None],
        folder: str | None = None,
    ):
        self.table = table  # the comparison as shown
        self.say = say  # (html, error)
        self.folder = folder  # None: the kernel's working folder, the notebook's
        self._asked: Path | None = None
        self.name = w.Text(
            value="comparison.csv", description="CSV file", layout=w.Layout(width="300px")
        )
        self.name.observe(lambda _c: self._forget(), names="value")
        self.button = w.Button(description="Download CSV", icon="download")
        self.button.on_click(lambda _b: self.save())
        self.overwrite = w.Button(
            description="Overwrite", button_style="warning", layout=w.Layout(display="none")
        )
        self.overwrite.on_click(lambda _b: self.save(overwrite=True))
        super().__init__([self.name, self.button, self.overwrite])

    def save(self, overwrite: bool = False) -> Path | None:
        """Write the table; the file's path, or None (and why, said)."""
        table = self.table()
        if table is None or not table.rows:
            self.say("Nothing to save yet: add runs or experiments to compare.", True)
            return None
        try:
            path = csv_path(self.folder or os.getcwd(), self.name.value)
        except ValueError as exc:
            self.say(html.escape(str(exc)), True)
            return None
        if overwrite and path != self._asked:
            overwrite = False  # the name changed since the question
        where = html.escape(str(path))
        try:
            with path.open("w" if overwrite else "x", encoding="utf-8", newline="") as f:
                f.write(table.to_csv())
        except FileExistsError:
            self._asked = path
            self.overwrite.layout.display = ""
            self.say(
                f"<code>{where}</code> already exists: Overwrite it, or type another name "
                "and Download CSV again.",
                True,
            )
            return None
        except OSError as exc:
            self.say(f"cannot write <code>{where}</code>: {html.escape(str(exc.strerror))}", True)
            return None
        self._forget()
        n = len(table.rows)
        self.say(f"saved the table ({n} row{'s' if n != 1 else ''}) to <code>{where}</code>", False)
        return path

    def _forget(self) -> None:
        self._asked = None
        self.overwrite.layout.display = "none"
