"""``zen sql``: run SQL against a database file and print the rows."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from zen.cli.common import (
    DIALECT_OPTION,
    FORMAT_HELP,
    JSON_OPTION,
    READ_ONLY_OPTION,
    choose_format,
    color_enabled,
    message,
    open_db,
    terminal_width,
)
from zen.engine.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add ``zen sql`` to the app."""
    app.command("sql")(sql_command)


def sql_command(
    path: Path = typer.Argument(..., help="The database file (or :memory:).", show_default=False),
    query: str | None = typer.Argument(None, help="SQL to run; omit to read -f FILE or stdin."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Read the SQL from a file."),
    param: list[str] = typer.Option(
        [], "--param", "-p", help="Parameter: name=value for :name, or value for each ?."
    ),
    fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    as_json: bool = JSON_OPTION,
    dialect: str | None = DIALECT_OPTION,
    read_only: bool = READ_ONLY_OPTION,
) -> None:
    """Run SQL and print each statement's rows.

    Several statements run in one transaction: if one fails, none of them
    changes the database. Ctrl-C cancels the running statement.

    **Examples**

    * `zen sql app.db "select * from users where id = :id" -p id=7`
    * `zen sql app.db -f report.sql --format csv > report.csv`
    * `zen sql app.db --dialect postgres "select now()::date"`
    """
    text = _read_sql(query, file)
    params = parse_params(param)
    out_format = choose_format(fmt, as_json)
    with open_db(path, read_only=read_only, dialect=dialect) as db, db.interruptible():
        for result in db.run(text, params):
            if result.has_rows:
                _print_result(result.columns, result, out_format)


def _read_sql(query: str | None, file: Path | None) -> str:
    if query is not None and file is not None:
        raise UsageError("give the SQL as an argument or with --file, not both")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {file}: {exc}") from None
    if query is not None:
        return query
    if sys.stdin.isatty():
        raise UsageError("no SQL given", hint='zen sql PATH "select ..." or -f FILE or stdin')
    return sys.stdin.read()


def parse_params(items: list[str]) -> dict[str, Any] | list[Any] | None:
    """``--param`` values: all ``name=value`` (named) or all bare (positional).

    Example:
        >>> parse_params(["id=7", "name=ada"])
        {'id': '7', 'name': 'ada'}
    """
    if not items:
        return None
    named = [item.partition("=") for item in items]
    if all(sep and key.isidentifier() for key, sep, _ in named):
        return {key: value for key, _, value in named}
    if any(sep and key.isidentifier() for key, sep, _ in named):
        raise UsageError("mix of named (name=value) and positional --param values")
    return list(items)


def _print_result(columns: list[str], rows: Any, fmt: str) -> None:
    from zen.io.writers import write_rows

    out = sys.stdout
    write_rows(columns, rows, out, fmt, color=color_enabled(), width=terminal_width())
    out.flush()
    if fmt == "table" and sys.stderr.isatty():
        message("")
