"""The planner: exact scan or Annoy, chosen from measurements rather than guesses.

When a segment is sealed, a sample of its own rows is used as queries (each
query's own row left out of both answers) to find the smallest ``search_k``
reaching the target recall, and to time Annoy at that ``search_k`` against an
exact numpy scan of the same segment. The segment is searched exactly when
Annoy would be slower (small segments, hard data where the trees do not
separate the points), so a search is never slower than the exact scan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zen.vector.distance import distances, top_k

if TYPE_CHECKING:
    from zen.vector.distance import FloatArray

TARGET_RECALL = 0.96  # measured on the segment's own points; leaves room for other queries
EXACT_BELOW = 5_000  # rows: a scan this small beats building and asking a forest
CALIBRATION_QUERIES = 40
CALIBRATION_K = 10
# Filtered search: ANN rounds before falling back to an exact scan of the matching rows.
WIDENING_ROUNDS = 3


@dataclass(frozen=True)
class Plan:
    """How to search one segment: exactly, or Annoy with ``search_k``."""

    exact: bool
    search_k: int


def calibrate(vectors: FloatArray, annoy: Any, metric: str, trees: int) -> Plan:
    """The cheapest plan reaching :data:`TARGET_RECALL` on a sample of the segment."""
    import numpy as np

    count = len(vectors)
    rng = np.random.default_rng(count)
    sample = rng.choice(count, size=min(CALIBRATION_QUERIES, count), replace=False)
    truth, exact_seconds = _exact_answers(vectors, sample, metric)
    search_k = trees * CALIBRATION_K * 4
    while search_k < count * trees:
        recall, seconds = _measure(annoy, vectors, sample, truth, search_k)
        if recall >= TARGET_RECALL:
            return Plan(seconds >= exact_seconds, search_k)
        search_k = search_k * 3 // 2
    return Plan(True, search_k)


def _exact_answers(vectors: FloatArray, sample: Any, metric: str) -> tuple[list[set[int]], float]:
    start = time.perf_counter()
    truth = []
    for position in sample:
        best = top_k(distances(vectors, vectors[position], metric), CALIBRATION_K + 1)
        truth.append({int(p) for p in best if p != position})
    return truth, (time.perf_counter() - start) / len(sample)


def _measure(
    annoy: Any, vectors: FloatArray, sample: Any, truth: list[set[int]], search_k: int
) -> tuple[float, float]:
    hits = total = 0
    start = time.perf_counter()
    for position, expected in zip(sample, truth, strict=True):
        found = annoy.get_nns_by_vector(vectors[position], CALIBRATION_K + 1, search_k=search_k)
        got = {p for p in found if p != position}
        hits += len(got & expected)
        total += len(expected)
    seconds = (time.perf_counter() - start) / len(sample)
    return hits / max(total, 1), seconds


def candidates_for_filter(k: int, round_number: int) -> int:
    """How many neighbours to ask for in a filtered search's ``round_number`` (0-based)."""
    return int(k * 8 * 4**round_number)
