"""Data-driven migration cases: tests/migrate/cases/<name>/.

Each case folder holds ``current.sql`` (the live schema), ``desired.sql``, an
optional ``seed.sql`` (rows loaded before migrating) and ``expected.json``:

* ``findings``: ``[level, target]`` pairs the linter must report (exactly).
* ``rebuilt``: tables the plan rebuilds (12-step), when given.
* ``actions``: the plan's step actions, in order, when given.
* ``allow_destructive``: apply with ``--allow-destructive``.
* ``error``: apply must fail with a message containing this; nothing may change.
* ``queries``: ``{sql: rows}`` checked after the migration, row by row.
* ``untouched``: objects whose stored SQL must not be rewritten.

Every successful case also checks: the schema reached equals ``desired.sql``
by introspection; a second plan is empty; the reverse migration brings back
``current.sql``'s schema (and, when nothing destructive ran, the seeded rows);
foreign keys are on again and no temporary table is left.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import zen
from zen.engine.errors import ZenError
from zen.migrate import apply, load_file, load_sql, plan, reverse
from zen.migrate.model import introspect
from zen.migrate.planner import differences

CASES = Path(__file__).parent / "cases"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "expected.json").is_file())


def _rows(db: zen.Database) -> dict[str, list[str]]:
    """Every user table's rows, as sorted reprs (WITHOUT ROWID tables have no rowid order)."""
    out = {}
    for table in db.tables(views=False):
        if table.startswith("_zen_"):
            continue
        out[table] = sorted(repr(r) for r in db.sql(f'SELECT * FROM "{table}"'))
    return out


def _setup(case: Path, tmp_path: Path) -> zen.Database:
    db = zen.open(tmp_path / "app.db")
    db.script((case / "current.sql").read_text())
    seed = case / "seed.sql"
    if seed.is_file():
        db.script(seed.read_text())
    return db


def _clean(db: zen.Database) -> None:
    assert db.sql("PRAGMA foreign_keys").scalar() == 1
    left = db.sql("SELECT name FROM sqlite_schema WHERE name LIKE '\\_zen\\_new\\_%' ESCAPE '\\'")
    assert left.fetchall() == []


def _pages(db: zen.Database) -> dict[str, tuple[str, str, int]]:
    rows = db.sql("SELECT name, tbl_name, sql, rootpage FROM sqlite_schema WHERE sql IS NOT NULL")
    return {name: (table, sql, page) for name, table, sql, page in rows}


def _unchanged_untouched(
    db: zen.Database, before: dict[str, tuple[str, str, int]], steps: list[Any], rebuilt: list[str]
) -> None:
    """Objects that no step names (nor their table) keep their SQL text and root page.

    A rename step lets SQLite rewrite the references to the renamed object in other
    objects' SQL (that is its job), so then only the root page is compared; the
    shadow tables of a recreated virtual table are new ones.
    """
    touched = {s.target.lower() for s in steps} | {r.lower() for r in rebuilt}
    renames = any(s.action == "rename" for s in steps)
    after = _pages(db)
    for name, (table, sql, page) in before.items():
        lower = name.lower()
        if lower in touched or table.lower() in touched or name.startswith("_zen_"):
            continue
        if any(lower.startswith(r.lower() + "_") for r in rebuilt):
            continue
        now = after.get(name)
        assert now is not None, f"{name} was dropped"
        assert now[2] == page and (renames or now[1] == sql), f"{name} was touched"


@pytest.mark.parametrize("name", NAMES)
def test_case(name: str, tmp_path: Path) -> None:
    case = CASES / name
    expected: dict[str, Any] = json.loads((case / "expected.json").read_text())
    desired = load_file(case / "desired.sql")
    original = load_file(case / "current.sql").schema
    with _setup(case, tmp_path) as db:
        before_rows = _rows(db)
        sql_before = {o.name: o.sql for o in db.objects()}
        pages_before = _pages(db)
        result = plan(db.engine, desired)
        found = sorted([f.level, f.target] for f in result.findings)
        assert found == sorted(expected.get("findings", [])), [f.render() for f in result.findings]
        if "rebuilt" in expected:
            assert result.rebuilt == expected["rebuilt"]
        if "actions" in expected:
            assert [s.action for s in result.steps] == expected["actions"]
        allow = bool(expected.get("allow_destructive"))
        if "error" in expected:
            with pytest.raises(ZenError, match=expected["error"]):
                apply(db.engine, result, allow_destructive=allow)
            assert _rows(db) == before_rows
            assert differences(introspect(db.engine.conn), original) == []
            _clean(db)
            return
        apply(db.engine, result, allow_destructive=allow)
        _clean(db)
        assert differences(introspect(db.engine.conn), desired.schema) == []
        for sql, rows in expected.get("queries", {}).items():
            assert [list(r) for r in db.sql(sql)] == rows, sql
        _unchanged_untouched(db, pages_before, result.steps, result.rebuilt)
        for name_ in expected.get("untouched", []):
            assert (
                db.sql("SELECT sql FROM sqlite_schema WHERE name = ?", [name_]).scalar()
                == (sql_before[name_])
            )
        again = plan(db.engine, desired)
        assert again.steps == [], again.sql()
        back = plan(db.engine, reverse(result))
        apply(db.engine, back, allow_destructive=True)
        _clean(db)
        assert differences(introspect(db.engine.conn), original) == []
        destructive = any(f.level == "destructive" for f in result.findings)
        added_required = any(f.level == "destructive" for f in back.findings)
        if not destructive and not added_required:
            assert _rows(db) == before_rows


def test_cases_exist() -> None:
    assert len(NAMES) >= 20


def test_failed_apply_leaves_no_trace(tmp_path: Path) -> None:
    """A step failing mid-plan (a STRICT type error) rolls back schema, rows and temp tables."""
    with zen.open(tmp_path / "a.db") as db:
        db.script("create table t(id integer primary key, n text); insert into t(n) values ('x');")
        desired = load_sql("create table t(id integer primary key, n integer) strict;")
        result = plan(db.engine, desired)
        with pytest.raises(ZenError, match=r"rebuild|copy rows"):
            apply(db.engine, result)
        _clean(db)
        assert db.sql("select n from t").fetchall() == [("x",)]
        assert "strict" not in db.schema().lower()
