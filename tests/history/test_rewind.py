"""Rewind: the working copy returns to an earlier state, recorded and undoable."""

from __future__ import annotations

import pytest

from tests.history.helpers import dump
from zen.engine.errors import ZenError
from zen.history import History


def test_rewind_and_undo(history: History) -> None:
    engine = history.engine
    start = dump(history.conn)
    engine.query("UPDATE users SET age = 99").drain()
    engine.query("DELETE FROM notes WHERE body = 'first'").drain()
    engine.query("INSERT INTO kv VALUES ('c', 3.5)").drain()
    changed = dump(history.conn)
    result = history.rewind("HEAD~3")
    assert result.changed and result.rows == 3 + 1 + 1
    assert dump(history.conn) == start
    assert history.log(n=1)[0].commit.message == "rewind to HEAD~3"
    history.rewind("HEAD~1")
    assert dump(history.conn) == changed
    assert history.status().clean
    assert history.fsck().ok


def test_rewind_to_where_we_are_does_nothing(history: History) -> None:
    before = len(history.log())
    result = history.rewind("HEAD")
    assert not result.changed and result.commit is None
    assert len(history.log()) == before


def test_rewind_discards_pending_changes_recoverably(explicit: History) -> None:
    engine = explicit.engine
    start = dump(explicit.conn)
    engine.query("DELETE FROM users").drain()
    engine.query("INSERT INTO notes VALUES ('x')").drain()
    dirty = dump(explicit.conn)
    explicit.rewind("HEAD")
    assert dump(explicit.conn) == start
    assert explicit.status().clean
    explicit.rewind("HEAD~1")  # the rewind commit's parent holds the pending work's state
    assert dump(explicit.conn) != dirty  # HEAD~1 is the committed state, not the pending one


@pytest.mark.parametrize(
    "ddl",
    [
        "ALTER TABLE users ADD COLUMN email TEXT DEFAULT 'x@y'",
        "ALTER TABLE users DROP COLUMN age",
        "ALTER TABLE users RENAME COLUMN name TO full_name",
        "ALTER TABLE users RENAME TO people",
        "DROP TABLE users",
        "DROP TABLE kv",
        "DROP TABLE notes",
        "CREATE TABLE extra(a INTEGER PRIMARY KEY, b); INSERT INTO extra VALUES (1, 'b')",
        "CREATE INDEX users_age ON users(age)",
        "CREATE VIEW adults AS SELECT * FROM users WHERE age > 30",
        "CREATE TRIGGER t AFTER DELETE ON notes BEGIN INSERT INTO kv VALUES (old.body, 1); END",
        "CREATE TABLE copy AS SELECT * FROM users",
    ],
)
def test_rewind_across_ddl_restores_schema_and_rows(history: History, ddl: str) -> None:
    engine = history.engine
    engine.script("CREATE INDEX users_name ON users(name); CREATE TABLE marks(x)")
    start = dump(history.conn)
    engine.script(ddl)
    engine.script("INSERT INTO marks VALUES ('after ddl')")
    after = dump(history.conn)
    assert after != start
    history.rewind("HEAD~2")
    assert dump(history.conn) == start
    history.rewind("HEAD~1")
    assert dump(history.conn) == after
    assert history.fsck().ok


def test_rewind_does_not_fire_triggers_or_cascades_twice(history: History) -> None:
    engine = history.engine
    engine.script(
        "CREATE TABLE audit(n INTEGER);"
        "CREATE TRIGGER count_notes AFTER INSERT ON notes"
        " BEGIN INSERT INTO audit VALUES (new.rowid); END;"
        "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
        "CREATE TABLE child(id INTEGER PRIMARY KEY, p REFERENCES parent(id) ON DELETE CASCADE);"
        "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1)"
    )
    start = dump(history.conn)
    engine.script("INSERT INTO notes VALUES ('t'); DELETE FROM parent")
    after = dump(history.conn)
    history.rewind("HEAD~1")
    assert dump(history.conn) == start
    history.rewind("HEAD~1")
    assert dump(history.conn) == after
    assert engine.query("PRAGMA foreign_keys").scalar() == 1


def test_rewind_refuses_a_working_copy_changed_behind_its_back(history: History) -> None:
    engine = history.engine
    engine.query("UPDATE users SET age = 50 WHERE id = 1").drain()
    # A write history never saw (raw connection, no capture).
    engine.conn.execute("UPDATE users SET age = 51 WHERE id = 1")
    before = dump(history.conn)
    commits = len(history.log())
    # The owed autocommit of the UPDATE cannot be hashed any more, and the rewind
    # would conflict: either way it is refused and nothing changes.
    with pytest.raises(ZenError):
        history.rewind("HEAD~1")
    assert dump(history.conn) == before
    assert len(history.log()) <= commits + 1
    assert not history.fsck().ok  # the write history never saw is reported


def test_rewind_to_a_time(history: History, monkeypatch) -> None:
    from zen.history import store

    clock = [history.log()[0].commit.time_ms + 1000]
    monkeypatch.setattr(store.time, "time_ns", lambda: clock[0] * 1_000_000)
    history.set_policy("explicit")
    snapshots = []
    for i in range(3):
        clock[0] += 60_000
        history.engine.query("INSERT INTO notes VALUES (?)", (f"t{i}",)).drain()
        snapshots.append(dump(history.conn))
    clock[0] += 30_000
    # Transactions ran 150, 90 and 30 seconds ago.
    history.rewind("1 minute ago")
    assert dump(history.conn) == snapshots[1]
    history.rewind("@{100 seconds ago}")
    assert dump(history.conn) == snapshots[0]
    history.rewind("@{10 seconds ago}")  # before both rewinds, i.e. after the 3rd transaction
    assert dump(history.conn) == snapshots[2]
    assert history.fsck().ok


def test_rewind_records_stay_bounded_across_repeated_rewinds(history: History) -> None:
    from zen.history import store

    engine = history.engine
    engine.script("ALTER TABLE users ADD COLUMN email TEXT DEFAULT 'e'")
    engine.script("CREATE TABLE extra(x); INSERT INTO extra VALUES (1); DROP TABLE notes")
    sizes = []
    for _ in range(6):
        history.rewind("HEAD~2")
        last = store.last_record(history.conn)
        assert last is not None
        sizes.append(len(store.record_data(history.conn, last)))
    # HEAD~2 cycles through the three states: the second lap's records repeat the first's
    # sizes instead of growing with every schema step crossed.
    assert sizes[3:] == sizes[:3]
    assert history.fsck().ok
