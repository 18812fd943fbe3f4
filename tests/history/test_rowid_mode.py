"""Tables without a primary key, many rows per transaction: SQLite's rowid-mode session bug.

Without the guard in ``zen.history.rowid_mode``, an UPDATE of 200 rows of such a table
recorded a spurious INSERT (fsck failed, a rewind across it conflicted).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import zen
from tests.history.helpers import dump

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
    history = db.history
    history.commit(name)
    assert history.fsck().ok
    history.rewind("HEAD~1")
    assert dump(conn) == before
    history.rewind("HEAD~1")
    assert dump(conn) == after
    db.close()
