"""Fixtures for the TUI: a shop database, a history database, an isolated state folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import zen
from tests.tui.helpers import SHOP_SCHEMA
from zen.api import init
from zen.tui.app import ZenApp
from zen.tui.state import StateStore


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    """A database with users, orders, a view and an index."""
    path = tmp_path / "shop.db"
    with zen.open(path) as db:
        db.script(SHOP_SCHEMA)
    return path


@pytest.fixture
def history_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A history database with four commits made at fixed times (stable ids)."""
    from zen.history import store

    clock = iter(range(1_700_000_000_000, 1_700_000_000_000 + 10**9, 60_000))
    monkeypatch.setattr(store, "now_ms", lambda: next(clock))
    monkeypatch.setenv("ZEN_AUTHOR", "ada")
    path = tmp_path / "hist.db"
    init(path, project=False, author="ada")
    with zen.open(path) as db:
        db.script("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)")
        db.script("INSERT INTO users(name) VALUES ('ada'), ('bob'), ('cy')")
        db.script("UPDATE users SET name = 'BOB' WHERE id = 2; DELETE FROM users WHERE id = 3")
        db.script("ALTER TABLE users ADD COLUMN email TEXT")
    return path


@pytest.fixture
def forked_db(history_db: Path) -> Path:
    """``history_db`` with branch ``side`` started at HEAD~2 and one commit of its own."""
    with zen.open(history_db) as db:
        db.history.switch("side", create=True, start="HEAD~2")
        db.script("INSERT INTO users(name) VALUES ('dee')")
        db.history.switch("main")
    return history_db


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    """A state folder of the test's own."""
    return StateStore(tmp_path / "state")


@pytest.fixture
def make_app(store: StateStore) -> Iterator[Callable[[Path], ZenApp]]:
    """Build apps on databases that are closed after the test."""
    opened: list[zen.Database] = []

    def make(path: Path) -> ZenApp:
        db = zen.open(path)
        opened.append(db)
        return ZenApp(db, store)

    yield make
    for db in opened:
        db.close()
