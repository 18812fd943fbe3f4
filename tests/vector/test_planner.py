"""The planner's calibration: the chosen search_k reaches the target recall, or exact."""

from __future__ import annotations

import numpy as np
import pytest

from zen.vector.distance import distances, prepare, top_k
from zen.vector.planner import TARGET_RECALL, calibrate, candidates_for_filter
from zen.vector.segment import build_annoy


def sample_recall(vectors: np.ndarray, annoy, search_k: int) -> float:
    hits = 0
    for position in range(0, len(vectors), 50):
        truth = set(top_k(distances(vectors, vectors[position], "cosine"), 11).tolist())
        found = set(annoy.get_nns_by_vector(vectors[position].tolist(), 11, search_k=search_k))
        hits += len((truth & found) - {position})
    return hits / (10 * len(range(0, len(vectors), 50)))


@pytest.mark.parametrize(("spread", "dim"), [(3.0, 16), (0.0, 64)], ids=["clustered", "uniform"])
def test_calibrated_plan_reaches_target_recall_or_scans(spread: float, dim: int) -> None:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(20, dim)) * spread
    raw = centres[rng.integers(0, 20, 3000)] + rng.normal(size=(3000, dim))
    vectors = prepare(raw.astype(np.float32), "cosine")
    annoy = build_annoy(vectors, "cosine", trees=4)
    plan = calibrate(vectors, annoy, "cosine", 4)
    if not plan.exact:
        assert sample_recall(vectors, annoy, plan.search_k) >= TARGET_RECALL - 0.05
    assert plan.search_k >= 4 * 10


def test_filter_widening_grows() -> None:
    rounds = [candidates_for_filter(10, r) for r in range(3)]
    assert rounds == sorted(rounds) and rounds[0] >= 10


def test_euclidean_distance_of_a_row_to_itself_is_zero() -> None:
    """|m|² - 2m·q + |q|² cancels near the query (about 1 row in 4 of these came out
    ~1e-3 from itself); rows that near are computed exactly."""
    rows = [np.random.default_rng(seed).random(8, dtype=np.float32) for seed in range(200)]
    matrix = prepare(np.stack(rows), "euclidean")
    exact_to = matrix.astype(np.float64)
    for i in range(len(rows)):
        found = distances(matrix, matrix[i].copy(), "euclidean")
        assert found[i] == 0.0
        exact = np.sqrt(((exact_to - matrix[i]) ** 2).sum(axis=1))
        assert np.allclose(found, exact, rtol=1e-4, atol=1e-6)
