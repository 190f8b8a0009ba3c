"""The extension's job table keeps running jobs and only the newest finished ones; jobs run
on a bounded pool of workers."""

import threading
import time

import pytest

from jupyter_grid_collab.extension.jobs import JobRunner, JobTable, new_job, progress_of


@pytest.fixture
def runner():
    made = JobRunner(max_workers=1)
    yield made
    made.shutdown()


def _wait_settled(*jobs) -> None:
    deadline = time.monotonic() + 10
    while any(j["state"] == "running" for j in jobs) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_running_jobs_stay_and_only_the_newest_finished_ones_are_kept():
    table = JobTable(keep_finished=2)
    running = {"id": "r", "state": "running"}
    table.add(running)
    finished = [{"id": f"f{i}", "state": "done"} for i in range(4)]
    for job in finished:
        table.add(job)
    assert table.get("r") is running  # however old, a running job is never dropped
    assert [table.get(f"f{i}") for i in range(4)] == [None, None, finished[2], finished[3]]
    # a job that finishes later counts from the next add on
    running["state"] = "failed"
    table.add({"id": "new", "state": "running"})
    assert table.get("r") is None and table.get("f2") is not None and len(table) == 3


def test_a_started_job_ends_done_or_failed_with_its_message(runner):
    table = JobTable(runner)
    release = threading.Event()
    ok = new_job(bytes_total=3)

    def work() -> None:
        release.wait(10)
        progress_of(ok)(3)

    assert table.start(ok, work)["state"] == "running"  # as it started
    release.set()
    bad = new_job()

    def fails() -> None:
        raise OSError(28, "No space left on device")

    table.start(bad, fails)
    _wait_settled(ok, bad)
    assert ok["state"] == "done" and ok["bytes_done"] == 3
    assert bad["state"] == "failed" and "No space left on device" in bad["error"]


def test_jobs_beyond_the_pool_wait_their_turn(runner):
    """One worker: a second job starts only once the first is over, however many come."""
    table = JobTable(runner)
    second_started = threading.Event()
    seen_while_first_ran: list[bool] = []

    def first() -> None:
        # were the pool unbounded, the second job would start meanwhile and set the event
        seen_while_first_ran.append(second_started.wait(1.0))

    one, two = new_job(), new_job()
    table.start(one, first)
    table.start(two, second_started.set)
    _wait_settled(one, two)
    assert seen_while_first_ran == [False]
    assert one["state"] == two["state"] == "done" and second_started.is_set()


def test_a_bug_in_a_job_still_ends_it(runner):
    """A job whose work fails unexpectedly ends failed (a poller never waits forever),
    saying only that it was an internal error."""
    table = JobTable(runner)
    job = new_job()

    def broken() -> None:
        raise KeyError("secret-detail")

    table.start(job, broken)
    _wait_settled(job)
    assert job["state"] == "failed"
    assert "internal error" in job["error"] and "secret-detail" not in job["error"]
