"""Vector search follows history: after a rewind, and through AS OF."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import zen


def _vec(seed: int) -> bytes:
    return np.random.default_rng(seed).random(8, dtype=np.float32).tobytes()


def test_search_after_rewind_returns_that_states_neighbours(tmp_path: Path) -> None:
    with zen.open(tmp_path / "app.db") as db:
        db.enable_history()
        db.script("CREATE TABLE docs(id INTEGER PRIMARY KEY, emb BLOB)")
        db.vectors.create("docs", "emb", dim=8, metric="euclidean")
        with db.transaction():
            for i in range(200):
                db.sql("INSERT INTO docs VALUES (?, ?)", (i, _vec(i)))
        query = _vec(7)
        assert db.vector("docs").search(query, k=1)[0].rowid == 7
        # An update keeps the row count and max(rowid): only the rewind's notice tells
        # the index that row 8's vector went back.
        db.sql("UPDATE docs SET emb = ? WHERE id = 8", (_vec(1007),))
        db.sql("UPDATE docs SET emb = ? WHERE id = 8", (query,))
        assert db.vector("docs").search(query, k=1)[0].rowid in (7, 8)

        db.history.rewind("HEAD~2")  # rows go back behind the triggers' back
        hits = db.vector("docs").search(query, k=3)
        assert hits[0].rowid == 7 and hits[0].distance < 1e-6
        exact = db.sql(
            "SELECT id FROM docs ORDER BY vec_distance(emb, ?, 'euclidean') LIMIT 3", (query,)
        ).fetchall()
        assert [h.rowid for h in hits] == [r[0] for r in exact]


def test_as_of_nearest_rows_of_a_past_state(tmp_path: Path) -> None:
    with zen.open(tmp_path / "app.db") as db:
        db.enable_history()
        db.script("CREATE TABLE docs(id INTEGER PRIMARY KEY, emb BLOB)")
        db.vectors.create("docs", "emb", dim=8, metric="cosine")
        with db.transaction():
            for i in range(50):
                db.sql("INSERT INTO docs VALUES (?, ?)", (i, _vec(i)))
        db.sql("DELETE FROM docs WHERE id < 25")
        query = _vec(3)
        past = db.sql(
            "SELECT id FROM docs AS OF 'HEAD~1' ORDER BY vec_distance(emb, ?, 'cosine') LIMIT 1",
            (query,),
        ).fetchall()
        assert past == [(3,)]
        assert db.vector("docs").search(query, k=1)[0].rowid >= 25


def test_rewind_after_touching_the_vector_layer_without_indexes(tmp_path: Path) -> None:
    with zen.open(tmp_path / "app.db") as db:
        db.enable_history()
        db.script("CREATE TABLE t(id INTEGER PRIMARY KEY, v)")
        db.sql("INSERT INTO t VALUES (1, 'a')")
        assert db.vectors.specs() == []  # the layer is attached, the database has no index
        db.history.rewind("HEAD~1")
        assert db.sql("SELECT count(*) FROM t").scalar() == 0
