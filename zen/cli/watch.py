"""``zen watch``: a live query, redrawn whenever the database's data changes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from zen.cli.common import (
    DIALECT_OPTION,
    FORMAT_HELP,
    JSON_OPTION,
    choose_format,
    color_enabled,
    terminal_width,
)
from zen.engine.errors import InterruptedError_

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console, RenderableType

    from zen.watch import Update


def register(app: typer.Typer) -> None:
    """Add ``zen watch`` to the app."""
    app.command("watch")(watch_command)


def watch_command(
    path: Path = typer.Argument(..., help="The database file.", show_default=False),
    query: str = typer.Argument(..., help="A query that returns rows.", show_default=False),
    interval: float = typer.Option(
        1.0, "--interval", "-n", min=0.01, help="Seconds between checks for a change."
    ),
    count: int | None = typer.Option(
        None,
        "--count",
        "-c",
        min=1,
        help="Stop after N updates (the first result counts).",
        show_default=False,
    ),
    param: list[str] = typer.Option(
        [], "--param", "-p", help="Parameter: name=value for :name, or value for each ?."
    ),
    fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    as_json: bool = JSON_OPTION,
    dialect: str | None = DIALECT_OPTION,
) -> None:
    """Run a query, then again each time the data changes, from any writer.

    A change is seen through SQLite's data version on an open connection (and a
    stat of the file, for a file replaced by another), so an idle database costs
    no queries; an update is shown only when the rows differ. On a terminal the
    table is redrawn in place; otherwise each result is printed in turn (csv
    unless --format, a blank line between results). `--json` prints one line per
    update: `{"update": N, "at": TIME, "columns": [...], "rows": [[...], ...]}`.
    Ctrl-C stops it (exit 0).

    **Examples**

    * `zen watch app.db "select state, count(*) from jobs group by state"`
    * `zen watch app.db "select * from jobs order by id desc limit 10" -n 0.5`
    * `zen watch app.db "select count(*) from events" --json --count 5`
    """
    from zen.cli.sql import parse_params
    from zen.watch import Watcher

    out_format = "jsonl" if as_json else choose_format(fmt, False)
    try:
        with Watcher(path, query, parse_params(param), dialect=dialect) as watcher:
            updates = watcher.updates(interval=interval, count=count)
            if as_json:
                _print_json(updates)
            elif out_format == "table" and sys.stdout.isatty():
                _live(updates, query)
            else:
                _print_each(updates, out_format)
    except (KeyboardInterrupt, InterruptedError_):
        pass  # Ctrl-C is how a watch ends: not an error


def _print_json(updates: Iterator[Update]) -> None:
    import json

    for update in updates:
        sys.stdout.write(json.dumps(update.to_json(), ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()


def _print_each(updates: Iterator[Update], fmt: str) -> None:
    from zen.io.writers import write_rows

    for update in updates:
        if update.seq > 1:
            sys.stdout.write("\n")
        write_rows(update.columns, update.rows, sys.stdout, fmt, width=terminal_width())
        sys.stdout.flush()


def _live(updates: Iterator[Update], query: str) -> None:
    from rich.console import Console
    from rich.live import Live

    console = Console()
    with Live(console=console, auto_refresh=False, vertical_overflow="crop") as live:
        for update in updates:
            live.update(_frame(update, query, console), refresh=True)


def _frame(update: Update, query: str, console: Console) -> RenderableType:
    import io

    from rich.console import Group
    from rich.text import Text

    from zen.io.writers import write_rows

    buffer = io.StringIO()
    write_rows(
        update.columns, update.rows, buffer, "table", color=color_enabled(), width=console.width
    )
    when = update.at.astimezone().strftime("%H:%M:%S")
    status = f"{len(update.rows)} rows · update {update.seq} at {when} · Ctrl-C to quit"
    return Group(
        Text(" ".join(query.split()), style="bold", overflow="ellipsis", no_wrap=True),
        Text.from_ansi(buffer.getvalue().rstrip("\n")),
        Text(status, style="dim"),
    )
