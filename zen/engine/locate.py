"""Finding the database a command works on: one rule for every command.

``--db PATH`` wins, then the ``ZEN_DB`` environment variable, then
``database = "..."`` in the nearest ``zen.toml`` (current folder or a parent,
the way git finds ``.git``), then the user config file (see :mod:`zen.config`).
A relative path in a file is relative to the file that names it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from zen import config
from zen.config import PROJECT_FILE, find_project_file
from zen.engine.errors import UsageError

__all__ = [
    "PROJECT_FILE",
    "find_project_file",
    "load_project",
    "resolve_database",
    "write_project_file",
]


def load_project(path: Path) -> dict[str, Any]:
    """Parse a ``zen.toml``; a syntax error is a usage error naming the file."""
    return config.load(path)


def resolve_database(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database path for commands that do not take it as an argument.

    Raises:
        UsageError: Nothing names a database.

    Example:
        >>> resolve_database("app.db")
        PosixPath('app.db')
    """
    value, _ = config.resolve("database", os.fspath(explicit) if explicit else None)
    if isinstance(value, Path):
        return value
    project = find_project_file()
    if project is not None:
        raise UsageError(
            f'{project} has no `database = "..."` entry',
            hint='add database = "app.db" to it, pass --db PATH, or set ZEN_DB',
        )
    raise UsageError(
        "no database given",
        hint='pass --db PATH, set ZEN_DB, or add database = "app.db" to a zen.toml',
    )


def write_project_file(folder: Path, database: Path) -> Path | None:
    """Create ``folder/zen.toml`` naming ``database``; None when one already exists."""
    target = folder / PROJECT_FILE
    if target.exists():
        return None
    try:
        relative = database.resolve().relative_to(folder.resolve())
    except ValueError:
        relative = database.resolve()
    name = config.toml_string(relative.as_posix())
    target.write_text(
        f"# zen project settings: https://github.com/zen-sqlite/zen\ndatabase = {name}\n",
        encoding="utf-8",
    )
    return target
