"""zen.dbapi: the PEP 249 connection, checked against the stdlib sqlite3 module."""

from __future__ import annotations

import datetime as dt
import doctest
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import apsw
import pytest

import zen
import zen.api
from zen import dbapi

SCHEMA = """
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0));
CREATE TABLE posts(id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), body BLOB);
INSERT INTO users(name, age) VALUES ('ada', 36), ('linus', 28), ('grace', 45);
"""


def _create(path: Path) -> Path:
    with sqlite3.connect(path) as raw:
        raw.executescript(SCHEMA)
    raw.close()
    return path


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return _create(tmp_path / "app.db")


@pytest.fixture
def conn(path: Path) -> Iterator[dbapi.Connection]:
    connection = dbapi.connect(path)
    yield connection
    connection.close()


@pytest.fixture
def history_path(tmp_path: Path) -> Path:
    """A database with history on (policy: a commit per transaction)."""
    path = _create(tmp_path / "hist.db")
    zen.api.init(path, project=False)
    return path


def _others_see(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """What another connection reads (only committed data).

    It is an APSW connection: the stdlib's own SQLite library would not share
    zen's file locks inside one process (POSIX locks are per process).
    """
    other = apsw.Connection(str(path))
    try:
        return [tuple(row) for row in other.execute(sql)]
    finally:
        other.close()


def _messages(path: Path) -> list[str]:
    with zen.api.open(path) as db:
        return [entry.commit.message for entry in db.history.log()]


# -- module -------------------------------------------------------------------------------


def test_module_globals() -> None:
    assert dbapi.apilevel == "2.0"
    assert dbapi.threadsafety in {0, 1, 2, 3}
    assert dbapi.paramstyle == "qmark"
    assert dbapi.sqlite_version_info[0] == 3
    assert dbapi.sqlite_version == ".".join(map(str, dbapi.sqlite_version_info))


@pytest.mark.parametrize(
    ("name", "parent"),
    [
        ("Warning", Exception),
        ("Error", zen.ZenError),
        ("InterfaceError", dbapi.Error),
        ("DatabaseError", dbapi.Error),
        ("DataError", dbapi.DatabaseError),
        ("OperationalError", dbapi.DatabaseError),
        ("IntegrityError", dbapi.DatabaseError),
        ("InternalError", dbapi.DatabaseError),
        ("ProgrammingError", dbapi.DatabaseError),
        ("NotSupportedError", dbapi.DatabaseError),
    ],
)
def test_exception_hierarchy(name: str, parent: type[Exception]) -> None:
    assert issubclass(getattr(dbapi, name), parent)


# -- errors: each case raises the class sqlite3 raises ------------------------------------

ERROR_CASES: list[tuple[str, str, Any, str]] = [
    ("unique", "INSERT INTO users(name) VALUES ('ada')", (), "IntegrityError"),
    ("not null", "INSERT INTO users(age) VALUES (1)", (), "IntegrityError"),
    ("check", "UPDATE users SET age = -1", (), "IntegrityError"),
    ("foreign key", "INSERT INTO posts(user_id) VALUES (99)", (), "IntegrityError"),
    ("mismatch", "INSERT INTO users(id, name) VALUES ('x', 'y')", (), "IntegrityError"),
    ("syntax", "SELEC 1", (), "OperationalError"),
    ("no such table", "SELECT * FROM nope", (), "OperationalError"),
    ("no such column", "SELECT nope FROM users", (), "OperationalError"),
    ("two statements", "SELECT 1; SELECT 2", (), "ProgrammingError"),
    ("too many bindings", "SELECT ?", (1, 2), "ProgrammingError"),
    ("missing named", "SELECT :a", {"b": 1}, "ProgrammingError"),
    ("unsupported type", "SELECT ?", (object(),), "ProgrammingError"),
]


def _raised(run: Callable[[], object]) -> BaseException:
    with pytest.raises(Exception) as caught:
        run()
    return caught.value


@pytest.mark.parametrize(("case", "sql", "params", "expected"), ERROR_CASES)
def test_error_classes_match_sqlite3(
    conn: dbapi.Connection, tmp_path: Path, case: str, sql: str, params: Any, expected: str
) -> None:
    raw = sqlite3.connect(_create(tmp_path / "stdlib.db"))
    raw.execute("PRAGMA foreign_keys = ON")  # zen turns foreign keys on
    stdlib_error = _raised(lambda: raw.execute(sql, params))
    raw.close()
    zen_error = _raised(lambda: conn.execute(sql, params))
    assert type(stdlib_error).__name__ == expected
    assert type(zen_error) is getattr(dbapi, expected)
    assert isinstance(zen_error, zen.ZenError)
    assert str(zen_error)


def test_errors_carry_sqlite_codes(conn: dbapi.Connection) -> None:
    with pytest.raises(dbapi.IntegrityError) as caught:
        conn.execute("INSERT INTO users(name) VALUES ('ada')")
    assert caught.value.sqlite_errorname == "SQLITE_CONSTRAINT_UNIQUE"
    assert caught.value.sqlite_errorcode == sqlite3.SQLITE_CONSTRAINT_UNIQUE
    assert "users.name" in caught.value.message


def test_read_only_connection(path: Path) -> None:
    conn = dbapi.connect(path, read_only=True)
    assert conn.execute("SELECT count(*) FROM users").fetchone() == (3,)
    with pytest.raises(dbapi.OperationalError):
        conn.execute("DELETE FROM users")
    conn.close()
    assert _others_see(path, "SELECT count(*) FROM users") == [(3,)]


def test_open_errors(tmp_path: Path) -> None:
    with pytest.raises(dbapi.OperationalError):
        dbapi.connect(tmp_path / "missing.db", read_only=True)
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all, just text" * 10)
    with pytest.raises(dbapi.DatabaseError):
        dbapi.connect(junk)


def test_locked_database_times_out(path: Path) -> None:
    conn = dbapi.connect(path, timeout=0.05)
    holder = apsw.Connection(str(path))  # zen's SQLite library, so the lock is shared
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(dbapi.OperationalError, match="locked"):
        conn.execute("INSERT INTO users(name) VALUES ('x')")
    holder.execute("ROLLBACK")
    holder.close()
    conn.close()


# -- closed objects -----------------------------------------------------------------------

CLOSED_CONNECTION_CALLS: list[Callable[[dbapi.Connection], object]] = [
    lambda c: c.cursor(),
    lambda c: c.execute("SELECT 1"),
    lambda c: c.executemany("INSERT INTO users(name) VALUES (?)", [("x",)]),
    lambda c: c.commit(),
    lambda c: c.rollback(),
    lambda c: c.in_transaction,
    lambda c: c.database,
]


@pytest.mark.parametrize("call", CLOSED_CONNECTION_CALLS)
def test_closed_connection_raises(path: Path, call: Callable[[dbapi.Connection], object]) -> None:
    conn = dbapi.connect(path)
    cursor = conn.execute("SELECT * FROM users")
    conn.close()
    conn.close()  # closing twice is allowed
    with pytest.raises(dbapi.ProgrammingError, match="closed database"):
        call(conn)
    with pytest.raises(dbapi.ProgrammingError):
        cursor.fetchone()


CLOSED_CURSOR_CALLS: list[Callable[[dbapi.Cursor], object]] = [
    lambda c: c.execute("SELECT 1"),
    lambda c: c.executemany("INSERT INTO users(name) VALUES (?)", [("x",)]),
    lambda c: c.fetchone(),
    lambda c: c.fetchmany(2),
    lambda c: c.fetchall(),
    lambda c: next(iter(c)),
]


@pytest.mark.parametrize("call", CLOSED_CURSOR_CALLS)
def test_closed_cursor_raises(
    conn: dbapi.Connection, call: Callable[[dbapi.Cursor], object]
) -> None:
    cursor = conn.execute("SELECT * FROM users")
    cursor.close()
    with pytest.raises(dbapi.ProgrammingError, match="closed cursor"):
        call(cursor)
    assert conn.execute("SELECT count(*) FROM users").fetchone() == (3,)


# -- cursors ------------------------------------------------------------------------------


def test_description_and_fetching(conn: dbapi.Connection) -> None:
    cur = conn.cursor()
    assert cur.description is None
    assert cur.arraysize == 1
    cur.execute("SELECT id, name, age * 2 AS twice FROM users ORDER BY id")
    assert cur.description == (
        ("id", "INTEGER", None, None, None, None, None),
        ("name", "TEXT", None, None, None, None, None),
        ("twice", None, None, None, None, None, None),
    )
    assert cur.rowcount == -1
    assert cur.fetchone() == (1, "ada", 72)
    assert cur.fetchmany() == [(2, "linus", 56)]
    cur.arraysize = 5
    assert cur.fetchmany() == [(3, "grace", 90)]
    assert cur.fetchone() is None
    assert cur.fetchall() == []


def test_iteration_and_parameter_styles(conn: dbapi.Connection) -> None:
    qmark = [row for row in conn.execute("SELECT name FROM users WHERE age > ?", (30,))]
    named = list(conn.execute("SELECT name FROM users WHERE age > :age", {"age": 30}))
    as_list = conn.execute("SELECT name FROM users WHERE age > ?", [30]).fetchall()
    assert qmark == named == as_list == [("ada",), ("grace",)]


def test_type_objects_compare_with_type_codes(conn: dbapi.Connection) -> None:
    conn.execute(
        "CREATE TABLE typed(a INTEGER, b VARCHAR(10), c BLOB, d REAL, e DECIMAL(5,2), f DATETIME,"
        " g DATE, h)"
    )
    description = conn.execute("SELECT * FROM typed").description
    assert description is not None
    codes = {column[0]: column[1] for column in description}
    expected = {
        "a": dbapi.NUMBER,
        "b": dbapi.STRING,
        "c": dbapi.BINARY,
        "d": dbapi.NUMBER,
        "e": dbapi.NUMBER,
        "f": dbapi.DATETIME,
        "g": dbapi.DATETIME,
    }
    for name, type_object in expected.items():
        assert codes[name] == type_object, name
    assert codes["b"] != dbapi.NUMBER
    assert codes["a"] != dbapi.STRING
    assert codes["a"] != dbapi.ROWID
    assert codes["h"] is None  # no declared type, as for an expression


@pytest.mark.parametrize(
    "value",
    [
        dbapi.Date(2026, 11, 23),
        dbapi.Timestamp(2026, 11, 23, 4, 5, 6),
        dbapi.Timestamp(2026, 11, 23, 4, 5, 6, 789),
        dbapi.Binary(b"\x00\xffzen"),
        bytearray(b"\x01\x02"),
        "text",
        42,
        1.5,
        None,
    ],
)
def test_values_are_stored_as_sqlite3_stores_them(conn: dbapi.Connection, value: Any) -> None:
    raw = sqlite3.connect(":memory:")
    stored = raw.execute("SELECT ?, typeof(?)", (value, value)).fetchone()
    raw.close()
    assert conn.execute("SELECT ?, typeof(?)", (value, value)).fetchone() == stored


def test_time_and_tick_constructors(conn: dbapi.Connection) -> None:
    noon = dbapi.Time(12, 30, 1)
    assert conn.execute("SELECT ?", (noon,)).fetchone() == ("12:30:01",)
    ticks = 1_700_000_000.0
    stamp = dbapi.TimestampFromTicks(ticks)
    assert stamp == dt.datetime.fromtimestamp(ticks).replace(microsecond=0)
    assert dbapi.DateFromTicks(ticks) == stamp.date()
    assert dbapi.TimeFromTicks(ticks) == stamp.time()


def test_rowcount_and_lastrowid(conn: dbapi.Connection) -> None:
    cur = conn.execute("INSERT INTO users(name, age) VALUES ('barbara', 80)")
    assert (cur.rowcount, cur.lastrowid) == (1, 4)
    assert conn.execute("UPDATE users SET age = age + 1 WHERE age > 30").rowcount == 3
    assert conn.execute("DELETE FROM users WHERE name = 'nobody'").rowcount == 0
    assert conn.execute("DELETE FROM users WHERE age > 40").rowcount == 2
    assert conn.execute("CREATE TABLE other(x)").rowcount == -1
    returning = conn.execute("INSERT INTO users(name) VALUES ('r'), ('s') RETURNING id, name")
    assert returning.rowcount == 2
    assert returning.fetchone() == (returning.lastrowid - 1, "r")
    conn.commit()  # sqlite3 refuses: "SQL statements in progress"
    assert returning.fetchall() == [(returning.lastrowid, "s")]


def test_setinputsizes_and_setoutputsize_do_nothing(conn: dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.setinputsizes([10, None])
    cur.setoutputsize(100)
    cur.setoutputsize(100, 0)
    assert cur.execute("SELECT count(*) FROM users").fetchone() == (3,)


def test_row_factory(conn: dbapi.Connection) -> None:
    conn.row_factory = lambda cursor, row: {
        d[0]: v for d, v in zip(cursor.description, row, strict=True)
    }
    assert conn.execute("SELECT id, name FROM users WHERE id = 1").fetchall() == [
        {"id": 1, "name": "ada"}
    ]
    cur = conn.cursor()
    cur.row_factory = None
    assert cur.execute("SELECT id FROM users WHERE id = 2").fetchone() == (2,)


def test_create_function(conn: dbapi.Connection) -> None:
    conn.create_function("shout", 1, lambda text: text.upper() + "!", deterministic=True)
    assert conn.execute("SELECT shout(name) FROM users WHERE id = 1").fetchone() == ("ADA!",)


# -- executemany ----------------------------------------------------------------------------

TRIGGER = """
CREATE TABLE audit(n);
CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN INSERT INTO audit VALUES (new.id); END;
"""


@pytest.mark.parametrize("with_trigger", [False, True])
@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        ("INSERT INTO users(name, age) VALUES (?, ?)", [("u1", 1), ("u2", 2), ("u3", 3)]),
        (
            "INSERT INTO users(name, age) VALUES (:n, :a)",
            [{"n": "u1", "a": 1}, {"n": "u2", "a": 2}],
        ),
        ("UPDATE users SET age = age + 1 WHERE age > ?", [(30,), (40,), (100,)]),
        ("DELETE FROM users WHERE name = ?", [("ada",), ("nobody",), ("grace",)]),
    ],
)
def test_executemany_matches_sqlite3(
    tmp_path: Path, sql: str, rows: list[Any], with_trigger: bool
) -> None:
    results = []
    for name, connect in (("stdlib", sqlite3.connect), ("zen", dbapi.connect)):
        db = _create(tmp_path / f"{name}.db")
        if with_trigger:
            with sqlite3.connect(db) as raw:
                raw.executescript(TRIGGER)
            raw.close()
        conn: Any = connect(db)
        cur = conn.executemany(sql, iter(rows))
        conn.commit()
        conn.close()
        dump = _others_see(db, "SELECT * FROM users ORDER BY id")
        results.append((cur.rowcount, dump))
    assert results[0] == results[1]


def test_executemany_with_returning_counts_every_row(conn: dbapi.Connection) -> None:
    # sqlite3 reports 0 here; every row is counted and inserted.
    cur = conn.executemany("INSERT INTO users(name) VALUES (?) RETURNING id", [("r1",), ("r2",)])
    assert cur.rowcount == 2
    assert cur.fetchall() == []  # the RETURNING rows are dropped, as in sqlite3
    assert conn.execute("SELECT name FROM users WHERE id > 3").fetchall() == [("r1",), ("r2",)]


def test_executemany_edge_cases(conn: dbapi.Connection) -> None:
    assert conn.executemany("INSERT INTO users(name) VALUES (?)", []).rowcount == 0
    with pytest.raises(dbapi.ProgrammingError, match="DML"):
        conn.executemany("SELECT ?", [(1,)])
    with pytest.raises(dbapi.ProgrammingError):
        conn.executemany("INSERT INTO users(name) VALUES (:n)", [{"n": "a1"}, {"x": 1}])
    with pytest.raises(dbapi.ProgrammingError):
        conn.executemany("INSERT INTO users(name) VALUES (?)", [("a2",), (object(),)])
    cur = conn.executemany(
        "INSERT INTO users(name, age) VALUES (?, ?)", [("d1", dbapi.Date(2020, 1, 2))]
    )
    assert cur.lastrowid == conn.execute("SELECT max(id) FROM users").fetchone()[0]


def test_executemany_failure_rolls_back_with_the_transaction(
    conn: dbapi.Connection, path: Path
) -> None:
    rows = [("n1",), ("n2",), ("ada",), ("n3",)]
    with pytest.raises(dbapi.IntegrityError):
        conn.executemany("INSERT INTO users(name) VALUES (?)", rows)
    assert conn.in_transaction  # as in sqlite3: the rows before the failure are pending
    assert conn.execute("SELECT count(*) FROM users").fetchone() == (5,)
    conn.rollback()
    assert _others_see(path, "SELECT count(*) FROM users") == [(3,)]


# -- transactions -------------------------------------------------------------------------


def test_dml_opens_a_transaction_and_commit_publishes_it(
    conn: dbapi.Connection, path: Path
) -> None:
    assert not conn.in_transaction
    conn.execute("SELECT * FROM users").fetchall()
    assert not conn.in_transaction
    conn.execute("INSERT INTO users(name) VALUES ('barbara')")
    assert conn.in_transaction
    assert _others_see(path, "SELECT count(*) FROM users") == [(3,)]
    conn.commit()
    assert not conn.in_transaction
    assert _others_see(path, "SELECT count(*) FROM users") == [(4,)]


def test_rollback_discards_dml_and_ddl_inside_the_transaction(
    conn: dbapi.Connection, path: Path
) -> None:
    conn.execute("UPDATE users SET age = 0")
    conn.execute("CREATE TABLE scratch(x)")
    conn.execute("INSERT INTO scratch VALUES (1)")
    conn.rollback()
    assert not conn.in_transaction
    assert _others_see(path, "SELECT sum(age) FROM users") == [(109,)]
    assert _others_see(path, "SELECT name FROM sqlite_schema WHERE name = 'scratch'") == []


def test_ddl_outside_a_transaction_commits_on_its_own(conn: dbapi.Connection, path: Path) -> None:
    conn.execute("CREATE TABLE kept(x)")
    assert not conn.in_transaction
    assert _others_see(path, "SELECT name FROM sqlite_schema WHERE name = 'kept'") == [("kept",)]


def test_close_without_commit_discards(path: Path) -> None:
    conn = dbapi.connect(path)
    conn.execute("DELETE FROM users")
    conn.close()
    assert _others_see(path, "SELECT count(*) FROM users") == [(3,)]


def test_context_manager_commits_or_rolls_back(path: Path) -> None:
    conn = dbapi.connect(path)
    with conn:
        conn.execute("INSERT INTO users(name) VALUES ('kept')")
    with pytest.raises(ZeroDivisionError), conn:
        conn.execute("INSERT INTO users(name) VALUES ('dropped')")
        _ = 1 / 0
    assert conn.execute("SELECT 1").fetchone() == (1,)  # still open
    conn.close()
    assert _others_see(path, "SELECT name FROM users WHERE id > 3") == [("kept",)]


@pytest.mark.parametrize("options", [{"isolation_level": None}, {"autocommit": True}])
def test_autocommit_mode(path: Path, options: dict[str, Any]) -> None:
    conn = dbapi.connect(path, **options)
    assert conn.autocommit and conn.isolation_level is None
    conn.execute("INSERT INTO users(name) VALUES ('now')")
    assert not conn.in_transaction
    assert _others_see(path, "SELECT count(*) FROM users") == [(4,)]
    conn.executemany("INSERT INTO users(name) VALUES (?)", [("m1",), ("m2",)])
    assert _others_see(path, "SELECT count(*) FROM users") == [(6,)]
    conn.execute("BEGIN")  # explicit transactions still work
    conn.execute("DELETE FROM users")
    conn.rollback()
    conn.close()
    assert _others_see(path, "SELECT count(*) FROM users") == [(6,)]


def test_switching_isolation_level(conn: dbapi.Connection, path: Path) -> None:
    conn.execute("INSERT INTO users(name) VALUES ('pending')")
    conn.isolation_level = None  # as in sqlite3, this commits the open transaction
    assert _others_see(path, "SELECT count(*) FROM users") == [(4,)]
    conn.autocommit = False
    assert conn.isolation_level == "DEFERRED"
    conn.isolation_level = "immediate"
    conn.execute("DELETE FROM users WHERE name = 'pending'")
    assert conn.in_transaction
    with pytest.raises(dbapi.ProgrammingError):
        conn.isolation_level = "SOMETIMES"
    with pytest.raises(dbapi.ProgrammingError):
        dbapi.connect(path, isolation_level="SOMETIMES")


def test_executescript_commits_first_then_runs_atomically(
    conn: dbapi.Connection, path: Path
) -> None:
    conn.execute("INSERT INTO users(name) VALUES ('before')")
    with pytest.raises(dbapi.IntegrityError):
        conn.executescript(
            "INSERT INTO users(name) VALUES ('s1'); INSERT INTO users(name) VALUES ('ada');"
        )
    assert _others_see(path, "SELECT name FROM users WHERE id > 3") == [("before",)]
    conn.executescript("CREATE TABLE t2(x); INSERT INTO t2 VALUES (1), (2);")
    assert _others_see(path, "SELECT count(*) FROM t2") == [(2,)]


@pytest.mark.parametrize("explicit", [False, True])
def test_begin_starts_a_snapshot_with_the_next_statement(path: Path, explicit: bool) -> None:
    conn = dbapi.connect(path)
    if explicit:
        conn.begin()
    assert conn.execute("SELECT count(*) FROM users").fetchone() == (3,)
    assert conn.in_transaction is explicit
    other = apsw.Connection(str(path))
    other.execute("INSERT INTO users(name) VALUES ('elsewhere')")
    other.close()
    # In a transaction the read is repeatable; without one (sqlite3's rule) it is fresh.
    assert conn.execute("SELECT count(*) FROM users").fetchone() == ((3,) if explicit else (4,))
    conn.commit()
    assert not conn.in_transaction
    assert conn.execute("SELECT count(*) FROM users").fetchone() == (4,)
    conn.close()


def test_concurrent_writers_lose_nothing(history_path: Path) -> None:
    before = len(_messages(history_path))

    def work(worker: int) -> None:
        conn = dbapi.connect(history_path)
        for n in range(8):
            conn.execute("SELECT count(*) FROM users").fetchone()
            conn.execute("INSERT INTO users(name) VALUES (?)", (f"w{worker}-{n}",))
            conn.commit()
        conn.close()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _others_see(history_path, "SELECT count(*) FROM users") == [(3 + 24,)]
    assert len(_messages(history_path)) == before + 24


# -- history ------------------------------------------------------------------------------


def test_each_commit_is_one_history_record(history_path: Path) -> None:
    before = _messages(history_path)
    conn = dbapi.connect(history_path)
    conn.execute("INSERT INTO users(name, age) VALUES (?, ?)", ("barbara", 80))
    conn.executemany("UPDATE users SET age = ? WHERE name = ?", [(1, "ada"), (2, "linus")])
    conn.commit()
    assert len(conn.database.history.log()) == len(before) + 1
    diff = conn.database.history.diff("HEAD~1", "HEAD")
    counts = {t.table: (t.added, t.removed, t.changed) for t in diff.tables}
    assert counts == {"users": (1, 0, 2)}
    conn.execute("DELETE FROM users")
    conn.rollback()
    conn.close()
    assert len(_messages(history_path)) == len(before) + 1


def test_zen_refusals_are_operational_errors_with_a_hint(history_path: Path) -> None:
    conn = dbapi.connect(history_path)
    conn.execute("CREATE TABLE notes(body)")  # no primary key: history tracks rowids
    conn.execute("INSERT INTO notes VALUES ('x')")
    conn.commit()
    with pytest.raises(dbapi.OperationalError) as caught:
        conn.execute("VACUUM")
    assert isinstance(caught.value.__cause__, zen.ZenError)
    assert caught.value.hint
    assert caught.value.sqlite_errorcode is None  # zen refused it, not SQLite
    conn.close()


def test_autocommit_records_each_statement(history_path: Path) -> None:
    before = len(_messages(history_path))
    conn = dbapi.connect(history_path, autocommit=True)
    conn.execute("INSERT INTO users(name) VALUES ('one')")
    conn.executemany("INSERT INTO users(name) VALUES (?)", [("two",), ("three",)])
    conn.close()
    messages = _messages(history_path)
    assert len(messages) == before + 2
    assert "INSERT INTO users(name) VALUES (?)" in messages[0]


def test_history_rewinds_to_a_dbapi_commit(history_path: Path) -> None:
    conn = dbapi.connect(history_path)
    conn.execute("UPDATE users SET age = 99 WHERE name = 'ada'")
    conn.commit()
    conn.execute("UPDATE users SET age = 100 WHERE name = 'ada'")
    conn.commit()
    conn.database.history.rewind("HEAD~1")
    assert conn.execute("SELECT age FROM users WHERE name = 'ada'").fetchone() == (99,)
    conn.close()


# -- docs ---------------------------------------------------------------------------------


def test_docstring_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zen, "connect", dbapi.connect, raising=False)  # until zen exports it
    outcome = doctest.testmod(dbapi, optionflags=doctest.ELLIPSIS)
    assert outcome.attempted >= 6
    assert outcome.failed == 0
