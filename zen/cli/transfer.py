"""``zen import`` and ``zen export``: files in, rows out."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import typer

from zen.cli.common import DIALECT_OPTION, JSON_OPTION, emit_json, message, open_db
from zen.engine.errors import UsageError, ZenError

if TYPE_CHECKING:
    from zen.io.importer import ImportReport


def register(app: typer.Typer) -> None:
    """Add ``zen import`` and ``zen export`` to the app."""
    app.command("import")(import_command)
    app.command("export")(export_command)


def import_command(
    path: Path = typer.Argument(
        ..., help="The database file (created if missing).", show_default=False
    ),
    table: str = typer.Argument(
        ..., help="The table to fill (created if missing).", show_default=False
    ),
    file: Path = typer.Argument(
        ...,
        help="The CSV, TSV, JSON, JSON-lines or plugin-format file to read.",
        show_default=False,
    ),
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="Input format: csv, tsv, json, jsonl, or a plugin's (default: from the suffix).",
    ),
    pk: list[str] = typer.Option(
        [], "--pk", help="Primary-key column of a new table (repeat for a composite key)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Import a CSV, TSV, JSON array or JSON-lines file (or a plugin format) into a table.

    A new table gets column types inferred from the whole file (INTEGER, REAL,
    TEXT; values such as 007 stay TEXT). An existing table receives the file's
    columns by name. The import is one transaction: a bad row, a lock or
    Ctrl-C leaves the database exactly as it was. Installed plugins can add
    formats (`zen plugins` lists them).

    **Examples**

    * `zen import app.db users users.csv --pk id`
    * `zen import app.db events events.jsonl --json`
    * `zen import app.db sales export.txt --format tsv`
    """
    from zen.io.readers import check_input, input_format

    # Check the input before the database is opened, so a typo creates no file.
    input_format(file, fmt)
    check_input(file)
    fresh = not path.exists()
    try:
        with open_db(path, create=True) as db, db.interruptible(), _progress_bar(file) as tick:
            report = db.import_file(table, file, format=fmt, pk=pk or None, progress=tick)
    except BaseException:
        if fresh:
            _remove_database(path)
        raise
    if as_json:
        emit_json(report.to_json())
    else:
        message(_summary(report))


def _summary(report: ImportReport) -> str:
    verb = "created" if report.created else "appended to"
    text = f"imported {report.rows:,} rows into {report.table} ({verb})"
    if report.created:
        text += "\ncolumns: " + ", ".join(f"{name} {kind}" for name, kind in report.columns)
    return text


def _remove_database(path: Path) -> None:
    """Delete a database this command created before it failed: no file is left behind.

    Only when it holds nothing, in case another process started using it meanwhile.
    """
    if not path.is_file():
        return
    try:
        with open_db(path, read_only=True) as db:
            if db.objects():
                return
    except ZenError:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        target = Path(f"{path}{suffix}")
        if target.is_file():
            target.unlink()


@contextmanager
def _progress_bar(file: Path) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr when it is a terminal (Rich is imported only then)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from zen.cli.common import err_console

    columns = (
        TextColumn("importing {task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console(), transient=True) as bar:
        task = bar.add_task(file.name, total=file.stat().st_size)
        yield lambda done: bar.update(task, completed=done)


def export_command(
    path: Path = typer.Argument(..., help="The database file.", show_default=False),
    table: str | None = typer.Argument(None, help="The table to export (or use --sql)."),
    sql: str | None = typer.Option(
        None, "--sql", help="Export the rows of this query instead of a table."
    ),
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="csv, tsv, json, jsonl, markdown, parquet (with pyarrow, needs -o), or a "
        "plugin's (default: from the -o suffix, else csv).",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file instead of stdout."
    ),
    dialect: str | None = DIALECT_OPTION,
) -> None:
    """Export a table or a query's rows, streamed (any size, flat memory).

    With `-o FILE` the file appears only once the export has succeeded.
    Installed plugins can add formats (`zen plugins` lists them).

    **Examples**

    * `zen export app.db users > users.csv`
    * `zen export app.db --sql "select * from users where age > 30" --format jsonl`
    * `zen export app.db users -o users.md`
    * `zen export app.db events -o events.parquet` (needs pyarrow)
    """
    from zen.io.exporter import export_format

    if (table is None) == (sql is None):
        raise UsageError(
            "give a table or --sql QUERY (one of them)",
            hint='zen export app.db users, or zen export app.db --sql "select ..."',
        )
    chosen = export_format(fmt, output)
    if chosen == "parquet":
        _export_parquet(path, table, sql, output, dialect)
        return
    with (
        open_db(path, read_only=True, dialect=dialect) as db,
        db.interruptible(),
        _destination(output) as out,
    ):
        rows = db.export(out, table=table, query=sql, format=chosen)
    if output is not None:
        message(f"exported {rows:,} rows to {output}")


def _export_parquet(
    path: Path, table: str | None, sql: str | None, output: Path | None, dialect: str | None
) -> None:
    if output is None:
        raise UsageError("Parquet is a binary format: give a file", hint="add -o FILE.parquet")
    from zen.io.parquet import require_parquet

    require_parquet()  # before the database is opened: nothing to undo
    with (
        open_db(path, read_only=True, dialect=dialect) as db,
        db.interruptible(),
        _partial(output) as partial,
    ):
        rows = db.export_parquet(partial, table=table, query=sql)
    message(f"exported {rows:,} rows to {output}")


@contextmanager
def _destination(output: Path | None) -> Iterator[IO[str]]:
    """stdout, or a temporary file renamed to ``output`` once everything is written."""
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with _partial(output) as partial, partial.open("w", encoding="utf-8", newline="") as out:
        yield out


@contextmanager
def _partial(output: Path) -> Iterator[Path]:
    """A temporary path beside ``output``, renamed to it once the block succeeds."""
    if output.is_dir():
        raise UsageError(f"{output} is a directory", hint="give a file name for -o")
    partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
    try:
        yield partial
        partial.replace(output)
    except OSError as exc:
        raise ZenError(f"cannot write {output}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
