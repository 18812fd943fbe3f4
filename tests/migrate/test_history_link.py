"""With history on, a migration is one commit that ``rewind HEAD~1`` undoes."""

from __future__ import annotations

from pathlib import Path

import pytest

import zen
from tests.history.helpers import dump
from zen.migrate.declarative import apply, plan
from zen.migrate.load import load_sql

BEFORE = "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, age TEXT);"
# A type change forces SQLite's 12-step rebuild; the new table and index are plain ALTERs.
AFTER = """
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', age INTEGER);
CREATE INDEX users_name ON users(name);
CREATE TABLE teams(id INTEGER PRIMARY KEY, title TEXT);
"""


@pytest.mark.parametrize("policy", ["transaction", "explicit"])
def test_migration_is_one_commit_and_rewind_undoes_it(tmp_path: Path, policy: str) -> None:
    with zen.open(tmp_path / "app.db") as db:
        db.enable_history(policy="explicit" if policy == "explicit" else "transaction")
        db.script(BEFORE + "INSERT INTO users VALUES (1, 'ada', '36'), (2, 'bob', NULL);")
        prior = dump(db.engine.conn)  # uncommitted under the explicit policy
        apply(db.engine, plan(db.engine, load_sql(AFTER)))
        migrated = dump(db.engine.conn)
        assert db.sql("SELECT age FROM users WHERE id = 1").scalar() == 36

        history = db.history
        top, below = (e.commit.message for e in history.log(n=2))
        assert top.startswith("migrate: ")
        if policy == "explicit":
            assert below.startswith("state before: migrate")
        assert history.status().clean

        history.rewind("HEAD~1")
        assert dump(db.engine.conn) == prior
        history.rewind("HEAD~1")  # the rewind is itself undoable
        assert dump(db.engine.conn) == migrated
        assert history.fsck().ok


def test_failed_migration_leaves_no_commit(tmp_path: Path) -> None:
    with zen.open(tmp_path / "app.db") as db:
        db.enable_history()
        db.script(BEFORE + "INSERT INTO users VALUES (1, 'ada', 'not a number')")
        head = db.history.log(n=1)[0].commit.id
        strict = "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, age INTEGER) STRICT;"
        with pytest.raises(zen.ZenError):
            apply(db.engine, plan(db.engine, load_sql(strict)))
        assert db.history.log(n=1)[0].commit.id == head
        assert db.history.status().clean
