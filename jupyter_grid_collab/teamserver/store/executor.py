"""What the executor needs from the store: the queue of pending experiments, their launch
specs, experiment-scoped tokens, and status changes made by the system itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from ...models import experiment_name
from .. import schema as t
from ..errors import NotAuthenticated
from .core import Caller, hash_secret, new_secret, now
from .runs import FINISHED, _run_query

if TYPE_CHECKING:
    from .billing import BillingRepository
    from .core import StoreCore
    from .runs import RunRepository

#: after an experiment ends its launcher may still upload artifacts for this long
TOKEN_GRACE = 300.0


class LaunchRepository:
    """What the executor needs: experiments to launch, their tokens, and their status
    reported by the system rather than a member."""

    def __init__(self, core: StoreCore, runs: RunRepository, billing: BillingRepository) -> None:
        self.core = core
        self.engine = core.engine
        self.runs = runs
        self.billing = billing

    def authenticate_experiment(self, token: str) -> Caller:
        """An experiment token: the run owner's identity, narrowed to that one experiment."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(
                    t.experiments.c.id,
                    t.experiments.c.status,
                    t.experiments.c.finished_at,
                    t.runs.c.id.label("run_id"),
                    t.runs.c.owner_id,
                    t.runs.c.datastore_version_id,
                )
                .join(t.runs, t.runs.c.id == t.experiments.c.run_id)
                .where(t.experiments.c.token_hash == hash_secret(token))
            ).first()
            if row is None or (
                row.status in FINISHED and (row.finished_at or 0) + TOKEN_GRACE < now()
            ):
                raise NotAuthenticated("invalid or expired experiment token")
            user = conn.execute(
                select(t.users.c.id, t.users.c.username, t.users.c.site_admin).where(
                    t.users.c.id == row.owner_id
                )
            ).one()
            caller = self.core.caller_from_row(conn, user)
        caller.site_admin = False
        caller.experiment_id = row.id
        caller.run_id = row.run_id
        caller.datastore_version_id = row.datastore_version_id
        return caller

    def issue_experiment_token(self, experiment_id: int) -> str:
        token = new_secret("gce")
        with self.engine.begin() as conn:
            conn.execute(
                t.experiments.update()
                .where(t.experiments.c.id == experiment_id)
                .values(token_hash=hash_secret(token))
            )
        return token

    def pending_experiment_ids(self) -> list[int]:
        """Pending experiments, oldest first (the executor's queue after a restart)."""
        with self.engine.begin() as conn:
            return list(
                conn.execute(
                    select(t.experiments.c.id)
                    .where(t.experiments.c.status == "pending")
                    .order_by(t.experiments.c.id)
                ).scalars()
            )

    def launched_experiment_ids(self, status: str) -> list[int]:
        """Experiments in ``status`` that an executor launched (hand-tracked ones have no
        launcher token and are not the executor's business)."""
        with self.engine.begin() as conn:
            return list(
                conn.execute(
                    select(t.experiments.c.id).where(
                        and_(
                            t.experiments.c.status == status,
                            t.experiments.c.token_hash.is_not(None),
                        )
                    )
                ).scalars()
            )

    def launch_spec(self, experiment_id: int) -> dict[str, Any] | None:
        """Everything a launcher needs to run one experiment; None if it is gone."""
        with self.engine.begin() as conn:
            exp = conn.execute(
                select(t.experiments).where(t.experiments.c.id == experiment_id)
            ).first()
            if exp is None:
                return None
            run = conn.execute(_run_query().where(t.runs.c.id == exp.run_id)).one()
        return {
            "experiment_id": exp.id,
            "status": exp.status,
            "owner": run.owner,
            "team": run.team,
            "team_id": run.team_id,  # whose runner uid runs it
            "run": run.name,
            "experiment": experiment_name(run.name, exp.idx),
            "command": exp.command,
            "params": exp.params,
            "instance_type": run.instance_type,
            "datastore": run.datastore_ref,
            "source_sha256": run.source_sha256,
        }

    def system_set_status(
        self, experiment_id: int, status: str, *, ended_at: float | None = None, **extra: Any
    ) -> bool:
        """The executor changes an experiment's status; False if it already finished.
        ``ended_at``: when its script really ended, for a record written only later (its
        launcher could not report): the record ends then, and so does its bill."""
        with self.engine.begin() as conn:
            exp = conn.execute(
                select(t.experiments).where(t.experiments.c.id == experiment_id)
            ).first()
            if exp is None or exp.status in FINISHED:
                return False
            run = conn.execute(_run_query().where(t.runs.c.id == exp.run_id)).one()
            self.runs.set_experiment_status(conn, exp, run, status, **extra)
            if status in FINISHED and ended_at is not None:
                self._end_at(conn, experiment_id, ended_at)
            if status in FINISHED:
                self.core.audit(
                    conn,
                    None,
                    status,
                    f"experiment {run.owner}:{experiment_name(run.name, exp.idx)}",
                    run.team_id,
                    detail=extra.get("message"),
                )
        return True

    def _end_at(self, conn, experiment_id: int, ended_at: float) -> None:
        """Move a just-finished experiment's end back to ``ended_at``: give back what it was
        charged since (the status change and the ticks charged up to now), and end its run
        then too if this finished the run."""
        exp = conn.execute(select(t.experiments).where(t.experiments.c.id == experiment_id)).one()
        ended = max(ended_at, exp.started_at or ended_at)
        if exp.finished_at is None or ended >= exp.finished_at:
            return
        run = conn.execute(_run_query().where(t.runs.c.id == exp.run_id)).one()
        if exp.started_at is not None and exp.charged_until is not None:
            self.billing.refund_experiment(conn, exp, run, ended, exp.charged_until)
        conn.execute(
            t.experiments.update()
            .where(t.experiments.c.id == exp.id)
            .values(finished_at=ended, charged_until=ended)
        )
        if run.status in FINISHED:
            last = conn.execute(
                select(func.max(t.experiments.c.finished_at)).where(
                    t.experiments.c.run_id == run.id
                )
            ).scalar()
            conn.execute(t.runs.update().where(t.runs.c.id == run.id).values(finished_at=last))
