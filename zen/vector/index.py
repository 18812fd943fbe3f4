"""One vector index on one connection: refresh, search, seal, compact, rebuild.

Writes to metadata run in one transaction that first checks nobody else moved
the index on (another process sealing or compacting); the slow part (building
an Annoy forest) happens before that transaction, and a seal a search asks for
runs in a background thread (:mod:`zen.vector.background`), so neither readers
nor the caller wait for it. Past states (``as_of``) are searched through
:mod:`zen.vector.past`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import apsw

from zen.vector import store
from zen.vector.background import Sealer
from zen.vector.filter import check_filter, matching
from zen.vector.lsm import (
    SEAL_AT,
    Stamp,
    State,
    catch_up,
    load_state,
    read_stamp,
    resync,
    search_state,
)
from zen.vector.planner import EXACT_BELOW, WIDENING_ROUNDS, calibrate, candidates_for_filter
from zen.vector.segment import (
    Segment,
    SegmentDamaged,
    build_annoy,
    remove_segment_files,
    write_segment,
)

if TYPE_CHECKING:
    from zen.vector.distance import FloatArray, IntArray
    from zen.vector.past import Past

MAX_SEGMENTS = 8
TIER_FANOUT = 4
BACKGROUND = True  # seal full buffers in a background thread (False: in the caller)


@dataclass(frozen=True)
class Hit:
    """One search result: the row's rowid and its distance to the query."""

    rowid: int
    distance: float


class VectorIndex:
    """A vector index as seen from one connection (state cached between searches).

    Example:
        >>> index = layer.index("docs")  # doctest: +SKIP
        >>> index.search([0.1, 0.2, 0.3], k=2)
        [Hit(rowid=7, distance=0.01), Hit(rowid=3, distance=0.2)]
    """

    def __init__(
        self,
        conn: apsw.Connection,
        db_path: str,
        spec: store.IndexSpec,
        sync_history: Callable[[], object] | None = None,
    ) -> None:
        self.conn, self.spec, self.db_path = conn, spec, db_path
        self.sync_history = sync_history  # folds other programs' writes into history
        self.folder = store.cache_dir(db_path, spec)
        self.state: State | None = None
        self.stamp: Stamp | None = None
        self.gate: tuple[int, int] | None = None
        self.auto_seal = True
        self.background = BACKGROUND and Sealer.possible(db_path)  # seal off the caller's path
        self.sealer = Sealer(db_path, spec)
        self.rebuilds = 0
        self._unsaved = False  # the state was rebuilt from rows and not yet written
        self._resync_on_load = False  # the sealer was told the rows moved behind the log
        self._orphans: set[int] = set()  # damaged segments still named in the metadata
        self._past: dict[tuple[Any, ...], Past] = {}  # AS OF states, by (target, working, gate)

    # -- keeping up with the rows ---------------------------------------------------

    def view(self) -> State:
        """The state matching the rows this connection sees now (its transaction included)."""
        if not self.conn.get_autocommit():
            # Uncommitted changes may roll back: fold them into a throw-away copy.
            state = self._fresh(cache=False).copy()
            catch_up(self.conn, state)
            return state
        state, resynced = self._refresh()
        full = self.auto_seal and len(state.buffer) >= SEAL_AT
        if not (resynced or full):
            return state
        # A resync is persisted at once, so other connections need not repeat it. The
        # caller gets the state it has (exact and complete); the slow part runs elsewhere.
        if self.background and not _read_only(self.conn):
            self.sealer.start(resync=resynced)
        elif self.seal(force=resynced):
            state, _ = self._refresh()
        return state

    def maintain(self, *, resync_rows: bool = False) -> bool:
        """Seal a full buffer (then compact tiers), or persist a resync: the sealer's pass.

        Args:
            resync_rows: Rebuild the state from the rows first (the caller saw
                writes that bypassed the change log).
        """
        self._resync_on_load, self.state = resync_rows, None
        try:
            state, resynced = self._refresh()
        finally:
            self._resync_on_load = False
        if resynced or len(state.buffer) >= SEAL_AT:
            return self.seal(force=resynced)
        return False

    def wait(self, timeout: float | None = None) -> None:
        """Wait for background sealing to finish (tests, benchmarks, before a copy)."""
        self.sealer.wait(timeout)

    def referenced(self) -> set[str]:
        """File stems the metadata names (everything else in the folder is an orphan)."""
        rows = self.conn.execute(
            f"SELECT file FROM {store.SEGMENTS} WHERE idx = ?", (self.spec.name,)
        ).fetchall()
        return {str(stem) for (stem,) in rows}

    def _refresh(self) -> tuple[State, bool]:
        """Fold new log entries into the cached state (outside any transaction)."""
        gate = self._gate()  # read before the log: a later write changes it again
        if gate == self.gate and self.state is not None:
            return self.state, False
        with self.conn:  # one read snapshot for metadata, log and rows
            state = self._fresh()
            resynced = catch_up(self.conn, state)
        self.gate = gate
        resynced, self._unsaved = resynced or self._unsaved, False
        return state, resynced

    def _gate(self) -> tuple[int, int]:
        version: Any = self.conn.execute("PRAGMA data_version").get
        return int(version), int(self.conn.total_changes())

    def _fresh(self, *, cache: bool = True) -> State:
        """The cached state, reloaded when the metadata moved on (kept only if ``cache``)."""
        found = read_stamp(self.conn, self.spec)
        if found is None:
            from zen.engine.errors import NotFoundError

            raise NotFoundError(f"vector index on {self.spec.table} was dropped")
        stamp, rows = found
        if self.state is not None and stamp == self.stamp:
            return self.state
        self._check_spec()
        loaded = self._load(stamp, rows)
        if not cache:
            # A load inside the user's transaction may have read uncommitted rows (resync):
            # use it for this search only, never cache it.
            return loaded
        self.state, self.stamp = loaded, stamp
        return loaded

    def _check_spec(self) -> None:
        """Follow a drop and re-create by another connection (new dim, metric...)."""
        spec = store.find_spec(self.conn, self.spec.name)
        if spec is not None and spec != self.spec:
            self.spec, self.state = spec, None
            self.folder = store.cache_dir(self.db_path, spec)

    def _load(self, stamp: Stamp, rows: int) -> State:
        try:
            state = load_state(self.conn, self.spec, self.folder)
        except SegmentDamaged:
            # The cache is derived data: start from the rows, repair on the next seal.
            self.rebuilds += 1
            self._orphans = set(stamp.segments)  # dropped from metadata by the next seal
            state = State(self.spec)
            state.seq, state.rows = stamp.seq, rows
            resync(self.conn, state)
            self._unsaved = True
            return state
        state.seq, state.rows = stamp.seq, rows
        if stamp.epoch != stamp.synced or self._resync_on_load:
            resync(self.conn, state)
            self._unsaved = True
        return state

    # -- searching ----------------------------------------------------------------

    def search(
        self,
        query: Any,
        k: int = 10,
        *,
        where: str | None = None,
        exact: bool = False,
        as_of: str | None = None,
    ) -> list[Hit]:
        """The ``k`` nearest rows to ``query`` (among those matching ``where``).

        Args:
            query: The query vector (JSON text, list, numpy array or float32 BLOB).
            k: How many neighbours.
            where: A SQL expression over the table's columns; only matching rows count.
            exact: Force an exact scan.
            as_of: A revision (``HEAD~2``, a tag, a time): search the rows of that
                state instead of the working copy (an exact scan; needs history).

        Example:
            >>> db.vector("docs").search(q, k=5, as_of="HEAD~2")  # doctest: +SKIP
            [Hit(rowid=7, distance=0.01), ...]
        """
        return self._search(query, k, where, exact, as_of, sync=True)

    def _search(
        self, query: Any, k: int, where: str | None, exact: bool, as_of: str | None, *, sync: bool
    ) -> list[Hit]:
        """:meth:`search`; ``sync`` is False inside a SQL statement (no writes there)."""
        from zen.vector.codec import to_array
        from zen.vector.distance import prepare

        if k < 1:
            from zen.engine.errors import UsageError

            raise UsageError(f"k must be at least 1, not {k}")
        vector = prepare(to_array(query, self.spec.dim)[None, :], self.spec.metric)[0]
        if as_of is not None:
            rids, dist = self._search_past(vector, k, where, self.past(as_of, sync=sync))
            return [Hit(int(r), float(d)) for r, d in zip(rids, dist, strict=True)]
        state = self.view()
        exact = exact or state.live <= EXACT_BELOW
        if where is None:
            rids, dist = search_state(state, vector, k, exact=exact)
        else:
            rids, dist = self._filtered(state, vector, k, check_filter(self.conn, self.spec, where))
        return [Hit(int(r), float(d)) for r, d in zip(rids, dist, strict=True)]

    def past(self, as_of: str, *, sync: bool = True) -> Past:
        """The rows at revision ``as_of`` that differ from the working copy (cached).

        Raises:
            NotInitializedError: The database has no history.
            RefNotFoundError: ``as_of`` names nothing.
        """
        from zen.vector.past import check_history, load_past, target_key

        check_history(self.conn)
        if sync and self.sync_history is not None:
            self.sync_history()
        key = (*target_key(self.conn, as_of), self._gate(), self.spec)
        found = self._past.get(key)
        if found is None:
            found = load_past(self.conn, self.spec, as_of)
            self._past = {key: found}  # one state kept: repeated queries at one revision
        return found

    def _search_past(
        self, query: FloatArray, k: int, where: str | None, past: Past
    ) -> tuple[IntArray, FloatArray]:
        """Exact search over the past rows (equal to brute force over that state)."""
        from zen.vector.past import past_matching, past_state

        state = past_state(self.view(), past)
        if where is None:
            return search_state(state, query, k, exact=True)
        checked = check_filter(self.conn, self.spec, where)
        return _exact_among(state, query, k, past_matching(self.conn, self.spec, past, checked))

    def _filtered(
        self, state: State, query: FloatArray, k: int, where: str
    ) -> tuple[IntArray, FloatArray]:
        """Widen the candidate list until k of them match, then fall back to exact."""
        import numpy as np

        for round_number in range(WIDENING_ROUNDS):
            want = candidates_for_filter(k, round_number)
            if want >= state.live:
                break
            rids, dist = search_state(state, query, want)
            keep = np.isin(rids, matching(self.conn, self.spec, where, rids))
            if keep.sum() >= k:
                return rids[keep][:k], dist[keep][:k]
        allowed = matching(self.conn, self.spec, where, None)
        return _exact_among(state, query, k, allowed)

    def insert(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert rows, converting the vector column (JSON text, list, numpy array).

        One transaction: a wrong-sized or non-numeric vector raises
        :class:`~zen.vector.codec.VectorError` and no row is written.

        Example:
            >>> db.vector("docs").insert([{"title": "a", "emb": np.ones(384)}])  # doctest: +SKIP
            1
        """
        from zen.engine.catalog import quote_identifier
        from zen.vector.codec import to_blob

        count = 0
        with _savepoint(self.conn):
            for row in rows:
                values = dict(row)
                if values.get(self.spec.column) is not None:
                    values[self.spec.column] = to_blob(values[self.spec.column], self.spec.dim)
                names = ", ".join(quote_identifier(name) for name in values)
                marks = ", ".join("?" * len(values))
                self.conn.execute(
                    f"INSERT INTO {quote_identifier(self.spec.table)}({names}) VALUES ({marks})",
                    tuple(values.values()),
                )
                count += 1
        return count

    # -- sealing and compaction ---------------------------------------------------

    def seal(self, *, force: bool = False) -> bool:
        """Write the buffer as a new segment (and compact tiers that got full)."""
        if not self.conn.get_autocommit() or _read_only(self.conn):
            return False  # inside the user's transaction, or read-only: keep the buffer
        state = self.state if force and self.state is not None else self._refresh()[0]
        if not len(state.buffer) and not force:
            return False
        rids, matrix = state.buffer.arrays()
        built = self._build(rids, matrix, level=0) if len(rids) else None
        done = self._commit(state, add=[built] if built else [], remove=[])
        if done:
            self._compact_tiers()
        return done

    def compact(self, *, full: bool = True) -> None:
        """Merge segments and the buffer, purging tombstones (one segment when ``full``)."""
        self.wait()  # a background seal would make this one's commit lose the race
        self.seal()
        state = self.view()
        if full and (len(state.segments) > 1 or any(s.live < s.count for s in state.segments)):
            self._merge(state, state.segments)

    def _compact_tiers(self) -> None:
        state = self._refresh()[0]
        by_level: dict[int, list[Segment]] = {}
        for segment in state.segments:
            by_level.setdefault(segment.level, []).append(segment)
        for _level, group in sorted(by_level.items()):
            if len(group) >= TIER_FANOUT or len(state.segments) > MAX_SEGMENTS:
                self._merge(state, group)
                return

    def _merge(self, state: State, group: list[Segment]) -> None:
        import numpy as np

        rids = np.concatenate([s.rowids[s.alive] for s in group])
        matrix = np.concatenate([np.asarray(s.vectors[s.alive]) for s in group])
        level = max(s.level for s in group) + 1
        built = self._build(rids, matrix, level=level) if len(rids) else None
        self._commit(state, add=[built] if built else [], remove=group)

    def _build(self, rids: IntArray, matrix: FloatArray, level: int) -> dict[str, Any]:
        """Build and write a segment's files (no lock held)."""
        annoy = None
        plan_exact, search_k = True, 0
        if len(rids) > EXACT_BELOW:
            annoy = build_annoy(matrix, self.spec.metric, self.spec.trees)
            plan = calibrate(matrix, annoy, self.spec.metric, self.spec.trees)
            plan_exact, search_k = plan.exact, plan.search_k
            annoy = None if plan.exact else annoy
        return {
            "rids": rids, "matrix": matrix, "annoy": annoy, "level": level,
            "exact": plan_exact, "search_k": search_k,
        }  # fmt: skip

    def _commit(self, state: State, *, add: list[dict[str, Any]], remove: list[Segment]) -> bool:
        """Record new segments, dropped ones, tombstones and the folded seq, atomically."""
        written: list[str] = []
        try:
            with _immediate(self.conn):
                if not self._still_current(state):
                    raise _Moved
                for item in add:
                    written.append(self._record(item))
                store.repair_triggers(self.conn, self.spec)
                self._write_dead(state, remove)
                # synced = the epoch the state was checked against (never a newer one).
                self.conn.execute(
                    f"UPDATE {store.INDEXES} SET seq = ?, rows = ?, synced = ? WHERE name = ?",
                    (state.seq, state.rows, self.stamp.epoch if self.stamp else 0, self.spec.name),
                )
                self.conn.execute(
                    f"DELETE FROM {store.CHANGES} WHERE idx = ? AND seq < ?",
                    (self.spec.name, state.seq),
                )
        except (_Moved, apsw.BusyError, apsw.ReadOnlyError):
            for stem in written:
                remove_segment_files(self.folder, stem)
            self.state = self.stamp = None
            return False
        for segment in remove:
            remove_segment_files(self.folder, segment.file)
        self._orphans = set()
        self.state = self.stamp = None
        self.gate = None
        return True

    def _still_current(self, state: State) -> bool:
        found = read_stamp(self.conn, self.spec)
        if found is None or self.stamp is None:
            return False
        stamp, _ = found
        # A moved epoch means rows changed behind the log (a rewind) since the state
        # was read: committing it would mark stale segments as checked.
        mine = self.stamp
        return (stamp.seq, stamp.epoch, stamp.segments) == (mine.seq, mine.epoch, mine.segments)

    def _record(self, item: dict[str, Any]) -> str:
        segment_id: Any = self.conn.execute(
            f"UPDATE {store.INDEXES} SET next_segment = next_segment + 1 WHERE name = ? "
            "RETURNING next_segment - 1",
            (self.spec.name,),
        ).get
        stem, size = write_segment(
            self.folder, segment_id, item["rids"], item["matrix"], item["annoy"]
        )
        self.conn.execute(
            f"INSERT INTO {store.SEGMENTS}(idx, id, file, count, level, search_k, exact, bytes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.spec.name, segment_id, stem, len(item["rids"]), item["level"],
             item["search_k"], int(item["exact"]), size),
        )  # fmt: skip
        return stem

    def _write_dead(self, state: State, removed: list[Segment]) -> None:
        gone = {segment.id for segment in removed} | self._orphans
        for segment_id in gone:
            self.conn.execute(
                f"DELETE FROM {store.SEGMENTS} WHERE idx = ? AND id = ?",
                (self.spec.name, segment_id),
            )
            self.conn.execute(
                f"DELETE FROM {store.DEAD} WHERE idx = ? AND segment = ?",
                (self.spec.name, segment_id),
            )
        for segment in state.segments:
            if segment.id in gone:
                continue
            # Buffer rows are sealed into the new segment, so every tombstone is final.
            dead = segment.rowids[~segment.alive].tolist()
            self.conn.executemany(
                f"INSERT OR IGNORE INTO {store.DEAD}(idx, segment, rid) VALUES (?, ?, ?)",
                [(self.spec.name, segment.id, rid) for rid in dead],
            )
        state.pending_dead.clear()


@contextmanager
def _savepoint(conn: apsw.Connection) -> Iterator[None]:
    with conn:  # APSW: a savepoint, rolled back on any exception
        yield


@contextmanager
def _immediate(conn: apsw.Connection) -> Iterator[None]:
    """A write transaction taken up front (BEGIN IMMEDIATE): no upgrade deadlock."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class _Moved(Exception):
    """Another connection changed the index first; the build is thrown away."""


def _read_only(conn: apsw.Connection) -> bool:
    return bool(conn.readonly("main"))


def _exact_among(
    state: State, query: FloatArray, k: int, allowed: IntArray
) -> tuple[IntArray, FloatArray]:
    """Exact search restricted to the rows ``allowed`` (a filter's matches)."""
    import numpy as np

    from zen.vector.distance import distances, top_k

    rids_parts, dist_parts = [], []
    for segment in state.segments:
        pos = segment.positions(allowed)
        pos = pos[pos >= 0]
        pos = pos[segment.alive[pos]]
        rids_parts.append(segment.rowids[pos])
        dist_parts.append(distances(np.asarray(segment.vectors[pos]), query, state.spec.metric))
    buf_rids, buf_matrix = state.buffer.arrays()
    keep = np.isin(buf_rids, allowed)
    rids_parts.append(buf_rids[keep])
    dist_parts.append(distances(buf_matrix[keep], query, state.spec.metric))
    rids, dist = np.concatenate(rids_parts), np.concatenate(dist_parts)
    best = top_k(dist, k)
    return rids[best], dist[best]
