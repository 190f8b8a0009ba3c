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
