"""Change capture: every write transaction through the engine becomes one record."""

from __future__ import annotations

import apsw
import pytest

from tests.history.helpers import dump
from zen.engine.errors import SqlError
from zen.history import History, store
from zen.history.errors import UncapturedChangeError
from zen.history.steps import RowsStep, SchemaStep, decode_steps


def records(history: History) -> list[store.Record]:
    return list(store.iter_records(history.conn))


def last_steps(history: History) -> list[object]:
    last = store.last_record(history.conn)
    assert last is not None
    return list(decode_steps(store.record_data(history.conn, last)))


def changes(step: object) -> list[tuple[str, str, object, object]]:
    assert isinstance(step, RowsStep)
    return [(c.name, c.op, c.old, c.new) for c in apsw.Changeset.iter(step.changeset)]


def test_lone_write_is_one_record_and_one_commit(history: History) -> None:
    history.engine.query("UPDATE users SET age = 37 WHERE id = 1").drain()
    assert len(records(history)) == 1
    (step,) = last_steps(history)
    assert changes(step) == [
        ("users", "UPDATE", (1, apsw.no_change, 36), (apsw.no_change, apsw.no_change, 37))
    ]
    (entry, root) = history.log()
    assert entry.commit.message == "UPDATE users SET age = 37 WHERE id = 1"
    assert entry.commit.parents == (root.commit.id,)


def test_returning_rows_survive_the_wrapping_transaction(history: History) -> None:
    result = history.engine.query("INSERT INTO users(name, age) VALUES ('new', 1) RETURNING id")
    assert list(result) == [(4,)]
    assert len(records(history)) == 1


def test_reads_write_nothing(history: History) -> None:
    list(history.engine.query("SELECT * FROM users"))
    with history.engine.transaction():
        list(history.engine.query("SELECT count(*) FROM notes"))
    assert records(history) == []


def test_script_is_one_record(history: History) -> None:
    history.engine.script("INSERT INTO notes VALUES ('x'); DELETE FROM kv WHERE k = 'a'")
    (step,) = last_steps(history)
    assert sorted(c[:2] for c in changes(step)) == [("kv", "DELETE"), ("notes", "INSERT")]
    assert len(history.log()) == 2


def test_user_begin_commit_statements_are_captured(history: History) -> None:
    history.engine.script(
        "BEGIN; INSERT INTO notes VALUES ('a'); INSERT INTO notes VALUES ('b'); COMMIT"
    )
    assert len(records(history)) == 1
    (step,) = last_steps(history)
    assert [c[3] for c in changes(step)] == [(3, "a"), (4, "b")]


def test_user_rollback_records_nothing(history: History) -> None:
    history.engine.script("BEGIN; DELETE FROM users; ROLLBACK")
    assert records(history) == []
    assert history.engine.query("SELECT count(*) FROM users").scalar() == 3


def test_failed_statement_rolls_back_with_its_record(history: History) -> None:
    with pytest.raises(SqlError):
        history.engine.script(
            "INSERT INTO notes VALUES ('kept?'); INSERT INTO users(id, name) VALUES (1, 'dup')"
        )
    assert records(history) == []
    assert history.engine.query("SELECT count(*) FROM notes").scalar() == 2


def test_rollback_to_savepoint_drops_exactly_the_later_changes(history: History) -> None:
    history.engine.script(
        "BEGIN; INSERT INTO notes VALUES ('before'); SAVEPOINT s1;"
        "INSERT INTO notes VALUES ('inside'); CREATE TABLE gone(x); ROLLBACK TO s1;"
        "INSERT INTO notes VALUES ('after'); RELEASE s1; COMMIT"
    )
    steps = last_steps(history)
    assert all(isinstance(s, RowsStep) for s in steps)
    bodies = [c[3][1] for s in steps for c in changes(s)]
    assert bodies == ["before", "after"]
    assert history.fsck().ok


def test_savepoint_outside_transaction_commits_on_release(history: History) -> None:
    history.engine.script("SAVEPOINT outer; INSERT INTO notes VALUES ('sp'); RELEASE outer")
    assert len(records(history)) == 1
    assert history.status().clean


def test_nested_engine_transactions_are_one_record(history: History) -> None:
    engine = history.engine
    with engine.transaction():
        engine.query("INSERT INTO notes VALUES ('outer')").drain()
        with pytest.raises(ZeroDivisionError), engine.transaction():
            engine.query("INSERT INTO notes VALUES ('inner')").drain()
            raise ZeroDivisionError
        engine.query("INSERT INTO notes VALUES ('outer2')").drain()
    bodies = [c[3][1] for s in last_steps(history) for c in changes(s)]
    assert bodies == ["outer", "outer2"]


def test_table_without_primary_key_is_tracked_by_rowid(history: History) -> None:
    history.engine.query("UPDATE notes SET body = 'changed' WHERE body = 'second'").drain()
    (step,) = last_steps(history)
    assert changes(step) == [("notes", "UPDATE", (2, "second"), (apsw.no_change, "changed"))]


def test_ddl_becomes_a_schema_step_between_rows_steps(history: History) -> None:
    history.engine.query("ALTER TABLE users ADD COLUMN email TEXT DEFAULT 'none'").drain()
    empty, schema, fill = last_steps(history)
    assert isinstance(schema, SchemaStep)
    assert schema.tables() == {"users"}
    assert [c[1] for c in changes(empty)] == ["DELETE"] * 3
    assert [c[3] for c in changes(fill)] == [
        (1, "ada", 36, "none"),
        (2, "linus", 28, "none"),
        (3, "grace", 45, "none"),
    ]


def test_create_index_is_a_schema_step_only(history: History) -> None:
    history.engine.query("CREATE INDEX users_age ON users(age)").drain()
    (step,) = last_steps(history)
    assert isinstance(step, SchemaStep)
    assert step.before == ()
    assert [e[1] for e in step.after] == ["users_age"]


def test_drop_table_records_its_rows_and_cascades(history: History) -> None:
    engine = history.engine
    engine.script(
        "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
        "CREATE TABLE child(id INTEGER PRIMARY KEY, p REFERENCES parent(id) ON DELETE CASCADE);"
        "INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (10, 1), (11, 2)"
    )
    engine.query("DROP TABLE parent").drain()
    assert engine.query("SELECT count(*) FROM child").scalar() == 0
    rows, schema = last_steps(history)  # normal form: all row changes, then the drop
    deleted = sorted((c[0], c[2]) for c in changes(rows) if c[1] == "DELETE")
    assert deleted == [("child", (10, 1)), ("child", (11, 2)), ("parent", (1,)), ("parent", (2,))]
    assert isinstance(schema, SchemaStep) and schema.after == ()


def test_create_table_as_select_records_the_new_rows(history: History) -> None:
    history.engine.query("CREATE TABLE adults AS SELECT name FROM users WHERE age > 30").drain()
    steps = last_steps(history)
    assert sorted(c[3] for c in changes(steps[-1])) == [(1, "ada"), (2, "grace")]


def test_trigger_effects_are_captured(history: History) -> None:
    engine = history.engine
    engine.script(
        "CREATE TABLE audit(what TEXT);"
        "CREATE TRIGGER t AFTER INSERT ON notes BEGIN INSERT INTO audit VALUES (new.body); END"
    )
    engine.query("INSERT INTO notes VALUES ('z')").drain()
    (step,) = last_steps(history)
    assert sorted(c[0] for c in changes(step)) == ["audit", "notes"]


def test_raw_connection_create_is_recorded_with_its_rows(history: History) -> None:
    engine = history.engine
    before = dump(engine.conn)
    with engine.transaction():
        engine.conn.execute("CREATE TABLE sneaky(x)")
        engine.conn.execute("CREATE INDEX sneaky_x ON sneaky(x)")
        engine.conn.execute("INSERT INTO sneaky VALUES (1), (2)")
    after = dump(engine.conn)
    assert after["rows"]["sneaky"] == [(1, 1), (2, 2)]
    history.rewind("HEAD~1")
    assert dump(engine.conn) == before
    history.rewind("HEAD~1")
    assert dump(engine.conn) == after
    assert history.fsck().ok


@pytest.mark.parametrize(
    "sql",
    ["ALTER TABLE notes ADD COLUMN extra", "DROP TABLE notes", "ALTER TABLE notes RENAME TO n2"],
)
def test_raw_connection_alter_or_drop_is_refused(history: History, sql: str) -> None:
    engine = history.engine
    before = dump(engine.conn)
    with pytest.raises(UncapturedChangeError), engine.transaction():
        engine.conn.execute(sql)
    assert dump(engine.conn) == before


def test_failed_ddl_records_nothing(history: History) -> None:
    with pytest.raises(SqlError):
        history.engine.query("ALTER TABLE users ADD COLUMN id2 INTEGER PRIMARY KEY").drain()
    assert records(history) == []


def test_two_engines_never_lose_a_transaction(history: History, db_path) -> None:
    other = History.open(db_path)
    try:
        for i in range(5):
            history.engine.query("INSERT INTO notes VALUES (?)", (f"a{i}",)).drain()
            other.engine.query("INSERT INTO notes VALUES (?)", (f"b{i}",)).drain()
    finally:
        other.close()
    assert len(records(history)) == 10
    assert len(history.log()) == 11
    assert history.status().clean
    assert history.fsck().ok


def test_vacuum_is_refused_while_a_table_is_tracked_by_rowid(history: History, tmp_path) -> None:
    from zen.history.errors import HistoryError

    with pytest.raises(HistoryError, match="rowid"):
        history.engine.query("VACUUM").drain()
    history.engine.query(f"VACUUM INTO '{tmp_path / 'copy.db'}'").drain()
    history.engine.query("DELETE FROM notes").drain()
    history.engine.query("VACUUM").drain()  # an empty rowid table has no rowids to renumber


def test_note_counts_the_statements_of_a_transaction(history: History) -> None:
    history.engine.script(
        "INSERT INTO notes VALUES ('a'); INSERT INTO notes VALUES ('b'); DELETE FROM kv"
    )
    assert history.log(n=1)[0].commit.message == "INSERT INTO notes VALUES ('a'); (+2 more)"


def test_null_primary_key_values_are_refused(history: History) -> None:
    from zen.history.errors import HistoryError

    engine = history.engine
    engine.script(
        "CREATE TABLE tags(name TEXT PRIMARY KEY, n INT); INSERT INTO tags VALUES ('a', 1)"
    )
    with pytest.raises(HistoryError, match="NULL in its primary key"):
        engine.query("INSERT INTO tags VALUES (NULL, 2)").drain()
    with pytest.raises(HistoryError, match="NULL in its primary key"):
        engine.query("UPDATE tags SET name = NULL").drain()
    assert engine.query("SELECT count(*) FROM tags WHERE name IS NULL").scalar() == 0
    engine.query("INSERT INTO tags VALUES ('b', 2)").drain()  # keyed rows are fine


def test_init_refuses_untrackable_rows(tmp_path) -> None:
    from zen.engine.core import Engine
    from zen.history.errors import HistoryError

    engine = Engine(tmp_path / "nulls.db")
    engine.script(
        "CREATE TABLE t(a TEXT, b TEXT, PRIMARY KEY (a, b)); INSERT INTO t VALUES ('x', NULL)"
    )
    with pytest.raises(HistoryError, match="NULL"):
        History.init(engine)
    engine.close()
