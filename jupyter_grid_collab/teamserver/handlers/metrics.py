"""Experiments' metrics: an experiment's executor appends points; teammates read them, one
experiment at a time or many runs' at once (a comparison), downsampled on the server."""

from __future__ import annotations

from ...bodies import MetricAppend
from .base import READ, BaseHandler


class ExperimentMetricsHandler(BaseHandler):
    """GET one experiment's metrics (``names``, ``max_points``); POST appends points (the
    run's executor, or a hand-tracked run's owner)."""

    launcher_methods = frozenset({"GET", "POST"})
    session_access = frozenset({"GET", "POST"})
    visitor_access = READ

    async def get(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "experiment name")
        args = {k: self.get_query_argument(k, None) for k in ("names", "max_points")}
        self.send(await self.call(self.store.metrics.read, self.caller, owner, name, **args))

    async def post(self, owner: str, name: str) -> None:
        owner, name = self.owner_and_name(owner, name, "experiment name")
        body = self.body(MetricAppend)
        self.send(await self.call(self.store.metrics.append, self.caller, owner, name, body))


class MetricsHandler(BaseHandler):
    """GET the metrics of several runs and experiments, by reference, in one answer."""

    visitor_access = READ
    session_access = frozenset({"GET"})

    async def get(self) -> None:
        args = {
            k: self.get_query_argument(k, None)
            for k in ("runs", "experiments", "names", "max_points")
        }
        self.send(await self.call(self.store.metrics.query, self.caller, **args))
