"""Versioned migrations: new, up, down, status, the integrity file, failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import zen
from zen.migrate import load_sql
from zen.migrate.versioned import (
    IntegrityError,
    MigrationError,
    down,
    new_migration,
    status,
    up,
    verify_folder,
    write_sum,
)

from .conftest import Runner

V1 = "create table users(id integer primary key, name text);"
V2 = (
    V1.replace("name text", "name text, email text") + "\ncreate index users_email on users(email);"
)
V3 = V2.replace("name text,", "name text not null default '',")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "migrations"


def _states(db: zen.Database, folder: Path) -> list[tuple[str, str]]:
    return [(s.version, s.state) for s in status(db.engine, folder)]


def test_new_up_down_round_trip(tmp_path: Path, folder: Path) -> None:
    first = new_migration(folder, "init", load_sql(V1))
    second = new_migration(folder, "email", load_sql(V2))
    third = new_migration(folder, "not_null", load_sql(V3))
    assert [p.name for p in (first, second, third)] == [
        "0001_init.sql",
        "0002_email.sql",
        "0003_not_null.sql",
    ]
    assert "-- zen migrate: down" in second.read_text()
    with pytest.raises(Exception, match="nothing to migrate"):
        new_migration(folder, "again", load_sql(V3))
    with zen.open(tmp_path / "app.db") as db:
        assert up(db.engine, folder, 2) == ["0001_init.sql", "0002_email.sql"]
        db.sql("insert into users(name, email) values ('ada', 'a@x')")
        assert _states(db, folder) == [
            ("0001", "applied"),
            ("0002", "applied"),
            ("0003", "pending"),
        ]
        assert up(db.engine, folder) == ["0003_not_null.sql"]
        assert "not null default ''" in db.schema("users")
        assert down(db.engine, folder, 2) == ["0003_not_null.sql", "0002_email.sql"]
        assert [c.name for c in db.columns("users")] == ["id", "name"]
        assert db.sql("select name from users").fetchall() == [("ada",)]
        assert db.sql("pragma foreign_keys").scalar() == 1
        up(db.engine, folder)
        assert _states(db, folder)[-1] == ("0003", "applied")


def test_edited_applied_migration_is_refused(tmp_path: Path, folder: Path) -> None:
    path = new_migration(folder, "init", load_sql(V1))
    with zen.open(tmp_path / "app.db") as db:
        up(db.engine, folder)
        path.write_text(path.read_text().replace("name text", "name blob"))
        with pytest.raises(IntegrityError, match=r"does not match zen\.sum"):
            up(db.engine, folder)
        write_sum(folder)  # even after re-hashing, an applied file must not change
        with pytest.raises(IntegrityError, match="edited after it was applied"):
            up(db.engine, folder)
        assert _states(db, folder) == [("0001", "edited")]


def test_two_branches_adding_migrations_are_flagged(folder: Path) -> None:
    new_migration(folder, "init", load_sql(V1))
    branch = folder / "0002_other.sql"
    new_migration(folder, "email", load_sql(V2))
    branch.write_text("-- zen migrate: up\ncreate table other(x);\n-- zen migrate: down\n")
    with pytest.raises(IntegrityError, match="two migrations numbered 0002"):
        verify_folder(folder)
    branch.unlink()
    (folder / "zen.sum").write_text("<<<<<<< HEAD\n0002_email.sql abc\n=======\n>>>>>>> b\n")
    with pytest.raises(IntegrityError, match="merge conflict"):
        verify_folder(folder)


def test_file_added_by_hand_is_flagged(folder: Path) -> None:
    new_migration(folder, "init", load_sql(V1))
    (folder / "0002_hand.sql").write_text("-- zen migrate: up\ncreate table h(x);\n")
    with pytest.raises(IntegrityError, match="lists 1 migrations"):
        verify_folder(folder)


def test_failed_migration_blocks_until_fixed(tmp_path: Path, folder: Path) -> None:
    new_migration(folder, "init", load_sql(V1))
    bad = folder / "0002_bad.sql"
    bad.write_text("-- zen migrate: up\ncreate table a(x);\ninsert into nope values (1);\n")
    write_sum(folder)
    (folder / "0003_later.sql").write_text("-- zen migrate: up\ncreate table later(x);\n")
    write_sum(folder)
    with zen.open(tmp_path / "app.db") as db:
        with pytest.raises(MigrationError, match=r"0002_bad\.sql"):
            up(db.engine, folder)
        assert db.tables() == ["users"]  # 0001 applied; 0002 rolled back whole
        assert _states(db, folder) == [("0001", "applied"), ("0002", "failed"), ("0003", "pending")]
        with pytest.raises(MigrationError, match="blocked"):
            up(db.engine, folder)
        bad.write_text(
            "-- zen migrate: up\ncreate table a(x);\n-- zen migrate: down\ndrop table a;\n"
        )
        write_sum(folder)
        assert up(db.engine, folder) == ["0002_bad.sql", "0003_later.sql"]


def test_cli_new_up_status_down(tmp_path: Path, zen_migrate: Runner) -> None:
    (tmp_path / "schema.sql").write_text(V2)
    made = zen_migrate("new", "init")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "migrations" / "0001_init.sql").is_file()
    applied = zen_migrate("up", "--db", "app.db", "--json")
    assert json.loads(applied.stdout) == {"applied": ["0001_init.sql"]}
    listed = zen_migrate("status", "--db", "app.db", "--json")
    assert [r["state"] for r in json.loads(listed.stdout)] == ["applied"]
    assert zen_migrate("check", "--db", "app.db").returncode == 0
    reverted = zen_migrate("down", "--db", "app.db")
    assert reverted.returncode == 0 and "reverted 1" in reverted.stderr
    with zen.open(tmp_path / "app.db") as db:
        assert db.tables() == []
