"""The vector layer of one open database: create, drop, list, stats, and index look-up."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from zen.engine.catalog import columns, quote_identifier, resolve_table
from zen.engine.errors import NotFoundError, UsageError
from zen.engine.observers import TransactionObserver
from zen.vector import store
from zen.vector.codec import check_metric

if TYPE_CHECKING:
    from zen.engine.core import Engine
    from zen.vector.index import VectorIndex


@dataclass(frozen=True)
class IndexStats:
    """What ``zen vector stats`` reports for one index."""

    table: str
    column: str
    dim: int
    metric: str
    trees: int
    rows: int
    segments: int
    buffer: int
    tombstones: int
    bytes: int
    levels: list[int]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)


class VectorLayer:
    """Vector indexes of one :class:`~zen.engine.core.Engine`.

    Example:
        >>> layer = VectorLayer(engine)  # doctest: +SKIP
        >>> layer.create("docs", "emb", dim=384, metric="cosine")
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._indexes: dict[str, VectorIndex] = {}
        self.watch = _Watch()

    def index(self, table: str) -> VectorIndex:
        """The index on ``table`` (cached: its state is reused between searches)."""
        from zen.vector.index import VectorIndex

        cached = self._indexes.get(table.lower())
        if cached is not None:
            return cached  # it re-reads its spec when the metadata changes
        spec = store.find_spec(self.engine.conn, table)
        if spec is None:
            raise NotFoundError(
                f"no vector index on {table}",
                hint=f"create one with: zen vector create {table} COLUMN --dim N",
            )
        created = VectorIndex(
            self.engine.conn, self.engine.path, spec, sync_history=self._sync_history
        )
        self._indexes[table.lower()] = created
        return created

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every index's background sealing to finish.

        Example:
            >>> db.vectors.wait()  # doctest: +SKIP
        """
        for index in list(self._indexes.values()):
            index.wait(timeout)

    def _sync_history(self) -> None:
        """Fold other programs' writes into history before a past search reads it."""
        from zen.history.attach import attach

        lazy = attach(self.engine)
        if lazy is not None:
            lazy.get().sync()

    def specs(self) -> list[store.IndexSpec]:
        """Every vector index."""
        return store.load_specs(self.engine.conn)

    def create(
        self, table: str, column: str, *, dim: int, metric: str = "cosine", trees: int = 16
    ) -> store.IndexSpec:
        """Index ``table.column`` (float32 BLOBs of ``dim``); existing rows are indexed now.

        Existing rows are checked first: a wrong-sized or non-BLOB vector fails the
        whole command, which leaves the database unchanged.
        """
        spec = self._new_spec(table, column, dim, check_metric(metric), trees)
        conn = self.engine.conn
        with self.engine.transaction():
            store.ensure_schema(conn)
            _check_existing(conn, spec)
            for sql in store.trigger_sql(spec):
                conn.execute(sql)
            rows = int(conn.execute(f"SELECT count(*) FROM {quote_identifier(spec.table)}").get)
            conn.execute(
                f"INSERT INTO {store.INDEXES}(name, tbl, col, dim, metric, trees, rows, epoch) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 1)",  # epoch 1, synced 0: index the rows
                (spec.name, spec.table, spec.column, dim, spec.metric, trees, rows),
            )
        self.index(spec.name).maintain()  # the first segment: existing rows, sealed now
        return spec

    def _new_spec(
        self, table: str, column: str, dim: int, metric: str, trees: int
    ) -> store.IndexSpec:
        conn = self.engine.conn
        name = resolve_table(conn, table)
        found = [c.name for c in columns(conn, name) if c.name.lower() == column.lower()]
        if not found:
            raise NotFoundError(f"no such column: {name}.{column}")
        if dim < 1 or trees < 1:
            raise UsageError("--dim and --trees must be at least 1")
        if store.find_spec(conn, name) is not None:
            raise UsageError(
                f"{name} already has a vector index", hint=f"drop it first: zen vector drop {name}"
            )
        return store.IndexSpec(name, name, found[0], dim, metric, trees)

    def drop(self, table: str) -> None:
        """Remove the index on ``table``: metadata, triggers, log and segment files."""
        import shutil

        spec = store.find_spec(self.engine.conn, table)
        if spec is None:
            raise NotFoundError(f"no vector index on {table}")
        conn = self.engine.conn
        with self.engine.transaction():
            for sql in store.drop_trigger_sql(spec):
                conn.execute(sql)
            for meta in (store.INDEXES, store.SEGMENTS, store.DEAD, store.CHANGES):
                column = "name" if meta == store.INDEXES else "idx"
                conn.execute(f"DELETE FROM {meta} WHERE {column} = ?", (spec.name,))
        self._indexes.clear()
        shutil.rmtree(store.cache_dir(self.engine.path, spec), ignore_errors=True)

    def stats(self, table: str) -> IndexStats:
        """Segments, buffer size, tombstones and size on disk of the index on ``table``."""
        index = self.index(table)
        state = index.view()
        spec = index.spec
        return IndexStats(
            spec.table, spec.column, spec.dim, spec.metric, spec.trees,
            state.live, len(state.segments), len(state.buffer),
            sum(s.count - s.live for s in state.segments),
            sum(s.bytes for s in state.segments),
            [s.level for s in state.segments],
        )  # fmt: skip


def _check_existing(conn: Any, spec: store.IndexSpec) -> None:
    col, table = quote_identifier(spec.column), quote_identifier(spec.table)
    bad = conn.execute(
        f"SELECT rowid FROM {table} WHERE {col} IS NOT NULL AND "
        f"(typeof({col}) != 'blob' OR length({col}) != ?) LIMIT 1",
        (spec.dim * 4,),
    ).fetchone()
    if bad is not None:
        raise UsageError(
            f"row {bad[0]} of {spec.table}: {spec.column} is not a float32 BLOB of {spec.dim} "
            "dimensions",
            hint="store vectors with vec('[...]') (JSON arrays) or as packed float32",
        )


class _Watch(TransactionObserver):
    """Follows rows changed behind the triggers' back (a history rewind).

    Bumping the index's epoch makes its next search re-check the segments against
    the rows (tombstones and buffer, no rebuild), so results are those of the
    state the rows are in now.
    """

    def applied(self, engine: Engine, tables: frozenset[str]) -> None:
        """Mark the indexes of ``tables`` for a re-check (inside the transaction)."""
        from zen.vector import has_indexes

        if not has_indexes(engine.conn):
            return  # the layer was opened on a database without vector indexes
        for table in tables:
            engine.conn.execute(
                f"UPDATE {store.INDEXES} SET epoch = epoch + 1 WHERE tbl = ?", (table,)
            )
