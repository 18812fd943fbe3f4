"""States as Git files (zen.history.gitstore) and their export from history (remotes.export).

The central property: files derived from a neighbour's files plus a changeset are
exactly the files a fresh export of the resulting state writes (same Git tree sha).
"""

from __future__ import annotations

import math
import random
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apsw
import pytest

from zen.engine.core import Engine
from zen.history import History
from zen.history import gitstore as gs
from zen.history.gitapply import load_into
from zen.history.remotes import export
from zen.history.steps import RowsStep

VALUES: list[Any] = [
    0, 1, -1, 2**63 - 1, -(2**63), 0.0, -0.0, 1.0, 0.1, 1e16, 1e300, 5e-324, -2.5,
    float("inf"), float("-inf"), "", "a", "é ü 中文 🙂", "line\nbreak\r\n", '"quoted" \\ back',
    "null", "{\"blob\": \"AA==\"}", "sep\u2028par\u2029nel\x85ff\x0c",
    b"", b"\x00\xff", bytes(range(256)), None,
]  # fmt: skip

TABLES = {
    "int_key": "CREATE TABLE t(id INTEGER PRIMARY KEY, v, w)",
    "rowid": "CREATE TABLE t(v, w)",
    "text_key_nocase": "CREATE TABLE t(id TEXT PRIMARY KEY COLLATE NOCASE NOT NULL, v, w)",
    "composite_without_rowid": "CREATE TABLE t(a, id, v, w, PRIMARY KEY(id, a)) WITHOUT ROWID",
}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack(">d", a) == struct.pack(">d", b)
    return type(a) is type(b) and a == b


@pytest.fixture
def objects(tmp_path: Path) -> Iterator[gs.GitObjects]:
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "r.git")], check=True)
    found = gs.GitObjects(tmp_path / "r.git")
    yield found
    found.close()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """8 rows per chunk on average, so a few thousand rows make hundreds of files."""
    monkeypatch.setattr(gs, "CHUNK_ROWS", 8)


# -- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_value_round_trips_exactly(value: Any) -> None:
    line = gs.encode_values((value,))
    assert "\n" not in line
    (back,) = gs.decode_values(line)
    assert _same(back, value)


def test_every_sqlite_value_survives_export_and_load(objects: gs.GitObjects) -> None:
    source = apsw.Connection(":memory:")
    source.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)")
    source.executemany("INSERT INTO t(v) VALUES (?)", [(v,) for v in VALUES])
    tree = gs.export_working(source, objects).write(objects)
    target = apsw.Connection(":memory:")
    with target:
        load_into(target, objects, gs.Snapshot.load(objects, tree))
    query = "SELECT id, v, typeof(v) FROM t ORDER BY id"
    got, want = list(target.execute(query)), list(source.execute(query))
    assert len(got) == len(VALUES)
    for (gid, gv, gtype), (wid, wv, wtype) in zip(got, want, strict=True):
        assert (gid, gtype) == (wid, wtype) and _same(gv, wv)


def test_sort_order_is_sqlites_binary_order() -> None:
    keys = [(b"\x00",), ("b",), ("B",), (2.5,), (None,), (-3,), ("é",), (10,), ("a",)]
    conn = apsw.Connection(":memory:")
    conn.execute("CREATE TABLE k(v)")
    conn.executemany("INSERT INTO k VALUES (?)", keys)
    expected = [tuple(r) for r in conn.execute("SELECT v FROM k ORDER BY v COLLATE BINARY")]
    assert sorted(keys, key=gs.order_key) == expected


# -- schema.sql -------------------------------------------------------------------------------


def test_schema_text_round_trips() -> None:
    entries = [
        ("table", "t", "t", "CREATE TABLE t(\n  a TEXT, -- the a\n  b ';' \n)"),
        ("table", "odd name/é", "odd name/é", 'CREATE TABLE "odd name/é"(x) -- trailing'),
        ("index", "ix", "t", "CREATE INDEX ix ON t(a)"),
        ("trigger", "tr", "t", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  SELECT 1;\nEND"),
        ("view", "v", "v", "CREATE VIEW v AS SELECT ';\n-- zen {' AS x"),
    ]
    text = gs.Snapshot(entries, {}).schema_text()
    assert gs.parse_schema(text) == entries


def test_table_directory_names_are_safe_and_reversible() -> None:
    from urllib.parse import unquote

    for name in ["users", "a/b", ".hidden", "..", "with space", "é", "x%41"]:
        encoded = gs.dir_name(name)
        assert "/" not in encoded and not encoded.startswith(".")
        assert unquote(encoded) == name


# -- incremental files equal fresh files --------------------------------------------------------


def _fill(conn: apsw.Connection, kind: str, n: int) -> None:
    conn.execute(TABLES[kind])
    rows = [_row(kind, i) for i in range(n)]
    columns = "(a, id, v, w)" if kind == "composite_without_rowid" else ""
    if kind == "rowid":
        conn.executemany("INSERT INTO t(v, w) VALUES (?, ?)", [r[-2:] for r in rows])
    else:
        marks = ", ".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO t{columns} VALUES ({marks})", rows)


def _row(kind: str, i: int) -> tuple[Any, ...]:
    values = (f"v{i}", float(i) / 3)
    if kind == "text_key_nocase":
        return (f"K{i:05d}", *values)
    if kind == "composite_without_rowid":
        return (i % 3, (b"\x01" * (i % 4)) + str(i).encode(), *values)
    return (i, *values)


def _mutate(conn: apsw.Connection, kind: str, rng: random.Random, count: int) -> None:
    keys = (
        [r[0] for r in conn.execute("SELECT rowid FROM t")]
        if kind != "composite_without_rowid"
        else []
    )
    for _ in range(count):
        pick = rng.random()
        if kind == "composite_without_rowid":
            row = _row(kind, rng.randrange(3000))
            if pick < 0.4:
                conn.execute("DELETE FROM t WHERE a = ? AND id = ?", row[:2])
            else:
                conn.execute("INSERT OR REPLACE INTO t VALUES (?, ?, ?, ?)", (*row[:2], None, pick))
        elif pick < 0.35 and keys:
            conn.execute("DELETE FROM t WHERE rowid = ?", (rng.choice(keys),))
        elif pick < 0.7:
            conn.execute("UPDATE t SET w = ?, v = NULL WHERE rowid = ?", (pick, rng.choice(keys)))
        elif kind == "text_key_nocase":
            conn.execute(
                "INSERT OR REPLACE INTO t VALUES (?, 1, 2)", (f"K{rng.randrange(3000):05d}",)
            )
        else:
            conn.execute(
                "INSERT OR REPLACE INTO t(rowid, v) VALUES (?, ?)", (rng.randrange(3000), b"x")
            )


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("kind", sorted(TABLES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_changed_files_equal_a_fresh_export(objects: gs.GitObjects, kind: str, seed: int) -> None:
    conn = apsw.Connection(":memory:")
    _fill(conn, kind, 2000)
    snap = gs.export_working(conn, objects)
    assert len(snap.tables["t"].chunks) > 100
    snap.write(objects)
    session = apsw.Session(conn, "main")
    session.config(apsw.SQLITE_SESSION_OBJCONFIG_ROWID, 1)
    session.attach()
    _mutate(conn, kind, random.Random(seed), 300)
    snap.apply_steps(objects, [RowsStep(session.changeset())])
    assert snap.write(objects) == gs.export_working(conn, objects).write(objects)


@pytest.mark.usefixtures("small_chunks")
def test_emptying_and_refilling_a_table(objects: gs.GitObjects) -> None:
    conn = apsw.Connection(":memory:")
    _fill(conn, "int_key", 300)
    snap = gs.export_working(conn, objects)
    session = apsw.Session(conn, "main")
    session.attach()
    conn.execute("DELETE FROM t")
    snap.apply_steps(objects, [RowsStep(session.changeset())])
    assert snap.tables["t"].chunks == []
    assert snap.write(objects) == gs.export_working(conn, objects).write(objects)


@pytest.mark.usefixtures("small_chunks")
def test_one_row_update_rewrites_one_file(objects: gs.GitObjects, tmp_path: Path) -> None:
    conn = apsw.Connection(":memory:")
    _fill(conn, "int_key", 3000)
    before = gs.export_working(conn, objects).write(objects)
    conn.execute("UPDATE t SET v = 'changed' WHERE id = 1234")
    after = gs.export_working(conn, objects).write(objects)
    changed = subprocess.run(
        ["git", f"--git-dir={tmp_path / 'r.git'}", "diff-tree", "-r", "--name-only", before, after],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert len(changed) == 1 and changed[0].startswith("tables/t/")
    shown = subprocess.run(
        ["git", f"--git-dir={tmp_path / 'r.git'}", "show", f"{after}:{changed[0]}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert '[1234,"changed",411.3333333333333]' in shown.splitlines()


def test_packed_objects_are_read_too(objects: gs.GitObjects, tmp_path: Path) -> None:
    git_dir = tmp_path / "r.git"
    sha = objects.write("blob", b"hello\n")
    subprocess.run(
        ["git", f"--git-dir={git_dir}", "pack-objects", "-q", str(git_dir / "objects/pack/pack")],
        input=f"{sha}\n".encode(), check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(["git", f"--git-dir={git_dir}", "prune-packed"], check=True)
    assert not (git_dir / "objects" / sha[:2] / sha[2:]).exists()
    assert objects.read(sha) == b"hello\n"


# -- export of history ---------------------------------------------------------------------------

STEPS = [
    "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, score REAL)",
    "INSERT INTO users VALUES (1, 'ada', 1.5), (2, 'linus', -0.5), (3, 'grace', NULL)",
    "CREATE TABLE notes(body TEXT)",
    "INSERT INTO notes VALUES ('a'), ('b\nc')",
    "UPDATE users SET score = 2.5 WHERE id = 1",
    "ALTER TABLE users ADD COLUMN email TEXT",
    "UPDATE users SET email = name || '@x' WHERE id < 3",
    "CREATE INDEX users_name ON users(name)",
    "DELETE FROM notes WHERE body = 'a'",
    "DROP TABLE notes",
    "CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID",
    "INSERT INTO kv VALUES ('x', x'00ff'), ('y', 1e300)",
    "ALTER TABLE users RENAME COLUMN name TO full_name",
]


def _fresh(conn: apsw.Connection, objects: gs.GitObjects) -> tuple[list[Any], str]:
    """A fresh export of the working copy: (sorted schema entries, tables subtree sha)."""
    snap = gs.export_working(conn, objects)
    return sorted(snap.schema), _tables_sha(objects, snap.write(objects))


def _tables_sha(objects: gs.GitObjects, root: str) -> str:
    return gs.parse_tree(objects.read(root)).get(gs.TABLES_DIR, ("", ""))[1]


def _commit_tree(objects: gs.GitObjects, sha: str) -> tuple[list[Any], str]:
    tree = objects.read(sha).split(b"\n", 1)[0].decode()[5:]
    return sorted(gs.Snapshot.load(objects, tree).schema), _tables_sha(objects, tree)


@pytest.mark.parametrize("first_export", [0, 6, len(STEPS)])
def test_every_exported_commit_matches_its_state(
    tmp_path: Path, objects: gs.GitObjects, first_export: int
) -> None:
    """History exported once at some point (from the working copy, newest first) and
    then incrementally (oldest first): every commit's files equal a fresh export."""
    history = History.init(Engine(tmp_path / "app.db"), author="Ada <ada@example.com>")
    expected: dict[str, tuple[list[Any], str]] = {}
    for number, sql in enumerate(STEPS, 1):
        history.engine.script(sql)
        head = history.log(n=1)[0].commit.id
        expected[head] = _fresh(history.conn, objects)
        if number == first_export:
            export(history, objects, head)
    sha, _count = export(history, objects, history.log(n=1)[0].commit.id)
    for entry in history.log():
        commit = entry.commit
        if commit.id in expected:
            mapped = history.conn.execute(
                "SELECT sha FROM _zen_git_map WHERE commit_id = ?", (commit.id,)
            ).get
            assert _commit_tree(objects, str(mapped)) == expected[commit.id], commit.message
    head = objects.read(sha).decode()
    assert "author Ada <ada@example.com> " in head and head.endswith(f"\n\n{STEPS[-1]}\n")
    history.close()


def test_export_is_incremental(tmp_path: Path, objects: gs.GitObjects) -> None:
    history = History.init(Engine(tmp_path / "app.db"))
    history.engine.script(STEPS[0] + ";" + STEPS[1])
    _sha, first = export(history, objects, history.log(n=1)[0].commit.id)
    history.engine.script("UPDATE users SET name = 'Ada' WHERE id = 1")
    sha, second = export(history, objects, history.log(n=1)[0].commit.id)
    assert (first, second) == (2, 1)  # the root and one transaction, then one more
    assert export(history, objects, history.log(n=1)[0].commit.id) == (sha, 0)
    parent = objects.read(sha).decode().split("\n")[1]
    assert parent == f"parent {_sha}"
    history.close()


def test_non_finite_reals_keep_their_sign() -> None:
    for value in (math.inf, -math.inf):
        assert gs.decode_values(gs.encode_values([value])) == (value,)


@pytest.mark.usefixtures("small_chunks")
def test_line_separators_inside_text_stay_in_their_row(objects: gs.GitObjects) -> None:
    conn = apsw.Connection(":memory:")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"a\u2028b\x85{i}") for i in range(200)])
    snap = gs.export_working(conn, objects)
    session = apsw.Session(conn, "main")
    session.attach()
    conn.execute("UPDATE t SET v = v || '\u2029' WHERE id % 7 = 0")
    conn.execute("DELETE FROM t WHERE id % 11 = 0")
    snap.apply_steps(objects, [RowsStep(session.changeset())])
    assert snap.write(objects) == gs.export_working(conn, objects).write(objects)
    rows = list(snap.tables["t"].rows(objects))
    assert rows == [tuple(r) for r in conn.execute("SELECT id, v FROM t ORDER BY id")]
