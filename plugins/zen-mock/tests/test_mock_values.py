"""How columns are read: CHECK hints, type affinity, and the generators chosen."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import apsw
import pytest
from faker import Faker
from zen_mock.plan import plan_tables
from zen_mock.values import Hints, Pools, Unique, affinity, for_column

# (column definition with its CHECK, expected hints)
CHECKS = [
    ("s TEXT CHECK (s IN ('a', 'b''c'))", Hints(choices=("a", "b'c"))),
    ("n INT CHECK (n IN (1, 2.5, -3))", Hints(choices=(1, 2.5, -3))),
    ("n INT CHECK (n BETWEEN 2 AND 9)", Hints(low=2, high=9)),
    ("n INT CHECK (n > 0 AND n <= 10)", Hints(low=1, high=10)),
    ("n INT CHECK (n >= -5 AND n < 5)", Hints(low=-5, high=4)),
    ("n INT CHECK (n BETWEEN 1 AND 3 AND n >= 2)", Hints(low=2, high=3)),
    ('"odd name" TEXT CHECK (length("odd name") <= 4)', Hints(max_length=4)),
    ("s TEXT CHECK (length(s) < 4)", Hints(max_length=3)),
    ("s TEXT CHECK (s IN (lower(s), 'x'))", Hints()),
    ("n INT CHECK (n % 2 = 0)", Hints()),
]


@pytest.mark.parametrize(("definition", "expected"), CHECKS)
def test_simple_checks_become_hints(definition: str, expected: Hints) -> None:
    conn = apsw.Connection(":memory:")
    conn.execute(f"CREATE TABLE t(id INTEGER PRIMARY KEY, {definition})")
    (plan,) = plan_tables(conn, None)
    hints = [h for h in plan.hints.values()] or [Hints()]
    assert hints == [expected]


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("INTEGER", "INTEGER"),
        ("BIGINT", "INTEGER"),
        ("VARCHAR(20)", "TEXT"),
        ("CLOB", "TEXT"),
        ("", "BLOB"),
        ("BLOB", "BLOB"),
        ("DOUBLE PRECISION", "REAL"),
        ("FLOAT", "REAL"),
        ("DECIMAL(10,2)", "NUMERIC"),
        ("DATETIME", "NUMERIC"),
    ],
)
def test_affinity_follows_sqlite_rules(declared: str, expected: str) -> None:
    assert affinity(declared) == expected


def _pools() -> Pools:
    faker = Faker()
    faker.seed_instance(1)
    return Pools(faker, random.Random(1), size=50)


# (column name, declared type, check on every generated value)
COLUMNS = [
    ("email", "TEXT", lambda v: isinstance(v, str) and "@" in v),
    ("E-Mail", "TEXT", lambda v: isinstance(v, str) and "@" in v),
    ("created_at", "TEXT", lambda v: len(v) == 19 and v[4] == "-" and v[13] == ":"),
    ("created_at", "INTEGER", lambda v: isinstance(v, int) and v > 1_400_000_000),
    ("birth_date", "DATE", lambda v: len(v) == 10),
    ("is_active", "INTEGER", lambda v: v in (0, 1)),
    ("age", "INTEGER", lambda v: isinstance(v, int) and 18 <= v <= 90),
    ("price", "REAL", lambda v: isinstance(v, float) and 1 <= v <= 1000),
    ("latitude", "REAL", lambda v: -90 <= v <= 90),
    ("uuid", "TEXT", lambda v: len(v) == 36 and v.count("-") == 4),
    ("payload", "BLOB", lambda v: isinstance(v, bytes)),
    ("whatever", "INTEGER", lambda v: isinstance(v, int)),
    ("whatever", "", lambda v: isinstance(v, str)),
]


@pytest.mark.parametrize(("name", "declared", "valid"), COLUMNS)
def test_generators_follow_names_and_types(
    name: str, declared: str, valid: Callable[[Any], bool]
) -> None:
    values = for_column(name, declared, _pools(), Hints()).take(200)
    assert len(values) == 200
    assert all(valid(v) for v in values), values[:5]


@pytest.mark.parametrize(
    ("values", "seen"),
    [
        (["a@x.org"] * 5, set()),
        ([1, 1, 2, 2], {3}),
        (["x", "x", "x-2"], {"x"}),
        ([b"k"] * 3, set()),
    ],
)
def test_unique_never_repeats(values: list, seen: set) -> None:
    class Fixed:
        def take(self, k: int) -> list:
            return values[:k]

    made = Unique(Fixed(), seen).take(len(values))
    assert len(set(made)) == len(made) == len(values)
    assert not set(made) & seen
