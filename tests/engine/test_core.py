"""The engine: streaming, parameters, atomic scripts, transactions, interrupts."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import apsw
import pytest

from zen.engine.core import Engine, statement_metadata
from zen.engine.errors import InterruptedError_, SqlError, UsageError, ZenError

COUNT_TO = "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < {n}) "


def test_rows_stream_lazily() -> None:
    # Row 5 raises an overflow: reading rows 1-4 first proves nothing was read ahead.
    engine = Engine()
    sql = COUNT_TO.format(n=10) + (
        "SELECT CASE WHEN x = 5 THEN abs(-9223372036854775807 - 1) ELSE x END FROM r"
    )
    result = engine.query(sql)
    rows = iter(result)
    assert [next(rows)[0] for _ in range(4)] == [1, 2, 3, 4]
    with pytest.raises(SqlError, match="overflow"):
        next(rows)


def test_huge_result_first_rows_are_cheap() -> None:
    engine = Engine()
    result = engine.query(COUNT_TO.format(n=10**12) + "SELECT x FROM r")
    first = [row for _, row in zip(range(3), result, strict=False)]
    assert first == [(1,), (2,), (3,)]
    result.close()


def test_columns_known_for_empty_result() -> None:
    engine = Engine()
    engine.script("CREATE TABLE t(a, b)")
    result = engine.query("SELECT a, b AS bee FROM t")
    assert result.columns == ["a", "bee"]
    assert result.fetchall() == []


def test_named_and_positional_parameters() -> None:
    engine = Engine()
    assert engine.query("SELECT :a || :b", {"a": "x", "b": "y"}).scalar() == "xy"
    assert engine.query("SELECT ? + ?", [40, 2]).scalar() == 42
    with pytest.raises(UsageError, match=":b"):
        engine.query("SELECT :a, :b", {"a": 1})


def test_query_refuses_several_statements() -> None:
    with pytest.raises(UsageError, match="one SQL statement"):
        Engine().query("SELECT 1; SELECT 2")


def test_script_is_atomic(users_db: Path) -> None:
    engine = Engine(users_db)
    with pytest.raises(SqlError, match="no such table"):
        engine.script("INSERT INTO users(name) VALUES ('x'); INSERT INTO nope VALUES (1)")
    assert engine.query("SELECT count(*) FROM users").scalar() == 3
    assert not engine.in_transaction


def test_script_with_its_own_transaction(users_db: Path) -> None:
    engine = Engine(users_db)
    engine.script("BEGIN; DELETE FROM users WHERE id = 1; COMMIT;")
    assert engine.query("SELECT count(*) FROM users").scalar() == 2


def test_failed_statement_in_user_transaction_keeps_it_open(users_db: Path) -> None:
    engine = Engine(users_db)
    engine.query("BEGIN").drain()
    engine.query("DELETE FROM users WHERE id = 1").drain()
    with pytest.raises(SqlError) as info:
        engine.query("INSERT INTO nope VALUES (1)")
    assert engine.in_transaction
    assert info.value.hint is not None and "still open" in info.value.hint
    engine.query("ROLLBACK").drain()
    assert engine.query("SELECT count(*) FROM users").scalar() == 3


def test_trigger_with_semicolons_runs(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "t.db")
    engine.script(
        "CREATE TABLE a(x); CREATE TABLE log(x);"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO log VALUES (new.x); "
        "INSERT INTO log VALUES (new.x * 10); END;"
        "INSERT INTO a VALUES (2);"
    )
    assert engine.query("SELECT x FROM log ORDER BY x").fetchall() == [(2,), (20,)]


def test_nested_transactions_roll_back_inner_only(users_db: Path) -> None:
    engine = Engine(users_db)
    with engine.transaction():
        engine.query("DELETE FROM users WHERE id = 1").drain()
        with pytest.raises(RuntimeError), engine.transaction():
            engine.query("DELETE FROM users").drain()
            raise RuntimeError("inner fails")
    assert engine.query("SELECT count(*) FROM users").scalar() == 2


def test_returning_rows_are_written_even_if_unread(users_db: Path) -> None:
    engine = Engine(users_db)
    results = engine.run("INSERT INTO users(name) VALUES ('a'), ('b') RETURNING id; SELECT 1")
    for _ in results:
        pass  # the RETURNING result is never iterated
    assert engine.query("SELECT count(*) FROM users").scalar() == 5


def test_interrupt_from_another_thread_rolls_back(users_db: Path) -> None:
    engine = Engine(users_db)
    timer = threading.Timer(0.3, engine.interrupt)
    timer.start()
    started = time.monotonic()
    with pytest.raises(InterruptedError_, match="interrupted"):
        engine.script(COUNT_TO.format(n=10**9) + "INSERT INTO users(name) SELECT 'n' || x FROM r")
    assert time.monotonic() - started < 30
    assert engine.query("SELECT count(*) FROM users").scalar() == 3


def test_unknown_names_get_hints(users_db: Path) -> None:
    engine = Engine(users_db)
    with pytest.raises(SqlError) as info:
        engine.query("SELECT * FROM userz")
    assert info.value.hint == "did you mean users?"
    with pytest.raises(SqlError) as info:
        engine.query("SELECT nmae FROM users")
    assert info.value.hint == "did you mean name?"


def test_syntax_error_has_caret() -> None:
    with pytest.raises(SqlError) as info:
        Engine().query("SELECT 1 FROM WHERE")
    rendered = info.value.render()
    assert "syntax error" in rendered
    caret_line = rendered.splitlines()[2]
    assert caret_line.index("^") - 2 == "SELECT 1 FROM WHERE".index("WHERE")


def test_errors_are_zen_errors() -> None:
    with pytest.raises(ZenError):
        Engine().query("SELECT no_such_function()")


def test_changes_count_only_the_statements_own_rows(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "t.db")
    engine.script(
        "CREATE TABLE a(x); CREATE TABLE log(n); INSERT INTO log VALUES (0);"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE log SET n = n + 1; END;"
    )
    assert engine.query("INSERT INTO a VALUES (1), (2)").changes == 2
    assert engine.query("SELECT * FROM a").changes == 0


# Each statement's columns and read-only flag, as a fresh preparation reports them
# before it runs, must equal what its Result says after it ran (whichever path).
_METADATA_CASES = [
    "SELECT id, name FROM u",
    "SELECT id FROM u WHERE id < 0",
    "INSERT INTO u(name) VALUES ('x')",
    "INSERT INTO u(name) VALUES ('y') RETURNING id, name",
    "UPDATE u SET name = name || '!' WHERE id > 100",
    "UPDATE u SET name = 'z' WHERE id < 0 RETURNING id",
    "DELETE FROM u WHERE id = 1",
    "REPLACE INTO u(id, name) VALUES (2, 'r')",
    "WITH n(v) AS (SELECT 5) INSERT INTO u(name) SELECT v FROM n",
    "VALUES (1, 2)",
    "PRAGMA table_info(u)",
    "CREATE TABLE v(a)",
]


@pytest.mark.parametrize("sql", _METADATA_CASES)
def test_result_metadata_matches_a_fresh_preparation(sql: str) -> None:
    engine = Engine(":memory:")
    engine.script("CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO u VALUES (1, '')")
    statement = engine.statement(sql)
    expected_description, expected_read_only = statement_metadata(engine.conn, statement, None)
    result = engine.execute(statement)
    assert (result.description, result.read_only) == (
        tuple(expected_description),
        expected_read_only,
    )
    result.drain()


@pytest.mark.parametrize("sql", _METADATA_CASES)
def test_result_metadata_asked_after_the_rows_were_read(sql: str) -> None:
    engine = Engine(":memory:")
    engine.script("CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO u VALUES (1, '')")
    statement = engine.statement(sql)
    expected = statement_metadata(engine.conn, statement, None)
    result = engine.execute(statement)
    result.drain()
    assert (result.description, result.read_only) == (tuple(expected[0]), expected[1])


def test_close_with_a_result_left_unread(users_db: Path) -> None:
    engine = Engine(users_db)
    unread = engine.query("SELECT * FROM users")
    assert next(iter(unread))
    engine.close()  # the unread statement is finalised, not "database is locked"
    with pytest.raises(apsw.ConnectionClosedError):
        engine.conn.execute("SELECT 1")


def test_a_failed_start_leaves_nothing_open(users_db: Path) -> None:
    engine = Engine(users_db)
    for _ in range(3):
        with pytest.raises(UsageError, match="parameter"):
            engine.query("SELECT * FROM users WHERE id = :id")
    engine.close()
