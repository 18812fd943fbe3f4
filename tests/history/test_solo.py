"""A lone one-row write captured without a session: the same changeset, byte for byte.

The cases (tests/fixtures/solo/cases.json) run once under an ``apsw.Session`` (the
reference) and once under :class:`SoloWatch`; "same" cases must give identical
bytes, "fallback" cases must ask for the session (None).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import apsw
import pytest

from zen.engine.core import Engine
from zen.history import History, store
from zen.history import schema as sch
from zen.history.solo import SoloWatch
from zen.history.steps import RowsStep, decode_steps

CASES = json.loads((Path(__file__).parents[1] / "fixtures/solo/cases.json").read_text())


@pytest.fixture
def conn() -> Iterator[apsw.Connection]:
    connection = apsw.Connection(":memory:")
    connection.execute("PRAGMA foreign_keys = ON")
    for sql in CASES["schema"]:
        connection.execute(sql)
    yield connection
    connection.close()


def _session_changeset(conn: apsw.Connection, sql: str) -> bytes:
    conn.execute("BEGIN")
    session = apsw.Session(conn, "main")
    session.config(apsw.SQLITE_SESSION_OBJCONFIG_ROWID, 1)
    session.table_filter(sch.is_user_name)
    conn.execute(sql)
    found = bytes(session.changeset())
    session.close()
    conn.execute("ROLLBACK")
    return found


def _solo_changeset(conn: apsw.Connection, sql: str) -> bytes | None:
    conn.execute("BEGIN")
    watch = SoloWatch(conn, sch.is_user_name, set())
    watch.start()
    try:
        conn.execute(sql)
    except apsw.InterruptError:
        assert watch.failed  # stopped by the progress handler: a fallback
    finally:
        watch.stop()
    found = watch.changeset(lambda table: sch.layout(conn, table))
    conn.execute("ROLLBACK")
    return found


@pytest.mark.parametrize("sql", CASES["same"])
def test_same_bytes_as_the_session(conn: apsw.Connection, sql: str) -> None:
    expected = _session_changeset(conn, sql)
    assert _solo_changeset(conn, sql) == expected


@pytest.mark.parametrize("sql", CASES["fallback"])
def test_falls_back_to_a_session(conn: apsw.Connection, sql: str) -> None:
    assert _solo_changeset(conn, sql) is None


def test_hook_is_gone_once_stopped(conn: apsw.Connection) -> None:
    watch = SoloWatch(conn, sch.is_user_name, set())
    watch.start()
    watch.stop()
    # A session on the same connection is safe only once the hook is removed.
    assert _session_changeset(conn, "UPDATE plain SET name = 'x' WHERE id = 1")


def _last_rows(history: History) -> list[tuple[str, str, object, object]]:
    last = store.last_record(history.conn)
    assert last is not None
    (step,) = decode_steps(store.record_data(history.conn, last))
    assert isinstance(step, RowsStep)
    return [(c.name, c.op, c.old, c.new) for c in apsw.Changeset.iter(step.changeset)]


def test_a_multi_row_lone_write_runs_once_more_under_a_session(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "app.db")
    engine.script(
        "CREATE TABLE n(id INTEGER PRIMARY KEY, v INTEGER);"
        "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 20000) "
        "INSERT INTO n(v) SELECT x FROM r"
    )
    history = History.init(engine, author="tester")
    result = engine.query("UPDATE n SET v = v + 1")
    assert result.changes == 20000
    # The first run was stopped and rolled back: every row moved by exactly one.
    assert engine.query("SELECT count(*) FROM n WHERE v != id + 1").scalar() == 0
    assert len(_last_rows(history)) == 20000
    engine.query("UPDATE n SET v = 0 WHERE id = 7").drain()  # the fast way again
    assert _last_rows(history) == [("n", "UPDATE", (7, 8), (apsw.no_change, 0))]
    history.rewind("HEAD~2")
    assert engine.query("SELECT sum(v) FROM n").scalar() == sum(range(1, 20001))
    history.close()


def test_a_failing_lone_write_records_nothing(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "app.db")
    engine.script(
        "CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
        "INSERT INTO u VALUES (1, 'a'), (2, 'b')"
    )
    history = History.init(engine, author="tester")
    before = len(list(store.iter_records(history.conn)))
    with pytest.raises(Exception, match="UNIQUE"):
        engine.query("UPDATE u SET name = 'a' WHERE id = 2")
    assert len(list(store.iter_records(history.conn))) == before
    engine.query("UPDATE u SET name = 'c' WHERE id = 2").drain()
    assert _last_rows(history) == [("u", "UPDATE", (2, "b"), (apsw.no_change, "c"))]
    history.close()


def test_another_clients_write_between_lone_writes_is_folded_in(tmp_path: Path) -> None:
    import sqlite3

    import zen

    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.script("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES (1, 1)")
        db.enable_history(policy="explicit")
        db.sql("UPDATE t SET v = 2 WHERE id = 1")
        other = sqlite3.connect(path)
        other.execute("INSERT INTO t VALUES (2, 20)")
        other.commit()
        other.close()
        db.sql("UPDATE t SET v = 3 WHERE id = 1")  # the other write must come first
        kinds = [r.kind for r in store.iter_records(db.engine.conn)]
        assert kinds[-3:] == ["txn", "external", "txn"]
        bases = [(r.id, r.base) for r in store.iter_records(db.engine.conn)]
        chained = zip(bases[1:], bases[:-1], strict=True)
        assert all(base == previous for (_, base), (previous, _) in chained)
        db.history.commit("all three")
        assert db.history.fsck().ok
        db.history.rewind("HEAD~1")
        assert db.sql("SELECT id, v FROM t ORDER BY id").fetchall() == [(1, 1)]


def test_a_lone_write_to_a_virtual_table_is_recorded_through_its_shadow_tables(
    tmp_path: Path,
) -> None:
    engine = Engine(tmp_path / "app.db")
    engine.script("CREATE VIRTUAL TABLE docs USING fts5(body)")
    history = History.init(engine, author="tester")
    engine.query("INSERT INTO docs(body) VALUES ('solo capture')").drain()
    assert engine.query("SELECT count(*) FROM docs WHERE docs MATCH 'solo'").scalar() == 1
    history.rewind("HEAD~1")
    assert engine.query("SELECT count(*) FROM docs").scalar() == 0
    history.rewind("HEAD@{1}")
    assert engine.query("SELECT count(*) FROM docs WHERE docs MATCH 'capture'").scalar() == 1
    history.close()
