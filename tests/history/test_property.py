"""Property: after random writes, DDL and rewinds, rewinding to any commit gives exactly
the state a plain SQLite replay of the same statements had at that commit."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import apsw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.history.helpers import dump
from zen.engine.core import Engine
from zen.history import History

TABLES = {
    "p": "CREATE TABLE p(id INTEGER PRIMARY KEY, a, b)",
    "r": "CREATE TABLE r(a, b)",
    "w": "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID",
    "c": "CREATE TABLE c(x INT NOT NULL, y TEXT NOT NULL, v, PRIMARY KEY (x, y))",
    # Writes displace rows through the clause; replaying must not (see replace_apply).
    "u": "CREATE TABLE u(id INTEGER PRIMARY KEY, v UNIQUE ON CONFLICT REPLACE, x)",
}
VALUES = st.one_of(
    st.none(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet="ab\u00e9", max_size=3),
    st.binary(max_size=2),
)
KEYS = {
    "p": st.integers(0, 12),
    "u": st.integers(0, 12),
    "w": st.text(alphabet="xyz", min_size=1, max_size=2),
}


def columns(conn: apsw.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")')]


def tables(conn: apsw.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    return [str(n) for (n,) in rows if not str(n).startswith("_zen")]


def draw_op(data: st.DataObject, conn: apsw.Connection, serial: int) -> tuple[str, tuple[Any, ...]]:
    present = tables(conn)
    missing = sorted(set(TABLES) - set(present))
    kinds = ["insert", "insert", "update", "delete"] if present else []
    kinds += ["ddl"] if present else []
    kinds += ["create"] if missing else []
    kind = data.draw(st.sampled_from(kinds))
    if kind == "create":
        return TABLES[data.draw(st.sampled_from(missing))], ()
    table = data.draw(st.sampled_from(present))
    cols = columns(conn, table)
    if kind == "insert":
        values = [
            data.draw(KEYS.get(table, VALUES)) if i == 0 else data.draw(VALUES)
            for i in range(len(cols))
        ]
        if table == "c":
            values[0] = data.draw(st.integers(0, 3))
            values[1] = data.draw(st.sampled_from(["a", "b"]))
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" * len(cols))
        return f'INSERT OR REPLACE INTO "{table}"({names}) VALUES ({marks})', tuple(values)
    # Rows are picked by a cheap hash of the key, so one statement touches several.
    picked = "abs(rowid)" if table not in ("w", "c") else f'length(quote("{cols[0]}"))'
    if kind == "update":
        col = data.draw(st.sampled_from(cols[1:] or cols))
        sql = f'UPDATE "{table}" SET "{col}" = ? WHERE {picked} % 3 = ?'
        return sql, (data.draw(VALUES), data.draw(st.integers(0, 2)))
    if kind == "delete":
        return f'DELETE FROM "{table}" WHERE {picked} % 4 = ?', (data.draw(st.integers(0, 3)),)
    return draw_ddl(data, table, cols, serial), ()


def draw_ddl(data: st.DataObject, table: str, cols: list[str], serial: int) -> str:
    extra = [c for c in cols if c.startswith("e")]
    choices = ["add", "drop_table", "index"] + (["drop_col", "rename_col"] if extra else [])
    choice = data.draw(st.sampled_from(choices))
    if choice == "add":
        default = data.draw(st.sampled_from(["NULL", "7", "'d'", "x'01'", "1.5"]))
        return f'ALTER TABLE "{table}" ADD COLUMN "e{serial}" DEFAULT {default}'
    if choice == "drop_table":
        return f'DROP TABLE "{table}"'
    if choice == "index":
        col = data.draw(st.sampled_from(cols))
        return f'CREATE INDEX "i{serial}" ON "{table}"("{col}")'
    col = data.draw(st.sampled_from(extra))
    if choice == "drop_col":
        return f'ALTER TABLE "{table}" DROP COLUMN "{col}"'
    return f'ALTER TABLE "{table}" RENAME COLUMN "{col}" TO "e{serial}"'


def run_scenario(data: st.DataObject, steps: int, folder: Path) -> None:
    plain = apsw.Connection(":memory:")
    engine = Engine(folder / "app.db")
    for sql in TABLES.values():
        plain.execute(sql)
        engine.script(sql)
    history = History.init(engine)
    snapshots = {history.log(n=1)[0].commit.id: plain.serialize("main")}
    for serial in range(steps):
        if snapshots and data.draw(st.integers(0, 9)) == 0:
            target = list(snapshots)[data.draw(st.integers(0, len(snapshots) - 1))]
            history.rewind(target)
            plain.deserialize("main", snapshots[target])
        else:
            batch = [draw_op(data, plain, serial)]
            try:
                plain.execute("SAVEPOINT op")
                for sql, params in batch:
                    plain.execute(sql, params)
                plain.execute("RELEASE op")
            except apsw.Error:
                plain.execute("ROLLBACK TO op")
                plain.execute("RELEASE op")
                continue
            for sql, params in batch:
                engine.query(sql, params).drain()
        assert dump(history.conn) == dump(plain)
        snapshots[history.log(n=1)[0].commit.id] = plain.serialize("main")
    order = data.draw(st.permutations(range(len(snapshots))))
    for commit_id in [list(snapshots)[i] for i in order]:
        history.rewind(commit_id)
        expected = apsw.Connection(":memory:")
        expected.deserialize("main", snapshots[commit_id])
        assert dump(history.conn) == dump(expected), commit_id
    report = history.fsck()
    assert report.ok, report.problems
    history.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_rewind_matches_plain_replay(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        run_scenario(data, 12, Path(folder))


@pytest.mark.slow
@pytest.mark.timeout(1800)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_rewind_matches_plain_replay_long(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        run_scenario(data, 40, Path(folder))
