"""Fixtures for zen-docs' tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from docs_helpers import schema_db


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """The commented shop schema, with a few rows."""
    path = schema_db(tmp_path / "shop.db", "shop.sql")
    import zen

    with zen.open(path) as db:
        db.script(
            "INSERT INTO customers(email, name) VALUES ('a@x.org', 'Ada'), ('b@x.org', 'Bo');"
            "INSERT INTO products(sku, price) VALUES ('P1', 9.5);"
        )
    return path
