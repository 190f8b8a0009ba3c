"""TeamPanel in a real JupyterLab, driven by headless Chromium (Debian's, via playwright):
run ``TeamPanel()`` in a notebook, click Attach on a teammate's datastore, see the path."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from jupyter_harness import JupyterProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = (
    pytest.importorskip("playwright.sync_api")
    if os.environ.get("CI") is None
    else __import__("playwright.sync_api").sync_api
)
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and os.environ.get("CI") is None,
    reason="Debian's chromium is not installed (CI installs it)",
)
# the README's picture: refreshed only when asked (UPDATE_SCREENSHOTS=1), so test runs
# leave the checkout clean
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "img" / "panel.png"


def _notebook(path: Path) -> None:
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "id": "panel",
                        "metadata": {},
                        "outputs": [],
                        "source": "from jupyter_grid_collab import TeamPanel\nTeamPanel()",
                    }
                ],
                "metadata": {
                    "kernelspec": {
                        "name": "python3",
                        "display_name": "Python 3",
                        "language": "python",
                    }
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


@pytest.fixture
def alice_lab(sqlite_server, tmp_path):
    lab = JupyterProcess(
        "alice", sqlite_server, tmp_path / "alice", f"lab-{uuid.uuid4().hex[:6]}", app="lab"
    )
    (tmp_path / "alice" / "root").mkdir(parents=True)
    # no news or update toasts over the page
    settings = tmp_path / "alice" / "lab-settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (
        settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    ).write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    lab.extra_env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    lab.start()
    yield lab
    lab.stop()


def test_attach_a_teammates_datastore_from_the_panel(sqlite_server, alice_lab, tmp_path):
    tag = uuid.uuid4().hex[:6]
    data = tmp_path / "cars"
    data.mkdir()
    (data / "cars.csv").write_text("make,year\nvolvo,1999\n")
    with sqlite_server.client("bob") as bob:
        bob.me()
        bob.upload_datastore(f"cars-{tag}", data)
    with sqlite_server.client("alice") as alice:
        alice.me()
        alice.upload_datastore(f"mnist-{tag}", data)  # her own: Attach and Delete
    _notebook(alice_lab.root / "panel.ipynb")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(
            f"{alice_lab.url}lab/workspaces/{uuid.uuid4().hex}/tree/panel.ipynb"
            f"?token={alice_lab.token}"
        )
        # a cell run before the kernel is connected is skipped, not queued: wait for it
        page.locator(
            ".jp-StatusBar-TextItem", has_text=re.compile(r"Python 3.*\| Idle")
        ).first.wait_for(timeout=90_000)
        page.locator(".jp-NotebookPanel:visible .jp-InputArea-editor").first.click(timeout=60_000)
        page.keyboard.press("Shift+Enter")
        # inside the notebook's output: the Team sidebar has a "Datastores" section too
        panel = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output").first
        tab = panel.get_by_role("tab", name="Datastores")
        try:
            tab.wait_for(timeout=90_000)
        except playwright.TimeoutError:
            page.screenshot(path=str(tmp_path / "no-panel.png"))
            cells = page.locator(".jp-NotebookPanel:visible .jp-Cell").all_inner_texts()
            raise AssertionError(
                f"no TeamPanel after 90 s; the notebook shows {cells!r}; "
                f"screenshot {tmp_path / 'no-panel.png'}"
            ) from None
        tab.click(timeout=30_000)
        row = panel.locator(".widget-hbox", has_text=f"cars-{tag}").first
        row.get_by_role("button", name="Attach").click(timeout=30_000)
        mounted = page.get_by_text("read it in code as").first
        mounted.wait_for(timeout=60_000)
        text = mounted.inner_text()
        shot = tmp_path / "panel.png"
        page.locator(".jp-OutputArea-output").first.screenshot(path=str(shot))
        browser.close()
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    path = alice_lab.datastore_root / f"cars-{tag}"
    assert str(path) in text
    assert (path / "cars.csv").read_text() == "make,year\nvolvo,1999\n"
