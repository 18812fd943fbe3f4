"""Dialect transpilation, driven by tests/fixtures/dialect_cases.json."""

from __future__ import annotations

import json

import pytest

import zen
from tests.conftest import FIXTURES
from zen.engine.errors import ZenError

CASES = json.loads((FIXTURES / "dialect_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c['dialect']}:{c['sql'][:30]}" for c in CASES])
def test_dialect_case(case: dict[str, object]) -> None:
    db = zen.open(dialect=str(case["dialect"]))
    db.script("CREATE TABLE t(x)", dialect="sqlite")
    if "error" in case:
        with pytest.raises(ZenError, match=str(case["error"])):
            db.sql(str(case["sql"]))
    else:
        rows = [list(r) for r in db.sql(str(case["sql"]))]
        assert rows == case["result"]


def test_untranslatable_sql_runs_nothing() -> None:
    db = zen.open()
    db.script("CREATE TABLE t(x); INSERT INTO t VALUES (1)")
    with pytest.raises(ZenError):
        db.script("DELETE FROM t; SELECT * FROM t FOR UPDATE", dialect="postgres")
    assert db.sql("SELECT count(*) FROM t").scalar() == 1
