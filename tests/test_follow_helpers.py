"""The shared loops every face follows things with: an experiment's log (``log_follow``), an
extension's background job (``job_poll``), a server getting ready (``readiness``) and a
listing's cursors (``paging``). The
faces' own tests run them against real servers (``grid logs``, ``grid session create``,
the panel); these pin the contract each face relies on."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from jupyter_grid_collab import job_poll, log_follow, paging, readiness


class FakeLogs:
    """A log of ``total`` lines that finishes after ``polls_to_finish`` long polls."""

    def __init__(self, total: int, polls_to_finish: int = 0):
        self.total, self.polls_left, self.calls = total, polls_to_finish, []

    def __call__(self, ref, offset=0, limit=None, tail=None, wait=None):
        self.calls.append({"offset": offset, "limit": limit, "tail": tail, "wait": wait})
        if wait is not None:
            self.polls_left -= 1
            self.total += 1  # a line arrives during the long poll
        start = max(0, self.total - tail) if tail is not None else offset
        end = self.total if limit is None else min(self.total, start + limit)
        finished = self.polls_left <= 0
        return {
            "lines": [f"line {i}" for i in range(start, end)],
            "next_offset": end,
            "status": "succeeded" if finished else "running",
            "finished": finished,
        }


def lines(pages) -> list[str]:
    return [line for page in pages for line in page["lines"]]


def test_logs_catch_up_page_by_page_without_following():
    read = FakeLogs(total=25, polls_to_finish=3)
    pages = list(log_follow.log_pages(read, "alice:r-exp0", limit=10))
    assert lines(pages) == [f"line {i}" for i in range(25)]
    assert all(call["wait"] is None for call in read.calls)  # no long poll without follow


def test_logs_follow_until_finished_and_end_with_the_status():
    read = FakeLogs(total=3, polls_to_finish=2)
    pages = list(log_follow.log_pages(read, "alice:r-exp0", tail=2, follow=True, wait=7))
    assert lines(pages) == ["line 1", "line 2", "line 3", "line 4"]
    assert pages[-1]["status"] == "succeeded"
    assert [c["wait"] for c in read.calls] == [None, 7, 7]


def test_logs_async_twin_reads_the_same_pages():
    async def read(ref, **kw):
        return sync(ref, **kw)

    async def collect():
        pages = log_follow.log_pages_async(read, "alice:r-exp0", tail=50, follow=True, limit=None)
        return [page async for page in pages]

    sync = FakeLogs(total=3, polls_to_finish=1)
    pages = asyncio.run(collect())
    assert lines(pages) == ["line 0", "line 1", "line 2", "line 3"]
    assert pages[-1]["finished"]


def states(*jobs):
    it = iter(jobs)
    return lambda job_id: dict(next(it), id=job_id)


def test_a_job_is_followed_to_its_end_reporting_each_running_state():
    seen = []
    first = {"id": "j1", "state": "running", "bytes_done": 0}
    fetch = states({"state": "running", "bytes_done": 5}, {"state": "done", "path": "/ds/x"})
    job = job_poll.follow_job(first, fetch, seen.append, interval=0)
    assert job["path"] == "/ds/x"
    assert [j["bytes_done"] for j in seen] == [0, 5]


def test_a_failed_job_raises_its_own_error_or_the_callers_words():
    fetch = states({"state": "failed", "error": "disk full"})
    with pytest.raises(job_poll.JobFailed, match="disk full"):
        job_poll.follow_job({"id": "j", "state": "running"}, fetch, interval=0)
    failed = {"id": "j", "state": "failed", "error": None}
    with pytest.raises(job_poll.JobFailed, match="the download failed"):
        asyncio.run(job_poll.follow_job_async(failed, None, failed="the download failed"))


def test_waiting_treats_not_listening_as_not_yet_and_returns_the_answer():
    answers = iter([httpx.ConnectError("refused"), None, "ready"])

    def probe():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert readiness.wait_until(probe, timeout=60, what="x", interval=0) == "ready"


def test_waiting_stops_when_asked():
    with pytest.raises(readiness.Stopped):
        readiness.wait_until(lambda: None, timeout=60, what="x", should_stop=lambda: True)


class FakeListing:
    """A listing of ``total`` numbers, newest first, ``cursor`` = where the next page starts."""

    def __init__(self, total: int, cap: int = 200):
        self.total, self.cap, self.asked = total, cap, []

    def __call__(self, cursor=None, limit=None, scope=None):
        from jupyter_grid_collab.models import Page

        assert scope == "team"  # the listing's own arguments pass through
        self.asked.append(limit)
        start = int(cursor or 0)
        end = min(self.total, start + min(limit or 50, self.cap))
        return Page(list(range(start, end)), str(end) if end < self.total else None)


def test_paging_follows_cursors_to_the_end():
    listing = FakeListing(total=120)
    assert list(paging.iter_items(listing, scope="team")) == list(range(120))
    assert listing.asked == [None, None, None]  # the server's page size


def test_paging_collects_up_to_a_limit_and_says_whether_more_exist():
    listing = FakeListing(total=500)
    items, more = paging.collect(listing, 450, scope="team")
    assert (items, more) == (list(range(450)), True)
    assert listing.asked == [200, 200, 50]  # the last page asks only for what is wanted
    assert paging.collect(FakeListing(total=30), 450, scope="team") == (list(range(30)), False)
