"""Search results against brute force computed from the rows, through every door."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import zen
import zen.vector
from tests.vector.conftest import DIM, brute_force, clustered, fill
from zen.engine.errors import SqlError, UsageError

FILTERS = json.loads((Path(__file__).parents[1] / "fixtures/vector/vectors.json").read_text())


def recall(found: list[int], truth: list[int]) -> float:
    return len(set(found) & set(truth)) / len(truth)


def test_search_matches_brute_force(docs) -> None:
    db, layer = docs
    index = layer.index("docs")
    assert index.view().segments, "the fixture should have sealed Annoy segments"
    queries = clustered(20, seed=7)
    total = sum(
        recall([h.rowid for h in index.search(q, k=10)], brute_force(db, q, 10)) for q in queries
    )
    assert total / len(queries) >= 0.9
    exact = [h.rowid for h in index.search(queries[0], k=10, exact=True)]
    assert exact == brute_force(db, queries[0], 10)


def test_vec_search_joins_rows_in_sql(docs) -> None:
    db, _ = docs
    query = json.dumps(clustered(1, seed=3)[0].tolist())
    rows = db.sql(
        "SELECT d.id, d.lang, v.distance FROM vec_search('docs', vec(?), 5) v "
        "JOIN docs d ON d.rowid = v.rowid",
        [query],
    ).fetchall()
    assert len(rows) == 5
    distances = [r[2] for r in rows]
    assert distances == sorted(distances)
    direct = db.sql(
        "SELECT vec_distance(emb, vec(?), 'cosine') FROM docs WHERE id = ?", [query, rows[0][0]]
    ).scalar()
    assert direct == pytest.approx(rows[0][2], abs=1e-5)


@pytest.mark.parametrize("where", ["lang = 'fr'", "id % 97 = 0", "id IN (5, 6)", "lang = 'xx'"])
def test_filtered_search_returns_k_matching_rows(docs, where: str) -> None:
    db, layer = docs
    query = clustered(1, seed=11)[0]
    matches = db.sql(f"SELECT count(*) FROM docs WHERE {where}").scalar()
    hits = layer.index("docs").search(query, k=10, where=where)
    assert len(hits) == min(10, matches)
    allowed = {r for (r,) in db.sql(f"SELECT rowid FROM docs WHERE {where}")}
    assert {h.rowid for h in hits} <= allowed
    if matches <= 10:
        assert {h.rowid for h in hits} == allowed


def test_filter_in_sql(docs) -> None:
    db, _ = docs
    query = json.dumps(clustered(1, seed=5)[0].tolist())
    rows = db.sql(
        "SELECT d.lang FROM vec_search('docs', ?, 7, 'lang = ''de''') v "
        "JOIN docs d ON d.rowid = v.rowid",
        [query],
    ).fetchall()
    assert [r[0] for r in rows] == ["de"] * 7


@pytest.mark.parametrize("case", FILTERS["filters_rejected"], ids=lambda c: c["where"])
def test_bad_filters_are_rejected(docs, case: dict) -> None:
    db, layer = docs
    with pytest.raises(UsageError, match=case["error"]):
        layer.index("docs").search([1.0] * DIM, k=3, where=case["where"])
    assert db.count("docs") == 600


def test_wrong_vectors_are_not_written(docs) -> None:
    db, layer = docs
    with pytest.raises(SqlError, match="float32 BLOB of 8 dimensions"):
        db.sql("INSERT INTO docs(lang, emb) VALUES ('en', vec('[1, 2]'))")
    with pytest.raises(SqlError, match="float32 BLOB"):
        db.sql("UPDATE docs SET emb = '[1,2,3,4,5,6,7,8]' WHERE id = 1")
    with pytest.raises(UsageError, match="expected 8"):
        layer.index("docs").insert([{"lang": "en", "emb": [1.0] * 8}, {"emb": [1.0, 2.0]}])
    assert db.count("docs") == 600


def test_numpy_and_json_inserts_are_searchable_at_once(docs) -> None:
    db, layer = docs
    index = layer.index("docs")
    far = np.full(DIM, 40.0, dtype=np.float32)
    far[0] = -40.0
    assert index.insert([{"id": 1001, "lang": "en", "emb": far}]) == 1
    assert index.search(far, k=1)[0].rowid == 1001
    db.sql("INSERT INTO docs(id, emb) VALUES (1002, vec(?))", [json.dumps((-far).tolist())])
    assert index.search(-far, k=1)[0].rowid == 1002


def test_deleted_and_updated_rows_are_never_returned(docs) -> None:
    db, layer = docs
    index = layer.index("docs")
    query = clustered(1, seed=2)[0]
    first = [h.rowid for h in index.search(query, k=10)]
    marks = ",".join(map(str, first[:5]))
    db.sql(f"DELETE FROM docs WHERE id IN ({marks})")
    moved = first[5]
    db.sql("UPDATE docs SET emb = ? WHERE id = ?", [(-query * 50).tobytes(), moved])
    after = [h.rowid for h in index.search(query, k=10)]
    assert not set(after) & set(first[:6])
    assert index.search(-query, k=1)[0].rowid == moved
    assert (
        after == brute_force(db, query, 10)[: len(after)]
        or recall(after, brute_force(db, query, 10)) >= 0.8
    )


def test_uncommitted_writes_are_seen_and_rollback_forgotten(docs) -> None:
    db, layer = docs
    index = layer.index("docs")
    point = np.full(DIM, 9.0, dtype=np.float32)
    point[1] = -30
    before = index.search(point, k=1)[0].rowid
    db.sql("BEGIN")
    db.sql("INSERT INTO docs(id, emb) VALUES (5000, ?)", [point.tobytes()])
    assert index.search(point, k=1)[0].rowid == 5000
    db.sql("ROLLBACK")
    assert index.search(point, k=1)[0].rowid == before


def test_other_clients_writes_are_seen(docs, docs_path: Path) -> None:
    import sqlite3
    import subprocess

    db, layer = docs
    index = layer.index("docs")
    point = np.arange(DIM, dtype=np.float32) * -7
    index.search(point, k=1)
    with sqlite3.connect(docs_path) as other:
        other.execute("INSERT INTO docs(id, emb) VALUES (7000, ?)", (point.tobytes(),))
    assert index.search(point, k=1)[0].rowid == 7000
    subprocess.run(["sqlite3", str(docs_path), "DELETE FROM docs WHERE id = 7000"], check=True)
    assert index.search(point, k=1)[0].rowid != 7000
    bad = subprocess.run(
        ["sqlite3", str(docs_path), "INSERT INTO docs(id, emb) VALUES (7001, x'00')"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "float32 BLOB" in bad.stderr
    assert db.sql("SELECT count(*) FROM docs WHERE id = 7001").scalar() == 0


@pytest.mark.parametrize("same_connection", [True, False])
def test_writes_that_bypass_triggers_are_detected(docs, docs_path: Path, same_connection) -> None:
    import apsw

    db, layer = docs
    index = layer.index("docs")
    point = np.arange(DIM, dtype=np.float32) + 20
    victims = [h.rowid for h in index.search(point, k=3)]
    conn = db.engine.conn if same_connection else apsw.Connection(str(docs_path))
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, 0)
    with conn:
        conn.execute("INSERT INTO docs(id, emb) VALUES (8000, ?)", (point.tobytes(),))
        conn.execute(f"DELETE FROM docs WHERE id = {victims[0]}")
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, 1)
    hits = [h.rowid for h in index.search(point, k=3)]
    assert hits[0] == 8000
    assert victims[0] not in hits
    assert db.sql("SELECT count(*) FROM _zen_vector_changes").scalar() == 0


def test_epoch_bump_resyncs_updated_vectors(docs, docs_path: Path) -> None:
    import apsw

    _, layer = docs
    index = layer.index("docs")
    point = np.arange(DIM, dtype=np.float32) - 30
    conn = apsw.Connection(str(docs_path))
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, 0)
    with conn:  # an update keeps the row count: only the epoch tells the index
        conn.execute("UPDATE docs SET emb = ? WHERE id = 3", (point.tobytes(),))
        conn.execute("UPDATE _zen_vector_indexes SET epoch = epoch + 1")
    assert index.search(point, k=1)[0].rowid == 3
    fresh = zen.open(docs_path)
    assert zen.vector.layer(fresh.engine).index("docs").search(point, k=1)[0].rowid == 3


def test_missing_or_corrupt_cache_is_rebuilt(docs, docs_path: Path) -> None:
    _, layer = docs
    query = clustered(1, seed=9)[0]
    expected = [h.rowid for h in layer.index("docs").search(query, k=10, exact=True)]
    folder = Path(str(docs_path) + ".zen")
    files = sorted(folder.rglob("*.ann"))
    files[0].write_bytes(b"garbage")
    for npy in sorted(folder.rglob("*.ids.npy"))[1:]:
        npy.unlink()
    fresh = zen.open(docs_path)
    index = zen.vector.layer(fresh.engine).index("docs")
    assert [h.rowid for h in index.search(query, k=10, exact=True)] == expected
    assert index.rebuilds == 1
    index.wait()  # the repair is written in the background
    assert index.view().segments  # repaired: written again from the rows
    assert [h.rowid for h in index.search(query, k=10, exact=True)] == expected


def test_compaction_purges_tombstones_and_keeps_results(docs) -> None:
    db, layer = docs
    index = layer.index("docs")
    fill(db, clustered(900, seed=4), start=600)
    index.view()  # the buffer is full: sealed (and tiers merged) in the background
    index.wait()
    assert len(index.view().segments) <= 8
    db.sql("DELETE FROM docs WHERE id % 2 = 0")
    query = clustered(1, seed=6)[0]
    before = layer.stats("docs")
    assert before.tombstones > 0 or before.buffer > 0
    index.compact()
    after = layer.stats("docs")
    assert (after.segments, after.buffer, after.tombstones) == (1, 0, 0)
    assert after.rows == db.count("docs")
    assert after.bytes < before.bytes
    exact = [h.rowid for h in index.search(query, k=10, exact=True)]
    assert exact == brute_force(db, query, 10)


def test_metrics_agree_with_numpy(docs_path: Path) -> None:
    db = zen.open(docs_path)
    vectors = clustered(300, seed=1)
    fill(db, vectors)
    layer = zen.vector.layer(db.engine)
    layer.create("docs", "emb", dim=DIM, metric="euclidean")
    query = vectors[0] + 0.1
    hits = layer.index("docs").search(query, k=5)
    truth = np.argsort(np.linalg.norm(vectors - query, axis=1))[:5] + 1
    assert [h.rowid for h in hits] == truth.tolist()
    assert hits[0].distance == pytest.approx(float(np.linalg.norm(vectors[0] - query)), rel=1e-4)
    layer.drop("docs")
    layer.create("docs", "emb", dim=DIM, metric="dot")
    best = layer.index("docs").search(query, k=1)[0]
    assert best.rowid == int(np.argmax(vectors @ query)) + 1


def test_create_rejects_bad_existing_rows_and_changes_nothing(docs_path: Path) -> None:
    db = zen.open(docs_path)
    db.sql("INSERT INTO docs(id, emb) VALUES (1, x'0000')")
    with pytest.raises(UsageError, match="row 1 of docs"):
        zen.vector.layer(db.engine).create("docs", "emb", dim=DIM)
    assert db.sql("SELECT count(*) FROM sqlite_schema WHERE name LIKE '_zen_vec%'").scalar() == 0


def test_two_connections_share_sealed_segments(docs, docs_path: Path) -> None:
    db, layer = docs
    other = zen.vector.layer(zen.open(docs_path).engine).index("docs")
    query = clustered(1, seed=8)[0]
    other.search(query, k=3)
    fill(db, clustered(450, seed=8), start=600)  # past SEAL_AT: the next search seals
    mine = [h.rowid for h in layer.index("docs").search(query, k=10, exact=True)]
    theirs = [h.rowid for h in other.search(query, k=10, exact=True)]
    assert mine == theirs == brute_force(db, query, 10)
    db.sql(f"DELETE FROM docs WHERE id = {theirs[0]}")
    assert theirs[0] not in [h.rowid for h in other.search(query, k=10)]


def test_read_only_database_searches_fresh_rows(docs, docs_path: Path) -> None:
    db, _ = docs
    fill(db, clustered(300, seed=12), start=600)  # not sealed: nobody searched yet
    reader = zen.open(docs_path, read_only=True)
    index = zen.vector.layer(reader.engine).index("docs")
    query = clustered(1, seed=12)[0]
    assert [h.rowid for h in index.search(query, k=10, exact=True)] == brute_force(db, query, 10)
    assert len(index.view().buffer) >= 200  # it could not seal, and needed not to


def test_table_recreated_without_triggers_is_followed_and_repaired(docs) -> None:
    db, layer = docs
    index = layer.index("docs")
    index.search([1.0] * DIM, k=1)
    db.script(  # what a rewind across DDL does: the table comes back without zen's triggers
        "CREATE TABLE tmp AS SELECT * FROM docs; DROP TABLE docs; "
        "CREATE TABLE docs(id INTEGER PRIMARY KEY, lang TEXT, emb BLOB); "
        "INSERT INTO docs SELECT * FROM tmp WHERE id > 100; DROP TABLE tmp"
    )
    query = clustered(1, seed=13)[0]
    hits = [h.rowid for h in index.search(query, k=10, exact=True)]
    assert min(hits) > 100 and hits == brute_force(db, query, 10)
    index.wait()  # the resync is persisted (and the triggers repaired) in the background
    triggers = db.sql("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'").scalar()
    assert triggers == 3
