"""The zen plugin: adds ``zen mock PATH [--rows N] [--table T]... [--seed S]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from zen.plugins import hookimpl

if TYPE_CHECKING:
    from zen.api import Database
    from zen_mock.generate import MockReport


@hookimpl
def zen_cli(app: typer.Typer) -> None:
    """Register ``zen mock``."""
    app.command("mock")(mock)


def mock(
    path: str = typer.Argument(..., help="The database file to fill."),
    rows: int = typer.Option(100, "--rows", "-n", help="Rows to add to each table."),
    table: list[str] = typer.Option(
        [], "--table", "-t", help="Only this table (repeatable); its parents must have rows."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Same seed, same rows."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Fill tables with realistic fake rows that satisfy the schema's constraints.

    Values follow column names and types (email, name, city, created_at...);
    NOT NULL, UNIQUE, CHECK and foreign keys hold (parents are filled first).
    Everything is one transaction: on error nothing is written.

    **Examples**

    * `zen mock app.db --rows 1000 --seed 42`
    * `zen mock app.db --table orders --table order_items -n 50`
    """
    from zen.cli.common import emit_json, message, open_db

    with open_db(path) as db:
        report = _run(db, rows, table, seed)
    if as_json:
        emit_json(report.to_json())
        return
    tables = len(report.rows)
    rate = report.total / report.seconds if report.seconds else 0.0
    message(
        f"added {report.total:,} rows to {tables} table{'s' * (tables != 1)} "
        f"in {report.seconds:.2f} s ({rate:,.0f} rows/s, seed {report.seed})"
    )


def _run(db: Database, rows: int, tables: list[str], seed: int | None) -> MockReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from zen.cli.common import err_console
    from zen_mock.generate import fill

    console = err_console()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task("mock", total=None)

        def advance(name: str, k: int, planned: int) -> None:
            bar.update(task, advance=k, total=planned, description=f"mock {name}")

        return fill(db, rows=rows, tables=tables, seed=seed, progress=advance)
