"""Bulk inserts recorded by rowid range, then sealed: the same history as a session's.

Data-driven: tests/fixtures/bulk/cases.toml. Each case inserts many rows in one
transaction (with optional later statements, and other programs' writes before the
record is sealed), then checks that the record, replayed on a copy of the base
state, gives exactly the state the transaction left, and that rewinds across it
give back each state (full dumps compared).
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apsw
import pytest

import zen
from tests.history.helpers import dump
from zen.history import bulk, store
from zen.history.errors import UnsealedError
from zen.history.steps import RangeStep, RowsStep, decode_any_steps, decode_steps

CASES = tomllib.loads(
    (Path(__file__).parents[1] / "fixtures" / "bulk" / "cases.toml").read_text("utf-8")
)["case"]


def _value(kind: str, i: int, spec: dict[str, Any]) -> Any:
    if kind == "id":
        return spec.get("start", 1) + i * spec.get("step", 1)
    if kind == "text":
        return f"n{i}" if i % 3 else f"ü'\" {i}"
    if kind == "int":
        return i % 97
    if kind == "real":
        return i / 7
    if kind == "blob":
        return bytes([i % 256, 0, 255])
    assert kind == "maybe"
    return None if i % 5 == 0 else i % 3 + 1


def _rows(spec: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    for i in range(spec["count"]):
        yield tuple(_value(kind, i, spec) for kind in spec["kinds"])


def _newest(conn: apsw.Connection) -> tuple[int, str]:
    rid, kind = conn.execute(
        "SELECT id, kind FROM _zen_changes ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return int(rid), str(kind)


def _copy(source: apsw.Connection, path: Path) -> apsw.Connection:
    target = apsw.Connection(str(path))
    with target.backup("main", source, "main") as backup:
        backup.step()
    # A changeset holds every row a trigger wrote: replaying must not write them twice.
    target.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, 0)
    return target


def _replay(base: apsw.Connection, data: bytes) -> None:
    """Apply a record's rows steps to ``base`` with SQLite's own changeset apply."""
    conflicts: list[Any] = []

    def conflict(reason: int, change: apsw.TableChange) -> int:
        conflicts.append((reason, change.op, change.old, change.new))
        return apsw.SQLITE_CHANGESET_ABORT

    for step in decode_steps(data):
        assert isinstance(step, RowsStep)
        apsw.Changeset.apply(step.changeset, base, conflict=conflict)
    assert conflicts == []


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Chunks of 1,000 rows: a few thousand rows cross several chunk boundaries.
    monkeypatch.setattr(bulk, "CHUNK", 1000)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bulk_insert_history_matches_the_states(tmp_path: Path, case: dict[str, Any]) -> None:
    path = tmp_path / "app.db"
    db = zen.open(path)
    db.script(case["schema"])
    if "before" in case:
        db.script(case["before"])
    db.enable_history(policy="explicit")
    conn = db.engine.conn
    base = _copy(conn, tmp_path / "base.db")
    state0 = dump(conn)

    with db.transaction():
        changed = db.executemany(case["insert"], _rows(case["rows"]))
        for sql in case.get("then", []):
            db.sql(sql)
    assert changed > 0
    rid, kind = _newest(conn)
    assert kind == case["kind"]
    ranges = [s for s in decode_any_steps(store.record_data(conn, store.get_record(conn, rid)))]
    assert any(isinstance(s, RangeStep) for s in ranges) == (kind == bulk.KIND)
    state1 = dump(conn)

    if "outside" in case:
        outside = sqlite3.connect(path)
        outside.executescript(case["outside"])
        outside.close()
    state2 = dump(conn)

    history = db.history
    history.sync()  # seals the record (and folds the outside writes after it)
    assert conn.execute("SELECT count(*) FROM _zen_changes WHERE kind = 'bulk'").get == 0
    data = store.record_data(conn, store.get_record(conn, rid))
    if not case.get("then") or "ALTER" not in " ".join(case["then"]):
        _replay(base, data)
        assert dump(base) == state1
    base.close()

    history.commit("after the bulk insert")
    assert history.fsck().ok
    history.rewind("HEAD~1")
    assert dump(conn) == state0
    history.rewind("HEAD~1")  # undoes the rewind
    assert dump(conn) == state2
    assert history.fsck().ok
    db.close()


def _people(path: Path, policy: str = "explicit") -> zen.Database:
    db = zen.open(path)
    db.sql("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, age INTEGER)")
    db.enable_history(policy=policy)  # type: ignore[arg-type]
    return db


ROWS = [(i, f"p{i}", i % 50) for i in range(1, 5001)]
INSERT = "INSERT INTO t VALUES (?, ?, ?)"


def test_a_failing_executemany_changes_nothing_and_records_nothing(tmp_path: Path) -> None:
    db = _people(tmp_path / "app.db")
    rows = [*ROWS, (17, "duplicate", 1)]
    with pytest.raises(zen.ZenError, match="UNIQUE"):
        db.executemany(INSERT, rows)
    assert db.count("t") == 0
    assert db.engine.conn.execute("SELECT count(*) FROM _zen_changes").get == 0
    assert db.history.fsck().ok
    db.close()


def test_a_savepoint_rolled_back_drops_the_range(tmp_path: Path) -> None:
    db = _people(tmp_path / "app.db")
    with db.transaction():
        db.sql("INSERT INTO t VALUES (0, 'kept', 1)")
        db.sql("SAVEPOINT s")
        db.executemany(INSERT, ROWS)
        db.sql("ROLLBACK TO s")
        db.sql("RELEASE s")
    assert db.count("t") == 1
    assert _newest(db.engine.conn)[1] == "txn"
    history = db.history
    history.commit("one row")
    assert history.fsck().ok
    db.close()


def test_another_connection_seals_it_and_the_first_chains_on_the_sealed_hash(
    tmp_path: Path,
) -> None:
    path = tmp_path / "app.db"
    first = _people(path)
    first.executemany(INSERT, ROWS)
    assert _newest(first.engine.conn)[1] == bulk.KIND
    second = zen.open(path)
    second.history.sync()  # seals; appends nothing
    assert _newest(second.engine.conn)[1] == "txn"
    first.sql("UPDATE t SET age = 0 WHERE id = 1")  # its capture must not trust its old hash
    second.close()
    history = first.history
    assert history.fsck().ok
    history.commit("both")
    history.rewind("HEAD~1")
    assert first.count("t") == 0
    first.close()


def test_reading_history_read_only_before_sealing_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    db = _people(path)
    db.executemany(INSERT, ROWS)
    db.engine.close()  # no sealing on the way out: as if the process had stopped here
    reader = zen.open(path, read_only=True)
    with pytest.raises(UnsealedError, match="bulk insert") as caught:
        reader.history.status()
    assert "without --read-only" in (caught.value.hint or "")
    reader.close()
    writer = zen.open(path)
    assert writer.history.status().changes.tables[0].added == len(ROWS)
    assert writer.history.fsck().ok
    writer.close()


def test_dbapi_and_import_take_the_bulk_path(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    _people(path).close()
    conn = zen.connect(str(path))
    conn.executemany(INSERT, ROWS)
    conn.commit()
    engine_conn = conn._db.engine.conn  # type: ignore[attr-defined]
    assert _newest(engine_conn)[1] == bulk.KIND
    conn.close()
    csv = tmp_path / "more.csv"
    csv.write_text("id,name,age\n" + "".join(f"{i},q{i},{i % 9}\n" for i in range(6000, 9000)))
    db = zen.open(path)
    db.import_file("t", csv)
    assert _newest(db.engine.conn)[1] == bulk.KIND
    history = db.history
    history.commit("loaded")
    assert history.fsck().ok
    assert db.count("t") == len(ROWS) + 3000
    db.close()


_KILLED = """
import os, signal, sys
import zen
db = zen.open(sys.argv[1])
db.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, f"p{i}", i % 50) for i in range(1, 5001)])
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_before_sealing_the_database_opens_and_fsck_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    _people(path).close()
    done = subprocess.run([sys.executable, "-c", _KILLED, str(path)], check=False)
    assert done.returncode == -signal.SIGKILL
    db = zen.open(path)
    assert db.count("t") == 5000  # the committed transaction is there
    history = db.history
    report = history.fsck()
    assert report.ok, report.problems
    assert history.status().changes.tables[0].added == 5000
    history.commit("after the crash")
    history.rewind("HEAD~1")
    assert db.count("t") == 0
    db.close()
