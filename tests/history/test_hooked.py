"""Statements that may change one row twice, captured through the preupdate hook.

SQLite's rowid-mode session bug (see ``zen.history.rowid_mode``) doubles such a row's
entry once 128 rows of a table without a key changed; ``zen.history.hooked`` runs
these statements without a session. Small cases compare its changesets with the
session's own (correct below 128 rows); big ones check history end to end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import apsw
import pytest

import zen
from tests.history.helpers import assert_round_trip, dump
from zen.history import schema as sch
from zen.history.hooked import HookWatch, Risk

ROWS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})"

CASES: dict[str, dict[str, Any]] = {
    "upsert over its own rows": {
        "schema": ["CREATE TABLE t(a UNIQUE, b)"],
        "setup": [],
        "script": [
            ROWS + " INSERT INTO t SELECT i % ({rows} * 2 / 3), 1 FROM n WHERE true "
            "ON CONFLICT(a) DO UPDATE SET b = b + 1"
        ],
    },
    "trigger updating the new row": {
        "schema": [
            "CREATE TABLE t(a, b)",
            "CREATE TRIGGER bump AFTER INSERT ON t BEGIN "
            "UPDATE t SET b = b + 1 WHERE rowid = new.rowid; END",
        ],
        "setup": [],
        "script": [ROWS + " INSERT INTO t SELECT i, 0 FROM n"],
    },
    "rows moved to other rowids": {
        "schema": ["CREATE TABLE t(a, b)"],
        "setup": [ROWS + " INSERT INTO t(rowid, a, b) SELECT i * 2, i, 0 FROM n"],
        "script": ["UPDATE t SET rowid = rowid + 1, b = 1 WHERE rowid % 4 = 0"],
    },
    "replace over existing rowids": {
        "schema": ["CREATE TABLE t(a, b)"],
        "setup": [ROWS + " INSERT INTO t(rowid, a, b) SELECT i, i, 0 FROM n"],
        "script": [ROWS + " INSERT OR REPLACE INTO t(rowid, a, b) SELECT i * 2, -i, 1 FROM n"],
    },
    "cascade onto a table without a key": {
        "schema": [
            "CREATE TABLE p(id INTEGER PRIMARY KEY)",
            "CREATE TABLE c(pid REFERENCES p(id) ON UPDATE CASCADE, note)",
        ],
        "setup": [
            ROWS + " INSERT INTO p SELECT i FROM n",
            ROWS + " INSERT INTO c SELECT i, 'x' FROM n",
        ],
        "script": ["UPDATE p SET id = id + 1000000", "UPDATE c SET note = 'y'"],
    },
    "generated column": {
        "schema": ["CREATE TABLE t(a UNIQUE, b, g AS (b * 2), s AS (a || '!') STORED)"],
        "setup": [ROWS + " INSERT INTO t(a, b) SELECT i, 0 FROM n"],
        "script": [
            ROWS + " INSERT INTO t(a, b) SELECT i % ({rows} / 2), 5 FROM n WHERE true "
            "ON CONFLICT(a) DO UPDATE SET b = b + excluded.b"
        ],
    },
}


def _sql(case: dict[str, Any], part: str, rows: int) -> list[str]:
    return [sql.format(rows=rows) for sql in case[part]]


def _changes(changeset: bytes) -> list[tuple[Any, ...]]:
    def plain(row: Any) -> Any:
        return None if row is None else tuple("-" if v is apsw.no_change else v for v in row)

    found = [(c.name, c.op, plain(c.old), plain(c.new)) for c in apsw.Changeset.iter(changeset)]
    return sorted(found, key=repr)


def _database(case: dict[str, Any], rows: int) -> apsw.Connection:
    conn = apsw.Connection(":memory:")
    conn.execute("PRAGMA foreign_keys = ON")
    for sql in _sql(case, "schema", rows) + _sql(case, "setup", rows):
        conn.execute(sql)
    return conn


def _by_session(case: dict[str, Any], rows: int) -> bytes:
    """The session's changesets, one per statement (as the capture takes them)."""
    conn = _database(case, rows)
    parts = []
    for sql in _sql(case, "script", rows):
        session = apsw.Session(conn, "main")
        session.config(apsw.SQLITE_SESSION_OBJCONFIG_ROWID, 1)
        session.table_filter(lambda name: True)
        session.attach()
        conn.execute(sql)
        parts.append(bytes(session.changeset()))
        session.close()
    return b"".join(parts)


def _by_hook(case: dict[str, Any], rows: int) -> bytes:
    conn = _database(case, rows)
    parts = []
    for sql in _sql(case, "script", rows):
        watch = HookWatch(conn, lambda name: True, set(), lambda t: sch.layout(conn, t))
        watch.start()
        conn.execute(sql)
        watch.stop()
        parts.append(watch.changeset())
    return b"".join(parts)


@pytest.mark.parametrize("name", list(CASES))
def test_the_hook_writes_what_the_session_writes(name: str) -> None:
    """Below 128 changed rows the session is right: the two must agree."""
    assert _changes(_by_hook(CASES[name], 60)) == _changes(_by_session(CASES[name], 60))


def test_the_session_alone_doubles_rows_here() -> None:
    """Why the hook exists: past 128 rows the session's changeset has a key twice."""
    changes = _changes(_by_session(CASES["upsert over its own rows"], 300))
    keys = [(op, old[0] if old else new[0]) for _, op, old, new in changes]
    assert len({key for _, key in keys}) < len(keys)


@pytest.mark.parametrize("rows", [300, 2000])
@pytest.mark.parametrize("name", list(CASES))
def test_history_replays_and_rewinds_them(tmp_path: Path, name: str, rows: int) -> None:
    case = CASES[name]
    db = zen.open(tmp_path / "app.db")
    db.sql("PRAGMA foreign_keys = ON")
    for sql in _sql(case, "schema", rows) + _sql(case, "setup", rows):
        db.sql(sql)
    db.enable_history(policy="explicit")
    conn = db.engine.conn
    before = dump(conn)
    with db.transaction():
        for sql in _sql(case, "script", rows):
            db.sql(sql)
    after = dump(conn)
    assert after != before
    db.history.commit(name)
    assert_round_trip(db.history, before, after)
    db.close()


def test_executemany_meeting_rows_twice(tmp_path: Path) -> None:
    db = zen.open(tmp_path / "app.db")
    db.sql("CREATE TABLE t(a, b)")
    db.executemany("INSERT INTO t VALUES (?, 0)", [(i,) for i in range(400)])
    db.enable_history(policy="explicit")
    conn = db.engine.conn
    before = dump(conn)
    db.executemany("UPDATE t SET b = b + 1 WHERE a = ?", [(i % 400,) for i in range(1200)])
    after = dump(conn)
    assert {row[2] for row in after["rows"]["t"]} == {3}
    history = db.history
    history.commit("three times each")
    assert history.fsck().ok
    history.rewind("HEAD~1")
    assert dump(conn) == before
    db.close()


def test_a_failing_statement_keeps_what_or_fail_kept(tmp_path: Path) -> None:
    db = zen.open(tmp_path / "app.db")
    db.sql("CREATE TABLE t(a UNIQUE, b)")
    db.sql("CREATE TRIGGER quiet AFTER UPDATE ON t BEGIN SELECT 1; END")  # puts t at risk
    db.sql(ROWS.format(rows=300) + " INSERT INTO t SELECT i, 0 FROM n")
    db.sql("INSERT INTO t VALUES (1200, 0)")
    db.enable_history(policy="explicit")
    conn = db.engine.conn
    before = dump(conn)
    with db.transaction():
        with pytest.raises(zen.ZenError, match="UNIQUE"):
            db.sql("UPDATE OR FAIL t SET a = a + 1000 WHERE a <= 300")  # fails at a = 200
        kept = dump(conn)
    assert sum(1 for row in kept["rows"]["t"] if row[1] > 1000) == 200  # 199 moved + 1200
    db.history.commit("partly")
    assert_round_trip(db.history, before, kept)
    db.close()


RISKS = json.loads((Path(__file__).parents[1] / "fixtures" / "hooked" / "risks.json").read_text())


@pytest.mark.parametrize("case", RISKS, ids=[case["why"] for case in RISKS])
def test_which_statements_are_at_risk(case: dict[str, Any]) -> None:
    conn = apsw.Connection(":memory:")
    conn.execute(case["schema"])
    tables = {
        str(name): str(text)
        for name, text in conn.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'")
    }
    risk = Risk()
    layout_of = lambda t: sch.layout(conn, t)  # noqa: E731
    found = risk.statement(conn, 1, tables, layout_of, case["sql"], many=case["many"])
    assert found is case["at_risk"]
