"""Fixtures for the history tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zen.engine.core import Engine
from zen.history import History

SCHEMA = """
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER);
CREATE TABLE notes(body TEXT);
CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO users(id, name, age) VALUES (1, 'ada', 36), (2, 'linus', 28), (3, 'grace', 45);
INSERT INTO notes(body) VALUES ('first'), ('second');
INSERT INTO kv VALUES ('a', 1), ('b', x'00ff');
"""


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "app.db"


@pytest.fixture
def history(db_path: Path) -> Iterator[History]:
    """History (autocommit per transaction) over a small three-table database."""
    engine = Engine(db_path)
    engine.script(SCHEMA)
    opened = History.init(engine, author="tester")
    yield opened
    opened.close()


@pytest.fixture
def explicit(db_path: Path) -> Iterator[History]:
    """The same database with the explicit-commit policy."""
    engine = Engine(db_path)
    engine.script(SCHEMA)
    opened = History.init(engine, policy="explicit", author="tester")
    yield opened
    opened.close()
