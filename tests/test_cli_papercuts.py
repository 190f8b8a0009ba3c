"""What a new user tripped on in `grid` (issue 14, items 3 and 4): tables that cut names,
references and URLs at 80 columns, and errors that did not name the way forward. The real
``grid`` against a real team server of this module's own, so every row of every table
is one these tests made."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from teamserver_harness import TeamServerProcess, seeded_server
from test_cli import grid, ok

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
