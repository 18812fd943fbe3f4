"""``zen shell``: an interactive SQL shell (or a script runner when stdin is not a terminal)."""

from __future__ import annotations

import typer

from zen.cli.common import DIALECT_OPTION, READ_ONLY_OPTION


def register(app: typer.Typer) -> None:
    """Add ``zen shell`` to the app."""
    app.command("shell")(shell_command)


def shell_command(
    path: str = typer.Argument(
        ":memory:",
        help="The database file (created if missing); default: in memory.",
        show_default=False,
    ),
    read_only: bool = READ_ONLY_OPTION,
    dialect: str | None = DIALECT_OPTION,
    mode: str | None = typer.Option(
        None,
        "--mode",
        help="Result format: box, table, list, csv, tsv, line, json, jsonl, markdown.",
    ),
) -> None:
    """Open an interactive SQL shell.

    Completion knows the clause you are in, long results are paged, Ctrl-C
    cancels a running query, Ctrl-D leaves. Type `.help` for the dot-commands.
    Without a terminal on stdin, the input runs as a script and the first error
    stops it with exit code 1.

    **Examples**

    * `zen shell app.db`
    * `zen shell app.db < script.sql`
    * `echo "select count(*) from users;" | zen shell app.db`
    * `zen shell app.db --dialect postgres --read-only`
    """
    from zen.shell.app import main

    code = main(path, read_only=read_only, dialect=dialect, mode=mode)
    if code:
        raise typer.Exit(code)
