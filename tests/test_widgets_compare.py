"""TeamPanel's Compare view against a real team server, with ipywidgets' dummy comm (no
browser): two owners' runs in one sorted table and one chart per metric, a point logged while
they run shown at the next poll, polling that ends when they have finished, mistakes shown as
messages, and the table saved as CSV without overwriting a file silently."""

from __future__ import annotations

import asyncio
import time
import uuid

import ipywidgets as w
import pytest
from test_widgets import buttons, panel_for, row_with

from jupyter_grid_collab.client import AsyncGridClient
from jupyter_grid_collab.widgets import TeamPanel
from jupyter_grid_collab.widgets.compare_view import CompareView

HOSTILE = '<img src=x onerror="alert(1)">'


def run_until(loop, ready, timeout: float = 20.0, what: str = "") -> None:
    """Run the kernel's loop (the view's polling with it) until ``ready()``, at most
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        loop.run_until_complete(asyncio.sleep(0.05))


def close(panel: TeamPanel, loop) -> None:
    panel.close()
    loop.run_until_complete(asyncio.sleep(0.05))  # let the cancelled tasks end


def shown_refs(view: CompareView) -> list[str]:
    assert view.comparison is not None
    return [r.ref for r in view.comparison.rows]


def cell_texts(view: CompareView) -> list[list[str]]:
    return [[c.value for c in row] for row in view._cells]


def header_buttons(view: CompareView) -> dict[str, w.Button]:
    return {b.description.rstrip(" ▲▼"): b for b in view.table.children if isinstance(b, w.Button)}


@pytest.fixture
def sweeps(sqlite_server):
    """alice's sweep of two learning rates and bob's run of the same name, all running (as a
    notebook's tracked runs are until they report), each with a loss curve and an accuracy;
    bob's loss diverges. Bob's run carries a param that is markup."""
    name = f"sweep-{uuid.uuid4().hex[:6]}"
    alice, bob = sqlite_server.client("alice"), sqlite_server.client("bob")
    alice.me(), bob.me()
    alice.create_run("notebook", {"lr": [0.05, 0.5], "note": "ok"}, name=name, tracked=True)
    bob.create_run("notebook", {"lr": 50.0, "note": HOSTILE}, name=name, tracked=True)
    curves = {
        ("alice", 0): [1.0, 0.6, 0.4, 0.3],
        ("alice", 1): [1.0, 0.3, 0.1, 0.05],
        ("bob", 0): [1.0, 30.0, 900.0, 27000.0],
    }
    for (owner, idx), losses in curves.items():
        client = alice if owner == "alice" else bob
        points = [{"name": "loss", "value": v, "step": s} for s, v in enumerate(losses)]
        points.append({"name": "acc", "value": 1 / losses[-1], "step": 3})
        client.append_metrics(f"{owner}:{name}-exp{idx}", points)
    yield name, alice, bob
    alice.close()
    bob.close()


def finish_all(name: str, alice, bob) -> None:
    for client, ref in (
        (alice, f"{name}-exp0"),
        (alice, f"{name}-exp1"),
        (bob, f"{name}-exp0"),
    ):
        client.report_status(ref, "succeeded", exit_code=0)


def test_two_owners_runs_in_one_sorted_table_and_a_chart_per_metric(sqlite_server, sweeps, loop):
    name, alice, bob = sweeps
    # Given carol's panel / When she compares alice's and bob's runs of the same name
    panel = panel_for(sqlite_server, "carol", loop)
    assert panel.compare(f"alice:{name}", f"bob:{name}") is panel
    view = panel.compare_view
    run_until(loop, lambda: view.comparison is not None, what="the first answer")
    # Then the Compare tab shows them, in the order named
    assert panel.tabs.selected_index == panel.tabs.children.index(view)
    assert panel.tabs.get_title(panel.tabs.selected_index) == "Compare (2)"
    exp = [f"alice:{name}-exp0", f"alice:{name}-exp1", f"bob:{name}-exp0"]
    assert shown_refs(view) == exp
    comparison = view.comparison
    assert comparison is not None
    # the params that differ (lr, note), each metric's last, min and max
    assert comparison.header() == [
        "experiment",
        "status",
        "lr",
        "note",
        "acc",
        "acc min",
        "acc max",
        "loss",
        "loss min",
        "loss max",
    ]
    cells = cell_texts(view)
    assert [row[0].rsplit("</span> ", 1)[1] for row in cells] == exp
    assert [row[1] for row in cells] == ["running"] * 3
    assert cells[2][7] == "2.7e+04"
    # a teammate's markup is shown as text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in cells[2][3]
    assert HOSTILE not in " ".join(c for row in cells for c in row)

    # When she sorts by the last loss (the dropdown)
    view.sort.value = "loss"
    assert shown_refs(view) == [exp[1], exp[0], exp[2]]
    assert "0.05" in cell_texts(view)[0][7]
    # and by clicking a header: lowest max first, then again for highest first
    header_buttons(view)["loss max"].click()
    assert (view.sort.value, view.descending.value) == ("loss:max", False)
    header_buttons(view)["loss max"].click()
    assert (view.sort.value, view.descending.value) == ("loss:max", True)
    assert shown_refs(view)[0] == exp[2]
    assert header_buttons(view)["loss max"].description == "loss max ▼"
    # a param sorts too
    view.sort_by("lr", descending=True)
    assert shown_refs(view) == [exp[2], exp[1], exp[0]]

    # And one chart per metric, one line per experiment, labelled owner:experiment
    charts = view.charts.charts
    assert set(charts) == {"acc", "loss"}
    assert [c.metric for c in view.charts.box.children] == ["acc", "loss"]
    loss = charts["loss"]
    assert loss.figure.title == "loss"
    assert [line.labels[0] for line in loss.figure.marks] == exp
    lines = {line.labels[0]: line for line in loss.figure.marks}
    assert list(lines[exp[1]].x) == [0, 1, 2, 3]
    assert list(lines[exp[1]].y) == pytest.approx([1.0, 0.3, 0.1, 0.05])
    assert list(lines[exp[2]].y) == pytest.approx([1.0, 30.0, 900.0, 27000.0])  # diverging
    # the same colour for an experiment in every chart and beside its row
    acc_colors = {line.labels[0]: line.colors[0] for line in charts["acc"].figure.marks}
    assert acc_colors == {r: lines[r].colors[0] for r in exp}
    assert len(set(acc_colors.values())) == 3
    # a log y axis keeps alice's curves readable beside bob's
    view.charts.log_y.value = True
    assert type(loss.y_scale).__name__ == "LogScale"
    assert all(line.scales["y"] is loss.y_scale for line in loss.figure.marks)
    assert "browser" in view.charts.note.value  # PNG and SVG: who saves them
    close(panel, loop)


def test_a_point_logged_while_running_appears_and_polling_ends_when_finished(
    sqlite_server, sweeps, loop
):
    name, alice, bob = sweeps
    panel = panel_for(sqlite_server, "bob", loop)
    view = panel.compare_view
    view.interval = 0.3
    panel.compare(f"alice:{name}-exp1", name)  # alice's experiment and bob's own run
    run_until(loop, lambda: view.comparison is not None, what="the first answer")
    assert shown_refs(view) == [f"alice:{name}-exp1", f"bob:{name}-exp0"]
    assert view.polling and "2 running: updating every 0.3 s" in view.status_line.value

    def alices_loss() -> list[float]:
        line = view.charts.charts["loss"].lines[f"alice:{name}-exp1"]
        return list(line.y)

    # When alice logs a point while it runs
    alice.append_metrics(f"{name}-exp1", [{"name": "loss", "value": 0.01, "step": 4}])
    # Then it shows up at a next poll, in the chart and in the table
    run_until(loop, lambda: len(alices_loss()) == 5, what="alice's new point")
    assert alices_loss()[-1] == pytest.approx(0.01)
    row = shown_refs(view).index(f"alice:{name}-exp1")
    assert cell_texts(view)[row][view.comparison.header().index("loss min")] == "0.01"
    # When all of them have finished / Then the view stops asking
    finish_all(name, alice, bob)
    run_until(loop, lambda: not view.polling, what="polling to stop")
    assert "all finished" in view.status_line.value
    assert [r.status for r in view.comparison.rows] == ["succeeded", "succeeded"]
    close(panel, loop)


def test_unticking_live_and_closing_stop_polling(sqlite_server, sweeps, loop):
    name, _, _ = sweeps
    panel = panel_for(sqlite_server, "bob", loop)
    view = panel.compare_view
    panel.compare(f"alice:{name}")
    run_until(loop, lambda: view.comparison is not None and view.polling, what="polling")
    view.live.value = False
    assert not view.polling
    view.live.value = True
    run_until(loop, lambda: view.polling, what="live on again")
    panel.close()
    assert not view.polling
    loop.run_until_complete(asyncio.sleep(0.05))


def test_ticking_rows_in_the_runs_tab(sqlite_server, sweeps, loop):
    name, _, _ = sweeps
    panel = panel_for(sqlite_server, "carol", loop)
    view = panel.compare_view

    def tick(row: w.Box) -> w.Checkbox:
        return next(c for c in row.children[0].children if isinstance(c, w.Checkbox))

    alices = row_with(panel.runs, f"<b>{name}</b> · alice")
    tick(alices).value = True
    run_until(loop, lambda: view.comparison is not None, what="alice's run compared")
    assert [str(r) for r in view.refs] == [f"alice:{name}"]
    assert panel.tabs.get_title(2) == "Compare (1)"
    # one of bob's experiments, from its expanded run
    bobs = row_with(panel.runs, f"<b>{name}</b> · bob")
    buttons(bobs)["▸"].click()
    run_until(loop, lambda: bool(bobs.children[1].children), what="bob's experiments")
    exp_row = bobs.children[1].children[0]
    next(c for c in exp_row.children if isinstance(c, w.Checkbox)).value = True
    run_until(loop, lambda: len(view.refs) == 2 and len(view.experiments) == 3, what="bob's")
    # removed in the view (its chip): the row's tick goes too
    chips = {b.description: b for b in view.picked.children}
    chips[f"alice:{name} ✕"].click()
    assert tick(alices).value is False and [str(r) for r in view.refs] == [f"bob:{name}-exp0"]
    run_until(loop, lambda: len(view.experiments) == 1, what="alice's gone")
    assert set(view.charts.charts["loss"].lines) == {f"bob:{name}-exp0"}
    close(panel, loop)


def test_mistakes_are_messages_not_tracebacks(sqlite_server, sweeps, loop):
    name, _, _ = sweeps
    panel = panel_for(sqlite_server, "bob", loop)
    view = panel.compare_view
    # a run that does not exist: named, and left out; the good one is compared
    view.add_text.value = f"alice:no-such-run, alice:{name}"
    view.add_button.click()
    run_until(loop, lambda: view.comparison is not None, what="alice's run")
    assert "no run alice:no-such-run" in view.message.value
    assert [str(r) for r in view.refs] == [f"alice:{name}"]
    assert view.add_text.value  # kept, to correct it
    # a malformed reference
    view.add("alice:Not A Name!")
    run_until(loop, lambda: "Not A Name" in view.message.value, what="the reference error")
    assert "Traceback" not in view.message.value
    # an outsider gets the same answer as for a run that does not exist
    dave = panel_for(sqlite_server, "dave", loop)
    dave.compare(f"alice:{name}")
    run_until(loop, lambda: "no run" in dave.compare_view.message.value, what="dave's 404")
    assert f"no run alice:{name}" in dave.compare_view.message.value
    assert dave.compare_view.refs == [] and dave.compare_view.comparison is None
    # the team server out of reach while comparing: said, and tried again
    view.interval = 0.2
    view.client = AsyncGridClient("http://127.0.0.1:9", "gck_x")
    view.reload()
    run_until(loop, lambda: "cannot reach" in view.message.value, what="unreachable")
    assert "Trying again every 0.2 s" in view.message.value and view.polling
    view.client = panel.client
    run_until(loop, lambda: view.message.value == "", what="back again")
    close(panel, loop)
    close(dave, loop)


def test_download_csv_writes_the_table_and_never_overwrites_silently(
    sqlite_server, sweeps, loop, tmp_path, monkeypatch
):
    name, _, _ = sweeps
    monkeypatch.chdir(tmp_path)  # the kernel's folder: the notebook's
    panel = panel_for(sqlite_server, "bob", loop)
    view = panel.compare_view
    view.export.save()
    assert "Nothing to save yet" in view.message.value
    panel.compare(f"alice:{name}", f"bob:{name}")
    run_until(loop, lambda: view.comparison is not None, what="the table")
    view.sort_by("loss")
    view.export.name.value = "sweeps"
    view.export.button.click()
    path = tmp_path / "sweeps.csv"
    assert path.read_text() == view.comparison.to_csv()
    lines = path.read_text().splitlines()
    assert lines[0] == "experiment,status,lr,note,acc,acc min,acc max,loss,loss min,loss max"
    assert lines[1].startswith(f"alice:{name}-exp1,running,0.5,ok,")  # sorted as shown
    assert str(path) in view.message.value
    # the same name again: asked, not overwritten
    path.write_text("mine")
    view.export.button.click()
    assert path.read_text() == "mine"
    assert "already exists" in view.message.value and view.export.overwrite.layout.display == ""
    view.export.overwrite.click()
    assert path.read_text() == view.comparison.to_csv()
    assert view.export.overwrite.layout.display == "none"
    # a name that is not a file's
    view.export.name.value = "../up.csv"
    view.export.button.click()
    assert "is not a file name" in view.message.value
    assert not (tmp_path.parent / "up.csv").exists()
    close(panel, loop)
