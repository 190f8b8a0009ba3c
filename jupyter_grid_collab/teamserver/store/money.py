"""Credits in the store: Decimal inside, exact arithmetic in SQL, a JSON number at the edge.

Each running session and experiment adds a ledger row every tick (30 s), so a balance is a
sum of many small amounts: as floats it drifted away from its ledger and from zero.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from .. import schema as t
from ..schema import MONEY_PLACES, money

__all__ = ["money", "shifted", "post", "for_hours", "as_json"]

_HOUR = Decimal(3600)


def shifted(column: ColumnElement[Any], delta: Decimal) -> ColumnElement[Any]:
    """``column + delta`` computed by the database in one statement (so concurrent charges
    never lose one). Rounded to the money's places: a no-op on PostgreSQL's NUMERIC, and on
    SQLite, where the column holds a double, it keeps every stored value the double nearest
    an exact amount, so rounding errors never pile up."""
    return func.round(column + delta, MONEY_PLACES)


def post(conn: Connection, team_id: int, amount: Decimal, **entry: Any) -> None:
    """Move a team's balance by ``amount`` and write its ledger row (``entry``: the row's
    other fields), in the caller's transaction: the balance moves by exactly the ledger's
    amounts."""
    conn.execute(
        t.teams.update()
        .where(t.teams.c.id == team_id)
        .values(balance=shifted(t.teams.c.balance, amount))
    )
    conn.execute(t.ledger.insert().values(team_id=team_id, amount=amount, **entry))


def for_hours(price_per_hour: float | Decimal, seconds: float) -> Decimal:
    """What ``seconds`` of an instance priced per hour costs, to the millionth."""
    return money(money(price_per_hour) * Decimal(repr(float(seconds))) / _HOUR)


def as_json(value: Decimal | None, places: int = 4) -> float | None:
    """The API's number for an amount (JSON has no decimals; the API's answers kept 4 places
    for balances and costs, 6 for ledger rows)."""
    return None if value is None else float(round(value, places))
