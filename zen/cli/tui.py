"""``zen tui``: the full-screen app (Textual is imported only when the command runs)."""

from __future__ import annotations

import sys

import typer

from zen.cli.common import READ_ONLY_OPTION


def register(app: typer.Typer) -> None:
    """Add ``zen tui`` to the app."""
    app.command("tui")(tui_command)


def tui_command(
    path: str | None = typer.Argument(
        None,
        help="The database file (default: $ZEN_DB, then zen.toml, else in memory).",
        show_default=False,
    ),
    read_only: bool = READ_ONLY_OPTION,
) -> None:
    """Open the full-screen app: SQL editor, lazy results, history and diffs.

    The editor has focus at start: type a query and press Ctrl+Enter (or F5,
    or Ctrl+J where the terminal does not pass Ctrl+Enter). F1 lists the keys.
    Editor tabs and the query history are kept in the XDG state directory.

    **Examples**

    * `zen tui app.db`
    * `zen tui app.db --read-only`
    """
    from zen.engine.errors import UsageError

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("zen tui needs a terminal", hint="use `zen sql` or `zen shell` in scripts")
    from zen.cli.common import open_db
    from zen.tui.app import ZenApp

    with open_db(_database(path), read_only=read_only, create=path is not None) as db:
        ZenApp(db).run()


def _database(path: str | None) -> str:
    if path is not None:
        return path
    from zen.cli.common import resolve_db_option
    from zen.engine.errors import ZenError

    try:
        return str(resolve_db_option(None))
    except ZenError:
        return ":memory:"
