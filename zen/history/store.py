"""The history tables inside app.db: objects, change records, refs, reflog, meta.

Every function takes the APSW connection and runs inside the caller's
transaction: nothing here commits, so a caller's multi-step change stays atomic.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import apsw

from zen.history.errors import CorruptObjectError, NotInitializedError
from zen.history.hashing import object_id, record_hash

FORMAT_VERSION = 2
# Owed autocommits are found through this index (its entries live until the commits are made).
OWED_INDEX = (
    "CREATE INDEX IF NOT EXISTS _zen_changes_owed ON _zen_changes(id) WHERE owed IS NOT NULL"
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS _zen_meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _zen_changes(
    id INTEGER PRIMARY KEY,
    base INTEGER,
    depth INTEGER NOT NULL,
    time_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    hash BLOB NOT NULL,
    data BLOB NOT NULL,
    note TEXT,
    owed TEXT  -- an autocommit is owed for this record: its author (see zen.history.lazy)
);
CREATE TABLE IF NOT EXISTS _zen_objects(
    hash BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    body BLOB NOT NULL,
    record INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _zen_refs(name TEXT PRIMARY KEY, target TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _zen_reflog(
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL,
    old TEXT,
    new TEXT,
    time_ms INTEGER NOT NULL,
    message TEXT NOT NULL
);
"""


def now_ms() -> int:
    """The current time in milliseconds since the epoch (history's clock)."""
    return time.time_ns() // 1_000_000


def installed(conn: apsw.Connection) -> bool:
    """True when the history tables exist in ``conn``'s main database."""
    found = conn.execute(
        "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = '_zen_changes'"
    ).get
    return found is not None


def install(conn: apsw.Connection) -> None:
    """Create the history tables (idempotent); call inside a transaction."""
    for statement in SCHEMA.strip().split(";\n"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(OWED_INDEX)
    meta_set(conn, "format", FORMAT_VERSION)


def upgrade(conn: apsw.Connection) -> None:
    """Bring history tables made by an older zen to this format (inside a transaction)."""
    columns = {str(row[1]) for row in conn.execute("PRAGMA main.table_info(_zen_changes)")}
    if "owed" not in columns:
        conn.execute("ALTER TABLE _zen_changes ADD COLUMN owed TEXT")
    conn.execute(OWED_INDEX)
    meta_set(conn, "format", FORMAT_VERSION)


def require(conn: apsw.Connection, path: str) -> None:
    """Raise :class:`NotInitializedError` unless history is installed."""
    if not installed(conn):
        raise NotInitializedError(path)


# -- meta ----------------------------------------------------------------------


def meta_get(conn: apsw.Connection, key: str, default: Any = None) -> Any:
    """A value from ``_zen_meta``, or ``default``."""
    for (value,) in conn.execute("SELECT value FROM _zen_meta WHERE key = ?", (key,)):
        return value
    return default


def meta_set(conn: apsw.Connection, key: str, value: Any) -> None:
    """Store a value in ``_zen_meta``."""
    conn.execute("INSERT OR REPLACE INTO _zen_meta(key, value) VALUES (?, ?)", (key, value))


def _blob(value: Any) -> bytes:
    """Stored bytes; a value damaged into another type still hashes (to a mismatch)."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


# -- objects -------------------------------------------------------------------


@dataclass(frozen=True)
class StoredObject:
    """An object as stored: its id, kind, body and (for commits) the record it names."""

    id: bytes
    kind: str
    body: bytes
    record: int | None


_PUT_OBJECT = "INSERT OR IGNORE INTO _zen_objects(hash, kind, body, record) VALUES (?, ?, ?, ?)"


def put_object(
    conn: apsw.Connection,
    kind: str,
    body: bytes,
    record: int | None = None,
    *,
    later: list[StoredObject] | None = None,
) -> bytes:
    """Store an object (a no-op when it exists) and return its id.

    With ``later``, the object is only added to that list, for :func:`put_objects`
    (a batch of commits writes its objects at once, in key order).
    """
    oid = object_id(kind, body)
    if later is not None:
        later.append(StoredObject(oid, kind, body, record))
    else:
        conn.execute(_PUT_OBJECT, (oid, kind, body, record))
    return oid


def put_objects(conn: apsw.Connection, objects: list[StoredObject]) -> None:
    """Store objects collected by :func:`put_object` (sorted: the b-tree is filled in order)."""
    ordered = sorted(objects, key=lambda o: o.id)
    conn.executemany(_PUT_OBJECT, [(o.id, o.kind, o.body, o.record) for o in ordered])


def get_object(conn: apsw.Connection, oid: bytes, kind: str | None = None) -> StoredObject:
    """Read an object and verify its hash.

    Raises:
        CorruptObjectError: The object is missing, of another kind, or its body
            does not hash to its id.
    """
    row = conn.execute(
        "SELECT kind, body, record FROM _zen_objects WHERE hash = ?", (oid,)
    ).fetchone()
    if row is None:
        raise CorruptObjectError(f"missing {kind or 'object'} {oid.hex()}")
    found_kind, raw, record = row
    body = _blob(raw)
    if object_id(found_kind, body) != oid:
        raise CorruptObjectError(f"{found_kind} {oid.hex()} does not match its hash")
    if kind is not None and found_kind != kind:
        raise CorruptObjectError(f"{oid.hex()} is a {found_kind}, expected a {kind}")
    return StoredObject(oid, found_kind, body, record)


def object_exists(conn: apsw.Connection, oid: bytes) -> bool:
    """True when an object with this id is stored."""
    return conn.execute("SELECT 1 FROM _zen_objects WHERE hash = ?", (oid,)).get is not None


def objects_with_prefix(conn: apsw.Connection, prefix: str, kinds: tuple[str, ...]) -> list[bytes]:
    """Ids of the objects of ``kinds`` whose hex id starts with ``prefix`` (lower case)."""
    low = bytes.fromhex(prefix.ljust(64, "0"))
    high = bytes.fromhex(prefix.ljust(64, "f"))
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        f"SELECT hash FROM _zen_objects WHERE hash BETWEEN ? AND ? AND kind IN ({marks}) LIMIT 10",
        (low, high, *kinds),
    )
    return [bytes(h) for (h,) in rows]


def iter_objects(conn: apsw.Connection) -> Iterator[tuple[bytes, str, bytes, int | None]]:
    """Every stored object as ``(id, kind, body, record)`` (unverified: for fsck)."""
    for oid, kind, body, record in conn.execute(
        "SELECT hash, kind, body, record FROM _zen_objects"
    ):
        yield _blob(oid), kind, _blob(body), record


# -- change records ------------------------------------------------------------


class Record(NamedTuple):
    """One change record: the steps from its ``base`` record's state to its own.

    A named tuple: one is made per write transaction, so it is cheap to build.
    """

    id: int
    base: int | None
    depth: int
    time_ms: int
    kind: str
    hash: bytes
    note: str | None
    owed: str | None = None


_RECORD_COLUMNS = "id, base, depth, time_ms, kind, hash, note, owed"


def _record(row: tuple[Any, ...]) -> Record:
    rid, base, depth, time_ms, kind, digest, note, owed = row
    return Record(rid, base, depth, time_ms, kind, bytes(digest), note, owed)


def last_record(conn: apsw.Connection) -> Record | None:
    """The newest record: its state is the working copy's (None before the first)."""
    row = conn.execute(
        f"SELECT {_RECORD_COLUMNS} FROM _zen_changes ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return _record(row) if row else None


def get_record(conn: apsw.Connection, rid: int) -> Record:
    """The record with id ``rid`` (header only; see :func:`record_data`)."""
    row = conn.execute(
        f"SELECT {_RECORD_COLUMNS} FROM _zen_changes WHERE id = ?", (rid,)
    ).fetchone()
    if row is None:
        raise CorruptObjectError(f"missing change record {rid}")
    return _record(row)


def record_data(conn: apsw.Connection, record: Record) -> bytes:
    """The record's encoded steps, verified against its chain hash.

    Raises:
        CorruptObjectError: The data (or the base's hash) does not match.
    """
    row = conn.execute(
        "SELECT c.data, b.hash FROM _zen_changes c LEFT JOIN _zen_changes b ON b.id = c.base "
        "WHERE c.id = ?",
        (record.id,),
    ).fetchone()
    if row is None:
        raise CorruptObjectError(f"missing change record {record.id}")
    data, base_hash = _blob(row[0]), row[1]
    if record.base is not None and base_hash is None:
        raise CorruptObjectError(f"change record {record.id}: missing base {record.base}")
    expected = record_hash(
        bytes(base_hash) if base_hash else None, record.kind, record.time_ms, data
    )
    if expected != record.hash:
        raise CorruptObjectError(f"change record {record.id} does not match its hash")
    return data


def append_record(
    conn: apsw.Connection,
    kind: str,
    data: bytes,
    *,
    note: str | None = None,
    base: Record | None = None,
    use_last: bool = True,
    time_ms: int | None = None,
    owed: str | None = None,
) -> Record:
    """Append a record on top of ``base`` (default: the newest record) and return it.

    ``owed`` (an author) marks an autocommit to be made later (see
    :mod:`zen.history.lazy`).
    """
    if base is None and use_last:
        base = last_record(conn)
    stamp = now_ms() if time_ms is None else time_ms
    if base is not None and stamp < base.time_ms:
        stamp = base.time_ms  # keep times monotonic along a chain despite clock steps
    digest = record_hash(base.hash if base else None, kind, stamp, data)
    depth = base.depth + 1 if base else 1
    conn.execute(
        "INSERT INTO _zen_changes(base, depth, time_ms, kind, hash, data, note, owed) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (base.id if base else None, depth, stamp, kind, digest, data, note, owed),
    )
    rid = conn.last_insert_rowid()  # cheaper than RETURNING (no result table)
    return Record(rid, base.id if base else None, depth, stamp, kind, digest, note, owed)


def rewrite_newest(conn: apsw.Connection, record: Record, kind: str, data: bytes) -> Record:
    """Give the newest record new data and kind (its hash follows; used to seal it).

    Only the newest record may change: no later record has chained on its hash yet.

    Raises:
        CorruptObjectError: ``record`` is not the newest record.
    """
    newest = last_record(conn)
    if newest is None or newest.id != record.id:
        raise CorruptObjectError(f"change record {record.id} is not the newest")
    base = get_record(conn, record.base) if record.base is not None else None
    digest = record_hash(base.hash if base else None, kind, record.time_ms, data)
    conn.execute(
        "UPDATE _zen_changes SET kind = ?, hash = ?, data = ? WHERE id = ?",
        (kind, digest, data, record.id),
    )
    return record._replace(kind=kind, hash=digest)


def iter_records(conn: apsw.Connection) -> Iterator[Record]:
    """Every record, oldest first (headers only)."""
    for row in conn.execute(f"SELECT {_RECORD_COLUMNS} FROM _zen_changes ORDER BY id"):
        yield _record(row)


# -- refs and reflog -----------------------------------------------------------


def get_ref(conn: apsw.Connection, name: str) -> str | None:
    """The raw target of ref ``name`` (a commit hex, or ``ref: OTHER``), or None."""
    for (target,) in conn.execute("SELECT target FROM _zen_refs WHERE name = ?", (name,)):
        return str(target)
    return None


def set_ref(conn: apsw.Connection, name: str, target: str) -> None:
    """Point ``name`` at ``target`` (no reflog: see :func:`append_reflog`)."""
    conn.execute("INSERT OR REPLACE INTO _zen_refs(name, target) VALUES (?, ?)", (name, target))


def delete_ref(conn: apsw.Connection, name: str) -> None:
    """Remove ref ``name`` if it exists."""
    conn.execute("DELETE FROM _zen_refs WHERE name = ?", (name,))


def list_refs(conn: apsw.Connection, prefix: str = "") -> list[tuple[str, str]]:
    """``(name, target)`` of every ref starting with ``prefix``, sorted by name."""
    rows = conn.execute(
        "SELECT name, target FROM _zen_refs WHERE substr(name, 1, ?) = ? ORDER BY name",
        (len(prefix), prefix),
    )
    return [(str(n), str(t)) for n, t in rows]


def append_reflog(
    conn: apsw.Connection,
    ref: str | tuple[str, ...],
    old: str | None,
    new: str | None,
    message: str,
) -> None:
    """Record that ``ref`` (or each of several refs) moved from ``old`` to ``new``."""
    refs = (ref,) if isinstance(ref, str) else ref
    stamp = now_ms()
    rows = ", ".join(["(?, ?, ?, ?, ?)"] * len(refs))
    params = [v for name in refs for v in (name, old, new, stamp, message)]
    conn.execute(f"INSERT INTO _zen_reflog(ref, old, new, time_ms, message) VALUES {rows}", params)


def append_reflogs(
    conn: apsw.Connection, moves: list[tuple[str, str | None, str | None, str]]
) -> None:
    """Several reflog lines ``(ref, old, new, message)`` at once, stamped now."""
    stamp = now_ms()
    conn.executemany(
        "INSERT INTO _zen_reflog(ref, old, new, time_ms, message) VALUES (?, ?, ?, ?, ?)",
        [(ref, old, new, stamp, message) for ref, old, new, message in moves],
    )


def read_reflog(
    conn: apsw.Connection, ref: str | None = None, limit: int | None = None
) -> list[tuple[int, str, str | None, str | None, int, str]]:
    """Reflog rows ``(id, ref, old, new, time_ms, message)``, newest first."""
    where = "WHERE ref = ?" if ref is not None else ""
    params: tuple[Any, ...] = (ref,) if ref is not None else ()
    sql = f"SELECT id, ref, old, new, time_ms, message FROM _zen_reflog {where} ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = conn.execute(sql, params)
    return [(int(i), str(r), o, n, int(t), str(m)) for i, r, o, n, t, m in rows]
