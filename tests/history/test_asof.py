"""``AS OF``: fixture cases and a random walk, each checked against plain SQLite replays."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import apsw
import pytest

import zen
from zen.engine.core import Engine
from zen.engine.errors import ZenError
from zen.history import History, store
from zen.history.asof import PREFIX, find_references
from zen.history.errors import HistoryError
from zen.history.sqlext import prepare

CASES = json.loads((Path(__file__).parents[1] / "fixtures/asof/cases.json").read_text())


def canonical(rows: list[Any]) -> list[tuple[Any, ...]]:
    """Rows as a sorted multiset that tells 1, 1.0 and '1' apart."""
    return sorted((tuple((type(v).__name__, v) for v in row) for row in rows), key=repr)


class Replay:
    """The same statements replayed in plain SQLite files (no zen), one per tag."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.statements: list[str] = []
        self.tagged: dict[str, list[str]] = {}

    def tag(self, name: str) -> None:
        self.tagged[name] = list(self.statements)
        conn = apsw.Connection(str(self.folder / f"replay_{name}.db"))
        for sql in self.statements:
            conn.execute(sql)
        conn.close()

    def rewind(self, name: str) -> None:
        self.statements = list(self.tagged[name])

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        conn = apsw.Connection(":memory:")
        for name in self.tagged:
            conn.execute(f'ATTACH ? AS "{name}"', (str(self.folder / f"replay_{name}.db"),))
        text = re.sub(r"\{(\w+)\}", lambda m: f'"{m.group(1)}"', sql)
        return [tuple(r) for r in conn.execute(text)]


def run_case(case: dict[str, Any], tmp_path: Path) -> tuple[zen.Database, Replay, dict[str, str]]:
    """Play the case's steps through zen and the replay; returns the substitutions."""
    path = tmp_path / "app.db"
    with Engine(path) as engine:
        engine.script(case["setup"])
        History.init(engine, policy=case.get("policy", "transaction"), author="t", observe=False)
    db = zen.open(path)
    history = db.history
    replay = Replay(tmp_path)
    replay.statements.append(case["setup"])
    history.tag("start")
    replay.tag("start")
    subs: dict[str, str] = {}
    for step in case["steps"]:
        time.sleep(0.004)  # distinct record times for the @{time} refs
        if "sql" in step:
            db.script(step["sql"])
            replay.statements.append(step["sql"])
        if "commit" in step:
            history.commit(step["commit"])
        if "rewind" in step:
            history.rewind(step["rewind"])
            replay.rewind(step["rewind"])
        name = step.get("tag")
        if name:
            replay.tag(name)
            last = store.last_record(history.conn)
            assert last is not None
            stamp = datetime.fromtimestamp(last.time_ms / 1000)
            subs[f"time:{name}"] = "@{" + stamp.isoformat(" ", timespec="milliseconds") + "}"
            if history.status().clean:
                history.tag(name, force=True)
                subs[f"hash:{name}"] = history.resolve(name).commit[:10]  # type: ignore[index]
    return db, replay, subs


def fill(sql: str, subs: dict[str, str]) -> str:
    return re.sub(r"\{(\w+:\w+)\}", lambda m: subs[m.group(1)], sql)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_as_of_cases(case: dict[str, Any], tmp_path: Path) -> None:
    db, replay, subs = run_case(case, tmp_path)
    with db:
        for query in case["queries"]:
            sql = fill(query["sql"], subs)
            if "error" in query:
                with pytest.raises(ZenError, match=re.escape(query["error"])):
                    db.sql(prepare(db.history, sql)).fetchall()
                continue
            found = db.sql(prepare(db.history, sql)).fetchall()
            assert canonical(found) == canonical(replay.query(query["check"])), sql


# -- a random walk with DDL and a rewind -------------------------------------------

TABLES = {
    "p": "CREATE TABLE p(id INTEGER PRIMARY KEY, a, b)",
    "r": "CREATE TABLE r(a, b)",
    "w": "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID",
}


def sql_value(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"x'{value.hex()}'"
    return repr(value)


def random_write(rng: random.Random, conn: apsw.Connection) -> str:
    present = sorted(
        str(n)
        for (n,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
        if not str(n).startswith(("_zen", "sqlite"))
    )
    missing = sorted(set(TABLES) - set(present))
    kinds = ["insert"] * 5 + ["update"] * 3 + ["delete"] * 2 + ["alter", "drop"] if present else []
    kinds += ["create"] * 2 if missing else []
    kind = rng.choice(kinds)
    if kind == "create":
        return TABLES[rng.choice(missing)]
    table = rng.choice(present)
    if table == "p" and kind in ("alter", "drop"):
        kind = "update"  # p keeps its definition: AS OF reads it through the overlay
    value = sql_value(
        rng.choice([None, rng.randrange(-5, 5), rng.random(), "s" * rng.randrange(3), b"\x00"])
    )
    if kind == "drop":
        return f"DROP TABLE {table}"
    if kind == "alter":
        return f"ALTER TABLE {table} ADD COLUMN c{rng.randrange(10**6)} DEFAULT {rng.randrange(9)}"
    if kind == "insert":
        key = {"p": "id", "r": "rowid", "w": "k"}[table]
        key_value = sql_value(
            rng.choice("xyz") * rng.randrange(1, 3) if table == "w" else rng.randrange(12)
        )
        column = "v" if table == "w" else "a"
        return f"INSERT OR REPLACE INTO {table}({key}, {column}) VALUES ({key_value}, {value})"
    row = "length(k)" if table == "w" else "rowid"  # w has no rowid
    if kind == "update":
        column = "v" if table == "w" else "b"
        return f"UPDATE {table} SET {column} = {value} WHERE {row} % 3 = {rng.randrange(3)}"
    return f"DELETE FROM {table} WHERE {row} % 4 = {rng.randrange(4)}"


def snapshot(conn: apsw.Connection) -> dict[str, list[tuple[Any, ...]]]:
    names = [
        str(n)
        for (n,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
        if not str(n).startswith(("_zen", "sqlite"))
    ]
    return {n: canonical(list(conn.execute(f'SELECT * FROM main."{n}"'))) for n in names}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_walk_matches_snapshots(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    db = zen.open(tmp_path / "app.db")
    db.script(TABLES["p"])
    db.enable_history(author="t")
    history = db.history
    seen: list[tuple[str, dict[str, list[tuple[Any, ...]]]]] = []
    for number in range(40):
        if number == 25:
            history.rewind(seen[10][0])  # the record tree now branches: paths go up and down
        else:
            try:
                db.script(random_write(rng, db.engine.conn))
            except ZenError:
                continue  # e.g. a constraint: nothing recorded
        head = history.resolve("HEAD").commit
        assert head is not None
        seen.append((head, snapshot(db.engine.conn)))
    tables = set(TABLES)
    for commit, expected in seen[::2]:
        for table in sorted(tables):
            query = f"SELECT * FROM {table} AS OF '{commit}'"
            if table in expected:
                found = db.sql(prepare(history, query)).fetchall()
                assert canonical(found) == expected[table], (commit, table)
            else:
                with pytest.raises(HistoryError, match=f"table {table} did not exist"):
                    prepare(history, query)
    db.close()


# -- overlays: cost, cache, cleanup -------------------------------------------------


@pytest.fixture
def counted(tmp_path: Path) -> zen.Database:
    db = zen.open(tmp_path / "app.db")
    db.script(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
        "INSERT INTO t SELECT i, i FROM n"
    )
    db.enable_history(author="t")
    return db


def temp_objects(db: zen.Database) -> list[str]:
    rows = db.engine.conn.execute("SELECT name FROM temp.sqlite_schema ORDER BY name")
    return [str(n) for (n,) in rows if str(n).startswith(PREFIX)]


def test_overlay_holds_only_the_changed_rows(counted: zen.Database) -> None:
    counted.script("UPDATE t SET v = -v WHERE id IN (5, 6); DELETE FROM t WHERE id = 7")
    sql = prepare(counted.history, "SELECT sum(v), count(*) FROM t AS OF 'HEAD~1'")
    assert counted.sql(sql).fetchall() == [(500500, 1000)]
    (view,) = re.findall(r'"(_zen_asof_\d+)"', sql)
    conn = counted.engine.conn
    assert conn.execute(f'SELECT count(*) FROM temp."{view}_keys"').get == 3
    assert conn.execute(f'SELECT count(*) FROM temp."{view}_rows"').get == 3


def test_overlays_are_reused_then_rebuilt_when_history_moves(counted: zen.Database) -> None:
    history = counted.history
    counted.script("UPDATE t SET v = 0 WHERE id = 1")
    query = "SELECT v FROM t AS OF 'HEAD~1' WHERE id = 1"
    first = prepare(history, query)
    assert prepare(history, query) == first
    assert counted.sql(first).fetchall() == [(1,)]
    counted.script("UPDATE t SET v = 5 WHERE id = 1")
    second = prepare(history, query)
    assert second != first
    assert counted.sql(second).fetchall() == [(0,)]
    assert len(temp_objects(counted)) == 3  # the stale view and its tables are gone


def test_temp_objects_stay_bounded(counted: zen.Database) -> None:
    history = counted.history
    for i in range(40):
        counted.script(f"UPDATE t SET v = {i} WHERE id = {i + 1}")
    for back in range(40):
        sql = prepare(history, f"SELECT count(*) FROM t AS OF 'HEAD~{back}'")
        assert counted.sql(sql).scalar() == 1000
    assert len(temp_objects(counted)) <= 32 * 3
    counted.script("DELETE FROM t WHERE id = 1000")
    prepare(history, "SELECT * FROM t AS OF 'HEAD'")
    assert len(temp_objects(counted)) == 3


def test_refused_inside_a_write_transaction(counted: zen.Database) -> None:
    counted.sql("BEGIN").drain()
    counted.sql("UPDATE t SET v = 0 WHERE id = 1").drain()
    with pytest.raises(HistoryError, match="write transaction"):
        prepare(counted.history, "SELECT * FROM t AS OF 'HEAD'")
    counted.sql("ROLLBACK").drain()
    assert counted.sql(prepare(counted.history, "SELECT count(*) FROM t AS OF 'HEAD'")).scalar()


def test_read_only_database(counted: zen.Database, tmp_path: Path) -> None:
    counted.script("DELETE FROM t WHERE id > 10")
    counted.close()
    with zen.open(tmp_path / "app.db", read_only=True) as db:
        sql = prepare(db.history, "SELECT count(*) FROM t AS OF 'HEAD~1'")
        assert db.sql(sql).scalar() == 1000
        with pytest.raises(ZenError):
            db.sql("DELETE FROM t").drain()  # the read-only guard is back


def test_prepare_leaves_other_sql_alone(counted: zen.Database) -> None:
    for sql in ("SELECT 1", "SELECT 'as of' AS \"as of\"", "SELECT * FROM t -- as of 'x'"):
        assert prepare(counted.history, sql) is sql or prepare(counted.history, sql) == sql


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t AS OF 'a'", [("t", "a", False)]),
        ("SELECT * FROM main.t as of 'a' x", [("t", "a", True)]),
        (
            "SELECT * FROM a, b AS OF 'HEAD~1' AS bb JOIN \"c d\" AS OF 'x'",
            [("b", "HEAD~1", True), ("c d", "x", False)],
        ),
        ("SELECT * FROM t FOR SYSTEM_TIME AS OF 'v1'", [("t", "v1", False)]),
        ("SELECT 'a AS OF b' FROM t /* t AS OF 'x' */", []),
    ],
)
def test_find_references(sql: str, expected: list[tuple[str, str, bool]]) -> None:
    assert [(r.table, r.ref, r.aliased) for r in find_references(sql)] == expected


def test_reference_spans_count_characters() -> None:
    sql = "SELECT 'h\u00e9llo \U0001f389', * FROM \"t\u00e4\" AS OF 'HEAD' AS x"
    (found,) = find_references(sql)
    assert sql[found.start : found.end] == "\"t\u00e4\" AS OF 'HEAD'"


@pytest.mark.parametrize(
    "sql", ["SELECT a, b AS OF 'x' FROM t", "SELECT * FROM t WHERE x AS OF 'y'"]
)
def test_as_of_outside_from_is_refused(sql: str) -> None:
    with pytest.raises(ZenError, match="FROM clause"):
        find_references(sql)


def test_zen_functions_do_not_import_sqlglot(counted: zen.Database, tmp_path: Path) -> None:
    counted.close()
    code = (
        "import sys, zen\n"
        "from zen.history.sqlext import prepare\n"
        f"db = zen.open({str(tmp_path / 'app.db')!r})\n"
        "sql = prepare(db.history, 'SELECT count(*) FROM zen_log')\n"
        "assert db.sql(sql).scalar() == 1\n"
        "print('sqlglot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_restoring_deleted_rows_with_as_of(counted: zen.Database) -> None:
    counted.script("DELETE FROM t WHERE id % 100 = 0")
    restore = "INSERT INTO t SELECT * FROM t AS OF 'HEAD~1' WHERE id NOT IN (SELECT id FROM t)"
    assert counted.sql(prepare(counted.history, restore)).changes == 10
    assert counted.sql("SELECT count(*), sum(v) FROM t").fetchall() == [(1000, 500500)]
    assert counted.history.diff("HEAD~2", "HEAD").empty


def test_as_of_in_a_writing_script_is_refused(counted: zen.Database) -> None:
    with pytest.raises(ZenError, match="script that also writes"):
        prepare(counted.history, "UPDATE t SET v = 0; SELECT * FROM t AS OF 'HEAD'")
    both = prepare(counted.history, "SELECT 1; SELECT count(*) FROM t AS OF 'HEAD'")
    assert [r.fetchall() for r in counted.run(both)] == [[(1,)], [(1000,)]]


def test_two_history_objects_on_one_connection(counted: zen.Database) -> None:
    counted.script("UPDATE t SET v = 0 WHERE id = 1")
    other = History(counted.engine, observe=False)
    query = "SELECT v FROM t AS OF 'HEAD~1' WHERE id = 1"
    for history in (counted.history, other):
        assert counted.sql(prepare(history, query)).fetchall() == [(1,)]
