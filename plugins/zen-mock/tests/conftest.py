"""Fixtures for zen-mock's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from mock_helpers import schema_db


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A database with the 10-table shop schema, empty."""
    return schema_db(tmp_path / "shop.db", "shop.sql")
