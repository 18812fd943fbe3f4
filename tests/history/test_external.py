"""Writes by other SQLite clients are detected, shown by status and committed.

Data-driven: tests/fixtures/external/cases.toml. Each case runs its setup through
zen, its outside writes through another client (the stdlib ``sqlite3`` module or
the ``sqlite3`` CLI), and compares full dumps across commits and rewinds.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import apsw
import pytest

import zen
from tests.history.helpers import dump
from zen.history.errors import HistoryError

CASES = tomllib.loads(
    (Path(__file__).parents[1] / "fixtures" / "external" / "cases.toml").read_text("utf-8")
)["case"]
SQLITE3 = shutil.which("sqlite3")


def _outside(path: Path, sql: str, client: str) -> None:
    if client == "cli":
        assert SQLITE3, "the sqlite3 CLI is part of the test environment"
        subprocess.run([SQLITE3, str(path)], input=sql, text=True, check=True)
        return
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.commit()
    conn.close()


def _dump(path: Path) -> dict[str, Any]:
    conn = apsw.Connection(str(path))
    try:
        return dump(conn)
    finally:
        conn.close()


@pytest.mark.parametrize("client", ["sqlite3-module", "cli"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_outside_writes_reach_history(tmp_path: Path, case: dict[str, Any], client: str) -> None:
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.enable_history()
        db.script(case["setup"])
    before = _dump(path)
    _outside(path, case["outside"], client)
    after = _dump(path)
    assert after != before

    with zen.open(path) as db:
        history = db.history
        status = history.status()
        assert not status.clean
        assert sorted(t.table for t in status.changes.tables) == sorted(case["tables"])
        assert bool(status.changes.schema) == case.get("schema", False)
        commit = history.commit("outside writes")
        assert commit is not None
        assert history.status().clean
        assert history.fsck().ok
        history.rewind("HEAD~1")
        assert dump(db.engine.conn) == before
        history.rewind("HEAD~1")
        assert dump(db.engine.conn) == after
        assert history.fsck().ok


def test_next_zen_transaction_commits_outside_writes(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.enable_history()
        db.script("CREATE TABLE t(id INTEGER PRIMARY KEY, v)")
    _outside(path, "INSERT INTO t VALUES (1, 'outside')", "sqlite3-module")
    with zen.open(path) as db:
        db.sql("INSERT INTO t VALUES (2, 'zen')")
        history = db.history
        assert history.status().clean
        added = {t.table: t.added for t in history.diff("HEAD~1", "HEAD").tables}
        assert added == {"t": 2}


def test_zen_writes_leave_no_sentinel_rows(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.enable_history()
        db.script(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE TABLE audit(what);"
            "INSERT INTO t VALUES (1, 'a')"
        )
        assert db.sql("SELECT count(*) FROM _zen_ext_dirty").scalar() == 0
        # A user trigger turns triggers on for zen's connection too: its rows are cleared.
        db.script(
            "CREATE TRIGGER t_audit AFTER UPDATE ON t BEGIN INSERT INTO audit VALUES (new.v); END"
        )
        db.sql("UPDATE t SET v = 'b'")
        assert db.sql("SELECT * FROM audit").fetchall() == [("b",)]
        assert db.sql("SELECT count(*) FROM _zen_ext_dirty").scalar() == 0
        assert db.history.status().clean


def test_connection_left_open_sees_later_outside_writes(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.enable_history()
        db.script("CREATE TABLE t(id INTEGER PRIMARY KEY, v)")
        _outside(path, "INSERT INTO t VALUES (1, 'outside')", "sqlite3-module")
        assert [t.table for t in db.history.status().changes.tables] == ["t"]
        db.sql("UPDATE t SET v = 'zen' WHERE id = 1")  # the next commit includes both
        (table,) = db.history.diff("HEAD~1", "HEAD").tables
        assert (table.table, table.added, [r.new for r in table.rows]) == (
            "t",
            1,
            [{"id": 1, "v": "zen"}],
        )


def test_outside_drop_column_is_refused_by_the_sentinels(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.enable_history()
        db.script("CREATE TABLE t(id INTEGER PRIMARY KEY, v, w); INSERT INTO t VALUES (1, 2, 3)")
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("ALTER TABLE t DROP COLUMN w")
    conn.close()
    with zen.open(path) as db:  # through zen it works, and is recorded
        db.sql("ALTER TABLE t DROP COLUMN w")
        db.history.rewind("HEAD~1")
        assert db.sql("SELECT * FROM t").fetchall() == [(1, 2, 3)]


def test_outside_drop_table_is_recorded_and_never_silently_undone(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.enable_history()
        db.script("CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES (1, 'a')")
    _outside(path, "DROP TABLE t", "sqlite3-module")
    with zen.open(path) as db:
        history = db.history
        (change,) = history.status().changes.schema
        assert (change.kind, change.name) == ("removed", "t")
        history.commit("t dropped elsewhere")
        # The dropped rows never reached zen: going back, and fsck, say so instead of
        # faking them.
        with pytest.raises(HistoryError, match="does not hash"):
            history.rewind("HEAD~1")
        assert db.tables() == []
        report = history.fsck()
        assert not report.ok
        assert any("does not hash" in p for p in report.problems)
