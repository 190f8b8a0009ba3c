"""The extension's job table keeps running jobs and only the newest finished ones."""

from jupyter_grid_collab.extension.jobs import JobTable


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


def test_a_started_job_ends_done_or_failed_with_its_message():
    import threading
    import time

    from jupyter_grid_collab.extension.jobs import new_job, progress_of

    table = JobTable()
    release = threading.Event()
    ok = new_job(bytes_total=3)

    def work() -> None:
        release.wait(10)
        progress_of(ok)(3)

    assert table.start(ok, work, "t")["state"] == "running"  # as it started
    release.set()
    bad = new_job()

    def fails() -> None:
        raise OSError(28, "No space left on device")

    table.start(bad, fails, "t")
    deadline = time.monotonic() + 10
    while "running" in (ok["state"], bad["state"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ok["state"] == "done" and ok["bytes_done"] == 3
    assert bad["state"] == "failed" and "No space left on device" in bad["error"]
