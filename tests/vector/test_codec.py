"""Vector encoding: valid inputs round-trip, invalid ones are rejected with a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zen.vector.codec import VectorError, to_array, to_blob

CASES = json.loads((Path(__file__).parents[1] / "fixtures/vector/vectors.json").read_text())


@pytest.mark.parametrize("case", CASES["valid"], ids=lambda c: str(c["input"]))
def test_valid_vectors_round_trip(case: dict) -> None:
    blob = to_blob(case["input"], case["dim"])
    assert np.frombuffer(blob, dtype="<f4").tolist() == pytest.approx(case["expected"])
    assert to_array(case["input"], case["dim"]).tolist() == pytest.approx(case["expected"])


@pytest.mark.parametrize("case", CASES["invalid"], ids=lambda c: str(c["input"]))
def test_invalid_vectors_are_rejected(case: dict) -> None:
    with pytest.raises(VectorError, match=case["error"]):
        to_blob(case["input"], case["dim"])


def test_numpy_arrays_and_blobs_are_accepted() -> None:
    array = np.array([1.5, 2.5], dtype=np.float64)
    assert to_array(array, 2).dtype == np.float32
    assert to_blob(to_blob(array, 2), 2) == to_blob([1.5, 2.5])
    with pytest.raises(VectorError, match="12 bytes"):
        to_blob(b"\x00" * 12, 2)
    with pytest.raises(VectorError, match="non-finite"):
        to_array(np.array([1.0, np.nan]), 2)
