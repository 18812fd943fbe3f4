"""Engine.executemany: one transaction, rows counted, errors translated, atomic."""

from __future__ import annotations

import pytest

from zen.engine.core import Engine
from zen.engine.errors import SqlError, UsageError


def _engine() -> Engine:
    engine = Engine(":memory:")
    engine.query("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    return engine


def test_it_counts_the_rows_it_changed_in_one_transaction() -> None:
    engine = _engine()
    commits: list[int] = []
    engine.conn.set_commit_hook(lambda: commits.append(1) or False)
    assert (
        engine.executemany("INSERT INTO t VALUES (?, ?)", ((i, f"v{i}") for i in range(500))) == 500
    )
    assert engine.query("SELECT count(*) FROM t").scalar() == 500
    assert engine.executemany("UPDATE t SET v = ? WHERE id = ?", [("x", 1), ("y", 2)]) == 2
    assert len(commits) == 2  # one COMMIT per executemany, not one per row
    engine.close()


def test_a_failing_row_leaves_nothing_behind() -> None:
    engine = _engine()
    rows = [(1, "a"), (2, "b"), (3, None)]
    with pytest.raises(SqlError, match="NOT NULL"):
        engine.executemany("INSERT INTO t VALUES (?, ?)", rows)
    assert engine.query("SELECT count(*) FROM t").scalar() == 0
    assert not engine.in_transaction
    engine.close()


def test_a_missing_named_parameter_is_a_usage_error() -> None:
    engine = _engine()
    with pytest.raises(UsageError, match="no value for SQL parameter"):
        engine.executemany("INSERT INTO t VALUES (:id, :v)", [{"id": 1}])
    engine.close()
