"""The team server's store: one repository per kind of record, composed here.

Each repository is handed the ones it uses (a run is paid for by billing, names a source
and a datastore; an artifact is found through its run), so what depends on what is written
in one place, below, and a repository can be built and tested with only its dependencies.
Every method is synchronous and runs on a worker thread (see ``app.py``).
"""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine

from .billing import DEFAULT_PRICES, BillingRepository
from .core import Caller, StoreCore, hash_secret
from .credentials import CredentialRepository
from .datastores import DatastoreRepository
from .executor import LaunchRepository
from .hub_mirror import HubMirrorRepository
from .metrics import MetricRepository
from .outputs import OutputRepository
from .quotas import QuotaRepository
from .runs import RunRepository
from .sessions import SessionRepository
from .sources import SourceRepository
from .teams import TeamRepository
from .visits import VisitRepository

__all__ = ["Store", "Caller", "DEFAULT_PRICES"]


class Store:
    """Every record operation of the team server, by kind: ``store.runs.list_runs(...)``."""

    def __init__(self, engine: Engine, secret_key: bytes, prices: dict[str, float] | None = None):
        self.engine = engine
        self.core = core = StoreCore(engine)
        self.quotas = QuotaRepository(core)
        self.billing = BillingRepository(core, dict(prices or DEFAULT_PRICES))
        self.credentials = CredentialRepository(core, Fernet(secret_key))
        self.sources = SourceRepository(core)
        self.datastores = DatastoreRepository(core)
        self.teams = TeamRepository(core, self.quotas)
        self.runs = RunRepository(core, self.billing, self.sources, self.datastores)
        self.outputs = OutputRepository(core, self.runs)
        self.metrics = MetricRepository(core, self.runs)
        self.sessions = SessionRepository(core, self.billing, self.credentials)
        self.visits = VisitRepository(core, self.sessions)
        self.launches = LaunchRepository(core, self.runs, self.billing)
        self.hub = HubMirrorRepository(core, self.visits, self.billing)

    def authenticate(self, api_key: str) -> Caller:
        """The Caller of a member's API key, or of an experiment's token (``gce_``: the run's
        owner narrowed to that experiment); NotAuthenticated otherwise, never echoing it."""
        if api_key.startswith("gce_"):
            return self.launches.authenticate_experiment(api_key)
        return self.core.authenticate(api_key)

    def remembered(self, api_key: str) -> Caller | None:
        """``authenticate``'s Caller for a member's key it saw in the last few seconds, from
        memory: no SQL, so the event loop may ask it and a request by a known caller takes
        no trip to the database threads for it. None: ask ``authenticate`` (experiment
        tokens are never cached)."""
        if api_key.startswith("gce_"):
            return None
        return self.core.cached_caller(hash_secret(api_key))
