"""``zen tables`` and ``zen schema``: what is in a database."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from zen.cli.common import FORMAT_HELP, JSON_OPTION, choose_format, emit_json, open_db


def register(app: typer.Typer) -> None:
    """Add ``zen tables`` and ``zen schema`` to the app."""
    app.command("tables")(tables_command)
    app.command("schema")(schema_command)


def tables_command(
    path: Path = typer.Argument(..., help="The database file.", show_default=False),
    counts: bool = typer.Option(False, "--counts", "-c", help="Count the rows of each table."),
    views: bool = typer.Option(True, "--views/--no-views", help="Include views."),
    fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    as_json: bool = JSON_OPTION,
) -> None:
    """List the tables (and views) of a database.

    **Examples**

    * `zen tables app.db`
    * `zen tables app.db --counts --json`
    """
    with open_db(path, read_only=True) as db:
        kinds = {o.name: o.type for o in db.objects()}
        names = db.tables(views=views)
        rows = []
        for name in names:
            columns = len(db.columns(name))
            row: list[object] = [name, kinds.get(name, "table"), columns]
            if counts:
                row.append(db.count(name))
            rows.append(row)
    header = ["name", "type", "columns"] + (["rows"] if counts else [])
    if as_json:
        emit_json([dict(zip(header, r, strict=True)) for r in rows])
        return
    from zen.cli.common import color_enabled, terminal_width
    from zen.io.writers import write_rows

    out_format = choose_format(fmt, False)
    write_rows(header, rows, sys.stdout, out_format, color=color_enabled(), width=terminal_width())


def schema_command(
    path: Path = typer.Argument(..., help="The database file.", show_default=False),
    table: str | None = typer.Argument(None, help="Only this table (with its indexes, triggers)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print the schema (CREATE statements) of a database or one table.

    **Examples**

    * `zen schema app.db`
    * `zen schema app.db users --json`
    """
    with open_db(path, read_only=True) as db:
        if as_json:
            emit_json(_schema_json(db, table))
            return
        text = db.schema(table)
    if text:
        sys.stdout.write(text + "\n")


def _schema_json(db: object, table: str | None) -> list[dict[str, object]]:
    from zen.api import Database

    assert isinstance(db, Database)
    chosen = db.table(table) if table else None
    out: list[dict[str, object]] = []
    for obj in db.objects():
        if chosen and obj.table != chosen:
            continue
        entry: dict[str, object] = {"type": obj.type, "name": obj.name, "table": obj.table}
        entry["sql"] = obj.sql
        if obj.type in {"table", "view"}:
            entry["columns"] = [c.__dict__ for c in db.columns(obj.name)]
        out.append(entry)
    return out
