"""TeamPanel's Compare view in a real JupyterLab, driven by headless Chromium (Debian's, via
playwright): ``TeamPanel().compare(...)`` in alice's notebook draws bob's and her curves with
bqplot, the table lists both, and a chart's PNG button makes the browser download a picture.
The docs' picture of the view comes from here (UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path

from test_widgets_browser import CHROMIUM, alice_lab, playwright, pytestmark  # noqa: F401

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "img" / "compare.png"


def _notebook(path: Path, source: str) -> None:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "compare",
        "metadata": {},
        "outputs": [],
        "source": source,
    }
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.write_text(
        json.dumps(
            {
                "cells": [cell],
                "metadata": {"kernelspec": kernel},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


def test_compare_two_owners_runs_in_a_notebook(sqlite_server, alice_lab, tmp_path):  # noqa: F811
    # Given alice's sweep of two learning rates and bob's run of the same name, which diverges
    name = f"mnist-{uuid.uuid4().hex[:4]}"
    curves = {
        ("alice", 0): [2.3, 1.1, 0.7, 0.5, 0.42, 0.38],
        ("alice", 1): [2.3, 0.8, 0.4, 0.25, 0.2, 0.17],
        ("bob", 0): [2.3, 3.5, 8.0, 20.0, 55.0, 140.0],
    }
    with sqlite_server.client("alice") as alice, sqlite_server.client("bob") as bob:
        alice.me(), bob.me()
        alice.create_run("train.py", {"lr": [0.01, 0.1], "epochs": 6}, name=name, tracked=True)
        bob.create_run("train.py", {"lr": 5.0, "epochs": 6}, name=name, tracked=True)
        for (owner, idx), losses in curves.items():
            client = alice if owner == "alice" else bob
            exp = f"{name}-exp{idx}"
            points = [{"name": "loss", "value": v, "step": s} for s, v in enumerate(losses)]
            points += [
                {"name": "accuracy", "value": min(0.99, 0.5 / v), "step": s}
                for s, v in enumerate(losses)
            ]
            client.append_metrics(exp, points)
            client.report_status(exp, "failed" if owner == "bob" else "succeeded", exit_code=0)
    _notebook(
        alice_lab.root / "compare.ipynb",
        f'from jupyter_grid_collab import TeamPanel\nTeamPanel().compare("{name}", "bob:{name}")',
    )
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
        page.goto(
            f"{alice_lab.url}lab/workspaces/{uuid.uuid4().hex}/tree/compare.ipynb"
            f"?token={alice_lab.token}"
        )
        page.locator(
            ".jp-StatusBar-TextItem", has_text=re.compile(r"Python 3.*\| Idle")
        ).first.wait_for(timeout=90_000)
        page.locator(".jp-NotebookPanel:visible .jp-InputArea-editor").first.click(timeout=60_000)
        page.keyboard.press("Shift+Enter")
        out = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output").first
        # When the view has drawn / Then both owners' lines are in each chart's legend
        legend = out.locator(".bqplot text.legendtext", has_text=f"bob:{name}-exp0").first
        try:
            legend.wait_for(timeout=90_000)
        except playwright.TimeoutError:
            page.screenshot(path=str(tmp_path / "no-compare.png"))
            cells = page.locator(".jp-NotebookPanel:visible .jp-Cell").all_inner_texts()
            raise AssertionError(
                f"no chart after 90 s; the notebook shows {cells!r}; "
                f"screenshot {tmp_path / 'no-compare.png'}"
            ) from None
        legends = out.locator(".bqplot text.legendtext").all_text_contents()
        for ref in (f"alice:{name}-exp0", f"alice:{name}-exp1", f"bob:{name}-exp0"):
            assert legends.count(ref) == 2, legends  # loss and accuracy
        # the table, sorted by a header's click: lowest last loss first
        out.get_by_role("button", name="loss", exact=True).click()
        table = out.locator(".widget-gridbox").first
        deadline = time.monotonic() + 30
        while True:
            text = table.inner_text()  # (rebuilt after the click: its cells fill in)
            first, second = f"alice:{name}-exp1", f"alice:{name}-exp0"
            if first in text and second in text and text.index(first) < text.index(second):
                break
            assert time.monotonic() < deadline, f"not sorted by loss: {text!r}"
            page.wait_for_timeout(100)
        assert out.get_by_role("button", name="loss ▲").count() == 1
        shot = tmp_path / "compare.png"
        out.screenshot(path=str(shot))
        # a chart's PNG: the browser downloads it
        with page.expect_download(timeout=30_000) as got:
            out.get_by_role("button", name="PNG").first.click()
        download = got.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        browser.close()
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    assert download.suggested_filename in ("accuracy.png", "loss.png")
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
