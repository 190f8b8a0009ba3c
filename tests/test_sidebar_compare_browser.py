"""The sidebar's Compare end to end: a real team server, bob's real JupyterLab with the
extension, headless Debian chromium driven by playwright. Two teammates' runs (the same
name, alice's and bob's) picked together in the Team panel open one Compare tab: a table of
both experiments sorted by a click on a header, a loss chart with a series for each, a point
logged while they run showing up in both, CSV and PNG exports (the CSV the same as
`grid metrics -o csv` writes), the theme followed, a 404 said in the tab; and the time it
takes to draw 20 series of 500 points, printed."""

from __future__ import annotations

import csv
import io
import os
import random
import re
import shutil
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
from test_sidebar_browser import INSTALLED, _lab, row

from jupyter_grid_collab.compare import compare

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
REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = REPO / "docs" / "img" / "sidebar-compare.png"
TAG = uuid.uuid4().hex[:6]
SWEEP = f"sweep-{TAG}"
VIEW_CSS = ".jp-GridCollab-compare"  # one Compare tab per page in these tests
VIEW = f"{VIEW_CSS}:visible"
TABLE = f"{VIEW} .jp-GridCollab-compareTable"  # (uPlot's legends are tables too)
# live updates: the view reads every 1.5 s; a point must show well within this
LIVE_DEADLINE_S = 15


def _loss(start: float, steps: range) -> list[dict]:
    return [{"name": "loss", "value": start / (1 + s), "step": s} for s in steps]


@pytest.fixture(scope="module")
def world(sqlite_server, tmp_path_factory):
    """alice's and bob's tracked runs of the same name, running, 10 loss points each (and
    bob's lab)."""
    if not (INSTALLED / "package.json").exists():
        pytest.fail(f"the sidebar is not installed at {INSTALLED}: see test_sidebar_browser.py")
    root = tmp_path_factory.mktemp("compare")
    with ExitStack() as stack:
        alice = stack.enter_context(sqlite_server.client("alice"))
        bob = stack.enter_context(sqlite_server.client("bob"))
        alice.me()  # bare references below are the caller's own
        bob.me()
        alice.create_run("notebook", {"lr": 0.1, "epochs": 10}, name=SWEEP, tracked=True)
        bob.create_run("notebook", {"lr": 0.3, "epochs": 10}, name=SWEEP, tracked=True)
        alice.append_metrics(f"{SWEEP}-exp0", _loss(0.9, range(10)))
        bob.append_metrics(f"{SWEEP}-exp0", _loss(1.5, range(10)))
        lab = _lab(sqlite_server, "bob", root / "bob", f"bob-lab-{TAG}")
        stack.callback(lab.stop)
        yield {"alice": alice, "bob": bob, "lab": lab, "tmp": root}


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, world):
    """bob's JupyterLab, a workspace of its own, the Team panel shown with both runs."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    lab = world["lab"]
    page = context.new_page()
    page.goto(f"{lab.url}lab/workspaces/{uuid.uuid4().hex}?token={lab.token}")
    page.locator(".jp-LabShell").wait_for(timeout=60_000)
    page.locator("#jp-main-dock-panel").click()
    page.keyboard.press("Alt+Shift+T")
    page.locator(".jp-GridCollab-panel").wait_for(state="visible", timeout=30_000)
    row(page, "run", "alice", SWEEP).wait_for(timeout=30_000)
    yield page
    context.close()


def table_refs(page) -> list[str]:
    return page.locator(f"{TABLE} tbody tr").evaluate_all("rows => rows.map(r => r.dataset.ref)")


def cell(page, ref: str, column: str) -> str:
    """The text of ``ref``'s row under the header ``column``."""
    headers = page.locator(f"{TABLE} thead th").evaluate_all(
        "ths => ths.map(th => th.dataset.column)"
    )
    return (
        page.locator(f"{TABLE} tbody tr[data-ref='{ref}'] td")
        .nth(headers.index(column))
        .inner_text()
    )


def chart(page, metric: str):
    return page.locator(f"{VIEW} .jp-GridCollab-chart[data-metric='{metric}']")


def test_compare_two_teammates_runs_follows_them_and_exports(page, world, sqlite_server):
    alice, bob = world["alice"], world["bob"]
    a_ref, b_ref = f"alice:{SWEEP}-exp0", f"bob:{SWEEP}-exp0"
    theirs = row(page, "run", "alice", SWEEP)
    mine = row(page, "run", "bob", SWEEP)
    mine.wait_for(timeout=30_000)

    # Given: both runs picked, alice's with a click and bob's with Ctrl and a click
    theirs.locator(".jp-GridCollab-name").click()
    mine.locator(".jp-GridCollab-name").click(modifiers=["Control"])
    compare_button = mine.locator(".jp-GridCollab-action[data-action=compare]")
    assert compare_button.inner_text() == "Compare 2"
    assert "jp-mod-selected" in (theirs.get_attribute("class") or "")

    # When: Compare
    compare_button.click()

    # Then: one tab, both teammates' rows, the params that differ, one chart of two series
    page.locator(f"{TABLE} tbody tr").nth(1).wait_for(timeout=30_000)
    assert sorted(table_refs(page)) == [a_ref, b_ref]
    headers = page.locator(f"{TABLE} thead th").evaluate_all(
        "ths => ths.map(t => t.dataset.column)"
    )
    assert headers == ["experiment", "status", "lr", "loss", "loss min", "loss max"]
    assert cell(page, a_ref, "lr") == "0.1" and cell(page, b_ref, "lr") == "0.3"
    assert cell(page, a_ref, "loss") == "0.09"  # 0.9 / 10, four digits as grid metrics prints
    loss = chart(page, "loss")
    loss.wait_for(timeout=30_000)
    assert page.locator(f"{VIEW} .jp-GridCollab-chart").count() == 1
    assert loss.get_attribute("data-series") == "2"
    assert loss.get_attribute("data-points") == "20"
    legend = loss.locator(".u-legend .u-series .u-label").all_inner_texts()
    assert legend[0] == "step" and sorted(legend[1:]) == [a_ref, b_ref]  # in the list's order
    assert (
        "following (2 running)" in page.locator(f"{VIEW} .jp-GridCollab-compareState").inner_text()
    )

    # a click on a header sorts by it, lowest first; a second click, highest first
    page.locator(f"{TABLE} th[data-column='loss max'] button").click()
    assert table_refs(page) == [a_ref, b_ref]  # 0.9 < 1.5
    page.locator(f"{TABLE} th[data-column='loss max'] button").click()
    assert table_refs(page) == [b_ref, a_ref]
    assert page.locator(f"{TABLE} th[data-column='loss max']").get_attribute("aria-sort") == (
        "descending"
    )

    # a point logged while they run reaches the table and the chart without a click
    start = time.monotonic()
    alice.append_metrics(f"{SWEEP}-exp0", [{"name": "loss", "value": 0.0123, "step": 10}])
    page.wait_for_function(
        """([view, ref]) => {
            const row = document.querySelector(`${view} tbody tr[data-ref='${ref}']`);
            const chart = document.querySelector(`${view} .jp-GridCollab-chart`);
            return row && row.innerText.includes('0.0123') && chart.dataset.points === '21';
        }""",
        arg=[VIEW_CSS, a_ref],
        timeout=LIVE_DEADLINE_S * 1000,
    )
    print(f"\nlive update: a point logged showed in {time.monotonic() - start:.1f} s")
    assert cell(page, a_ref, "loss min") == "0.0123"

    # CSV: the table as shown (sorted), the same bytes as compare.py writes for it
    with page.expect_download(timeout=30_000) as download:
        page.locator(f"{VIEW} .jp-GridCollab-csv").click()
    saved = world["tmp"] / "compare.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename.endswith(".csv")
    theirs_csv = (
        compare(bob.metrics([f"alice:{SWEEP}", f"bob:{SWEEP}"], max_points=0))
        .sorted_by("loss:max", descending=True)
        .to_csv()
    )
    assert saved.read_text() == theirs_csv
    assert next(csv.reader(io.StringIO(theirs_csv))) == [
        "experiment",
        "status",
        "lr",
        "loss",
        "loss min",
        "loss max",
    ]

    # PNG: the chart with its title and legend, as an image file
    with page.expect_download(timeout=30_000) as download:
        loss.locator(".jp-GridCollab-png").click()
    png = world["tmp"] / "loss.png"
    download.value.save_as(png)
    assert download.value.suggested_filename == "loss.png"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 300 and height > 240

    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), clip={"x": 0, "y": 0, "width": 1400, "height": 780})

    # the charts follow the theme: drawn again in the dark theme's colours
    set_theme(page, "JupyterLab Dark")
    page.locator(f"{VIEW_CSS}[data-theme=dark]:visible").wait_for(timeout=30_000)
    chart(page, "loss").wait_for(timeout=30_000)
    assert chart(page, "loss").get_attribute("data-series") == "2"
    set_theme(page, "JupyterLab Light")
    page.locator(f"{VIEW_CSS}[data-theme=light]:visible").wait_for(timeout=30_000)

    # once both have finished the tab says so and stops reading
    alice.report_status(f"{SWEEP}-exp0", "succeeded")
    bob.report_status(f"{SWEEP}-exp0", "succeeded")
    state = page.locator(f"{VIEW} .jp-GridCollab-compareState.jp-mod-done")
    state.wait_for(timeout=LIVE_DEADLINE_S * 1000)
    assert "2 experiments — finished" in state.inner_text()
    pages = page.locator(VIEW).get_attribute("data-pages")
    page.wait_for_timeout(3500)  # two intervals: no read, no redraw
    assert page.locator(VIEW).get_attribute("data-pages") == pages


def set_theme(page, name: str) -> None:
    """Settings > Theme > ``name``, as a person picks it."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(name)}$")).click()


def test_a_reference_that_names_nothing_is_said_in_the_tab(page):
    """Compare from the palette on typed references; the team server's 404 (a run that is
    not there, or an outsider's) is the tab's message."""
    page.locator("#jp-main-dock-panel").click()
    page.keyboard.press("Control+Shift+C")
    palette = page.locator("#modal-command-palette .lm-CommandPalette-input")
    palette.fill("Compare Runs and Experiments")
    page.keyboard.press("Enter")
    field = page.locator(".jp-Dialog input")
    field.wait_for(timeout=30_000)
    field.fill(f"alice:{SWEEP} alice:nothing-{TAG}")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    state = page.locator(f"{VIEW} .jp-GridCollab-compareState.jp-mod-error")
    state.wait_for(timeout=30_000)
    assert f"no run alice:nothing-{TAG}" in state.inner_text()


# the Compare tab shown (a page may hold hidden ones from earlier in the test)
SHOWN = """v => [...document.querySelectorAll(v)].find(n => n.offsetParent !== null)"""


def draw_times(page, alice, name: str, points: int) -> tuple[float, float, int]:
    """Compare alice's run ``name`` of 20 experiments, ``points`` loss points each (on
    different steps for each, so the server's buckets keep different ones); the first
    answer's draw time, a later one's, and the chart's x values."""
    alice.create_run("notebook", {"seed": list(range(20))}, name=name, tracked=True)
    for e in range(20):
        rng = random.Random(e)
        values = [(1 + e) / (1 + s / 10) + rng.random() * 0.05 for s in range(points)]
        alice.append_metrics(
            f"{name}-exp{e}",
            [{"name": "loss", "value": v, "step": s} for s, v in enumerate(values)],
        )
    page.locator(".jp-GridCollab-refresh").click()
    big = row(page, "run", "alice", name)
    big.wait_for(timeout=30_000)
    big.locator(".jp-GridCollab-action[data-action=compare]").click()
    shown = f"({SHOWN})(v)"
    page.wait_for_function(
        f"v => {shown} && {shown}.dataset.firstDrawMs", arg=VIEW_CSS, timeout=60_000
    )
    loss = chart(page, "loss")
    assert loss.get_attribute("data-series") == "20"
    # the server keeps at most 500 a series (a bucket's lowest and highest may be one point)
    assert 20 * 400 <= int(loss.get_attribute("data-points")) <= 20 * min(points, 500)
    first = float(page.locator(VIEW).get_attribute("data-first-draw-ms"))
    # while they run the tab reads again: each answer is drawn into the same charts
    page.wait_for_function(f"v => Number({shown}.dataset.pages) >= 4", arg=VIEW_CSS, timeout=30_000)
    update = float(page.locator(VIEW).get_attribute("data-draw-ms"))
    for e in range(20):
        alice.report_status(f"{name}-exp{e}", "succeeded")
    return first, update, int(loss.get_attribute("data-steps"))


def test_time_to_draw_20_series_of_500_points(page, world):
    """The issue's target is 300 ms from the answer in hand to the charts drawn; printed,
    not asserted (a loaded 2-core machine is no benchmark): only a generous bound is."""
    alice = world["alice"]
    for label, name, points in (
        ("500 points each, the same steps", f"big-{TAG}", 500),
        ("5,000 points each cut to 500 by the server, on different steps", f"long-{TAG}", 5000),
    ):
        first, update, steps = draw_times(page, alice, name, points)
        load = os.getloadavg()
        print(
            f"\ndraw 20 series x 500 points ({label}; {steps} x values; table included), "
            f"answer in hand -> drawn: first {first:.1f} ms, a later answer {update:.1f} ms "
            f"(target 300 ms; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})"
        )
        assert first < 5000 and update < 5000
