"""``zen import`` and ``zen export`` (being written)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add ``zen import`` and ``zen export`` to the app."""
