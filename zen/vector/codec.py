"""Vectors in rows: float32 BLOBs, converted from JSON arrays, lists and numpy arrays.

The row's BLOB is the source of truth, so every writer must store the same
encoding: little-endian float32, ``dim * 4`` bytes. numpy is imported lazily
(only when a vector is actually decoded), keeping ``zen sql`` light.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zen.engine.errors import UsageError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float32]

METRICS = ("cosine", "euclidean", "dot")


class VectorError(UsageError):
    """A vector has the wrong dimension or is not numeric; nothing was written."""


def check_metric(metric: str) -> str:
    """``metric`` lower-cased, or an error naming the choices.

    Example:
        >>> check_metric("Cosine")
        'cosine'
    """
    chosen = metric.lower()
    if chosen not in METRICS:
        raise UsageError(f"unknown metric: {metric}", hint=f"choose one of {', '.join(METRICS)}")
    return chosen


def to_blob(value: Any, dim: int | None = None) -> bytes:
    """Encode a vector (JSON text, list, numpy array or float32 BLOB) as a float32 BLOB.

    Args:
        value: The vector.
        dim: The expected dimension; None accepts any.

    Raises:
        VectorError: Not a flat list of finite numbers, or the wrong dimension.

    Example:
        >>> len(to_blob("[1, 2, 3]", 3))
        12
    """
    if isinstance(value, bytes | bytearray | memoryview):
        blob = bytes(value)
        _check_blob_size(blob, dim)
        return blob
    numbers = _as_numbers(value)
    if dim is not None and len(numbers) != dim:
        raise VectorError(f"vector has {len(numbers)} dimensions, expected {dim}")
    return struct.pack(f"<{len(numbers)}f", *numbers)


def _check_blob_size(blob: bytes, dim: int | None) -> None:
    if len(blob) % 4 or (dim is not None and len(blob) != dim * 4):
        expected = f"{dim * 4} bytes ({dim} float32)" if dim is not None else "a multiple of 4"
        raise VectorError(f"vector BLOB has {len(blob)} bytes, expected {expected}")


def _as_numbers(value: Any) -> list[float]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise VectorError(
                f"not a JSON array of numbers: {value[:40]!r}", hint="write it as [0.1, 0.2, ...]"
            ) from None
    if hasattr(value, "tolist"):  # numpy arrays, without importing numpy here
        value = value.tolist()
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise VectorError("a vector must be a non-empty array of numbers")
    return [_number(item, index) for index, item in enumerate(value)]


def _number(item: Any, index: int) -> float:
    if isinstance(item, bool) or not isinstance(item, int | float):
        raise VectorError(f"vector element {index} is not a number: {item!r}")
    number = float(item)
    if not math.isfinite(number):
        raise VectorError(f"vector element {index} is not finite: {item!r}")
    return number


def to_array(value: Any, dim: int | None = None) -> FloatArray:
    """A vector as a float32 numpy array (same inputs as :func:`to_blob`).

    Example:
        >>> to_array([1, 2]).tolist()
        [1.0, 2.0]
    """
    import numpy as np

    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "fiu":
        array = value.astype(np.float32)
        if dim is not None and array.shape[0] != dim:
            raise VectorError(f"vector has {array.shape[0]} dimensions, expected {dim}")
        if not np.isfinite(array).all():
            raise VectorError("vector has a non-finite element")
        return array
    return np.frombuffer(to_blob(value, dim), dtype="<f4").astype(np.float32)


def blobs_to_matrix(blobs: list[bytes], dim: int) -> FloatArray:
    """Stack float32 BLOBs (all ``dim * 4`` bytes) into an ``(n, dim)`` matrix."""
    import numpy as np

    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim).astype(np.float32)
