"""Credits in the store: Decimal inside, exact arithmetic in SQL, a JSON number at the edge.

Each running session and experiment adds a ledger row every tick (30 s), so a balance is a
sum of many small amounts: as floats it drifted away from its ledger and from zero.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from sqlalchemy import func, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NullType

from .. import schema as t
from ..schema import MONEY_PLACES, money

__all__ = ["money", "shifted", "post", "for_hours", "as_json", "shown", "stored"]

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


def shown(stored: float | Decimal) -> float | None:
    """``as_json(money(stored))``, the API's number for an amount as its column holds it
    (``stored``): PostgreSQL's exact Decimal is only rounded, and the double (or integer)
    SQLite holds is read without Decimal: a listing shows 50 amounts a page, and the Decimal
    round trip cost more than the rest of the cost field's path.

    A stored amount is the double nearest a 6-place decimal (writes round to the millionth;
    see ``shifted``). Below 1e9 credits a double has room for the millionths (its ulp is
    under 1e-6, and ``stored * 1e6`` is off by less than a half), so that decimal is
    ``micros / 1e6`` for ``micros = round(stored * 1e6)``, which is exactly what ``money``
    reads from the shortest repr. When ``micros`` does not give back ``stored`` (an amount
    written by other means), or beyond 1e9, the exact Decimal path answers.
    tests/test_money_shown.py checks both paths agree, ties and signs included."""
    if isinstance(stored, Decimal):
        return as_json(stored)
    if -1e9 < stored < 1e9:
        micros = round(stored * 1_000_000)
        if micros / 1_000_000 == stored:
            # round half to even to 4 places (Decimal's default), in hundreds of millionths
            q, r = divmod(micros, 100)
            if r > 50 or (r == 50 and q & 1):
                q += 1
            if q == 0:
                # Decimal keeps the sign of a zero: -0.000010 rounds to -0.0000
                return math.copysign(0.0, stored)
            return q / 10_000  # int / int: the double nearest q * 10**-4, as float() gives
    return as_json(money(stored))


def stored(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A Money column read as the driver gives it, for ``shown``: the double SQLite holds
    (no Decimal made on the way), PostgreSQL's exact Decimal. Read-only: amounts are written
    through the Money column."""
    return type_coerce(column, NullType())
