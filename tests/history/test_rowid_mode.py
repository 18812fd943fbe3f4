"""Tables without a primary key, many rows per transaction: SQLite's rowid-mode session bug.

Without the guard in ``zen.history.rowid_mode``, an UPDATE of 200 rows of such a table
recorded a spurious INSERT (fsck failed, a rewind across it conflicted).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import zen
from tests.history.helpers import assert_round_trip, diverge, dump

SCRIPTS = {
    "one update": ["UPDATE t SET b = b + 1"],
    "one delete": ["DELETE FROM t WHERE rowid % 3 = 0"],
    "update then delete": ["UPDATE t SET b = -b WHERE rowid % 2 = 0", "DELETE FROM t WHERE b < 0"],
    "insert then update": [
        "INSERT INTO t SELECT a || '+', b FROM t",
        "UPDATE t SET b = b * 2",
        "DELETE FROM t WHERE rowid % 5 = 0",
    ],
}


@pytest.mark.parametrize("rows", [200, 1000, 3000])
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_many_rows_of_a_table_without_a_key(tmp_path: Path, rows: int, name: str) -> None:
    db = zen.open(tmp_path / "app.db")
    db.sql("CREATE TABLE t(a, b)")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(f"n{i}", i) for i in range(rows)])
    db.enable_history(policy="explicit")
    conn = db.engine.conn
    before = dump(conn)
    with db.transaction():
        for sql in SCRIPTS[name]:
            db.sql(sql)
    after = dump(conn)
    db.history.commit(name)
    assert_round_trip(db.history, before, after)
    db.close()


def test_a_merge_recording_many_rows_of_a_table_without_a_key(tmp_path: Path) -> None:
    """Both sides set one cell alike, so the merge is recorded by a session: 300 UPDATEs."""
    history = diverge(
        tmp_path / "app.db",
        "CREATE TABLE t(a, b); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
        "FROM n WHERE i < 300) INSERT INTO t SELECT i, 0 FROM n",
        "UPDATE t SET b = 7 WHERE a = 1",
        "UPDATE t SET b = 7",
    )
    before = dump(history.conn)
    history.switch("other")
    theirs = dump(history.conn)
    history.switch("main")
    assert history.merge("other").outcome == "merged"
    assert dump(history.conn) == theirs
    assert_round_trip(history, before, theirs)
    history.close()
