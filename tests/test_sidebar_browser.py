"""The JupyterLab Team sidebar end to end: bob's and alice's real JupyterLab servers against a
real team server, bob's browser is headless Debian chromium driven by playwright. The panel
lists alice's resources without her owner-only actions, Attach mounts, Download produces
the file, Download to folder asks where and downloads there, Logs follow a running
experiment, and Open lands in alice's session as a visitor under the GitHub banner."""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from contextlib import ExitStack, closing
from pathlib import Path

import pytest
from jupyter_harness import JupyterProcess, visit

from jupyter_grid_collab import track
from jupyter_grid_collab.client import NotFound

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
SCREENSHOT = REPO / "docs" / "img" / "sidebar.png"
INSTALLED = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyter-grid-collab"
TAG = uuid.uuid4().hex[:6]
BANNER = (
    "You are visiting alice's session (full access: code you run here runs as alice) — "
    "git here uses alice's GitHub identity (alice-gh)"
)


VIEW_BANNER = (
    "You are visiting alice's session (view only: no kernels, terminals or edits) "
    "— git here uses alice's GitHub identity (alice-gh)"
)


def _lab(
    team, user: str, home: Path, name: str | None = None, visitors: str | None = None
) -> JupyterProcess:
    lab = JupyterProcess(user, team, home, name or f"{user}-lab-{TAG}", app="lab")
    if visitors:
        lab.extra_env["GRID_SESSION_VISITORS"] = visitors
    # no news or update toasts over the page
    settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    lab.extra_env["JUPYTERLAB_SETTINGS_DIR"] = str(home / "lab-settings")
    return lab.start()


@pytest.fixture(scope="module")
def world(sqlite_server, tmp_path_factory):
    """alice's lab with a datastore and a running run (an artifact, log lines); bob's lab
    and a running run of his own."""
    if not (INSTALLED / "package.json").exists():
        pytest.fail(
            f"the sidebar is not installed at {INSTALLED}: build it with "
            "`cd labextension && npm ci && npm run build:prod`, then "
            "`pip install -e .`"
        )
    root = tmp_path_factory.mktemp("sidebar")
    data = root / "cars"
    data.mkdir()
    (data / "cars.csv").write_text("make,year\nvolvo,1999\n")
    (root / "model.txt").write_text("weights of alice's model\n")
    with ExitStack() as stack:
        alice = stack.enter_context(sqlite_server.client("alice"))
        bob = stack.enter_context(sqlite_server.client("bob"))
        alice.me()
        bob.me()
        alice.upload_datastore(f"cars-{TAG}", data)
        alice_run = track.start_run(f"train-{TAG}", {"lr": 0.1}, client=alice)
        alice_run.log_file(root / "model.txt", "model.txt")
        alice_run.log_text("epoch 1 loss 0.9")
        bob_run = track.start_run(f"mine-{TAG}", {"lr": 0.2}, client=bob)
        labs = [
            _lab(sqlite_server, "alice", root / "alice"),
            _lab(sqlite_server, "bob", root / "bob"),
        ]
        stack.callback(lambda: [lab.stop() for lab in labs])
        yield {
            "alice_lab": labs[0],
            "bob_lab": labs[1],
            "alice_run": alice_run,
            "bob_run": bob_run,
            "tmp": root,
        }
        for run in (alice_run, bob_run):
            run.end()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser, world):
    """bob's JupyterLab with the Team panel shown through its keyboard shortcut."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    yield team_panel(context, world["bob_lab"])
    context.close()


def team_panel(context, lab: JupyterProcess, tree: str = ""):
    """A new page of ``lab`` (in a workspace of its own; its file browser in the folder
    ``tree``, as a link to ``lab/tree/<folder>`` opens it) with the Team panel shown
    through its keyboard shortcut and alice's run listed."""
    page = context.new_page()
    where = f"/tree/{tree}" if tree else ""
    page.goto(f"{lab.url}lab/workspaces/{uuid.uuid4().hex}{where}?token={lab.token}")
    page.locator(".jp-LabShell").wait_for(timeout=60_000)
    page.locator("#jp-main-dock-panel").click()
    page.keyboard.press("Alt+Shift+T")
    page.locator(".jp-GridCollab-panel").wait_for(state="visible", timeout=30_000)
    row(page, "run", "alice", f"train-{TAG}").wait_for(timeout=30_000)
    return page


def row(page, kind: str, owner: str, name: str):
    return page.locator(
        f".jp-GridCollab-panel .jp-GridCollab-row[data-kind={kind}]"
        f"[data-owner={owner}][data-name='{name}']"
    )


def actions_of(locator) -> list[str]:
    return locator.locator(".jp-GridCollab-action").evaluate_all(
        "nodes => nodes.map(n => n.dataset.action)"
    )


def message(page) -> str:
    return page.locator(".jp-GridCollab-message").inner_text()


def experiment_row(page, owner: str, run: str, index: int = 0):
    """The row of a run's experiment, expanding the run (once) if it is not open yet:
    each test finds its rows whatever ran before it."""
    run_row = row(page, "run", owner, run)
    run_row.wait_for(timeout=30_000)
    if run_row.locator(".jp-GridCollab-expand").inner_text() == "▸":
        run_row.locator(".jp-GridCollab-expand").click()
    exp_row = row(page, "experiment", owner, f"{run}-exp{index}")
    exp_row.wait_for(timeout=30_000)
    return exp_row


def shown_after_refresh(page, kind: str, owner: str, name: str):
    """A row made after the panel loaded, once Refresh has fetched it. (A name holding TAG
    passes the search box whatever an earlier test typed there.)"""
    page.locator(".jp-GridCollab-refresh").click()
    found = row(page, kind, owner, name)
    found.wait_for(timeout=30_000)
    return found


def test_panel_lists_a_teammates_resources_without_owner_actions(page, world):
    alice_session = row(page, "session", "alice", f"alice-lab-{TAG}")
    alice_run = row(page, "run", "alice", f"train-{TAG}")
    alice_data = row(page, "datastore", "alice", f"cars-{TAG}")
    mine = row(page, "run", "bob", f"mine-{TAG}")
    for locator in (alice_session, alice_run, alice_data, mine):
        locator.wait_for(timeout=30_000)
    # alice's rows: what any teammate may do, never stop / pause / resume / delete
    assert actions_of(alice_session) == ["open"]
    assert actions_of(alice_run) == ["fetch", "clone", "compare"]
    assert actions_of(alice_data) == ["attach"]
    assert "alice-gh" in alice_session.inner_text()
    # bob's own running run offers Stop and Delete
    assert actions_of(mine) == ["fetch", "clone", "compare", "stop", "delete"]
    # the team: members with roles, and the balance
    team = page.locator(".jp-GridCollab-team[data-team=vision]")
    assert "balance" in team.inner_text()
    assert team.locator("[data-username=alice] .jp-GridCollab-role").inner_text() == "owner"
    assert team.locator("[data-username=carol] .jp-GridCollab-role").inner_text() == "admin"
    # search narrows every section; the mine scope drops alice's rows
    page.locator(".jp-GridCollab-search").fill(f"cars-{TAG}")
    assert page.locator(".jp-GridCollab-row").count() == 1
    page.locator(".jp-GridCollab-search").fill(TAG)
    page.locator(".jp-GridCollab-scope").select_option("mine")
    mine.wait_for(timeout=30_000)
    alice_run.wait_for(state="detached", timeout=30_000)
    page.locator(".jp-GridCollab-scope").select_option("team")
    alice_run.wait_for(timeout=30_000)


def test_attach_a_teammates_datastore_mounts_it(page, world):
    row(page, "datastore", "alice", f"cars-{TAG}").locator(
        ".jp-GridCollab-action[data-action=attach]"
    ).click()
    mounted = world["bob_lab"].datastore_root / f"cars-{TAG}"
    page.locator(".jp-GridCollab-message", has_text="Mounted").wait_for(timeout=60_000)
    assert f"Mounted alice:cars-{TAG}@1 at {mounted}" in message(page)
    assert (mounted / "cars.csv").read_text() == "make,year\nvolvo,1999\n"
    # the README's picture: refreshed only when asked, so a test run leaves the tree clean
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), clip={"x": 0, "y": 0, "width": 760, "height": 800})


def test_download_an_artifact_in_the_browser(page, world):
    exp_row = experiment_row(page, "alice", f"train-{TAG}")
    assert "stop" not in actions_of(exp_row)
    # one artifact: the browser downloads it at once
    with page.expect_download(timeout=60_000) as download:
        exp_row.locator(".jp-GridCollab-action[data-action=download]").click()
    saved = world["tmp"] / "downloaded-model.txt"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "model.txt"
    assert saved.read_text() == "weights of alice's model\n"


def test_download_to_folder_asks_where_whatever_folder_the_file_browser_shows(browser, world):
    """Download to folder asks for a base folder (grid_artifacts first) and shows where the
    files will land before anything starts; Cancel downloads nothing; the folder typed is
    used, under the owner and the run, and never the folder the file browser last showed
    (a link or a reload can leave it anywhere)."""
    lab = world["bob_lab"]
    browsed = lab.root / f"browsed-{TAG}"
    browsed.mkdir()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = team_panel(context, lab, tree=browsed.name)
        # (the file browser is behind the Team panel: its path is there, hidden)
        page.locator(".jp-FileBrowser-crumbs", has_text=browsed.name).wait_for(
            state="attached", timeout=30_000
        )
        fetch = row(page, "run", "alice", f"train-{TAG}").locator(
            ".jp-GridCollab-action[data-action=fetch]"
        )
        dialog = page.locator(".jp-Dialog")
        field = dialog.locator(".jp-GridCollab-folderInput")
        landing = dialog.locator(".jp-GridCollab-folderLanding")

        # asked first, with the default and where it leads; Cancel: nothing downloaded
        fetch.click()
        field.wait_for(timeout=30_000)
        assert field.input_value() == "grid_artifacts"
        assert landing.inner_text() == f"Files land in grid_artifacts/alice/train-{TAG}/"
        dialog.locator(".jp-mod-reject").click()
        dialog.wait_for(state="detached", timeout=30_000)
        page.wait_for_timeout(1000)  # time enough for a download that should not start
        assert not (lab.root / "grid_artifacts").exists()
        assert list(browsed.iterdir()) == []
        assert "Download" not in message(page)

        # a folder of the user's own: shown as typed, then used (Enter confirms)
        fetch.click()
        field.fill(f"picked-{TAG}")
        assert landing.inner_text() == f"Files land in picked-{TAG}/alice/train-{TAG}/"
        field.press("Enter")
        page.locator(".jp-GridCollab-message", has_text="Downloaded").wait_for(timeout=60_000)
        landed = lab.root / f"picked-{TAG}" / "alice" / f"train-{TAG}" / f"train-{TAG}-exp0"
        assert (landed / "model.txt").read_text() == "weights of alice's model\n"
        assert f"into picked-{TAG}/alice/train-{TAG}/train-{TAG}-exp0/model.txt" in message(page)
        assert list(browsed.iterdir()) == []
        assert not (lab.root / "grid_artifacts").exists()
    finally:
        context.close()


def test_logs_follow_a_running_experiment(page, world, sqlite_server):
    # a running run of alice's that only this test writes to and ends
    name = f"live-{TAG}-{uuid.uuid4().hex[:4]}"
    with sqlite_server.client("alice") as alice:
        alice.me()
        live = track.start_run(name, {"lr": 0.3}, client=alice)
        try:
            live.log_text("epoch 1 loss 0.9")
            shown_after_refresh(page, "run", "alice", name)
            exp_row = experiment_row(page, "alice", name)
            exp_row.locator(".jp-GridCollab-action[data-action=logs]").click()
            logs = page.locator(".jp-GridCollab-logs:visible .jp-GridCollab-logsText")
            logs.filter(has_text="epoch 1 loss 0.9").wait_for(timeout=30_000)
            # a line written while the viewer is open arrives without a click
            live.log_text("epoch 2 loss 0.5")
            logs.filter(has_text="epoch 2 loss 0.5").wait_for(timeout=30_000)
        finally:
            live.end()
    page.locator(".jp-GridCollab-logsState:visible", has_text="succeeded").wait_for(timeout=30_000)


def test_open_lands_in_the_teammates_session_as_a_visitor_with_the_banner(page, world):
    session_row = row(page, "session", "alice", f"alice-lab-{TAG}")
    session_row.locator(".jp-GridCollab-action[data-action=open]").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=30_000)
    # the GitHub identity warning comes before anything opens
    assert "git there uses alice's GitHub identity (alice-gh)" in dialog.inner_text()
    with page.context.expect_page(timeout=30_000) as opened:
        dialog.locator(".jp-mod-accept").click()
    visit = opened.value
    banner = visit.locator("#grid-collab-visitor-banner")
    banner.wait_for(timeout=60_000)
    assert visit.url.startswith(world["alice_lab"].url + "lab")
    assert banner.inner_text() == BANNER
    me = visit.evaluate("""async () => {
        const r = await fetch(document.baseURI.split('lab')[0] + 'api/me');
        return (await r.json()).identity; }""")
    assert me["username"] == "bob" and me["visitor"] is True
    # in alice's session bob is still bob, within the visit: her rows there offer him no
    # Stop, and the sidebar offers what a visit allows (read, download, attach)
    visit.locator(".jp-SideBar [data-id=grid-collab-team]").click()
    inside = row(visit, "session", "alice", f"alice-lab-{TAG}")
    inside.wait_for(timeout=30_000)
    assert actions_of(inside) == []
    assert actions_of(row(visit, "datastore", "alice", f"cars-{TAG}")) == ["attach"]
    visit.close()


def test_a_view_only_session_says_what_a_visitor_may_do_before_and_after_opening(
    page, world, sqlite_server
):
    """alice lets visitors of a second session only view: bob's sidebar says so on its row
    and in the Open dialog, the banner in her session says so, and there his sidebar offers
    nothing that writes into the session and her server starts no kernel for him."""
    name = f"alice-view-{TAG}"
    lab = _lab(sqlite_server, "alice", world["tmp"] / "alice-view", name, visitors="view")
    try:
        page.locator(".jp-GridCollab-refresh").click()
        session_row = row(page, "session", "alice", name)
        session_row.wait_for(timeout=30_000)
        assert "visitors: view only" in session_row.inner_text()
        assert (
            "visitors: full access"
            in row(page, "session", "alice", f"alice-lab-{TAG}").inner_text()
        )
        session_row.locator(".jp-GridCollab-action[data-action=open]").click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for(timeout=30_000)
        said = dialog.inner_text()
        assert "view-only" in said and "not start kernels, open terminals or change files" in said
        assert "runs as" not in said
        with page.context.expect_page(timeout=30_000) as opened:
            dialog.locator(".jp-mod-accept").click()
        visit = opened.value
        banner = visit.locator("#grid-collab-visitor-banner")
        banner.wait_for(timeout=60_000)
        assert visit.url.startswith(lab.url + "lab")
        assert banner.inner_text() == VIEW_BANNER
        visit.locator(".jp-SideBar [data-id=grid-collab-team]").click()
        inside = row(visit, "datastore", "alice", f"cars-{TAG}")
        inside.wait_for(timeout=30_000)
        assert actions_of(inside) == []  # no Attach: it would mount into alice's session
        status = visit.evaluate("""async () => {
            const xsrf = document.cookie.match(/_xsrf=([^;]+)/)[1];
            const r = await fetch(document.baseURI.split('lab')[0] + 'api/kernels', {
                method: 'POST', headers: {'X-XSRFToken': xsrf}, body: '{}'});
            return r.status; }""")
        assert status == 403
        visit.wait_for_timeout(2000)  # (JupyterLab saves its layout meanwhile: refused)
        assert visit.locator(".jp-Dialog").count() == 0, "an error dialog popped up"
        if os.environ.get("UPDATE_SCREENSHOTS"):
            visit.screenshot(path=str(SCREENSHOT.with_name("visitor-view.png")))
        visit.close()
    finally:
        lab.stop()


def test_a_visitors_lab_page_does_not_carry_the_owners_token(sqlite_server, world):
    """JupyterLab writes the server's token into its pages; with it a visitor's browser
    would act as the owner (the sidebar's Open showed it: the visit turned into alice)."""
    alice_lab = world["alice_lab"]
    browser, landing, _ = visit(sqlite_server, "carol", "alice", f"alice-lab-{TAG}")
    with closing(browser):
        assert landing.status_code == 302
        page = browser.get(alice_lab.url + "lab")
        assert page.status_code == 200
        assert alice_lab.token not in page.text
        assert browser.get(alice_lab.url + "api/me").json()["identity"]["username"] == "carol"
    # the owner's own page still has what it had
    with alice_lab.owner_client() as owner:
        assert alice_lab.token in owner.get("lab").text


def test_clone_a_teammates_run_then_stop_and_delete_my_own(page, world, sqlite_server):
    # Clone on alice's run: a run of bob's with her parameters
    row(page, "run", "alice", f"train-{TAG}").locator(
        ".jp-GridCollab-action[data-action=clone]"
    ).click()
    page.locator(".jp-GridCollab-message", has_text="Cloned").wait_for(timeout=30_000)
    clone_name = message(page).split('"')[1]
    with sqlite_server.client("bob") as bob:
        clone, _ = bob.run(f"bob:{clone_name}")
        assert clone.owner == "bob" and clone.params == {"lr": 0.1}
        assert clone.cloned_from == f"alice:train-{TAG}"
        # Stop on a running run of bob's own (this test's, so the others keep theirs)
        doomed = f"doomed-{TAG}-{uuid.uuid4().hex[:4]}"
        track.start_run(doomed, {"lr": 0.2}, client=bob)
        mine = shown_after_refresh(page, "run", "bob", doomed)
        mine.locator(".jp-GridCollab-action[data-action=stop]").click()
        page.locator(".jp-GridCollab-message", has_text=f"Stopped run bob:{doomed}").wait_for(
            timeout=30_000
        )
        assert bob.run(f"bob:{doomed}")[0].status == "cancelled"
        # Delete asks first: Cancel keeps the run, Delete removes it
        mine.locator(".jp-GridCollab-action[data-action=delete]").click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for(timeout=30_000)
        assert "It cannot be undone" in dialog.inner_text()
        dialog.locator(".jp-mod-reject").click()
        dialog.wait_for(state="detached", timeout=30_000)
        assert bob.run(f"bob:{doomed}")[0].name == doomed
        mine.locator(".jp-GridCollab-action[data-action=delete]").click()
        page.locator(".jp-Dialog .jp-mod-accept").click()
        mine.wait_for(state="detached", timeout=30_000)
        with pytest.raises(NotFound):
            bob.run(f"bob:{doomed}")
