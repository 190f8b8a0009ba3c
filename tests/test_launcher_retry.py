"""The launcher's patience (launcher_retry.Patience): which failures it retries, how long it
pauses, when it stops, and what it says.

The one stand-in in these tests: the clock. ``Patience`` reads ``time.monotonic`` and
sleeps with ``time.sleep``; the tests put a manual clock in place of the module's ``time``
(monkeypatch), whose sleep only moves the clock on. So a 120 s budget is tested in
microseconds and every pause is known exactly, with no timing assertion. The failing calls
are plain functions raising the GridError the client would raise for each answer; the
launcher's calls against a real team server are tested in test_run_truth.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jupyter_grid_collab import launcher_retry
from jupyter_grid_collab.client import GridError, NotFound, PermissionDenied, Unauthorized
from jupyter_grid_collab.launcher_retry import DEFAULT_BUDGET, FIRST_PAUSE, MAX_PAUSE, Patience

T0 = 1000.0
# the pauses the rules give: doubling from 0.5 s, capped at 10 s
GROWING = [0.5, 1.0, 2.0, 4.0, 8.0]


class ManualClock:
    """``monotonic`` and ``sleep`` of the time module; a sleep moves the clock on."""

    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, f"a pause of {seconds} s"
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> ManualClock:
    manual = ManualClock()
    monkeypatch.setattr(launcher_retry, "time", manual)
    return manual


@pytest.fixture
def said() -> list[str]:
    return []


@pytest.fixture
def patience(said) -> Patience:
    return Patience(log=said.append)


def answers(clock: ManualClock, *script, takes: float = 0.0) -> Callable[[], str]:
    """A call that answers from ``script`` in turn: an exception is raised, anything else
    returned; each attempt takes ``takes`` seconds (as a connect timeout would). Records
    when each attempt began in ``.started``."""
    left = list(script)
    started: list[float] = []

    def call() -> str:
        started.append(clock.now - T0)
        clock.now += takes
        answer = left.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    call.started = started  # type: ignore[attr-defined]
    return call


def unavailable(n: int) -> GridError:
    return GridError(f"team server answered 503 (#{n})", 503)


def test_the_rules_are_the_documented_ones():
    assert (FIRST_PAUSE, MAX_PAUSE, DEFAULT_BUDGET) == (0.5, 10.0, 120.0)


def test_transient_failures_are_retried_with_growing_capped_pauses(clock, patience, said):
    # Given a server that is unreachable, then answers 5xx, 429 and 408 for a while
    failures = [
        GridError("cannot reach the team server at http://127.0.0.1:9"),  # status None
        GridError("bad gateway", 502),
        unavailable(1),
        GridError("too many requests", 429),
        GridError("request timeout", 408),
        GridError("internal error", 500),
        unavailable(2),
    ]
    call = answers(clock, *failures, "stored")
    # When the launcher sends through its patience
    result = patience.call("sending log lines", call)
    # Then every failure was retried, each pause double the last up to 10 s, and the
    # answer that finally came is returned
    assert result == "stored"
    assert len(call.started) == len(failures) + 1
    assert clock.sleeps == [*GROWING, 10.0, 10.0]
    assert said == [
        "[grid launcher] sending log lines failed (cannot reach the team server at "
        "http://127.0.0.1:9); retrying for up to 120s",
        "[grid launcher] sending log lines succeeded after 8 attempts",
    ]


def test_it_stops_at_the_budget_and_reports_the_last_failure(clock, patience, said):
    # Given a server that answers 503 to everything
    call = answers(clock, *(unavailable(n) for n in range(1, 100)))
    # When the final status is reported through the launcher's patience
    with pytest.raises(GridError) as raised:
        patience.call("reporting the final status", call)
    # Then it tried for exactly the budget: pauses grow to 10 s, the last one shortened so
    # that the last attempt falls on the budget's end, and none after it
    assert clock.sleeps == [*GROWING, *[10.0] * 10, 4.5]
    assert clock.now - T0 == DEFAULT_BUDGET
    attempts = len(clock.sleeps) + 1
    assert len(call.started) == attempts and call.started[-1] == DEFAULT_BUDGET
    # ... and the failure it gives up with is the last one, raised and said
    assert raised.value.status == 503 and raised.value.message.endswith(f"(#{attempts})")
    assert said[-1] == (
        f"[grid launcher] gave up on reporting the final status after {attempts} "
        f"attempt(s): team server answered 503 (#{attempts})"
    )


def test_slow_failures_start_no_attempt_after_the_budget(clock, patience, said):
    # Given a server that never answers: each attempt waits 25 s for its timeout
    call = answers(clock, *(GridError(f"timed out (#{n})") for n in range(1, 100)), takes=25)
    with pytest.raises(GridError) as raised:
        patience.call("uploading an artifact", call)
    # Then attempts begin only within the budget, with the growing pauses between them;
    # the last one ends past it by at most one attempt's own time
    assert call.started == [0.0, 25.5, 51.5, 78.5, 107.5]
    assert clock.sleeps == GROWING[:4]
    assert clock.now - T0 == 132.5
    assert raised.value.message == "timed out (#5)"
    assert said[-1].startswith("[grid launcher] gave up on uploading an artifact after 5")


@pytest.mark.parametrize(
    "refusal",
    [
        GridError("malformed request", 400),
        Unauthorized("the API key expired"),
        PermissionDenied("alice cannot write logs of bob's experiment"),
        NotFound("no experiment alice:gone-exp0: it was deleted"),
        GridError("the experiment was cancelled", 409),
        GridError("team vision is at 50.0 GB of 50 GB", 413),
    ],
    ids=lambda e: str(e.status),
)
def test_a_refusal_that_will_not_change_is_never_retried(clock, patience, said, refusal):
    call = answers(clock, refusal, "never asked")
    with pytest.raises(GridError) as raised:
        patience.call("sending log lines", call)
    # one attempt, no pause; the refusal itself goes to the caller, which reports it
    assert raised.value is refusal
    assert len(call.started) == 1 and clock.sleeps == []
    assert not any("retrying" in line for line in said)


def test_a_refusal_after_transient_failures_ends_the_retries_and_is_said(clock, patience, said):
    # Given a server restarting (503) that, once back, says the experiment is gone
    gone = NotFound("no experiment alice:gone-exp0")
    call = answers(clock, unavailable(1), unavailable(2), gone, "never asked")
    with pytest.raises(GridError) as raised:
        patience.call("sending log lines", call)
    assert raised.value is gone
    assert len(call.started) == 3 and clock.sleeps == GROWING[:2]
    assert said[-1] == (
        "[grid launcher] gave up on sending log lines after 3 attempt(s): "
        "no experiment alice:gone-exp0"
    )


def test_once_the_server_failed_a_whole_budget_later_calls_try_once(clock, patience, said):
    # Given one call that spent the whole budget on a server that stays down
    down = answers(clock, *(unavailable(n) for n in range(1, 100)))
    with pytest.raises(GridError):
        patience.call("sending log lines", down)
    spent = clock.now
    # When the launcher's other calls meet the same server
    artifact = answers(clock, unavailable(100), "never asked")
    with pytest.raises(GridError):
        patience.call("uploading an artifact", artifact)
    # Then each tries once, so a launcher whose server is gone ends within about one
    # budget, not one per call
    assert len(artifact.started) == 1 and clock.now == spent
    assert said[-1] == (
        "[grid launcher] gave up on uploading an artifact after 1 attempt(s): "
        "team server answered 503 (#100)"
    )
    # ... until the server answers again: a success gives later calls their full patience
    assert patience.call("sending log lines", answers(clock, "stored")) == "stored"
    report = answers(clock, unavailable(101), unavailable(102), "reported")
    assert patience.call("reporting the final status", report) == "reported"
    assert len(report.started) == 3


def test_a_refusal_does_not_count_as_the_server_failing(clock, patience):
    # Given an artifact upload refused (the team's quota) while the script starts
    with pytest.raises(GridError):
        patience.call(
            "uploading an artifact", answers(clock, GridError("team vision is full", 413))
        )
    # ... and a script that then prints nothing for 10 minutes (no call succeeds meanwhile)
    clock.now += 600
    # When the final report meets a team server that is restarting
    report = answers(clock, unavailable(1), unavailable(2), "reported")
    # Then it still gets its patience: the refusal was an answer, the server was up
    assert patience.call("reporting the final status", report) == "reported"
    assert len(report.started) == 3
