"""``zen demo`` (being written)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add ``zen demo`` to the app."""
