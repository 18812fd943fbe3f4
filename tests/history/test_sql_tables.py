"""``zen_log``, ``zen_status``, ``zen_diff``, ``zen_history``: checked against the History
API and against row states read from the working copy at each step."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import apsw
import pytest

import zen
from zen.engine.errors import ZenError
from zen.history import store
from zen.history.sqlext import prepare
from zen.history.steps import RowsStep, decode_steps

SETUP = (
    "CREATE TABLE p(id INTEGER PRIMARY KEY, a, b);"
    "CREATE TABLE r(a, b);"
    "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
    "INSERT INTO p VALUES (1, 'one', 1), (2, 'two', x'0102');"
    "INSERT INTO r VALUES ('x', 1.5);"
    "INSERT INTO w VALUES ('k', NULL)"
)
STEPS = [
    "UPDATE p SET a = 'ONE' WHERE id = 1; INSERT INTO r VALUES ('y', 2)",
    "DELETE FROM p WHERE id = 2; UPDATE w SET v = 3",
    "INSERT INTO p VALUES (3, 'three', NULL); DELETE FROM r WHERE a = 'x'",
    "ALTER TABLE p ADD COLUMN c DEFAULT 0",
    "UPDATE p SET c = 5 WHERE id = 3; INSERT INTO w VALUES ('m', x'00')",
    "DROP TABLE r",
    "CREATE TABLE r(a, b, c); INSERT INTO r VALUES (1, 2, 3)",
    "UPDATE p SET b = a, a = b; UPDATE w SET v = v || 'x'",
]
KEYS = {"p": ["id"], "r": ["rowid"], "w": ["k"]}


def rows_of(conn: apsw.Connection) -> dict[str, dict[str, dict[str, Any]]]:
    """``{table: {key json: row dict}}`` read straight from the working copy."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for table, key in KEYS.items():
        if not conn.execute("SELECT 1 FROM sqlite_schema WHERE name = ?", (table,)).get:
            continue
        names = [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")]
        names = ["rowid", *names] if table == "r" else names
        cursor = conn.execute(f"SELECT {', '.join(names)} FROM {table}")
        rows = [dict(zip(names, values, strict=True)) for values in cursor]
        out[table] = {as_json({k: row[k] for k in key}): row for row in rows}
    return out


def jsonable(value: Any) -> Any:
    return {"blob": value.hex()} if isinstance(value, bytes) else value


def as_json(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps({k: jsonable(v) for k, v in value.items()}, sort_keys=True)


def norm(text: str | None) -> str | None:
    return None if text is None else json.dumps(json.loads(text), sort_keys=True)


@pytest.fixture
def walked(tmp_path: Path) -> tuple[zen.Database, list[tuple[int, dict[str, Any]]]]:
    """A database after SETUP + STEPS, and (record id, rows) after history start and each step."""
    db = zen.open(tmp_path / "app.db")
    db.script(SETUP)
    db.enable_history(author="tester")
    states = [(0, rows_of(db.engine.conn))]
    for sql in STEPS:
        db.script(sql)
        last = store.last_record(db.engine.conn)
        assert last is not None
        states.append((last.id, rows_of(db.engine.conn)))
    return db, states


def query(db: zen.Database, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in db.sql(prepare(db.history, sql))]


def test_zen_log_matches_history_log(walked: tuple[zen.Database, Any]) -> None:
    db, _ = walked
    db.history.tag("v1", "HEAD~2")
    expected = db.history.log()
    found = query(
        db, "SELECT id, short, parents, author, time_ms, message, refs, record FROM zen_log"
    )
    assert [r[0] for r in found] == [e.commit.id for e in expected]
    for row, entry in zip(found, expected, strict=True):
        commit = entry.commit
        assert row[1:] == (
            commit.short,
            json.dumps(list(commit.parents)),
            commit.author,
            commit.time_ms,
            commit.message,
            json.dumps(list(entry.refs)),
            commit.record,
        )
    assert query(db, "SELECT message FROM zen_log('v1') LIMIT 1") == [(expected[2].commit.message,)]
    assert len(query(db, "SELECT * FROM zen_log LIMIT 3")) == 3


def test_zen_status_matches_history_status(tmp_path: Path) -> None:
    db = zen.open(tmp_path / "app.db")
    db.script(SETUP)
    db.enable_history(policy="explicit", author="tester")
    assert query(db, "SELECT * FROM zen_status") == []
    db.script("UPDATE p SET a = 'x'; DELETE FROM r; INSERT INTO w VALUES ('n', 1)")
    db.script("CREATE TABLE fresh(a); INSERT INTO fresh VALUES (1)")
    status = db.history.status()
    found = query(db, "SELECT * FROM zen_status")
    kinds = {c.name: c.kind for c in status.changes.schema if c.type == "table"}
    counts = {t.table: (t.added, t.removed, t.changed) for t in status.changes.tables}
    assert {r[0] for r in found} == set(kinds) | set(counts) == {"fresh", "p", "r", "w"}
    for table, added, removed, changed, schema, pending, branch, head in found:
        assert (added, removed, changed) == counts.get(table, (0, 0, 0))
        assert schema == kinds.get(table)
        assert (pending, branch, head) == (status.pending, status.branch, status.head)


def expected_diff(old: dict[str, Any], new: dict[str, Any], table: str) -> list[tuple[Any, ...]]:
    """What zen_diff must say, from two row states read from the working copy."""
    before, after = old.get(table, {}), new.get(table, {})
    out = []
    for key in before.keys() | after.keys():
        a, b = before.get(key), after.get(key)
        if a is None:
            out.append((table, "added", key, None, as_json(b)))
        elif b is None:
            out.append((table, "removed", key, as_json(a), None))
        else:
            keys = set(json.loads(key))
            cells = [c for c in a.keys() | b.keys() if c not in keys and a.get(c) != b.get(c)]
            if cells:
                old_cells = as_json({c: a.get(c) for c in cells})
                out.append(
                    (table, "changed", key, old_cells, as_json({c: b.get(c) for c in cells}))
                )
    return sorted(out, key=repr)


def test_zen_diff_matches_the_row_states(walked: tuple[zen.Database, Any]) -> None:
    db, states = walked
    pairs = [(0, 8), (8, 0), (2, 5), (5, 7), (3, 4), (6, 7), (1, 1)]
    for i, j in pairs:
        source, target = f"HEAD~{8 - i}", f"HEAD~{8 - j}"
        for table in KEYS:
            found = query(db, f"SELECT * FROM zen_diff('{table}', '{source}', '{target}')")
            normalized = sorted(
                ((t, k, norm(key), norm(o), norm(n)) for t, k, key, o, n in found), key=repr
            )
            assert normalized == expected_diff(states[i][1], states[j][1], table), (i, j, table)


def test_zen_diff_defaults_and_all_tables(walked: tuple[zen.Database, Any]) -> None:
    db, states = walked
    everything = query(db, "SELECT tbl, kind FROM zen_diff(NULL, 'HEAD~3')")
    old, new = states[5][1], states[8][1]
    expected = [(t, k) for table in KEYS for t, k, *_ in expected_diff(old, new, table)]
    assert sorted(everything) == sorted(expected)
    assert query(db, "SELECT * FROM zen_diff('p')") == []  # HEAD against the working copy


def expected_versions(states: list[tuple[int, dict[str, Any]]], table: str) -> list[Any]:
    out = []
    for key, row in states[0][1].get(table, {}).items():
        out.append((None, "initial", key, as_json(row)))
    for (_, old), (record, new) in itertools.pairwise(states):
        before, after = old.get(table, {}), new.get(table, {})
        for key in before.keys() | after.keys():
            a, b = before.get(key), after.get(key)
            if a is None:
                out.append((record, "insert", key, as_json(b)))
            elif b is None:
                out.append((record, "delete", key, as_json(a)))
            elif as_json(a) != as_json(b):
                out.append((record, "update", key, as_json(b)))
    return sorted(out, key=repr)


@pytest.mark.parametrize("table", sorted(KEYS))
def test_zen_history_lists_every_version(walked: tuple[zen.Database, Any], table: str) -> None:
    db, states = walked
    found = query(db, f"SELECT record, op, key, row FROM zen_history('{table}')")
    assert sorted(((r, op, norm(k), norm(row)) for r, op, k, row in found), key=repr) == (
        expected_versions(states, table)
    )
    records = [r for r, *_ in found]
    assert records == sorted(records, key=lambda r: -1 if r is None else r)  # oldest first


def test_zen_history_names_commits_and_times(walked: tuple[zen.Database, Any]) -> None:
    db, _ = walked
    rows = query(
        db, "SELECT record, commit_, time_ms FROM zen_history('w') WHERE record IS NOT NULL"
    )
    commits = {e.commit.record: e.commit for e in db.history.log()}
    assert rows
    for record, commit, time_ms in rows:
        assert commit == commits[record].id
        assert abs(time_ms - commits[record].time_ms) < 1000


def test_random_history_versions(tmp_path: Path) -> None:
    """Random single-row writes: zen_history agrees with the states read after each one."""
    rng = random.Random(7)
    db = zen.open(tmp_path / "app.db")
    db.script("CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID")
    db.enable_history(author="t")
    states = [(0, rows_of(db.engine.conn))]
    for _ in range(60):
        key, value = rng.choice("abcde"), rng.choice([None, 1, 2.5, "s", b"\x01"])
        sql = rng.choice(
            [
                "INSERT OR REPLACE INTO w VALUES (?, ?)",
                "UPDATE w SET v = ?2 WHERE k = ?1",
                "DELETE FROM w WHERE k = ?1 AND ?2 IS NOT 0",
            ]
        )
        db.sql(sql, (key, value)).drain()
        last = store.last_record(db.engine.conn)
        if last is not None and last.id != states[-1][0]:  # no record when nothing changed
            states.append((last.id, rows_of(db.engine.conn)))
    found = query(db, "SELECT record, op, key, row FROM zen_history('w')")
    assert sorted(((r, op, norm(k), norm(row)) for r, op, k, row in found), key=repr) == (
        expected_versions(states, "w")
    )


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO zen_log(id) VALUES ('x')",
        "DELETE FROM zen_status",
        "UPDATE zen_diff SET kind = 'x'",
        "DELETE FROM zen_history",
    ],
)
def test_writes_are_refused(walked: tuple[zen.Database, Any], sql: str) -> None:
    db, _ = walked
    with pytest.raises(ZenError, match="may not be modified"):
        db.sql(prepare(db.history, sql)).drain()


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM zen_history", "zen_history needs a table name"),
        ("SELECT * FROM zen_history('nope')", "no table nope"),
        ("SELECT * FROM zen_diff('p', 'nope')", "unknown revision: nope"),
        ("SELECT * FROM zen_log('HEAD~99')", "has no parent"),
    ],
)
def test_clear_errors(walked: tuple[zen.Database, Any], sql: str, message: str) -> None:
    db, _ = walked
    with pytest.raises(ZenError, match=message):
        db.sql(prepare(db.history, sql)).drain()


def test_history_of_a_dropped_table_ends_with_its_removal(walked: tuple[zen.Database, Any]) -> None:
    db, _ = walked
    db.script("DROP TABLE w")
    found = query(db, "SELECT op FROM zen_history('w') ORDER BY rowid DESC LIMIT 2")
    assert found == [("delete",), ("delete",)]


def test_changesets_hold_only_changed_columns(walked: tuple[zen.Database, Any]) -> None:
    """The premise of zen_history's backward walk: updates carry only changed cells."""
    db, _ = walked
    last = store.last_record(db.engine.conn)
    assert last is not None
    (step,) = decode_steps(store.record_data(db.engine.conn, last))
    assert isinstance(step, RowsStep)
    partial = [
        apsw.no_change in (c.new or ())
        for c in apsw.Changeset.iter(step.changeset)
        if c.op == "UPDATE"
    ]
    assert partial and any(partial)
