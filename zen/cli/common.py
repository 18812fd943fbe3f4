"""Options and helpers shared by CLI commands (kept light: no Rich at import)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from zen.engine.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from zen.api import Database

DB_OPTION = typer.Option(
    None, "--db", "-d", help="Database file (default: $ZEN_DB, then zen.toml).", show_default=False
)
JSON_OPTION = typer.Option(False, "--json", help="Machine-readable JSON on stdout.")
READ_ONLY_OPTION = typer.Option(False, "--read-only", help="Open read-only; every write is denied.")
DIALECT_OPTION = typer.Option(
    None, "--dialect", help="Read SQL written for postgres, mysql, duckdb... (via sqlglot)."
)
FORMAT_HELP = (
    "Output format: table, csv, tsv, json, jsonl, markdown "
    "(default: table on a terminal, csv otherwise)."
)


def open_db(
    path: str | Path, *, read_only: bool = False, create: bool = False, dialect: str | None = None
) -> Database:
    """Open the database a command names (missing files are an error unless ``create``)."""
    from zen.api import open as zen_open

    return zen_open(path, read_only=read_only, create=create, dialect=dialect)


def resolve_db_option(db: str | None) -> Path:
    """The database for commands that take ``--db``: flag, ``ZEN_DB``, then ``zen.toml``."""
    from zen.engine.locate import resolve_database

    return resolve_database(db)


def choose_format(fmt: str | None, as_json: bool) -> str:
    """The output format from ``--format``/``--json``; table only on a terminal."""
    from zen.io.writers import FORMATS

    if as_json:
        return "json"
    if fmt is None:
        from zen import config

        configured = config.get("format")
        if configured is None:
            return "table" if sys.stdout.isatty() else "csv"
        fmt = str(configured)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format: {fmt}", hint=f"choose one of {', '.join(FORMATS)}")
    return fmt


def color_enabled(stream: Any = None) -> bool:
    """Colour on a terminal unless NO_COLOR is set; ``zen config set color`` overrides."""
    from zen import config

    chosen = config.get("color")
    if chosen in ("always", "never"):
        return chosen == "always"
    target = stream or sys.stdout
    return target.isatty() and not os.environ.get("NO_COLOR")


def terminal_width() -> int | None:
    """The terminal's width when stdout is one, else None."""
    if not sys.stdout.isatty():
        return None
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except OSError:
        return None


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def message(text: str) -> None:
    """A human message on stderr (never mixed into data on stdout)."""
    print(text, file=sys.stderr)


def err_console() -> Console:
    """A Rich console on stderr, for progress bars and styled messages."""
    from rich.console import Console

    return Console(stderr=True)
