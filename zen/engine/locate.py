"""Finding the database a command works on: one rule for every command.

``--db PATH`` wins, then the ``ZEN_DB`` environment variable, then
``database = "..."`` in the nearest ``zen.toml`` (current folder or a parent,
the way git finds ``.git``). A relative path in ``zen.toml`` is relative to
the file that names it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from zen.engine.errors import UsageError

PROJECT_FILE = "zen.toml"


def find_project_file(start: Path | None = None) -> Path | None:
    """The nearest ``zen.toml`` in ``start`` (default: cwd) or a parent folder."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / PROJECT_FILE
        if path.is_file():
            return path
    return None


def load_project(path: Path) -> dict[str, Any]:
    """Parse a ``zen.toml``; a syntax error is a usage error naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None


def resolve_database(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database path for commands that do not take it as an argument.

    Raises:
        UsageError: Nothing names a database.

    Example:
        >>> resolve_database("app.db")
        PosixPath('app.db')
    """
    if explicit:
        return Path(explicit)
    from_env = os.environ.get("ZEN_DB")
    if from_env:
        return Path(from_env)
    project = find_project_file()
    if project is not None:
        database = load_project(project).get("database")
        if isinstance(database, str) and database:
            return project.parent / database
        raise UsageError(f'{project} has no `database = "..."` entry')
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
    name = relative.as_posix().replace("\\", "\\\\").replace('"', '\\"')
    target.write_text(
        f'# zen project settings: https://github.com/zen-sqlite/zen\ndatabase = "{name}"\n',
        encoding="utf-8",
    )
    return target
