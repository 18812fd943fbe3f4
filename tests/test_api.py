"""The public Python API."""

from __future__ import annotations

from pathlib import Path

import pytest

import zen
from zen.engine.errors import NotFoundError


def test_open_sql_and_schema(tmp_path: Path) -> None:
    with zen.open(tmp_path / "a.db") as db:
        db.script(
            "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); CREATE VIEW v AS SELECT 1"
        )
        assert db.sql("INSERT INTO users(name) VALUES (?), (?)", ["a", "b"]).changes == 2
        assert db.tables() == ["users", "v"]
        assert db.tables(views=False) == ["users"]
        assert [c.name for c in db.columns("users")] == ["id", "name"]
        assert db.count("users") == 2
        assert "CREATE TABLE users" in db.schema("users")
        assert list(db.sql("SELECT name FROM users ORDER BY id").dicts()) == [
            {"name": "a"},
            {"name": "b"},
        ]


def test_awkward_identifiers_work(tmp_path: Path) -> None:
    name = 'odd "name" with spaces ζ'
    with zen.open(tmp_path / "a.db") as db:
        db.script(f'CREATE TABLE "{name.replace(chr(34), chr(34) * 2)}"("a b" INTEGER)')
        assert db.tables() == [name]
        assert db.count(name) == 0
        assert db.columns(name)[0].name == "a b"


def test_table_lookup_hint(tmp_path: Path) -> None:
    with zen.open(tmp_path / "a.db") as db:
        db.script("CREATE TABLE orders(id)")
        with pytest.raises(NotFoundError) as info:
            db.count("order")
        assert info.value.hint == "did you mean orders?"
        assert db.table("ORDERS") == "orders"


def test_internal_tables_are_hidden(tmp_path: Path) -> None:
    with zen.open(tmp_path / "a.db") as db:
        db.script("CREATE TABLE _zen_objects(x); CREATE TABLE data(x)")
        assert db.tables() == ["data"]


def test_init_is_idempotent(tmp_path: Path) -> None:
    first = zen.api.init(tmp_path / "app.db")
    assert first.created and first.project_file == tmp_path / "zen.toml"
    second = zen.api.init(tmp_path / "app.db")
    assert not second.created and second.project_file is None


def test_read_only_database(users_db: Path) -> None:
    with zen.open(users_db, read_only=True) as db:
        assert db.read_only
        assert db.count("users") == 3
        with pytest.raises(zen.ZenError, match="read-only"):
            db.sql("DELETE FROM users")


def test_close_twice_is_harmless(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    zen.init(path, project=False)
    db = zen.open(path)
    db.sql("CREATE TABLE t(a)")  # an autocommit owed until close
    db.close()
    db.close()
    with zen.open(path) as again:
        assert again.history.log()[0].commit.message == "CREATE TABLE t(a)"
