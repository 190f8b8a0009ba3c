"""What a new user tripped on in `grid` (issue 14, items 3 and 4): tables that cut names,
references and URLs at 80 columns, and errors that did not name the way forward. The real
``grid`` against a real team server of this module's own, so every row of every table
is one these tests made."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
from teamserver_harness import TeamServerProcess, seeded_server
from test_cli import GRID, grid, ok, refused

from jupyter_grid_collab._version import __version__
from jupyter_grid_collab.cli.suggest import Known, Typed, nearest

LONG_RUN = "lr-too-high-for-this-model-sweep"
LONG_DATASTORE = "imagenet-validation-subset-2024"
ALICE_URL = "http://127.0.0.1:54321/user/alice/lab"
BOB_URL = "http://127.0.0.1:54322/user/bob/lab"
NARROW = {"COLUMNS": "80"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[TeamServerProcess]:
    """The team vision with long names in every listing: alice's and bob's runs named
    LONG_RUN, carol's long-train, sessions with real-looking URLs, a long datastore name."""
    with seeded_server(tmp_path_factory.mktemp("papercuts")) as srv:
        with srv.client("alice") as alice, srv.client("bob") as bob, srv.client("carol") as carol:
            for client in (alice, bob, carol):
                client.me()
            alice.create_run("python train.py", {"lr": [0.1, 1.0]}, name=LONG_RUN)
            alice.create_run("python train.py", {"lr": [0.1]}, name="mnist-sweep")
            bob.create_run("python train.py", {"lr": [10.0]}, name=LONG_RUN)
            carol.create_run("python train.py", {"epochs": [100]}, name="long-train")
            alice.register_session("alice-lab", url=ALICE_URL)
            bob.register_session("bob-lab", url=BOB_URL)
            data = tmp_path_factory.mktemp("data") / "labels.csv"
            data.write_text("cat,1\n")
            alice.upload_datastore(LONG_DATASTORE, data)
            alice.upload_datastore("cars", data)
        yield srv


def narrow(server: TeamServerProcess, user: str, *args: str) -> str:
    """`grid ARGS` as ``user`` in an 80-column terminal: its table, checked to cut nothing."""
    out = ok(grid(server, user, *args, env=NARROW))
    assert "…" not in out, out
    assert max(len(line) for line in out.splitlines()) <= 80, out
    return out


def header(table: str) -> str:
    """The header row of a rich table (the line after its top border)."""
    return table.splitlines()[1]


# ----------------------------------------------------------------- 80-column tables
def test_history_and_status_at_80_columns_show_run_names_whole(server):
    # When bob lists the team's runs and his own in an 80-column terminal
    team_history = narrow(server, "bob", "history", "--global")
    team_status = narrow(server, "bob", "status", "--global")
    own = narrow(server, "bob", "history")
    detail = narrow(server, "bob", "status", f"alice:{LONG_RUN}")
    # Then every run name is whole, next to its owner, and the lower-value columns went
    for table in (team_history, team_status):
        assert LONG_RUN in table and "mnist-sweep" in table and "long-train" in table
        assert "Created By" in header(table) and "carol" in table
        assert "Created At" not in header(table) and "Duration" not in header(table)
    assert LONG_RUN in own and "Run" in header(own)
    # And a run's experiments keep their full names; the command wraps, never cut
    assert f"{LONG_RUN}-exp0" in detail and f"{LONG_RUN}-exp1" in detail
    assert "train.py" in detail and "0.1" in detail


def test_sessions_at_80_columns_show_names_and_urls_whole(server):
    mine = narrow(server, "bob", "session")
    team = narrow(server, "bob", "session", "--global")
    hers = narrow(server, "bob", "session", "--global", "alice")
    assert "bob-lab" in mine and BOB_URL in mine
    assert "alice-lab" in team and ALICE_URL in team and "bob-lab" in team and BOB_URL in team
    assert "Instance Type" not in header(team) and "Created By" in header(team)
    assert "alice-lab" in hers and ALICE_URL in hers and "bob-lab" not in hers


def test_datastores_and_teams_at_80_columns_show_names_whole(server):
    team = narrow(server, "bob", "datastore", "--global")
    hers = narrow(server, "bob", "datastore", "alice")
    assert LONG_DATASTORE in team and "cars" in team and "alice" in team
    assert LONG_DATASTORE in hers
    teams = narrow(server, "bob", "teams")
    members = narrow(server, "bob", "teams", "vision")
    assert "vision" in teams
    for who in ("alice", "bob", "carol"):
        assert who in members
    assert "alice@example.com" in members  # dropped or whole, never cut: here it fits


def test_a_table_too_narrow_for_its_names_prints_each_row_as_lines(monkeypatch, capsys):
    # Given a terminal narrower than one session's name and URL together
    from jupyter_grid_collab.cli.tables import Column, emit_table

    monkeypatch.setenv("COLUMNS", "60")
    url = "http://127.0.0.1:54321/user/alice/lab?token=0123456789abcdef"
    # When the table is printed
    emit_table(
        [Column("Session"), Column("URL"), Column("Duration", drop=1)],
        [["a-session-with-a-rather-long-name", url, "3m 02s"], ["eda", "-", "1s"]],
        empty="No sessions.",
    )
    # Then each row is a block of "Header: value" lines, every value whole
    out = capsys.readouterr().out
    assert f"URL:      {url}\n" in out
    assert "Session:  a-session-with-a-rather-long-name\n" in out
    assert "Duration: 3m 02s\n\nSession:  eda\n" in out


def test_a_narrow_table_drops_columns_lowest_rank_first(monkeypatch, capsys):
    from jupyter_grid_collab.cli.tables import Column, emit_table

    monkeypatch.setenv("COLUMNS", "50")
    emit_table(
        [Column("Name"), Column("Created At", drop=1), Column("Size", drop=2)],
        [[LONG_DATASTORE, "2026-11-27 00:26:10", "1.0 MB"]],
        empty="none",
    )
    out = capsys.readouterr().out
    assert LONG_DATASTORE in out and "Size" in out and "Created At" not in out


def test_the_width_rule_is_what_rich_draws(monkeypatch, capsys):
    # Given a table's columns and the width tables.py reckons they take whole
    from jupyter_grid_collab.cli.tables import Column, emit_table, needs, table_width

    columns = [Column("Run"), Column("Status", drop=1), Column("Command", wrap=True)]
    row = [LONG_RUN, "failed (exit 1)", "python train.py --lr 0.1"]
    exact = table_width(needs(c, [cell]) for c, cell in zip(columns, row, strict=True))
    # When the terminal is exactly that wide, Then every column shows, filling it
    monkeypatch.setenv("COLUMNS", str(exact))
    emit_table(columns, [row], empty="none")
    drawn = capsys.readouterr().out
    assert "Status" in drawn and LONG_RUN in drawn and "failed (exit 1)" in drawn
    assert max(len(line) for line in drawn.splitlines()) == exact
    # And one column narrower drops the status rather than cut anything
    monkeypatch.setenv("COLUMNS", str(exact - 1))
    emit_table(columns, [row], empty="none")
    narrower = capsys.readouterr().out
    assert "Status" not in narrower and LONG_RUN in narrower and "…" not in narrower


def test_cells_are_text_not_rich_markup(monkeypatch, capsys):
    # a teammate's command may hold "[bold]": it is shown as typed
    from jupyter_grid_collab.cli.tables import Column, emit_table

    monkeypatch.setenv("COLUMNS", "80")
    emit_table([Column("Command", wrap=True)], [["python t.py --x [bold]y"]], empty="none")
    assert "--x [bold]y" in capsys.readouterr().out


# ----------------------------------------------------------------- did you mean
def test_a_run_bob_lacks_but_carol_has_is_suggested(server):
    said = refused(grid(server, "bob", "stop", "run", "long-train"))
    assert said == ("Error: no run bob:long-train in your teams; did you mean carol:long-train?"), (
        said
    )


def test_a_misspelt_run_suggests_the_close_name(server):
    said = refused(grid(server, "bob", "status", "carol:long-trian"))
    assert "no run carol:long-trian in your teams" in said
    assert said.endswith("did you mean carol:long-train?"), said


def test_logs_suggest_the_reference_as_it_was_typed(server):
    # a bare run name means its first experiment; the suggestion is written the same way
    as_run = refused(grid(server, "bob", "logs", "long-train"))
    as_experiment = refused(grid(server, "bob", "logs", "long-train-exp0"))
    no_such_number = refused(grid(server, "bob", "logs", "long-train-exp5"))
    assert "no experiment bob:long-train-exp0" in as_run
    assert as_run.endswith("did you mean carol:long-train?"), as_run
    assert as_experiment.endswith("did you mean carol:long-train-exp0?"), as_experiment
    assert "did you mean" not in no_such_number, no_such_number


def test_two_owners_of_the_name_are_both_suggested(server):
    said = refused(grid(server, "carol", "delete", "run", LONG_RUN, "--yes"))
    assert f"no run carol:{LONG_RUN} in your teams; did you mean " in said, said
    assert f"alice:{LONG_RUN}" in said and f"bob:{LONG_RUN}" in said, said


def test_sessions_and_datastores_suggest_teammates_of_the_name(server):
    session = refused(grid(server, "bob", "session", "pause", "alice-lab"))
    datastore = refused(grid(server, "bob", "datastore", "delete", "cars", "--yes"))
    assert "no session bob:alice-lab in your teams; did you mean alice:alice-lab?" in session
    assert "no datastore bob:cars" in datastore and datastore.endswith("did you mean alice:cars?")


def test_artifacts_of_a_run_bob_lacks_suggest_carols(server, tmp_path):
    said = refused(grid(server, "bob", "artifacts", "long-train", "--download-dir", str(tmp_path)))
    assert said.endswith("did you mean carol:long-train?"), said
    assert not any(tmp_path.iterdir())


def test_nothing_close_keeps_the_servers_words(server):
    said = refused(grid(server, "bob", "stop", "run", "zzz-unrelated"))
    assert said == "Error: no run bob:zzz-unrelated in your teams", said


def test_an_unknown_user_is_said_to_be_one(server):
    unknown = refused(grid(server, "bob", "logs", "nosuchuser:x"))
    typo = refused(grid(server, "bob", "logs", "alcie:mnist-sweep"))
    outsider = refused(grid(server, "dave", "logs", "alice:mnist-sweep"))
    assert unknown == (
        "Error: no user 'nosuchuser' in your teams: `grid teams vision` lists its members"
    ), unknown
    assert typo == "Error: no user 'alcie' in your teams; did you mean alice?", typo
    # to dave, in another team, alice is no teammate: nothing of hers is revealed
    assert outsider.startswith("Error: no user 'alice' in your teams"), outsider


def test_a_missing_experiment_is_called_an_experiment(server):
    said = refused(grid(server, "bob", "artifacts", "alice:mnist-sweep-exp9"))
    assert "no experiment alice:mnist-sweep-exp9 in your teams" in said, said
    assert "no run" not in said


def test_nearest_ranks_the_same_name_first_then_close_names():
    typed = Typed("run", "bob", "long-train")
    known = [
        Known("long-trains", "bob", "bob:long-trains"),
        Known("long-train", "carol", "carol:long-train"),
        Known("long-train", "bob", "bob:long-train"),  # what was typed: never suggested
        Known("long-trian", "alice", "alice:long-trian"),
        Known("long-trian", "bob", "bob:long-trian"),
        Known("eval", "alice", "alice:eval"),
    ]
    assert nearest(typed, known) == ["carol:long-train", "bob:long-trains", "bob:long-trian"]


# ----------------------------------------------------------------- session stop
def test_session_stop_says_pause_or_delete(server):
    result = grid(server, "bob", "session", "stop", "alice:alice-lab")
    assert result.returncode == 2, result
    said = refused(result)
    assert "grid session pause alice:alice-lab" in said
    assert "grid session delete alice:alice-lab" in said
    assert "No such command" not in said


# ----------------------------------------------------------------- --version, Ctrl-C
def test_version():
    result = grid(None, None, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"grid, version {__version__}"


def _start(server: TeamServerProcess, user: str, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_")}
    env.update(GRID_URL=server.url, GRID_API_KEY=server.keys[user])
    env["GRID_HOME"] = os.environ["GRID_HOME"]
    return subprocess.Popen(
        [GRID, *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a test run in the background may inherit SIGINT ignored; Ctrl-C must reach grid
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _interrupt_once(proc: subprocess.Popen, stream_has: str, stream) -> tuple[str, str]:
    """Wait until ``stream`` shows ``stream_has`` (the command is waiting), then Ctrl-C a
    moment later, as a person would: a SIGINT that lands between input()'s prompt and its
    read is only seen once the read returns, and the read waits for a line that never
    comes."""
    seen: list[str] = []
    ready = threading.Event()

    def read() -> None:
        while chunk := stream.read(1):
            seen.append(chunk)
            if stream_has in "".join(seen):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), "".join(seen)
        time.sleep(1)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(10)
    other = proc.stderr if stream is proc.stdout else proc.stdout
    return "".join(seen), other.read()


def test_ctrl_c_on_logs_follow_exits_130_quietly(server):
    # Given alice's running experiment that bob follows
    with server.client("alice") as alice:
        alice.me()
        alice.create_run("python train.py", {"lr": [0.5]}, name="followed")
        alice.report_status("followed-exp0", "running")
        alice.append_logs("followed-exp0", ["epoch 1"])
    proc = _start(server, "bob", "logs", "alice:followed", "--follow")
    # When he presses Ctrl-C while it waits for more
    stdout, stderr = _interrupt_once(proc, "epoch 1\n", proc.stdout)
    # Then it ends with the shell's Ctrl-C status, saying nothing more
    assert proc.returncode == 130, (stdout, stderr)
    assert "Aborted!" not in stderr and "Traceback" not in stderr, stderr
    assert stdout == "epoch 1\n"


def test_ctrl_c_at_a_prompt_exits_130_quietly(server):
    with server.client("bob") as bob:
        bob.me()
        bob.create_run("python train.py", {"lr": [0.5]}, name="to-keep")
    proc = _start(server, "bob", "delete", "run", "to-keep")
    stderr, _ = _interrupt_once(proc, "[y/N]: ", proc.stderr)
    assert proc.returncode == 130, stderr
    assert "Aborted!" not in stderr and "Traceback" not in stderr, stderr
    with server.client("bob") as bob:
        bob.me()
        assert bob.run("to-keep")[0].name == "to-keep"


def test_answering_no_at_a_prompt_is_still_aborted(server):
    result = grid(server, "bob", "delete", "run", LONG_RUN, input="n\n")
    assert result.returncode == 1 and "Aborted!" in result.stderr
