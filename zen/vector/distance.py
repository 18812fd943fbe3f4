"""Distances between a query and a matrix of vectors, with numpy (exact search).

Vectors are *prepared* once per segment: unit length for cosine, so a cosine
distance is one matrix-vector product, as is a dot-product score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float32]
    IntArray = npt.NDArray[np.int64]

ANNOY_METRIC = {"cosine": "angular", "euclidean": "euclidean", "dot": "dot"}
_CANCELLING = 1e-2  # squared distances below this share of |q|² are recomputed exactly


def prepare(matrix: FloatArray, metric: str, *, in_place: bool = False) -> FloatArray:
    """The stored form of vectors for ``metric`` (unit length for cosine).

    ``in_place`` normalises a float32 matrix the caller owns without a copy.
    """
    import numpy as np

    if metric != "cosine" or not len(matrix):
        return np.ascontiguousarray(matrix, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]  # faster than linalg.norm
    norms[norms == 0] = 1.0
    if in_place and matrix.dtype == np.float32 and matrix.flags.writeable:
        matrix /= norms
        return matrix
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


def distances(matrix: FloatArray, query: FloatArray, metric: str) -> FloatArray:
    """Distance from the prepared ``query`` to each prepared row (smaller is nearer).

    cosine: ``1 - cos``; euclidean: L2; dot: the negated dot product.
    """
    import numpy as np

    product: FloatArray = matrix @ query
    if metric == "cosine":
        result: FloatArray = np.maximum(np.float32(1.0) - product, np.float32(0.0))
        return result
    if metric == "dot":
        return -product
    norm = float(query @ query)
    squared = np.einsum("ij,ij->i", matrix, matrix) - 2 * product + norm
    # |m|² - 2m·q + |q|² cancels badly for rows near the query (a row equal to it came
    # out 7e-4 away): those few are computed again from their differences.
    near = np.flatnonzero(squared < _CANCELLING * norm)
    if near.size:
        diff = matrix[near] - query
        squared[near] = np.einsum("ij,ij->i", diff, diff)
    euclidean: FloatArray = np.sqrt(np.maximum(squared, 0)).astype(np.float32)
    return euclidean


def top_k(dist: FloatArray, k: int) -> IntArray:
    """Positions of the ``k`` smallest distances, nearest first."""
    import numpy as np

    if k <= 0 or not len(dist):
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(dist, k - 1)[:k] if k < len(dist) else np.arange(len(dist))
    return part[np.argsort(dist[part], kind="stable")].astype(np.int64)


def scalar_distance(a: FloatArray, b: FloatArray, metric: str) -> float:
    """Distance between two raw vectors, as ``vec_distance`` reports it."""
    import numpy as np

    if metric == "euclidean":
        return float(np.linalg.norm(a - b))
    if metric == "dot":
        return -float(a @ b)
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return 1.0 - float(a @ b) / denominator if denominator else 1.0
