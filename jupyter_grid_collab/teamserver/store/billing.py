"""Credits: running sessions and experiments cost credits per hour by instance type.

Cost is charged in slices (on every state change and on a periodic tick), each slice
one ledger row, so the balance is never more than a tick behind. Every slice is a Decimal
to the millionth, and the balance moves by exactly the ledger row's amount (store/money.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from .. import schema as t
from ..errors import OutOfCredits
from .core import now
from .money import for_hours, post, shifted
from .runs import _run_query
from .sessions import _session_query

if TYPE_CHECKING:
    from .core import StoreCore

DEFAULT_PRICES = {
    "cpu-small": 0.5,
    "cpu-medium": 1.0,
    "cpu-large": 2.0,
    "gpu-t4": 4.0,
    "gpu-a100": 12.0,
}


class BillingRepository:
    """Credits: what running sessions and experiments cost, charged to their team's balance
    and ledger; ``prices`` maps an instance type to credits per hour."""

    def __init__(self, core: StoreCore, prices: dict[str, float]) -> None:
        self.core = core
        self.engine = core.engine
        self.prices = prices

    def _charge(
        self,
        conn,
        team_id: int,
        user_id: int,
        resource: str,
        instance_type: str,
        since: float | None,
        until: float,
    ) -> Decimal:
        if since is None or until <= since:
            return Decimal(0)
        amount = for_hours(self.prices.get(instance_type, 0.0), until - since)
        if amount <= 0:
            return Decimal(0)
        post(
            conn,
            team_id,
            -amount,
            user_id=user_id,
            kind="usage",
            resource=resource,
            note=f"{instance_type} for {until - since:.0f}s",
            created_at=until,
        )
        return amount

    def charge_session(self, conn, row, until: float) -> None:
        if row.status != "running":
            return
        amount = self._charge(
            conn,
            row.team_id,
            row.owner_id,
            f"session {row.owner}:{row.name}",
            row.instance_type,
            row.charged_until,
            until,
        )
        conn.execute(
            t.sessions.update()
            .where(t.sessions.c.id == row.id)
            .values(charged_until=until, cost=shifted(t.sessions.c.cost, amount))
        )

    def charge_experiment(self, conn, exp, run, until: float) -> None:
        if exp.status != "running":
            return
        amount = self._charge(
            conn,
            run.team_id,
            run.owner_id,
            f"experiment {run.owner}:{run.name}-exp{exp.idx}",
            run.instance_type,
            exp.charged_until,
            until,
        )
        conn.execute(
            t.experiments.update().where(t.experiments.c.id == exp.id).values(charged_until=until)
        )
        conn.execute(
            t.runs.update().where(t.runs.c.id == run.id).values(cost=shifted(t.runs.c.cost, amount))
        )

    def refund_experiment(self, conn, exp, run, since: float, until: float) -> None:
        """Give back what ``exp`` was charged for ``since``..``until``: its script had ended
        at ``since``, but the record could be written only at ``until`` (its launcher could
        not report), and the ticks between went on charging it."""
        amount = for_hours(self.prices.get(run.instance_type, 0.0), max(0.0, until - since))
        if amount <= 0:
            return
        post(
            conn,
            run.team_id,
            amount,
            # a usage row that gives back (the API's kinds are credit and usage)
            user_id=run.owner_id,
            kind="usage",
            resource=f"experiment {run.owner}:{run.name}-exp{exp.idx}",
            note=f"refund: {run.instance_type} for {until - since:.0f}s after its script ended",
            created_at=until,
        )
        conn.execute(
            t.runs.update()
            .where(t.runs.c.id == run.id)
            .values(cost=shifted(t.runs.c.cost, -amount))
        )

    def accrue(self) -> None:
        """Charge every running session and experiment up to now (the periodic tick)."""
        ts = now()
        with self.engine.begin() as conn:
            for row in conn.execute(_session_query().where(t.sessions.c.status == "running")):
                self.charge_session(conn, row, ts)
            running = conn.execute(
                select(t.experiments).where(t.experiments.c.status == "running")
            ).all()
            runs = {}
            for exp in running:
                if exp.run_id not in runs:
                    runs[exp.run_id] = conn.execute(
                        _run_query().where(t.runs.c.id == exp.run_id)
                    ).one()
                self.charge_experiment(conn, exp, runs[exp.run_id], ts)

    def require_credit(self, conn, team_id: int, team_name: str) -> None:
        balance = conn.execute(select(t.teams.c.balance).where(t.teams.c.id == team_id)).scalar()
        if balance is None or balance <= 0:
            raise OutOfCredits(
                f"team {team_name!r} is out of credits (balance "
                f"{(balance or 0):.2f}); ask a site admin to add credits"
            )
