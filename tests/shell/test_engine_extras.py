"""The engine helpers the shell brought: query plans, index advice (.expert), dumps."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import apsw
import pytest

import zen
from zen.engine.dump import dump_sql, sql_literal
from zen.engine.errors import SqlError
from zen.engine.expert import suggest_indexes
from zen.engine.plan import PlanStep, QueryPlan, query_plan, strip_explain

EXPERT = json.loads((Path(__file__).parent / "fixtures" / "expert_cases.json").read_text())
_DDL = re.compile(r'CREATE INDEX "[^"]+" ON "([^"]+)"\((.*)\);')


@pytest.fixture(scope="module")
def expert_db() -> Any:
    conn = apsw.Connection(":memory:")
    for statement in EXPERT["schema"]:
        conn.execute(statement)
    yield conn
    conn.close()


def _short(ddl: str) -> str:
    match = _DDL.fullmatch(ddl)
    assert match, ddl
    return f"{match.group(1)}({match.group(2).replace(chr(34), '')})"


@pytest.mark.parametrize("case", EXPERT["cases"], ids=[c["id"] for c in EXPERT["cases"]])
def test_expert_case(case: dict[str, Any], expert_db: apsw.Connection) -> None:
    advice = suggest_indexes(expert_db, case["sql"])
    found = [_short(ddl) for ddl in advice.indexes]
    assert found in case.get("expect_any", [case.get("expect")])
    if not found:
        assert advice.after == advice.before
        return
    # Each suggestion changes the plan, and SQLite really uses it once created.
    assert advice.after.details != advice.before.details
    names = {re.search(r'INDEX "([^"]+)"', ddl).group(1) for ddl in advice.indexes}  # type: ignore[union-attr]
    assert names <= advice.after.indexes()
    with zen.open(":memory:") as db:
        for statement in [*EXPERT["schema"], *advice.indexes]:
            db.sql(statement)
        assert db.query_plan(case["sql"]).details == advice.after.details


def test_expert_leaves_the_database_untouched(expert_db: apsw.Connection) -> None:
    before = list(expert_db.execute("select sql from sqlite_schema"))
    suggest_indexes(expert_db, "SELECT * FROM users WHERE email = ?")
    assert list(expert_db.execute("select sql from sqlite_schema")) == before


def test_expert_works_on_stats_from_analyze(tmp_path: Path) -> None:
    with zen.open(tmp_path / "a.db") as db:
        db.script(
            "create table t(a, b); create index t_a on t(a);"
            "with recursive n(v) as (select 1 union all select v + 1 from n where v < 2000)"
            "insert into t select v % 2, v from n;"
            "analyze;"
        )
        # With statistics, SQLite knows t_a (two values) is a poor filter on its own.
        advice = db.suggest_indexes("select * from t where a = 1 and b = 5")
    assert [_short(d) for d in advice.indexes] in (["t(b)"], ["t(a, b)"], ["t(b, a)"])


def test_expert_rejects_bad_sql(expert_db: apsw.Connection) -> None:
    with pytest.raises(SqlError, match="no such table: nope"):
        suggest_indexes(expert_db, "select * from nope")


def test_plan_tree_rendering() -> None:
    plan = QueryPlan(
        [PlanStep(2, 0, "SCAN a"), PlanStep(5, 0, "LIST SUBQUERY"), PlanStep(7, 5, "SCAN b")]
    )
    assert plan.render() == "QUERY PLAN\n|--SCAN a\n`--LIST SUBQUERY\n   `--SCAN b"


def test_plans_see_schema_changes_at_once() -> None:
    conn = apsw.Connection(":memory:")
    conn.execute("create table t(a)")
    assert query_plan(conn, "select * from t where a = 1").details == ["SCAN t"]
    conn.execute("create index t_a on t(a)")
    assert query_plan(conn, "select * from t where a = 1").details == [
        "SEARCH t USING COVERING INDEX t_a (a=?)"
    ]


def test_plan_errors_point_into_the_users_text() -> None:
    conn = apsw.Connection(":memory:")
    with pytest.raises(SqlError) as caught:
        query_plan(conn, "select * fro t")
    assert caught.value.offset == len("select * ")


def test_strip_explain() -> None:
    assert strip_explain("  EXPLAIN  query\nplan select 1") == "select 1"
    assert strip_explain("explain select 1") is None


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "NULL"),
        (True, "1"),
        (-7, "-7"),
        (0.1, "0.1"),
        (math.inf, "1e999"),
        (-math.inf, "-1e999"),
        ("it's", "'it''s'"),
        (b"\x00\xab", "X'00AB'"),
    ],
)
def test_sql_literals_read_back_as_the_same_value(value: Any, literal: str) -> None:
    assert sql_literal(value) == literal
    conn = apsw.Connection(":memory:")
    assert conn.execute(f"select {literal}").get == (int(value) if value is True else value)


def test_dump_skips_zen_and_shadow_tables_and_keeps_sequences() -> None:
    conn = apsw.Connection(":memory:")
    conn.execute(
        "create table t(id integer primary key autoincrement, v);"
        "insert into t(v) values ('a'), ('b'); delete from t where v = 'b';"
        "create table _zen_refs(x); insert into _zen_refs values (1);"
        "create virtual table docs using fts5(body); insert into docs values ('hello');"
    )
    lines = list(dump_sql(conn))
    assert "INSERT INTO sqlite_sequence VALUES('t',2);" in lines
    assert not [line for line in lines if "_zen_" in line or "docs_" in line]
    assert 'INSERT INTO "docs"("body") VALUES(\'hello\');' in lines
    copy = apsw.Connection(":memory:")
    copy.execute("\n".join(lines))
    assert copy.execute("select rowid from docs where docs match 'hello'").get == 1
    copy.execute("insert into t(v) values ('c')")
    assert copy.execute("select max(id) from t").get == 3  # AUTOINCREMENT went on from 2
