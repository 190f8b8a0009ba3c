"""A listing reads each run's cost as SQLite holds it and makes it the API's number without
Decimal (store/money.py ``stored`` and ``shown``): it must be the very float the Decimal
path (``money`` then ``as_json``) gives, for every amount, ties to even and signed zeros
included."""

from __future__ import annotations

import random
import struct
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select

from jupyter_grid_collab.teamserver.schema import Money
from jupyter_grid_collab.teamserver.store.money import as_json, money, shifted, shown, stored


def exact(stored: float) -> float | None:
    """What the API answered before: the Money column's Decimal, rounded by as_json."""
    return as_json(money(stored))


def same(stored: float) -> None:
    # repr, not ==: -0.0 == 0.0, but the answer's text differs
    assert repr(shown(stored)) == repr(exact(stored)), stored


def test_every_millionth_near_zero_and_every_tie():
    # every amount from -3 to 3 credits to the millionth: all four ways a tie can fall
    for micros in range(-3_000_000, 3_000_001, 7):
        same(micros / 1_000_000)
    # ties exactly: x.xxxx50, with the 4th place even and odd, both signs
    for hundreds in range(-20_000, 20_000):
        same((hundreds * 100 + 50) / 1_000_000)


def test_large_amounts_and_the_edges_of_the_fast_path():
    rng = random.Random(15)
    for _ in range(200_000):
        micros = rng.randrange(-(10**15), 10**15)
        if rng.random() < 0.3:
            micros = micros // 100 * 100 + 50  # a tie
        same(micros / 1_000_000)
    for edge in (999_999_999.999950, 999_999_999.99995, 1e9, -1e9, 1e9 + 0.5, 4e9, 1e12 + 0.25):
        same(edge)
    for special in (0.0, -0.0, 0, 5, -7, 0.000049, -0.000049, 0.00005, -0.00005, 0.00015):
        same(special)


def test_doubles_that_are_no_millionth_take_the_exact_path():
    # amounts written by other means: any double at all (finite), and near-misses of ties
    rng = random.Random(16)
    for _ in range(100_000):
        (value,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if value == value and abs(value) < 1e15:
            same(value)
        same(rng.uniform(-100, 100))
    for hundreds in range(-2000, 2000):
        tie = (hundreds * 100 + 50) / 1_000_000
        for nudged in (tie - 1e-12, tie + 1e-12, tie * (1 + 2**-52), tie * (1 - 2**-52)):
            same(nudged)


@pytest.mark.parametrize("delta", ["0.004166", "0.000050", "1.234567", "-0.000150"])
def test_sqlite_values_as_held_then_shown_equal_money_then_as_json(delta):
    # amounts as SQLite really holds them: written through Money and moved by SQL's
    # rounded arithmetic (store.money.shifted), as ticks and charges do
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("v", Money))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "v": money(i / 7)} for i in range(500)])
        for _ in range(40):
            conn.execute(table.update().values(v=shifted(table.c.v, Decimal(delta))))
        rows = conn.execute(select(table.c.v, stored(table.c.v))).all()
    assert len(rows) == 500
    for decimal_value, as_held in rows:
        assert isinstance(as_held, float | int)
        assert repr(shown(as_held)) == repr(as_json(decimal_value))


def test_a_stored_millionth_needs_no_decimal(monkeypatch):
    # the point of shown: amounts the store wrote never take the Decimal path
    import jupyter_grid_collab.teamserver.store.money as m

    monkeypatch.setattr(m, "money", lambda value: pytest.fail(f"Decimal path for {value!r}"))
    for micros in (0, 50, 150, 1_234_567, 19_999_950, -250, 999_999_999_999_950):
        m.shown(micros / 1_000_000)
