"""Where vector indexes live: metadata in ``_zen_vector_*`` tables, segments in the cache.

The database holds what must be exact and transactional (which indexes exist,
which segments are current, their tombstones, and the change log the triggers
append to); the folder ``<db>.zen/vectors/`` holds the segment files, which are
derived data and rebuilt from the rows when missing or damaged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.connection import MEMORY
from zen.vector import INDEXES as INDEXES
from zen.vector import has_indexes

SEGMENTS = "_zen_vector_segments"
DEAD = "_zen_vector_dead"
CHANGES = "_zen_vector_changes"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {INDEXES}(
    name TEXT PRIMARY KEY, tbl TEXT NOT NULL, col TEXT NOT NULL, dim INTEGER NOT NULL,
    metric TEXT NOT NULL, trees INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,    -- change-log entries folded into the segments
    epoch INTEGER NOT NULL DEFAULT 0,  -- bumped by writers that bypass the triggers
    synced INTEGER NOT NULL DEFAULT 0, -- the epoch the segments were checked against
    rows INTEGER NOT NULL DEFAULT 0,   -- count(*) of the table as of seq (a fingerprint)
    next_segment INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS {SEGMENTS}(
    idx TEXT NOT NULL, id INTEGER NOT NULL, file TEXT NOT NULL, count INTEGER NOT NULL,
    level INTEGER NOT NULL, search_k INTEGER NOT NULL, exact INTEGER NOT NULL,
    bytes INTEGER NOT NULL, PRIMARY KEY(idx, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS {DEAD}(
    idx TEXT NOT NULL, segment INTEGER NOT NULL, rid INTEGER NOT NULL,
    PRIMARY KEY(idx, segment, rid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS {CHANGES}(
    -- no AUTOINCREMENT (a second write per row): sealing keeps each index's last entry,
    -- so max(seq) never goes back and a new entry always gets a seq above every index's.
    seq INTEGER PRIMARY KEY, idx TEXT NOT NULL, rid INTEGER NOT NULL,
    op INTEGER NOT NULL);  -- +1 insert, -1 delete, 0 update: keeps the row count exact
"""

_memory_cache: Path | None = None


@dataclass(frozen=True)
class IndexSpec:
    """One vector index: a float32 BLOB column of a table.

    Attributes:
        name: The index name (the table's name: one index per table).
        table: The indexed table.
        column: The vector column.
        dim: Number of float32 elements in each vector.
        metric: ``cosine``, ``euclidean`` or ``dot``.
        trees: Annoy trees per segment.
    """

    name: str
    table: str
    column: str
    dim: int
    metric: str
    trees: int


def ensure_schema(conn: apsw.Connection) -> None:
    """Create the metadata tables (inside the caller's transaction)."""
    conn.execute(SCHEMA)


def load_specs(conn: apsw.Connection) -> list[IndexSpec]:
    """Every vector index, by name."""
    if not has_indexes(conn):
        return []
    rows = conn.execute(f"SELECT name, tbl, col, dim, metric, trees FROM {INDEXES} ORDER BY name")
    return [IndexSpec(*row) for row in rows]


def find_spec(conn: apsw.Connection, name: str) -> IndexSpec | None:
    """The index on table ``name`` (matched case-insensitively, as SQLite names are)."""
    for spec in load_specs(conn):
        if spec.name.lower() == name.lower():
            return spec
    return None


def trigger_sql(spec: IndexSpec) -> list[str]:
    """Triggers that check vectors and log every change, whoever writes.

    Only built-in SQL is used, so the sqlite3 CLI and other clients can write
    to the table too (a trigger calling a zen function would fail there).
    """
    table, col = quote_identifier(spec.table), quote_identifier(spec.column)
    name = spec.name.replace("'", "''")
    log = f"INSERT INTO {CHANGES}(idx, rid, op) VALUES ('{name}', "
    bad = (
        f"NEW.{col} IS NOT NULL AND (typeof(NEW.{col}) != 'blob' "
        f"OR length(NEW.{col}) != {spec.dim * 4})"
    )
    message = (
        f"vector column {spec.column} must be a float32 BLOB of {spec.dim} dimensions "
        f"(write vec('[...]') from zen, or pack {spec.dim} little-endian float32)"
    ).replace("'", "''")
    check = f"SELECT RAISE(ABORT, '{message}') WHERE {bad};"
    # The check runs in the AFTER trigger (one trigger per row, not two): RAISE(ABORT)
    # there still undoes the statement, so a bad row is never written.
    return [
        f"CREATE TRIGGER {_trigger(spec, 'ins')} AFTER INSERT ON {table} "
        f"BEGIN {check} {log}NEW.rowid, 1); END",
        f"CREATE TRIGGER {_trigger(spec, 'upd')} AFTER UPDATE ON {table} "
        f"WHEN OLD.{col} IS NOT NEW.{col} OR OLD.rowid != NEW.rowid "
        f"BEGIN {check} {log}OLD.rowid, -(OLD.rowid != NEW.rowid)); "
        f"{log}NEW.rowid, OLD.rowid != NEW.rowid); END",
        f"CREATE TRIGGER {_trigger(spec, 'del')} AFTER DELETE ON {table} "
        f"BEGIN {log}OLD.rowid, -1); END",
    ]


def repair_triggers(conn: apsw.Connection, spec: IndexSpec) -> bool:
    """Re-create the index's triggers when some are missing; True when it did.

    A table dropped and re-created (a history rewind across DDL restores only the
    user's schema) loses them; the writes made meanwhile are caught by the
    fingerprint or the epoch, and this puts the triggers back at the next seal.
    """
    names = {f"_zen_vec_{spec.name}_{kind}" for kind in _KINDS}
    found = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?", (spec.table,)
        )
    }
    if names <= found:
        return False
    for sql in [*drop_trigger_sql(spec), *trigger_sql(spec)]:
        conn.execute(sql)
    return True


_KINDS = ("ins", "upd", "del")


def drop_trigger_sql(spec: IndexSpec) -> list[str]:
    """Statements that remove the index's triggers."""
    return [f"DROP TRIGGER IF EXISTS {_trigger(spec, kind)}" for kind in _KINDS]


def _trigger(spec: IndexSpec, kind: str) -> str:
    return quote_identifier(f"_zen_vec_{spec.name}_{kind}")


def cache_dir(db_path: str, spec: IndexSpec) -> Path:
    """The folder of the index's segment files: ``<db>.zen/vectors/<name>-<hash>/``."""
    digest = hashlib.blake2b(spec.name.encode(), digest_size=6).hexdigest()
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in spec.name)[:40]
    return _cache_root(db_path) / "vectors" / f"{safe}-{digest}"


def _cache_root(db_path: str) -> Path:
    global _memory_cache
    if db_path in {MEMORY, ""} or db_path.startswith("file::memory:"):
        # An in-memory database has no folder beside it; its cache dies with the process.
        if _memory_cache is None:
            import tempfile

            _memory_cache = Path(tempfile.mkdtemp(prefix="zen-vectors-"))
        return _memory_cache
    return Path(str(Path(db_path).resolve()) + ".zen")
