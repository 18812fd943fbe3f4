"""Fixtures for the vector tests: a docs table of seeded clustered vectors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import zen
import zen.vector
from zen.api import Database
from zen.vector.manager import VectorLayer
from zen.vector.planner import Plan, calibrate

DIM = 8
LANGS = ("en", "fr", "de")


def clustered(count: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    """Seeded points around 10 random centres."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(10, dim)) * 3
    return (centres[rng.integers(0, 10, count)] + rng.normal(size=(count, dim))).astype(np.float32)


def fill(db: Database, vectors: np.ndarray, start: int = 0) -> None:
    """Insert one docs row per vector (lang cycles through LANGS)."""
    with db.transaction():
        db.engine.conn.executemany(
            "INSERT INTO docs(id, lang, emb) VALUES (?, ?, ?)",
            [(start + i + 1, LANGS[(start + i) % 3], v.tobytes()) for i, v in enumerate(vectors)],
        )


def brute_force(db: Database, query: Any, k: int, where: str = "1") -> list[int]:
    """The true nearest rows (cosine), computed from the rows themselves."""
    rows = db.sql(f"SELECT rowid, emb FROM docs WHERE emb IS NOT NULL AND ({where})").fetchall()
    ids = np.array([r for r, _ in rows])
    matrix = np.stack([np.frombuffer(b, dtype=np.float32) for _, b in rows])
    q = np.asarray(query, dtype=np.float32)
    dist = 1 - (matrix @ q) / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(q))
    return [int(i) for i in ids[np.argsort(dist, kind="stable")[:k]]]


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seal every 200 rows and use Annoy above 100 rows, so tests exercise segments."""
    monkeypatch.setattr("zen.vector.index.SEAL_AT", 200)
    monkeypatch.setattr("zen.vector.index.EXACT_BELOW", 100)

    def annoy_always(*args: Any) -> Plan:
        # Tiny data is always faster to scan; force Annoy so its paths are tested.
        return Plan(False, calibrate(*args).search_k)

    monkeypatch.setattr("zen.vector.index.calibrate", annoy_always)


@pytest.fixture
def docs_path(tmp_path: Path) -> Path:
    """A database file with an empty docs table."""
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.script("CREATE TABLE docs(id INTEGER PRIMARY KEY, lang TEXT, emb BLOB)")
    return path


@pytest.fixture
def docs(docs_path: Path, small_segments: None) -> Iterator[tuple[Database, VectorLayer]]:
    """An open database whose docs table holds 600 vectors, indexed (cosine)."""
    db = zen.open(docs_path)
    fill(db, clustered(600))
    layer = zen.vector.layer(db.engine)
    layer.create("docs", "emb", dim=DIM, trees=8)
    yield db, layer
    layer.wait()  # no seal left running into the next test
    db.close()
