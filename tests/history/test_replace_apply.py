"""Tables declared with ``ON CONFLICT REPLACE``: replaying their changesets.

SQLite's own apply lets such a clause delete a row the changeset still expects, so
``zen.history.replace_apply`` applies these tables in two phases; these tests run
random programs of writes and check a replay (and its inverse) gives the same state.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import apsw
import pytest

import zen
from tests.history.helpers import assert_round_trip, diverge, dump
from zen.history.apply import apply_steps
from zen.history.errors import WorkingCopyConflictError
from zen.history.merge import MergeConflictError
from zen.history.replace_apply import ApplyConflict, apply_rows, replace_tables
from zen.history.steps import RowsStep

SCHEMAS = {
    "unique": "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT REPLACE, w)",
    "key and unique": "CREATE TABLE t(id INTEGER PRIMARY KEY ON CONFLICT REPLACE, "
    "v TEXT UNIQUE ON CONFLICT REPLACE, w)",
    "without rowid": "CREATE TABLE t(id, v TEXT, w, PRIMARY KEY(id, w), "
    "UNIQUE(v) ON CONFLICT REPLACE) WITHOUT ROWID",
    "two columns": "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, w, "
    "UNIQUE(v, w) ON CONFLICT REPLACE)",
    "no key": "CREATE TABLE t(id, v TEXT UNIQUE ON CONFLICT REPLACE, w)",
    'quoted "names"': 'CREATE TABLE t(id INTEGER PRIMARY KEY, "v x" TEXT UNIQUE ON CONFLICT '
    'REPLACE, "w""y")',
}


def _rows(conn: apsw.Connection) -> list[tuple[Any, ...]]:
    without = "WITHOUT ROWID" in str(conn.execute("SELECT sql FROM sqlite_schema").fetchone()[0])
    found = conn.execute("SELECT * FROM t" if without else "SELECT rowid, * FROM t")
    return sorted((tuple(row) for row in found), key=repr)


def _table(schema: str, seed: int) -> apsw.Connection:
    conn = apsw.Connection(":memory:")
    conn.execute(schema)
    rng = random.Random(seed)
    for _ in range(8):
        conn.execute(
            "INSERT OR REPLACE INTO t VALUES (?, ?, ?)",
            (rng.randrange(12), f"v{rng.randrange(8)}", rng.randrange(3)),
        )
    return conn


def _program(conn: apsw.Connection, seed: int) -> None:
    """Random inserts, updates and deletes, several of them displacing rows."""
    key = (
        "id"
        if "WITHOUT ROWID" in str(conn.execute("SELECT sql FROM sqlite_schema").get)
        else "rowid"
    )
    value = next(name for name in _names(conn) if name != "id")
    rng = random.Random(seed * 7919)
    for _ in range(rng.randrange(1, 16)):
        pick, row, text = rng.random(), rng.randrange(12), f"v{rng.randrange(8)}"
        if pick < 0.45:
            sql, args = "INSERT OR REPLACE INTO t VALUES (?, ?, ?)", (row, text, rng.randrange(3))
        elif pick < 0.8:
            sql, args = f'UPDATE OR REPLACE t SET "{value}" = ? WHERE {key} = ?', (text, row)
        else:
            sql, args = f"DELETE FROM t WHERE {key} = ?", (row,)
        try:
            conn.execute(sql, args)
        except apsw.ConstraintError:
            pass


def _names(conn: apsw.Connection) -> list[str]:
    return [str(row[1]) for row in conn.execute("PRAGMA table_info(t)")]


def _recorded(schema: str, seed: int) -> tuple[bytes, apsw.Connection]:
    conn = _table(schema, seed)
    session = apsw.Session(conn, "main")
    session.config(apsw.SQLITE_SESSION_OBJCONFIG_ROWID, 1)
    session.attach()
    _program(conn, seed)
    changeset = session.changeset()
    session.close()
    return changeset, conn


def _copy(conn: apsw.Connection) -> apsw.Connection:
    copy = apsw.Connection(":memory:")
    with copy.backup("main", conn, "main") as backup:
        backup.step()
    return copy


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("name", list(SCHEMAS))
def test_replay_and_its_inverse_give_the_recorded_states(name: str, seed: int) -> None:
    changeset, after = _recorded(SCHEMAS[name], seed)
    forward = _table(SCHEMAS[name], seed)
    apply_rows(forward, changeset, {"t"})
    assert _rows(forward) == _rows(after)
    backward = _copy(after)
    apply_rows(backward, apsw.Changeset.invert(changeset), {"t"})
    assert _rows(backward) == _rows(_table(SCHEMAS[name], seed))


def test_sqlite_apply_alone_loses_a_row_here() -> None:
    """The case the module exists for: SQLite's apply trips the REPLACE clause."""
    conn = apsw.Connection(":memory:")
    conn.execute(SCHEMAS["unique"] + "; INSERT INTO t VALUES (100, 'n7', 0)")
    session = apsw.Session(conn, "main")
    session.attach()
    conn.execute("".join(f"INSERT INTO t VALUES ({i}, 'n{i}', 0);" for i in range(10)))
    undo = apsw.Changeset.invert(session.changeset())
    session.close()
    with pytest.raises(apsw.AbortError):
        apsw.Changeset.apply(undo, _copy(conn), conflict=lambda *_: apsw.SQLITE_CHANGESET_ABORT)
    apply_rows(conn, undo, {"t"})
    assert _rows(conn) == [(100, 100, "n7", 0)]


def _drifted(sql: str) -> tuple[apsw.Connection, bytes]:
    changeset, _ = _recorded(SCHEMAS["unique"], 3)
    conn = _table(SCHEMAS["unique"], 3)
    conn.execute(sql)
    return conn, changeset


@pytest.mark.parametrize(
    ("drift", "reason"),
    [
        ("DELETE FROM t", apsw.SQLITE_CHANGESET_NOTFOUND),
        ("UPDATE t SET w = w + 10", apsw.SQLITE_CHANGESET_DATA),
    ],
)
def test_a_drifted_working_copy_is_a_conflict(drift: str, reason: int) -> None:
    conn, changeset = _drifted(drift)
    with pytest.raises(ApplyConflict) as caught:
        apply_rows(conn, changeset, {"t"})
    assert caught.value.reason == reason and caught.value.table == "t"


def test_a_row_in_the_way_is_a_conflict_not_replaced() -> None:
    conn = apsw.Connection(":memory:")
    conn.execute(SCHEMAS["unique"])
    session = apsw.Session(conn, "main")
    session.attach()
    conn.execute("INSERT INTO t VALUES (1, 'a', 0)")
    changeset = session.changeset()
    session.close()
    target = apsw.Connection(":memory:")
    target.execute(SCHEMAS["unique"] + "; INSERT INTO t VALUES (2, 'a', 5)")
    with pytest.raises(ApplyConflict) as caught:
        apply_rows(target, changeset, {"t"})
    assert caught.value.reason == apsw.SQLITE_CHANGESET_CONSTRAINT
    with pytest.raises(WorkingCopyConflictError, match="a constraint failed"):
        target.execute("BEGIN")
        apply_steps(target, [RowsStep(changeset)])
    target.execute("ROLLBACK")
    assert _rows(target) == [(2, 2, "a", 5)]


def test_replace_tables_reads_the_clause_not_the_word() -> None:
    conn = apsw.Connection(":memory:")
    conn.execute(SCHEMAS["unique"])
    conn.execute("CREATE TABLE plain(id INTEGER PRIMARY KEY, note DEFAULT 'REPLACE')")
    conn.execute("CREATE TABLE keyed(id INTEGER PRIMARY KEY ON CONFLICT REPLACE)")
    assert replace_tables(conn) == {"t", "keyed"}


def test_history_of_a_replace_table_replays_and_rewinds(tmp_path: Path) -> None:
    db = zen.open(tmp_path / "app.db")
    db.sql("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT REPLACE)")
    db.sql("INSERT INTO t VALUES (1000000, 'n7')")
    db.enable_history(policy="explicit")
    conn = db.engine.conn
    before = dump(conn)
    with db.transaction():
        for i in range(20):
            db.sql(f"INSERT INTO t VALUES ({i}, 'n{i}')")
        db.sql("UPDATE t SET v = 'n3' WHERE id = 4")
    after = dump(conn)
    db.history.commit("displacing rows")
    assert_round_trip(db.history, before, after)
    assert db.history.fsck().ok
    db.close()


_CHAIN = "".join(
    f"UPDATE t SET v = 'v{i + 1}x' WHERE id = {i + 1}; UPDATE t SET v = 'v{i + 1}' WHERE id = {i};"
    for i in range(1, 200)
)
_BASE = (
    "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT REPLACE, w); "
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
    "INSERT INTO t SELECT i, 'v' || i, 0 FROM n;"
)


def test_merge_records_what_it_applied_to_a_replace_table(tmp_path: Path) -> None:
    """Both sides set one cell alike: SQLite's apply is asked, so the merge is recorded
    from what happened (the preupdate hook, for this table)."""
    both = "UPDATE t SET w = 'both' WHERE id = 1;"
    history = diverge(tmp_path / "m.db", _BASE, both, "BEGIN;" + _CHAIN + both + "COMMIT;")
    conn = history.conn
    before = dump(conn)
    history.switch("other")
    theirs = dump(conn)
    history.switch("main")
    assert history.merge("other").outcome == "merged"
    assert dump(conn) == theirs
    assert history.fsck().ok
    history.rewind("HEAD~1")
    assert dump(conn) == before
    history.close()


def test_merge_taking_a_unique_value_of_ours_breaks_a_constraint(tmp_path: Path) -> None:
    history = diverge(
        tmp_path / "m.db",
        _BASE,
        "INSERT INTO t VALUES (500, 'new', 1);",
        "INSERT INTO t VALUES (600, 'new', 2);",
    )
    before = dump(history.conn)
    with pytest.raises(MergeConflictError, match="t: INSERT \\(600,\\) breaks a constraint"):
        history.merge("other")
    assert dump(history.conn) == before
    history.close()
