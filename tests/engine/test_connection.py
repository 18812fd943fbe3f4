"""Opening databases: defaults, read-only enforcement, bad paths."""

from __future__ import annotations

from pathlib import Path

import apsw
import pytest

from zen.engine.connection import open_connection
from zen.engine.core import Engine
from zen.engine.errors import DatabaseError, NotFoundError, ReadOnlyError, ZenError


def test_defaults(tmp_path: Path) -> None:
    conn = open_connection(tmp_path / "a.db")
    assert conn.execute("PRAGMA journal_mode").get == "wal"
    assert conn.execute("PRAGMA foreign_keys").get == 1
    assert conn.execute("PRAGMA synchronous").get == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").get == 5000


def test_busy_timeout_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEN_BUSY_TIMEOUT", "250")
    assert open_connection(tmp_path / "a.db").execute("PRAGMA busy_timeout").get == 250
    monkeypatch.setenv("ZEN_BUSY_TIMEOUT", "soon")
    with pytest.raises(ZenError, match="ZEN_BUSY_TIMEOUT"):
        open_connection(tmp_path / "b.db")


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "fk.db")
    engine.script("CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(p REFERENCES p(id))")
    with pytest.raises(ZenError, match="FOREIGN KEY"):
        engine.query("INSERT INTO c VALUES (42)")


WRITES = [
    "INSERT INTO users(name) VALUES ('x')",
    "UPDATE users SET name = 'y'",
    "DELETE FROM users",
    "CREATE TABLE t(x)",
    "CREATE TEMP TABLE t(x)",
    "DROP TABLE users",
    "ALTER TABLE users ADD COLUMN z",
    "CREATE INDEX i ON users(name)",
    "PRAGMA user_version = 7",
    "PRAGMA journal_mode = DELETE",
    "ATTACH ':memory:' AS other",
    "VACUUM",
    "REINDEX users",
    "CREATE VIEW v AS SELECT 1",
    "ANALYZE",
]


@pytest.mark.parametrize("sql", WRITES)
def test_read_only_denies_every_write(users_db: Path, sql: str) -> None:
    Engine(users_db).script("CREATE INDEX users_name ON users(name)")
    before = users_db.read_bytes()
    engine = Engine(users_db, read_only=True)
    with pytest.raises(ZenError):
        engine.query(sql).drain()
    engine.close()
    assert users_db.read_bytes() == before


def test_read_only_allows_reads(users_db: Path) -> None:
    engine = Engine(users_db, read_only=True)
    assert engine.query("SELECT count(*) FROM users").scalar() == 3
    assert len(engine.query("PRAGMA table_info(users)").fetchall()) == 3
    assert engine.query("PRAGMA user_version").scalar() == 0


def test_read_only_error_type(users_db: Path) -> None:
    engine = Engine(users_db, read_only=True)
    with pytest.raises(ReadOnlyError, match="read-only"):
        engine.query("DELETE FROM users")


def test_missing_file_with_hint(tmp_path: Path) -> None:
    (tmp_path / "app.db").write_bytes(b"")
    with pytest.raises(NotFoundError) as info:
        Engine(tmp_path / "ap.db", create=False)
    assert info.value.hint == "did you mean app.db?"


def test_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a directory"):
        Engine(tmp_path)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("hello, I am text and certainly not SQLite" * 20)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="not a SQLite database"):
        Engine(path)
    assert path.read_bytes() == before


def test_memory_database() -> None:
    engine = Engine()
    assert engine.query("SELECT 1 + 1").scalar() == 2
    assert isinstance(engine.conn, apsw.Connection)
