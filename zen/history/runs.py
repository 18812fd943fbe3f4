"""Skip deltas: far jumps through history in O(log n) merged runs.

A path of n records costs the sum of their deltas. So a record at depth ``d``
also has a *run*: the net steps from its ancestor at depth ``d & (d - 1)`` (its
depth with the lowest set bit cleared, a Fenwick layout) to itself. Any ancestor
is reached through O(log n) runs, and each run is no bigger than the net change
it covers (a row updated a thousand times appears once).

Runs are derived data, built on first use (a run over 2^k records reads them
once: crossing n records the first time costs O(n), later O(log n)) and kept in
``app.db.zen/history/runs.db`` (deleting it loses nothing) and in memory. They
are keyed by the record's chain hash, which names its whole history, so a run
can never be used for another record. Short paths never touch them.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import apsw

from zen.history import store
from zen.history.net import normalize
from zen.history.steps import Step, decode_steps, encode_steps

FAR = 48  # paths longer than this use runs
_MEMORY = 4096  # runs kept in memory per process

_runs: OrderedDict[bytes, tuple[bytes, int | None, bytes]] = OrderedDict()
_files: dict[str, apsw.Connection | None] = {}

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS runs(record BLOB PRIMARY KEY, target INTEGER, "
    "target_hash BLOB, data BLOB NOT NULL) WITHOUT ROWID"
)


def record_steps(conn: apsw.Connection, record: store.Record) -> list[Step]:
    """The steps of one record."""
    return decode_steps(store.record_data(conn, record))


def jump_target(depth: int) -> int:
    """The depth a record's run starts from (0: the state before any record)."""
    return depth & (depth - 1)


def jump(conn: apsw.Connection, record: store.Record) -> tuple[store.Record | None, list[Step]]:
    """The record's run: its ancestor at :func:`jump_target` depth, and the steps from
    that ancestor's state to the record's."""
    if jump_target(record.depth) >= record.depth - 1:
        base = store.get_record(conn, record.base) if record.base is not None else None
        return base, record_steps(conn, record)
    found = _cached(conn, record)
    if found is not None:
        return found
    # Built from the records themselves (not from smaller runs, which would build a
    # run for every record of the path): a run over 2^k records costs O(2^k) once.
    target_depth = jump_target(record.depth)
    parts: list[list[Step]] = []
    current: store.Record | None = record
    while current is not None and current.depth > target_depth:
        parts.append(record_steps(conn, current))
        current = store.get_record(conn, current.base) if current.base is not None else None
    steps = normalize([step for part in reversed(parts) for step in part])
    _store(conn, record, current, steps)
    return current, steps


def up_steps(
    conn: apsw.Connection, start: store.Record, depth: int
) -> tuple[store.Record | None, list[list[Step]]]:
    """Walk from ``start`` up to its ancestor at ``depth``, in runs where they fit.

    Returns:
        The ancestor (None for depth 0) and the runs' steps, newest first (each
        part turns the state below it into the state above it).
    """
    parts: list[list[Step]] = []
    current: store.Record | None = start
    while current is not None and current.depth > depth:
        if jump_target(current.depth) >= depth:
            current, steps = jump(conn, current)
        else:
            steps = record_steps(conn, current)
            current = store.get_record(conn, current.base) if current.base is not None else None
        parts.append(steps)
    return current, parts


# -- the cache -----------------------------------------------------------------------------


def _cached(
    conn: apsw.Connection, record: store.Record
) -> tuple[store.Record | None, list[Step]] | None:
    found = _runs.get(record.hash)
    if found is None:
        found = _read_file(conn, record.hash)
        if found is None:
            return None
        _remember(record.hash, found)
    target_hash, target_id, data = found
    target = store.get_record(conn, target_id) if target_id is not None else None
    if (target.hash if target is not None else b"") != target_hash:
        return None  # the file is from another database at this path: rebuild
    return target, decode_steps(data)


def _store(
    conn: apsw.Connection, record: store.Record, target: store.Record | None, steps: Sequence[Step]
) -> None:
    entry = (target.hash if target is not None else b"", target.id if target else None,
             encode_steps(steps))  # fmt: skip
    _remember(record.hash, entry)
    db = _file(conn)
    if db is None:
        return
    try:
        db.execute(
            "INSERT OR REPLACE INTO runs(record, target, target_hash, data) VALUES (?, ?, ?, ?)",
            (record.hash, entry[1], entry[0], entry[2]),
        )
    except apsw.Error:
        pass  # a cache: another process holding the lock only costs a rebuild later


def _remember(key: bytes, entry: tuple[bytes, int | None, bytes]) -> None:
    _runs[key] = entry
    _runs.move_to_end(key)
    while len(_runs) > _MEMORY:
        _runs.popitem(last=False)


def _read_file(conn: apsw.Connection, key: bytes) -> tuple[bytes, int | None, bytes] | None:
    db = _file(conn)
    if db is None:
        return None
    try:
        row = db.execute(
            "SELECT target_hash, target, data FROM runs WHERE record = ?", (key,)
        ).fetchone()
    except apsw.Error:
        return None
    if row is None:
        return None
    return bytes(row[0]), row[1], bytes(row[2])


def _file(conn: apsw.Connection) -> apsw.Connection | None:
    name = conn.filename
    if not name:
        return None  # an in-memory database: runs live in memory only
    if name not in _files:
        _files[name] = _open(Path(name))
    return _files[name]


def _open(db_path: Path) -> apsw.Connection | None:
    folder = db_path.parent / f"{db_path.name}.zen" / "history"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        db = apsw.Connection(os.fspath(folder / "runs.db"))
        db.set_busy_timeout(200)
        db.execute(_SCHEMA)
    except (OSError, apsw.Error):
        return None  # read-only folder: runs live in memory only
    return db
