"""The diff models: schemas side by side (data-driven), schemas at refs, data rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import zen
from tests.conftest import FIXTURES
from zen.engine.errors import UsageError
from zen.tui.diffs import compare_schemas, data_rows, schema_at

CASES = json.loads((FIXTURES / "tui" / "schema_diffs.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_compare_schemas(case: dict[str, Any]) -> None:
    result = compare_schemas("left", case["left"], "right", case["right"])
    assert {p.name: p.status for p in result.tables} == case["tables"]
    for side in ("left", "right"):
        marked = [[line.text, line.mark] for p in result.tables for line in getattr(p, side)]
        assert [m for m in marked if m[1]] == case["marked"][side]
    assert [[o.kind, o.name, o.status] for o in result.objects] == case.get("objects", [])
    for fragment in case["plan_has"]:
        assert fragment in result.plan
    assert result.same == (not case["plan_has"])


def test_changed_tables_come_first() -> None:
    result = compare_schemas("a", "CREATE TABLE a(x); CREATE TABLE b(x);", "b",
                             "CREATE TABLE a(x); CREATE TABLE b(x, y);")  # fmt: skip
    assert [p.name for p in result.tables] == ["b", "a"]


def test_schema_at_history_refs(history_db: Path) -> None:
    with zen.open(history_db) as db:
        assert "email" in schema_at(db, "live")
        assert "email" in schema_at(db, "HEAD")
        before = schema_at(db, "HEAD~1")
        assert "users" in before and "email" not in before
        assert schema_at(db, "HEAD~4") == ""


def test_schema_at_a_file(shop_db: Path, tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t(a);")
    with zen.open(shop_db) as db:
        assert schema_at(db, str(tmp_path / "schema.sql")) == "CREATE TABLE t(a);"
        with pytest.raises(UsageError, match="no such schema file"):
            schema_at(db, str(tmp_path / "missing.sql"))
        with pytest.raises(UsageError, match="no history"):
            schema_at(db, "HEAD")


def test_data_rows_mark_changed_cells(history_db: Path) -> None:
    with zen.open(history_db) as db:
        diff = db.history.diff("HEAD~3", "HEAD~1")
    (table,) = diff.tables
    columns, rows = data_rows(table)
    assert columns[0] == "id" and "name" in columns
    by_kind = {row.kind: row for row in rows}
    assert set(by_kind) == {"added"}  # HEAD~3 is before the inserts
    assert [row.cells[columns.index("name")] for row in rows] == ["'ada'", "'BOB'"]


def test_data_rows_of_an_update(history_db: Path) -> None:
    with zen.open(history_db) as db:
        diff = db.history.diff("HEAD~2", "HEAD~1")
    (table,) = diff.tables
    columns, rows = data_rows(table)
    kinds = sorted(row.kind for row in rows)
    assert kinds == ["changed", "removed"]
    changed = next(row for row in rows if row.kind == "changed")
    assert changed.changed == frozenset({"name"})
    assert changed.cells[columns.index("name")] == "'bob' → 'BOB'"
    removed = next(row for row in rows if row.kind == "removed")
    assert removed.cells[columns.index("name")] == "'cy'"
