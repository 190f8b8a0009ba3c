"""Runs and experiments: list, create, stop, delete, clone, status reports, and logs.

Each route names its kind: /runs/... a run, /experiments/... one experiment; nothing here
guesses one from the other (a run name never ends in -exp<N>).

A session's server may do for its owner what a notebook needs (create, clone, track, stop and
delete the owner's own runs); for a visitor it may only read.
"""

from __future__ import annotations

import asyncio

from ...bodies import CloneRequest, ExperimentStatus, LogAppend, NewRun
from ...references import EXPERIMENT, RUN
from ..errors import Invalid, NotAllowed
from .base import READ, BaseHandler

MAX_WAIT = 30.0


class LogNotifier:
    """Wakes log followers of one experiment when lines or a status change arrive."""

    def __init__(self) -> None:
        self._events: dict[int, asyncio.Event] = {}

    def subscribe(self, experiment_id: int) -> asyncio.Event:
        """The event the next notify for this experiment sets (take it before re-reading)."""
        return self._events.setdefault(experiment_id, asyncio.Event())

    @staticmethod
    async def wait(event: asyncio.Event, timeout: float) -> None:
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def notify(self, experiment_id: int) -> None:
        event = self._events.pop(experiment_id, None)
        if event is not None:
            event.set()


class RunsHandler(BaseHandler):
    """GET lists runs by scope (status ``active`` = pending + running); POST creates a run."""

    session_access = frozenset({"GET", "POST"})
    visitor_access = READ

    async def get(self) -> None:
        self.send(
            await self.call(self.store.runs.list_runs_json, self.caller, **self.listing_args())
        )

    async def post(self) -> None:
        new = self.body(NewRun)
        out = await self.call(
            self.store.runs.create_run, self.caller, new, self.store.billing.prices
        )
        self.settings["on_run_created"](out)
        self.send(out, 201)


class RunHandler(BaseHandler):
    """GET a run with its experiments; DELETE it (creator or team admin)."""

    launcher_methods = READ
    session_access = frozenset({"GET", "DELETE"})
    session_owner_only = frozenset({"DELETE"})
    visitor_access = READ

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "run name")
        self.send(await self.call(self.store.runs.get_run, self.caller, owner, name))

    async def delete(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "run name")
        orphans, active = await self.call(self.store.runs.delete_run, self.caller, owner, name)
        self.settings["on_stop"](
            {"experiments": [{"id": i, "status": "cancelled"} for i in active]}
        )
        await self.call(self.settings["drop_blobs"], orphans)
        self.set_status(204)
        self.finish()


class RunActionHandler(BaseHandler):
    """POST stop | clone."""

    session_access = frozenset({"POST stop", "POST clone"})
    session_owner_only = frozenset({"POST stop"})
    action_route = True

    async def post(self, owner: str, name: str, action: str) -> None:
        owner, name = self.owner_and_name(owner, name, "run name")
        if action == "stop":
            out = await self.call(self.store.runs.stop_run, self.caller, owner, name)
            self.settings["on_stop"](out)
            self.send(out)
        elif action == "clone":
            out = await self.call(
                self.store.runs.clone_run,
                self.caller,
                RUN,
                owner,
                name,
                self.body(CloneRequest),
                self.store.billing.prices,
            )
            self.settings["on_run_created"](out)
            self.send(out, 201)
        else:
            raise Invalid(f"unknown run action {action!r}")


class ExperimentHandler(BaseHandler):
    """GET one experiment; DELETE it with its logs and artifacts."""

    launcher_methods = READ
    session_access = frozenset({"GET", "DELETE"})
    session_owner_only = frozenset({"DELETE"})
    visitor_access = READ

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "experiment name")
        self.send(await self.call(self.store.runs.get_experiment, self.caller, owner, name))

    async def delete(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "experiment name")
        orphans, active = await self.call(
            self.store.runs.delete_experiment, self.caller, owner, name
        )
        self.settings["on_stop"](
            {"experiments": [{"id": i, "status": "cancelled"} for i in active]}
        )
        await self.call(self.settings["drop_blobs"], orphans)
        self.set_status(204)
        self.finish()


class ExperimentActionHandler(BaseHandler):
    """POST stop | clone | status (the executor's progress report, or a tracked run's)."""

    launcher_methods = frozenset({"POST"})
    session_access = frozenset({"POST stop", "POST clone", "POST status"})
    session_owner_only = frozenset({"POST stop"})
    action_route = True

    async def post(self, owner: str, name: str, action: str) -> None:
        owner, name = self.owner_and_name(owner, name, "experiment name")
        if self.caller.is_launcher and action != "status":
            raise NotAllowed("an experiment token can only report on its own experiment")
        if action == "stop":
            out = await self.call(self.store.runs.stop_experiment, self.caller, owner, name)
            self.settings["on_stop"]({"experiments": [out]})
        elif action == "clone":
            out = await self.call(
                self.store.runs.clone_run,
                self.caller,
                EXPERIMENT,
                owner,
                name,
                self.body(CloneRequest),
                self.store.billing.prices,
            )
            self.settings["on_run_created"](out)
            self.send(out, 201)
            return
        elif action == "status":
            out = await self.call(
                self.store.runs.update_experiment,
                self.caller,
                owner,
                name,
                self.body(ExperimentStatus, allow_nul=True),
            )
        else:
            raise Invalid(f"unknown experiment action {action!r}")
        self.settings["log_notifier"].notify(out["id"])
        self.send(out)


class LogsHandler(BaseHandler):
    """GET lines from ``offset`` (``wait=N`` long-polls up to N s for new ones), or the last
    ``tail``; POST appends lines (the executor)."""

    launcher_methods = frozenset({"GET", "POST"})
    session_access = frozenset({"GET", "POST"})
    visitor_access = READ

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "experiment name")
        args = {k: self.get_query_argument(k, None) for k in ("offset", "limit", "tail")}
        try:
            wait = min(float(self.get_query_argument("wait", "0")), MAX_WAIT)
        except ValueError:
            raise Invalid("wait must be a number of seconds") from None
        out = await self.call(self.store.outputs.read_logs, self.caller, owner, name, **args)
        if wait > 0 and not out["lines"] and not out["finished"]:
            notifier = self.settings["log_notifier"]
            # subscribe, then read again: a line that arrived in between is not missed
            event = notifier.subscribe(out["experiment_id"])
            if args["tail"] is not None:
                args.update(offset=out["next_offset"], tail=None)
            out = await self.call(self.store.outputs.read_logs, self.caller, owner, name, **args)
            if not out["lines"] and not out["finished"]:
                await notifier.wait(event, wait)
                out = await self.call(
                    self.store.outputs.read_logs, self.caller, owner, name, **args
                )
        self.send(out)

    async def post(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "experiment name")
        out = await self.call(
            self.store.outputs.append_logs,
            self.caller,
            owner,
            name,
            self.body(LogAppend, allow_nul=True),
        )
        self.settings["log_notifier"].notify(out["experiment_id"])
        self.send(out)
