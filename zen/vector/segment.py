"""Immutable segments: an Annoy forest over a set of rows, plus their vectors.

A segment never changes after it is written; deleting or updating one of its
rows marks the row dead in the segment's ``alive`` mask (a tombstone), and
compaction later writes a new segment without it.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen.vector.distance import ANNOY_METRIC, distances, top_k

if TYPE_CHECKING:
    from zen.vector.distance import FloatArray, IntArray

SUFFIXES = (".ids.npy", ".vec.npy", ".ann")


class SegmentDamaged(Exception):
    """A segment file is missing or does not match its metadata (rebuild from rows)."""


@dataclass
class Segment:
    """One sealed segment, loaded (files memory-mapped)."""

    id: int
    file: str
    level: int
    rowids: IntArray
    vectors: FloatArray
    annoy: Any  # annoy.AnnoyIndex, or None for a segment searched exactly
    search_k: int
    exact: bool
    bytes: int
    alive: Any = field(default=None)  # numpy bool array
    _order: Any = field(default=None)
    _live: int = 0

    def __post_init__(self) -> None:
        import numpy as np

        if self.alive is None:
            self.alive = np.ones(len(self.rowids), dtype=bool)
        self._order = np.argsort(self.rowids, kind="stable")
        self._live = int(self.alive.sum())

    @property
    def count(self) -> int:
        """Rows written into the segment (dead ones included)."""
        return len(self.rowids)

    @property
    def live(self) -> int:
        """Rows of the segment that are still current."""
        return self._live

    def positions(self, rids: IntArray) -> IntArray:
        """Position of each rowid in the segment, -1 where it is absent."""
        import numpy as np

        if not len(self.rowids) or not len(rids):
            return np.full(len(rids), -1, dtype=np.int64)
        sorted_ids = self.rowids[self._order]
        where = np.searchsorted(sorted_ids, rids)
        where = np.minimum(where, len(sorted_ids) - 1)
        found = sorted_ids[where] == rids
        return np.where(found, self._order[where], -1).astype(np.int64)

    def kill(self, rids: IntArray) -> IntArray:
        """Tombstone ``rids`` where present and alive; returns the rowids newly killed."""
        pos = self.positions(rids)
        pos = pos[pos >= 0]
        pos = pos[self.alive[pos]]
        self.alive[pos] = False
        self._live -= len(pos)
        killed: IntArray = self.rowids[pos]
        return killed

    def copy(self) -> Segment:
        """The same segment with its own tombstone mask (for a transaction's view)."""
        return Segment(
            self.id, self.file, self.level, self.rowids, self.vectors, self.annoy,
            self.search_k, self.exact, self.bytes, self.alive.copy(),
        )  # fmt: skip

    def search(
        self, query: FloatArray, k: int, metric: str, *, exact: bool, search_k: int | None = None
    ) -> tuple[IntArray, FloatArray]:
        """The ``k`` nearest live rows: (rowids, distances), nearest first."""
        if exact or self.annoy is None:
            return self._exact(query, k, metric)
        return self._approximate(query, k, metric, search_k or self.search_k)

    def _exact(self, query: FloatArray, k: int, metric: str) -> tuple[IntArray, FloatArray]:
        import numpy as np

        dist = distances(self.vectors, query, metric)
        if not self.alive.all():
            dist = np.where(self.alive, dist, np.inf).astype(np.float32)
        best = top_k(dist, min(k, self.live))
        return self.rowids[best], dist[best]

    def _approximate(
        self, query: FloatArray, k: int, metric: str, search_k: int
    ) -> tuple[IntArray, FloatArray]:
        import numpy as np

        live = self.live
        # Ask for enough candidates that k survive the tombstones, widening if not.
        want = min(self.count, k + -(-k * (self.count - live) // max(live, 1)))
        listed = query.tolist()  # Annoy reads a list faster than a numpy array
        while True:
            items = self.annoy.get_nns_by_vector(listed, want, search_k=max(search_k, want))
            pos = np.asarray(items, dtype=np.int64)
            pos = pos[self.alive[pos]]
            if len(pos) >= min(k, live) or want >= self.count:
                break
            want, search_k = min(self.count, want * 2), search_k * 2
        if len(pos) < min(k, live):
            return self._exact(query, k, metric)
        dist = distances(self.vectors[pos], query, metric)
        best = top_k(dist, k)
        return self.rowids[pos[best]], dist[best]


def write_segment(
    folder: Path, segment_id: int, rowids: IntArray, vectors: FloatArray, annoy: Any
) -> tuple[str, int]:
    """Write a segment's files under a fresh unique stem; returns (stem, bytes)."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{segment_id}-{secrets.token_hex(4)}"
    np.save(folder / f"{stem}.ids.npy", rowids.astype(np.int64))
    np.save(folder / f"{stem}.vec.npy", vectors.astype(np.float32))
    if annoy is not None:
        annoy.save(os.fspath(folder / f"{stem}.ann"))
    return stem, segment_bytes(folder, stem)


def segment_bytes(folder: Path, stem: str) -> int:
    """Size on disk of a segment's files."""
    return sum((folder / f"{stem}{s}").stat().st_size for s in SUFFIXES if _exists(folder, stem, s))


def _exists(folder: Path, stem: str, suffix: str) -> bool:
    return (folder / f"{stem}{suffix}").exists()


def remove_segment_files(folder: Path, stem: str) -> None:
    """Delete a segment's files (readers that mapped them keep their mapping)."""
    for suffix in SUFFIXES:
        (folder / f"{stem}{suffix}").unlink(missing_ok=True)


# numpy parses .npy headers with ast.literal_eval, and CPython 3.11's AST constructor
# is not safe in two threads at once (gh-106905: "AST constructor recursion depth
# mismatch"); the background sealer loads segments too.
_HEADER_PARSING = threading.Lock()


def load_segment(folder: Path, row: tuple[Any, ...], dim: int, metric: str) -> Segment:
    """Map a segment's files; raises :class:`SegmentDamaged` when they do not fit."""
    import numpy as np

    segment_id, stem, count, level, search_k, exact, size = row
    try:
        with _HEADER_PARSING:
            rowids = np.load(folder / f"{stem}.ids.npy", mmap_mode="r")
            vectors = np.load(folder / f"{stem}.vec.npy", mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise SegmentDamaged(f"segment {stem}: {exc}") from None
    if rowids.shape != (count,) or vectors.shape != (count, dim):
        raise SegmentDamaged(f"segment {stem}: shape does not match its metadata")
    if segment_bytes(folder, stem) != size:
        raise SegmentDamaged(f"segment {stem}: size does not match its metadata")
    annoy = _load_annoy(folder / f"{stem}.ann", dim, metric) if not exact else None
    return Segment(
        segment_id, stem, level, np.asarray(rowids), vectors, annoy, search_k, exact, size
    )


def _load_annoy(path: Path, dim: int, metric: str) -> Any:
    from annoy import AnnoyIndex

    if not path.exists():
        raise SegmentDamaged(f"segment file missing: {path.name}")
    index = AnnoyIndex(dim, ANNOY_METRIC[metric])  # type: ignore[arg-type]
    try:
        index.load(os.fspath(path))
    except OSError as exc:
        raise SegmentDamaged(f"segment {path.name}: {exc}") from None
    return index


def build_annoy(vectors: FloatArray, metric: str, trees: int) -> Any:
    """An Annoy forest over ``vectors`` (item i = row i)."""
    from annoy import AnnoyIndex

    index = AnnoyIndex(vectors.shape[1], ANNOY_METRIC[metric])  # type: ignore[arg-type]
    index.set_seed(len(vectors))  # reproducible forests: same rows, same segment
    for position, vector in enumerate(vectors):
        index.add_item(position, vector)
    index.build(trees, n_jobs=1)
    return index
