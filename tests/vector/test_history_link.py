"""Vector search follows history: rewind, switch, merge, and searches AS OF a revision.

Every answer is checked against brute force over the rows of that state, read
through SQL (``SELECT ... FROM docs AS OF 'ref'`` for a past one).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import zen
from tests.vector.conftest import DIM, LANGS, clustered, fill
from tests.vector.test_cli import RUNNER
from zen.api import Database
from zen.engine.errors import UsageError
from zen.history.errors import HistoryError, NotInitializedError, RefNotFoundError


def _vec(seed: int) -> bytes:
    return np.random.default_rng(seed).random(8, dtype=np.float32).tobytes()


def truth(db: Database, query: np.ndarray, k: int, ref: str | None = None, where: str = "1"):
    """The k nearest rowids (cosine) among the rows of ``ref`` (the working copy: None)."""
    source = "docs" if ref is None else f"docs AS OF '{ref}'"
    where = where.replace("rowid", "id")  # an AS OF view has no rowid; id is its alias
    rows = db.sql(f"SELECT id, emb FROM {source} WHERE emb IS NOT NULL AND ({where})").fetchall()
    ids = np.array([r for r, _ in rows])
    matrix = np.stack([np.frombuffer(b, dtype=np.float32) for _, b in rows]).astype(np.float64)
    q = query.astype(np.float64)
    dist = 1 - (matrix @ q) / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(q))
    return [int(i) for i in ids[np.argsort(dist, kind="stable")[:k]]]


@pytest.fixture
def versioned(docs_path: Path, small_segments: None) -> Iterator[Database]:
    """docs with history and three commits (segments sealed at 200 rows):

    HEAD~2: rows 1..600; HEAD~1: rows 1..100 deleted, 601..700 added;
    HEAD: rows 200..260 moved far away (updates).
    """
    db = zen.open(docs_path)
    db.enable_history()
    fill(db, clustered(600))
    db.vectors.create("docs", "emb", dim=DIM, trees=8)
    db.history.commit("600 rows")
    with db.transaction():
        db.sql("DELETE FROM docs WHERE id <= 100")
        fill(db, clustered(100, seed=5), start=600)
    db.history.commit("delete 100, add 100")
    with db.transaction():
        for rowid in range(200, 261):
            db.sql("UPDATE docs SET emb = ? WHERE id = ?", (_far(), rowid))
    db.history.commit("move 61 rows")
    assert db.vector("docs").view().segments, "the fixture should have sealed segments"
    yield db
    db.vectors.wait()
    db.close()


def _far() -> bytes:
    return (np.arange(DIM, dtype=np.float32) - 40.0).tobytes()


QUERIES = clustered(6, seed=9)


@pytest.mark.parametrize("ref", ["HEAD", "HEAD~1", "HEAD~2"])
def test_search_as_of_equals_brute_force_over_that_state(versioned: Database, ref: str) -> None:
    index = versioned.vector("docs")
    for query in QUERIES:
        hits = index.search(query, k=10, as_of=ref)
        assert [h.rowid for h in hits] == truth(versioned, query, 10, ref)
    far = np.frombuffer(_far(), dtype=np.float32)
    moved = {h.rowid for h in index.search(far, k=5, as_of=ref)}
    assert (moved <= set(range(200, 261))) == (ref == "HEAD")


@pytest.mark.parametrize(
    "where", ["lang = 'fr'", "id > 550", "id BETWEEN 90 AND 120", "rowid % 7 = 0 AND lang != 'de'"]
)
def test_filtered_search_as_of(versioned: Database, where: str) -> None:
    query = QUERIES[0]
    hits = versioned.vector("docs").search(query, k=10, where=where, as_of="HEAD~2")
    assert [h.rowid for h in hits] == truth(versioned, query, 10, "HEAD~2", where)


def test_vec_search_as_of_in_sql(versioned: Database) -> None:
    row_5 = clustered(600)[4]  # row 5: deleted at HEAD~1
    query = row_5.tobytes()
    expected = truth(versioned, row_5, 5, "HEAD~2")
    assert expected[0] == 5
    positional = versioned.sql(
        "SELECT rowid FROM vec_search('docs', ?, 5, NULL, 0, 'HEAD~2')", [query]
    ).fetchall()
    assert [r for (r,) in positional] == expected
    joined = versioned.sql(
        "SELECT d.id, d.lang, v.distance FROM vec_search('docs', ?, 5) v "
        "JOIN docs AS OF 'HEAD~2' d ON d.id = v.rowid WHERE v.as_of = 'HEAD~2' "
        "ORDER BY v.distance",
        [query],
    ).fetchall()
    assert [r[0] for r in joined] == expected
    assert all(r[1] == LANGS[(r[0] - 1) % 3] for r in joined)
    now = versioned.sql("SELECT rowid FROM vec_search('docs', ?, 5)", [query]).fetchall()
    assert [r for (r,) in now] == truth(versioned, row_5, 5)
    assert 5 not in [r for (r,) in now]


def test_search_as_of_across_a_schema_change(versioned: Database) -> None:
    versioned.sql("ALTER TABLE docs ADD COLUMN note TEXT")
    versioned.history.commit("add a column")
    for ref in ("HEAD~1", "HEAD~3"):
        hits = versioned.vector("docs").search(QUERIES[2], k=10, as_of=ref)
        assert [h.rowid for h in hits] == truth(versioned, QUERIES[2], 10, ref)


def test_search_as_of_mistakes(versioned: Database, tmp_path: Path) -> None:
    index = versioned.vector("docs")
    with pytest.raises(RefNotFoundError, match="nope"):
        index.search(QUERIES[0], k=3, as_of="nope")
    versioned.sql("BEGIN")
    versioned.sql("DELETE FROM docs WHERE id = 300")
    with pytest.raises(HistoryError, match="write transaction"):
        index.search(QUERIES[0], k=3, as_of="HEAD~1")
    versioned.sql("ROLLBACK")
    with zen.open(tmp_path / "plain.db") as plain:
        plain.script("CREATE TABLE docs(id INTEGER PRIMARY KEY, lang TEXT, emb BLOB)")
        fill(plain, clustered(20))
        plain.vectors.create("docs", "emb", dim=DIM)
        with pytest.raises(NotInitializedError):
            plain.vector("docs").search(QUERIES[0], k=3, as_of="HEAD")
    with zen.open(tmp_path / "keyed.db") as keyed:
        keyed.enable_history()
        keyed.script("CREATE TABLE t(name TEXT PRIMARY KEY, emb BLOB)")
        keyed.sql("INSERT INTO t VALUES ('a', ?)", [_vec(1)])
        keyed.vectors.create("t", "emb", dim=DIM)
        with pytest.raises(UsageError, match="keyed by its rowid"):
            keyed.vector("t").search(_vec(1), k=1, as_of="HEAD")


def test_search_as_of_a_table_without_primary_key(tmp_path: Path) -> None:
    with zen.open(tmp_path / "app.db") as db:
        db.enable_history()
        db.script("CREATE TABLE notes(body TEXT, emb BLOB)")
        with db.transaction():
            for i in range(30):
                db.sql("INSERT INTO notes VALUES (?, ?)", (f"n{i}", _vec(i)))
        db.vectors.create("notes", "emb", dim=DIM, metric="euclidean")
        db.sql("DELETE FROM notes WHERE body = 'n4'")
        past = db.vector("notes").search(_vec(4), k=2, as_of="HEAD~1")
        assert past[0].rowid == 5 and past[0].distance < 1e-3  # float32 L2 of equal vectors
        assert db.vector("notes").search(_vec(4), k=1)[0].rowid != 5


def test_cli_search_as_of(versioned: Database, docs_path: Path) -> None:
    query = json.dumps(QUERIES[3].tolist())
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, "vector", "search", "docs", "-q", query, "-k", "4",
         "--as-of", "HEAD~2", "--db", str(docs_path), "--json"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    with zen.open(docs_path) as db:
        assert [h["rowid"] for h in hits] == truth(db, QUERIES[3], 4, "HEAD~2")
    assert all(h["lang"] == LANGS[(h["rowid"] - 1) % 3] for h in hits)
    like = subprocess.run(
        [sys.executable, "-c", RUNNER, "vector", "search", "docs", "--like", "5", "-k", "1",
         "--as-of", "HEAD~2", "--db", str(docs_path), "--json"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert json.loads(like.stdout)[0]["rowid"] == 5  # row 5 exists only in the past


def test_rewind_switch_and_merge_move_the_neighbours(versioned: Database) -> None:
    index = versioned.vector("docs")

    def check() -> None:
        for query in QUERIES[:3]:
            assert [h.rowid for h in index.search(query, k=10, exact=True)] == truth(
                versioned, query, 10
            )

    history = versioned.history
    history.rewind("HEAD~2")
    check()
    assert versioned.count("docs") == 600
    history.create_branch("side")
    with versioned.transaction():
        versioned.sql("DELETE FROM docs WHERE id % 5 = 0")
    history.commit("main: drop every 5th row")
    check()
    history.switch("side")
    check()
    assert versioned.count("docs") == 600
    with versioned.transaction():
        versioned.sql("UPDATE docs SET emb = ? WHERE id = 7", [_far()])
        fill(versioned, clustered(50, seed=21), start=1000)
    history.commit("side: move row 7, add 50")
    check()
    history.switch("main")
    check()
    result = history.merge("side")
    assert result.outcome == "merged"
    check()
    assert versioned.count("docs") == 600 - 120 + 50
    far = np.frombuffer(_far(), dtype=np.float32)
    assert index.search(far, k=1)[0].rowid == 7


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


def test_rewind_after_touching_the_vector_layer_without_indexes(tmp_path: Path) -> None:
    with zen.open(tmp_path / "app.db") as db:
        db.enable_history()
        db.script("CREATE TABLE t(id INTEGER PRIMARY KEY, v)")
        db.sql("INSERT INTO t VALUES (1, 'a')")
        assert db.vectors.specs() == []  # the layer is attached, the database has no index
        db.history.rewind("HEAD~1")
        assert db.sql("SELECT count(*) FROM t").scalar() == 0


@pytest.mark.parametrize("alias", [" v", " AS v", ""])
def test_vec_search_as_of_clause(versioned: Database, alias: str) -> None:
    row_5 = clustered(600)[4]  # row 5: deleted at HEAD~1
    expected = truth(versioned, row_5, 5, "HEAD~2")
    name = "v" if alias else "vec_search"
    rows = versioned.sql(
        f"SELECT {name}.rowid, {name}.distance FROM vec_search('docs', ?, 5) "
        f"AS OF 'HEAD~2'{alias} ORDER BY {name}.distance",
        [row_5.tobytes()],
    ).fetchall()
    assert [r[0] for r in rows] == expected and expected[0] == 5
    joined = versioned.sql(
        "SELECT d.id, d.lang FROM vec_search('docs', :q, 5, 'lang = ''fr''') AS OF 'HEAD~2' v "
        "JOIN docs AS OF 'HEAD~2' d ON d.id = v.rowid ORDER BY v.distance",
        {"q": row_5.tobytes()},
    ).fetchall()
    assert [r[0] for r in joined] == truth(versioned, row_5, 5, "HEAD~2", "lang = 'fr'")
    assert {r[1] for r in joined} == {"fr"}
