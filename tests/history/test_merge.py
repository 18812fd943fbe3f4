"""Merge: data-driven three-way cases (tests/fixtures/merge/cases.json), resolution, abort."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.history.helpers import diverge, dump
from zen.engine.core import Engine
from zen.engine.errors import UsageError
from zen.history import History
from zen.history.errors import HistoryError
from zen.history.merge import MergeConflictError

CASES = json.loads((Path(__file__).parent.parent / "fixtures" / "merge" / "cases.json").read_text())


def _rows(history: History, table: str) -> list[list[Any]]:
    return [list(r) for r in history.conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')]


@pytest.fixture
def made(tmp_path: Path) -> Iterator[list[History]]:
    opened: list[History] = []
    yield opened
    for history in opened:
        history.close()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_merge_case(case: dict[str, Any], tmp_path: Path, made: list[History]) -> None:
    history = diverge(tmp_path / "m.db", case["base"], case["ours"], case["theirs"])
    made.append(history)
    before = dump(history.conn)
    head = history.status().head
    if "schema_conflict" in case:
        with pytest.raises(MergeConflictError, match=case["schema_conflict"]):
            history.merge("other")
        assert dump(history.conn) == before
        assert history.status().head == head and history.status().merging is None
        return
    result = history.merge("other")
    if "conflicts" in case:
        assert result.outcome == "conflicts"
        found = [
            [c.table, c.key, c.column, c.kind, c.base, c.ours, c.theirs]
            for c in history.conflicts()
        ]
        assert found == case["conflicts"]
        assert dump(history.conn) == before  # nothing of the merge is applied
        status = history.status()
        assert status.merging == result.theirs and status.open_conflicts == len(found)
        assert status.head == head
        return
    assert result.outcome == "merged"
    for table, rows in case["expect"].items():
        assert _rows(history, table) == rows
    for name in case.get("expect_schema", []):
        assert history.conn.execute("SELECT 1 FROM sqlite_schema WHERE name = ?", (name,)).get
    for table, sql in case.get("expect_sql", {}).items():
        stored = history.conn.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (table,)).get
        assert stored == sql
    for name in case.get("expect_absent", []):
        assert not history.conn.execute("SELECT 1 FROM sqlite_schema WHERE name = ?", (name,)).get
    merged = history.log(1)[0].commit
    assert merged.parents == (head, result.theirs)
    assert history.status().clean
    assert history.fsck().ok, history.fsck().problems


def test_fast_forward_and_up_to_date(history: History) -> None:
    history.create_branch("feature")
    history.switch("feature")
    history.engine.script("UPDATE users SET age = 99 WHERE id = 1")
    tip = history.status().head
    history.switch("main")
    result = history.merge("feature")
    assert result.outcome == "fast-forward" and result.commit == tip
    assert history.status().head == tip and history.branch == "main"
    assert history.conn.execute("SELECT age FROM users WHERE id = 1").get == 99
    assert history.merge("feature").outcome == "up-to-date"
    assert history.fsck().ok


def test_no_ff_makes_a_merge_commit(history: History) -> None:
    history.create_branch("feature")
    history.switch("feature")
    history.engine.script("UPDATE users SET age = 99 WHERE id = 1")
    tip = history.status().head
    history.switch("main")
    result = history.merge("feature", no_ff=True, message="bring feature")
    assert result.outcome == "merged"
    commit = history.log(1)[0].commit
    assert commit.message == "bring feature" and commit.parents[1] == tip
    assert history.fsck().ok


def _conflicted(tmp_path: Path, made: list[History]) -> History:
    history = diverge(
        tmp_path / "c.db",
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b); "
        "INSERT INTO t VALUES (1, 'a', 'b'), (2, 'c', 'd'), (3, 'e', 'f');",
        "UPDATE t SET a = 'o1', b = 'ob' WHERE id = 1; DELETE FROM t WHERE id = 2;",
        "UPDATE t SET a = 't1', b = 'tb' WHERE id = 1; UPDATE t SET a = 'T2' WHERE id = 2; "
        "UPDATE t SET a = 'T3' WHERE id = 3;",
    )
    made.append(history)
    assert history.merge("other").outcome == "conflicts"
    return history


def test_resolve_theirs_then_continue(tmp_path: Path, made: list[History]) -> None:
    history = _conflicted(tmp_path, made)
    with pytest.raises(HistoryError, match="conflict"):
        history.merge_continue()
    assert history.resolve_conflicts("theirs") == 3
    result = history.merge_continue()
    assert result.outcome == "merged"
    assert _rows(history, "t") == [[1, "t1", "tb"], [2, "T2", "d"], [3, "T3", "f"]]
    assert history.conflicts() == [] and history.status().merging is None
    assert len(history.log(1)[0].commit.parents) == 2
    assert history.fsck().ok


def test_resolve_ours_value_and_rows(tmp_path: Path, made: list[History]) -> None:
    history = _conflicted(tmp_path, made)
    assert history.resolve_conflicts("value", table="t", key="1", column="a", value="v") == 1
    assert history.resolve_conflicts("ours", table="t", key="[1]") == 1  # column b
    assert history.resolve_conflicts("ours", table="t", key="2") == 1
    with pytest.raises(UsageError):
        history.resolve_conflicts("value", table="t", key="1", value="x")  # no open cell left? two
    history.merge_continue()
    assert _rows(history, "t") == [[1, "v", "ob"], [3, "T3", "f"]]
    assert history.fsck().ok


def test_resolution_matching_errors(tmp_path: Path, made: list[History]) -> None:
    history = _conflicted(tmp_path, made)
    with pytest.raises(UsageError, match="no conflict matches"):
        history.resolve_conflicts("ours", table="nope")
    with pytest.raises(UsageError, match="exactly one"):
        history.resolve_conflicts("value", table="t", value=1)
    with pytest.raises(UsageError, match="deleted row"):
        history.resolve_conflicts("value", table="t", key="2", value=1)


def test_abort_forgets_the_merge(tmp_path: Path, made: list[History]) -> None:
    history = _conflicted(tmp_path, made)
    before = dump(history.conn)
    with pytest.raises(HistoryError, match="in progress"):
        history.merge("other")
    history.merge_abort()
    assert history.conflicts() == [] and history.status().merging is None
    assert dump(history.conn) == before
    with pytest.raises(HistoryError, match="no merge in progress"):
        history.merge_abort()
    assert history.fsck().ok


def test_conflicts_table_is_queryable(tmp_path: Path, made: list[History]) -> None:
    history = _conflicted(tmp_path, made)
    rows = history.conn.execute(
        'SELECT tbl, key, "column", kind FROM _zen_conflicts ORDER BY id'
    ).fetchall()
    assert rows == [
        ("t", "[1]", "a", "update/update"),
        ("t", "[1]", "b", "update/update"),
        ("t", "[2]", None, "delete/update"),
    ]
    assert history.status().to_json()["conflicts"][0]["resolved"] is False


def test_merge_refuses_uncommitted_changes(explicit: History) -> None:
    explicit.create_branch("feature")
    explicit.engine.script("UPDATE users SET age = 1")
    with pytest.raises(HistoryError, match="uncommitted"):
        explicit.merge("feature")


def test_merge_of_unknown_ref(history: History) -> None:
    from zen.history.errors import RefNotFoundError

    with pytest.raises(RefNotFoundError):
        history.merge("nope")


# -- kill -9 during switch and merge ------------------------------------------------------------

_WORKER = """
import random, sys
from zen.history import History
history = History.open(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
ours = sys.argv[3]
while True:
    roll = rng.random()
    if roll < 0.3:
        history.switch("theirs")
    elif roll < 0.6:
        history.switch("main")
    else:
        history.switch("main")
        history.reset(ours)
        history.merge("theirs")
    print("ok", flush=True)
"""


def _crash_db(path: Path) -> tuple[str, dict[str, Any]]:
    """main (ours) and theirs each changed 1,500 different rows of a 20k-row table."""
    engine = Engine(path)
    engine.script(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
        " INSERT INTO t SELECT i, i, i FROM n"
    )
    history = History.init(engine, author="tester")
    history.create_branch("theirs")
    history.engine.script("UPDATE t SET a = -a WHERE id % 13 = 0")
    ours = str(history.status().head)
    states = {"ours": dump(history.conn)}
    history.switch("theirs")
    history.engine.script("UPDATE t SET b = -b WHERE id % 13 IN (0, 1)")
    states["theirs"] = dump(history.conn)
    history.switch("main")
    history.merge("theirs")
    states["merged"] = dump(history.conn)
    history.reset(ours)
    history.close()
    return ours, states


def _kill_loop(tmp_path: Path, rounds: int) -> None:
    import random
    import subprocess
    import sys
    import time

    path = tmp_path / "crash.db"
    ours, states = _crash_db(path)
    rng = random.Random(5)
    acked = 0
    for i in range(rounds):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(path), str(i), ours],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.5, 1.5))
        proc.kill()
        out, _ = proc.communicate()
        acked += out.count("ok")
        history = History.open(path)
        try:
            now = dump(history.conn)
            where = history.branch
            assert now in states.values(), "the working copy is a mix of states"
            expected = (
                [states["theirs"]] if where == "theirs" else [states["ours"], states["merged"]]
            )
            assert now in expected, (where, i)
            report = history.fsck(deep=False)
            assert report.ok, report.problems
        finally:
            history.close()
    assert acked > rounds  # the worker got work done between kills


def test_kill_9_during_switch_and_merge(tmp_path: Path) -> None:
    _kill_loop(tmp_path, 2)


@pytest.mark.slow
def test_kill_9_during_switch_and_merge_many_times(tmp_path: Path) -> None:
    _kill_loop(tmp_path, 40)


def test_resolve_insert_insert_and_update_delete_on_a_rowid_table(
    tmp_path: Path, made: list[History]
) -> None:
    history = diverge(
        tmp_path / "r.db",
        "CREATE TABLE notes(body, tag); INSERT INTO notes VALUES ('one', 'x'), ('two', 'y');",
        "UPDATE notes SET tag = 'ours' WHERE rowid = 1; INSERT INTO notes VALUES ('o3', 'o');",
        "DELETE FROM notes WHERE rowid = 1; INSERT INTO notes VALUES ('t3', 'o');",
    )
    made.append(history)
    assert history.merge("other").outcome == "conflicts"
    found = [(c.key, c.column, c.kind) for c in history.conflicts()]
    assert found == [([1], None, "update/delete"), ([3], "body", "insert/insert")]
    history.resolve_conflicts("theirs")
    history.merge_continue()
    rows = history.conn.execute("SELECT rowid, body, tag FROM notes ORDER BY rowid").fetchall()
    assert rows == [(2, "two", "y"), (3, "t3", "o")]
    assert history.fsck().ok


def test_resolve_a_conflict_in_a_table_both_sides_added_columns_to(
    tmp_path: Path, made: list[History]
) -> None:
    history = diverge(
        tmp_path / "cols.db",
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a); INSERT INTO t VALUES (1, 'a'), (2, 'b');",
        "ALTER TABLE t ADD COLUMN x; UPDATE t SET a = 'ours', x = 'ox' WHERE id = 1;",
        "ALTER TABLE t ADD COLUMN y; UPDATE t SET a = 'theirs', y = 'ty' WHERE id = 1;"
        "UPDATE t SET y = 'ty2' WHERE id = 2;",
    )
    made.append(history)
    assert history.merge("other").outcome == "conflicts"
    assert [(c.key, c.column) for c in history.conflicts()] == [([1], "a")]
    history.resolve_conflicts("theirs")
    assert history.merge_continue().outcome == "merged"
    assert _rows(history, "t") == [[1, "theirs", "ox", "ty"], [2, "b", None, "ty2"]]
    assert history.fsck().ok, history.fsck().problems
    history.rewind("HEAD~1")  # the merge is undoable like any commit
    assert _rows(history, "t") == [[1, "ours", "ox"], [2, "b", None]]


@pytest.mark.parametrize(
    ("base", "sql", "expected"),
    [
        ("CREATE TABLE t(a)", "CREATE TABLE t(a)", []),
        ("CREATE TABLE t(a)", "CREATE TABLE t(a, b DEFAULT 1)", ["b DEFAULT 1"]),
        (
            "CREATE TABLE t(a)",
            'CREATE TABLE t(a, b, "c, d" CHECK (c IN (1, 2)))',
            ["b", '"c, d" CHECK (c IN (1, 2))'],
        ),
        ("CREATE TABLE t(a) STRICT", "CREATE TABLE t(a, b TEXT) STRICT", ["b TEXT"]),
        ("CREATE TABLE t(a, b)", "CREATE TABLE t(a)", None),
        ("CREATE TABLE t(a)", "CREATE TABLE u(a, b)", None),
        ("CREATE TABLE xaaa(a)", "a", None),
        ("CREATE TABLE t(a)", "CREATE TABLE t(a INTEGER)", None),
    ],
)
def test_appended_columns(base: str, sql: str, expected: list[str] | None) -> None:
    from zen.history.colmerge import appended, column_name

    assert appended(base, sql) == expected
    if expected:
        assert column_name(expected[-1]) in {"b", "c, d"}


@pytest.mark.parametrize("clause", ["", " ON CONFLICT REPLACE", " ON CONFLICT IGNORE"])
def test_a_resolution_taking_another_rows_unique_value_is_refused(
    tmp_path: Path, made: list[History], clause: str
) -> None:
    """The table's own conflict clause must not settle it (REPLACE would delete row 2)."""
    history = diverge(
        tmp_path / "u.db",
        f"CREATE TABLE t(id INTEGER PRIMARY KEY, v UNIQUE{clause}); "
        "INSERT INTO t VALUES (1, 'a'), (2, 'b');",
        "UPDATE t SET v = 'x' WHERE id = 1;",
        "UPDATE t SET v = 'y' WHERE id = 1;",
    )
    made.append(history)
    assert history.merge("other").outcome == "conflicts"
    history.resolve_conflicts("value", table="t", key="1", column="v", value="b")
    with pytest.raises(MergeConflictError, match=r"UNIQUE constraint failed: t\.v") as caught:
        history.merge_continue()
    assert "zen merge --continue" in str(caught.value.hint)
    assert _rows(history, "t") == [[1, "x"], [2, "b"]]
    history.resolve_conflicts("value", table="t", key="1", column="v", value="z")
    assert history.merge_continue().outcome == "merged"
    assert _rows(history, "t") == [[1, "z"], [2, "b"]]
    assert history.fsck().ok
