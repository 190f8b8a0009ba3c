"""The team server's store: one object, one module per kind of record."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine

from .billing import DEFAULT_PRICES, BillingStore
from .core import Caller, StoreCore
from .credentials import CredentialStore
from .datastores import DatastoreStore
from .executor import ExecutorStore
from .outputs import OutputStore
from .quotas import QuotaStore
from .runs import RunStore
from .sessions import SessionStore
from .sources import SourceStore
from .teams import TeamStore
from .visits import VisitStore

__all__ = ["Store", "Caller", "DEFAULT_PRICES"]


class Store(
    VisitStore,
    ExecutorStore,
    SessionStore,
    RunStore,
    SourceStore,
    OutputStore,
    DatastoreStore,
    CredentialStore,
    BillingStore,
    QuotaStore,
    TeamStore,
    StoreCore,
):
    """Every record operation of the team server; synchronous, run on worker threads."""

    def __init__(self, engine: Engine, secret_key: bytes, prices: dict[str, float] | None = None):
        super().__init__(engine)
        self.fernet = Fernet(secret_key)
        self.prices = dict(prices or DEFAULT_PRICES)
