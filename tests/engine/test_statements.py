"""Statement splitting, driven by tests/fixtures/split_statements.json."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES
from zen.engine.statements import Statement, split_statements

CASES = json.loads((FIXTURES / "split_statements.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_split(case: dict[str, object]) -> None:
    assert [s.text for s in split_statements(str(case["sql"]))] == case["expected"]


def test_offsets_point_into_the_script() -> None:
    sql = "select 1;\n  select 2;"
    for statement in split_statements(sql):
        assert sql[statement.offset :].startswith(statement.text)


@pytest.mark.parametrize(
    ("text", "controls"),
    [
        ("BEGIN", True),
        ("commit", True),
        ("-- c\nVACUUM", True),
        ("PRAGMA foreign_keys = OFF", True),
        ("PRAGMA table_info(t)", False),
        ("select 1", False),
        ("insert into t values (1)", False),
    ],
)
def test_controls_transaction(text: str, controls: bool) -> None:
    assert Statement(text, 0).controls_transaction is controls


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("insert into t values (1)", True),
        ("/* x */ UPDATE t SET a = 1", True),
        ("replace into t values (1)", True),
        ("delete from t", True),
        ("DELETE FROM t RETURNING a", False),
        ("insert into t values (1) returning *", False),
        ("with x as (select 1) insert into t select * from x", False),
        ("select 1", False),
        ("create table u(a)", False),
    ],
)
def test_plain_write(text: str, plain: bool) -> None:
    assert Statement(text, 0).plain_write is plain
