"""``zen import`` into a table with a vector index: JSON arrays become float32 BLOBs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import zen
import zen.vector
from tests.conftest import ZenRunner, dump
from tests.vector.conftest import DIM, brute_force, clustered


@pytest.fixture
def indexed(docs_path: Path) -> Path:
    with zen.open(docs_path) as db:
        zen.vector.layer(db.engine).create("docs", "emb", dim=DIM)
    return docs_path


def _jsonl(path: Path, vectors: np.ndarray, start: int = 1) -> Path:
    lines = [
        json.dumps({"id": start + i, "lang": "en", "emb": [float(x) for x in v]})
        for i, v in enumerate(vectors)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_arrays_are_stored_as_vectors_and_searchable(indexed: Path, tmp_path: Path) -> None:
    vectors = clustered(50)
    with zen.open(indexed) as db:
        report = db.import_file("docs", _jsonl(tmp_path / "docs.jsonl", vectors))
        assert report.rows == 50
        stored = [np.frombuffer(b, dtype=np.float32) for (b,) in db.sql("SELECT emb FROM docs")]
        assert np.array_equal(np.stack(stored), vectors)
        hits = db.vector("docs").search(vectors[7], k=5)
        assert [h.rowid for h in hits] == brute_force(db, vectors[7], 5)


def test_csv_array_text_and_empty_cells(indexed: Path, tmp_path: Path) -> None:
    source = tmp_path / "docs.csv"
    vector = "[" + ", ".join(["1"] + ["0"] * (DIM - 1)) + "]"
    source.write_text(f'id,lang,emb\n1,en,"{vector}"\n2,fr,\n', encoding="utf-8")
    with zen.open(indexed) as db:
        db.import_file("docs", source)
        rows = db.sql("SELECT id, typeof(emb), length(emb) FROM docs ORDER BY id").fetchall()
    assert rows == [(1, "blob", DIM * 4), (2, "null", None)]


def test_wrong_dimension_names_the_line_and_imports_nothing(
    indexed: Path, tmp_path: Path, run_zen: ZenRunner
) -> None:
    good = clustered(3)
    source = _jsonl(tmp_path / "docs.jsonl", good)
    with source.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"id": 9, "lang": "en", "emb": [1.0, 2.0]}) + "\n")
    before = dump(indexed)
    done = run_zen("import", indexed, "docs", source)
    assert done.returncode == 1
    assert "line 4" in done.stderr and f"{DIM} dimensions" in done.stderr
    assert "Traceback" not in done.stderr
    assert dump(indexed) == before
