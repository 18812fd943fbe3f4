"""The LSM: sealed Annoy segments, a mutable exact buffer, tombstones, compaction.

State on disk is the metadata in ``_zen_vector_*`` plus segment files; state in
memory is those segments (memory-mapped), their tombstone masks, and the
buffer: the rows named by change-log entries after ``seq``, read from the table
itself. A refresh folds new log entries (written by triggers, so by any client)
and detects writers that bypassed the triggers (see docs/architecture.md, Vector search).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.vector import store
from zen.vector.distance import distances, prepare, top_k
from zen.vector.segment import Segment, load_segment

if TYPE_CHECKING:
    from zen.vector.distance import FloatArray, IntArray

SEAL_AT = 20_000  # buffer rows; an exact scan of this many is still ~1 ms
CHUNK = 500  # rowids per IN (...) look-up


@dataclass(frozen=True)
class Stamp:
    """What the loaded state was built from; a change means reload."""

    seq: int
    epoch: int
    synced: int
    segments: tuple[int, ...]


class Buffer:
    """The mutable part: rows appended in chunks, dropped through a mask, scanned exactly."""

    def __init__(self, dim: int) -> None:
        import numpy as np

        self.dim = dim
        self.rids: IntArray = np.zeros(0, dtype=np.int64)
        self.matrix: FloatArray = np.zeros((0, dim), dtype=np.float32)
        self.alive: Any = np.zeros(0, dtype=bool)
        self.where: dict[int, int] = {}  # live rowid -> position
        self._pending: list[tuple[IntArray, FloatArray]] = []
        self._cache: tuple[IntArray, FloatArray] | None = None

    def __len__(self) -> int:
        return len(self.where)

    def copy(self) -> Buffer:
        """An independent copy (arrays are shared until one side changes them)."""
        self._consolidate()
        twin = Buffer(self.dim)
        twin.rids, twin.matrix = self.rids, self.matrix
        twin.alive, twin.where = self.alive.copy(), dict(self.where)
        return twin

    def put_many(self, rids: IntArray, matrix: FloatArray) -> None:
        """Add or replace rows (``rids`` unique)."""
        self.drop_many(rids)
        base = len(self.rids) + sum(len(p[0]) for p in self._pending)
        self.where.update(zip(rids.tolist(), range(base, base + len(rids)), strict=True))
        self._pending.append((rids, matrix))
        self._cache = None

    def drop_many(self, rids: IntArray) -> None:
        """Forget rows (absent ones are ignored)."""
        positions = [self.where.pop(rid) for rid in rids.tolist() if rid in self.where]
        if positions:
            self._consolidate()
            self.alive[positions] = False
            self._cache = None

    def _consolidate(self) -> None:
        import numpy as np

        if len(self._pending) == 1 and not len(self.rids):
            # The usual bulk case (one batch into an empty buffer): no copy.
            self.rids, self.matrix = self._pending[0]
            self.alive = np.ones(len(self.rids), dtype=bool)
            self._pending = []
        elif self._pending:
            self.rids = np.concatenate([self.rids, *(p[0] for p in self._pending)])
            self.matrix = np.concatenate([self.matrix, *(p[1] for p in self._pending)])
            grown = sum(len(p[0]) for p in self._pending)
            self.alive = np.concatenate([self.alive, np.ones(grown, dtype=bool)])
            self._pending = []

    def arrays(self) -> tuple[IntArray, FloatArray]:
        """(rowids, matrix) of the live rows, cached until the buffer changes."""
        if self._cache is None:
            self._consolidate()
            if self.alive.all():
                self._cache = (self.rids, self.matrix)
            else:
                self._cache = (self.rids[self.alive], self.matrix[self.alive])
        return self._cache

    def search(self, query: FloatArray, k: int, metric: str) -> tuple[IntArray, FloatArray]:
        """The ``k`` nearest buffered rows."""
        rids, matrix = self.arrays()
        dist = distances(matrix, query, metric)
        best = top_k(dist, k)
        return rids[best], dist[best]


class State:
    """Segments + buffer + tombstones: everything a search reads."""

    def __init__(self, spec: store.IndexSpec) -> None:
        self.spec = spec
        self.segments: list[Segment] = []
        self.buffer = Buffer(spec.dim)
        self.seq = 0
        self.rows = 0  # count(*) the table should have, given the folded log
        self.max_rid: int | None = None  # max(rowid) when last looked at
        self.pending_dead: dict[int, set[int]] = {}

    def copy(self) -> State:
        """A copy whose tombstones and buffer can change without touching this one."""
        twin = State(self.spec)
        twin.segments = [segment.copy() for segment in self.segments]
        twin.buffer = self.buffer.copy()
        twin.seq, twin.rows, twin.max_rid = self.seq, self.rows, self.max_rid
        twin.pending_dead = {key: set(value) for key, value in self.pending_dead.items()}
        return twin

    @property
    def live(self) -> int:
        """Rows the index answers for."""
        return sum(segment.live for segment in self.segments) + len(self.buffer)

    def kill(self, rids: IntArray) -> None:
        """Tombstone ``rids`` in every segment and drop them from the buffer."""
        for segment in self.segments:
            for rid in segment.kill(rids).tolist():
                self.pending_dead.setdefault(segment.id, set()).add(rid)
        self.buffer.drop_many(rids)

    def fold(self, conn: apsw.Connection) -> int:
        """Apply change-log entries after ``seq``; returns how many were read."""
        import numpy as np

        where = f"FROM {store.CHANGES} WHERE idx = ? AND seq > ?"
        summary: Any = conn.execute(
            f"SELECT count(*), max(seq), total(op) {where}", (self.spec.name, self.seq)
        ).fetchone()  # an aggregate: always one row
        count, last, delta = summary
        if not count:
            return 0
        # One column, bounded by `last`: the rowids of exactly the entries counted above.
        cursor = conn.execute(f"SELECT rid {where} AND seq <= ?", (self.spec.name, self.seq, last))
        rids = np.unique(np.fromiter((rid for (rid,) in cursor), dtype=np.int64, count=count))
        self.kill(rids)
        self.buffer.put_many(*read_rows(conn, self.spec, rids))
        self.seq = int(last)
        self.rows += int(delta)
        return int(count)


def read_rows(
    conn: apsw.Connection, spec: store.IndexSpec, rids: IntArray | None
) -> tuple[IntArray, FloatArray]:
    """(rowids, prepared vectors) of the rows ``rids`` (all when None) that have a vector."""

    table, col = quote_identifier(spec.table), quote_identifier(spec.column)
    # length() of a BLOB reads only its header; wrong-sized values never reach numpy.
    base = f"SELECT rowid, {col} FROM {table} WHERE length({col}) = {spec.dim * 4}"
    reader = _Rows(spec.dim, 4096 if rids is None else len(rids))
    if rids is None:
        reader.take(conn.execute(base), None)
    elif len(rids) > CHUNK * 4:
        # Many rows (a bulk insert): one range scan beats hundreds of IN (...) look-ups.
        low, high = int(rids.min()), int(rids.max())
        dense = len(rids) == high - low + 1  # rids are unique: every row of the range
        cursor = conn.execute(f"{base} AND rowid BETWEEN ? AND ?", (low, high))
        reader.take(cursor, None if dense else set(rids.tolist()))
    else:
        for start in range(0, len(rids), CHUNK):
            part = rids[start : start + CHUNK].tolist()
            marks = ",".join("?" * len(part))
            reader.take(conn.execute(f"{base} AND rowid IN ({marks})", part), None)
    ids, raw = reader.arrays()
    return ids, prepare(raw, spec.metric, in_place=True)


class _Rows:
    """Vectors copied straight into float32 matrices as the rows stream by.

    Each BLOB is freed as soon as it is copied, so a bulk read touches its memory
    once (no list of BLOBs, no second copy), and the matrix comes from numpy's
    allocator (huge pages for big arrays: a fraction of the page faults).
    """

    def __init__(self, dim: int, expected: int) -> None:
        self.dim, self.size = dim, dim * 4
        self.ids: list[int] = []
        self.chunks: list[Any] = []
        self._new_chunk(max(expected, 1))

    def _new_chunk(self, rows: int) -> None:
        import numpy as np

        self.chunks.append(np.empty((rows, self.dim), dtype="<f4"))
        self._view = memoryview(self.chunks[-1]).cast("B")
        self._at = 0

    def take(self, cursor: Any, wanted: set[int] | None) -> None:
        """Copy the (rowid, BLOB) rows of ``cursor`` (those in ``wanted`` when given)."""
        size, ids = self.size, self.ids
        view, at = self._view, self._at
        for rid, blob in cursor:
            if wanted is not None and rid not in wanted:
                continue
            if at == len(view):
                self._new_chunk(len(self.chunks[-1]) * 2)  # doubling: O(1) per row
                view, at = self._view, 0
            view[at : at + size] = blob
            ids.append(rid)
            at += size
        self._at = at

    def arrays(self) -> tuple[IntArray, FloatArray]:
        """(rowids, raw vectors) of the rows taken."""
        import numpy as np

        self.chunks[-1] = self.chunks[-1][: self._at // self.size]
        self._view.release()
        matrix = self.chunks[0] if len(self.chunks) == 1 else np.concatenate(self.chunks)
        return np.asarray(self.ids, dtype=np.int64), matrix


def read_stamp(conn: apsw.Connection, spec: store.IndexSpec) -> tuple[Stamp, int] | None:
    """The metadata's current stamp and row count, or None when the index is gone."""
    row = conn.execute(
        f"SELECT seq, epoch, synced, rows FROM {store.INDEXES} WHERE name = ?", (spec.name,)
    ).fetchone()
    if row is None:
        return None
    ids: list[Any] = list(
        conn.execute(f"SELECT id FROM {store.SEGMENTS} WHERE idx = ? ORDER BY id", (spec.name,))
    )
    return Stamp(row[0], row[1], row[2], tuple(i for (i,) in ids)), row[3]


def load_state(conn: apsw.Connection, spec: store.IndexSpec, folder: Any) -> State:
    """Segments and tombstones from metadata; raises SegmentDamaged when a file is bad."""
    import numpy as np

    state = State(spec)
    rows = conn.execute(
        f"SELECT id, file, count, level, search_k, exact, bytes FROM {store.SEGMENTS} "
        "WHERE idx = ? ORDER BY id",
        (spec.name,),
    ).fetchall()
    for row in rows:
        segment = load_segment(folder, row, spec.dim, spec.metric)
        dead = conn.execute(
            f"SELECT rid FROM {store.DEAD} WHERE idx = ? AND segment = ?", (spec.name, row[0])
        ).fetchall()
        segment.kill(np.asarray([r for (r,) in dead], dtype=np.int64))
        state.segments.append(segment)
    return state


def resync(conn: apsw.Connection, state: State) -> None:
    """Make ``state`` match the rows exactly (after writes that bypassed the triggers).

    Every row is read once: segment entries whose row is gone or whose vector
    differs are tombstoned; rows no live segment entry holds go to the buffer.
    """
    import numpy as np

    rids, matrix = read_rows(conn, state.spec, None)
    covered = np.zeros(len(rids), dtype=bool)
    for segment in state.segments:
        _resync_segment(state, segment, rids, matrix, covered)
    state.buffer = Buffer(state.spec.dim)
    state.buffer.put_many(rids[~covered], matrix[~covered])
    state.rows = table_rows(conn, state.spec)
    # The rows read include every logged change so far: folding those again would
    # count their +1/-1 twice (a wrong fingerprint, then another resync).
    last = conn.execute(
        f"SELECT max(seq) FROM {store.CHANGES} WHERE idx = ?", (state.spec.name,)
    ).get
    state.seq = max(state.seq, int(last or 0))


def _resync_segment(
    state: State, segment: Segment, rids: IntArray, matrix: FloatArray, covered: Any
) -> None:
    import numpy as np

    in_rows = np.isin(segment.rowids, rids)
    stale = segment.rowids[segment.alive & ~in_rows]
    pos = segment.positions(rids)
    has = (pos >= 0) & ~covered
    has[has] = segment.alive[pos[has]]
    same = np.zeros(len(rids), dtype=bool)
    same[has] = np.all(np.isclose(segment.vectors[pos[has]], matrix[has], atol=1e-6), axis=1)
    changed = rids[has & ~same]
    state_kill = np.concatenate([stale, changed])
    for rid in segment.kill(state_kill).tolist():
        state.pending_dead.setdefault(segment.id, set()).add(rid)
    covered |= same


def catch_up(conn: apsw.Connection, state: State) -> bool:
    """Fold the log, then check the fingerprint; resync when a write bypassed the triggers.

    The fingerprint is the row count (kept exact by the log's +1/-1) and
    ``max(rowid)``; it is only compared when the log brought nothing new, since
    that is when a change must have bypassed the triggers. Returns True on resync.
    """
    folded = state.fold(conn)
    top = conn.execute(f"SELECT max(rowid) FROM {quote_identifier(state.spec.table)}").get
    moved = state.max_rid is not None and top != state.max_rid
    stale = not folded and (moved or state.rows != table_rows(conn, state.spec))
    if stale:
        resync(conn, state)
    state.max_rid = top
    return stale


def table_rows(conn: apsw.Connection, spec: store.IndexSpec) -> int:
    """``count(*)`` of the indexed table (the fingerprint that catches trigger-less writes)."""
    return int(conn.execute(f"SELECT count(*) FROM {quote_identifier(spec.table)}").get)


def search_state(
    state: State, query: FloatArray, k: int, *, exact: bool = False
) -> tuple[IntArray, FloatArray]:
    """The ``k`` nearest live rows over every segment and the buffer, merged by distance."""
    import numpy as np

    parts = [state.buffer.search(query, k, state.spec.metric)]
    for segment in state.segments:
        if segment.live:
            parts.append(segment.search(query, k, state.spec.metric, exact=exact or segment.exact))
    rids = np.concatenate([p[0] for p in parts])
    dist = np.concatenate([p[1] for p in parts])
    best = top_k(dist, k)
    return rids[best], dist[best]
