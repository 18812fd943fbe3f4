"""``zen init``: create a database and its project file."""

from __future__ import annotations

from pathlib import Path

import typer

from zen.cli.common import JSON_OPTION, emit_json, message


def register(app: typer.Typer) -> None:
    """Add ``zen init`` to the app."""
    app.command("init")(init_command)


def init_command(
    path: Path = typer.Argument(Path("app.db"), help="The database file to create."),
    project: bool = typer.Option(
        True, "--project/--no-project", help="Write zen.toml beside it so --db can be omitted."
    ),
    history: bool = typer.Option(
        True, "--history/--no-history", help="Record history (commit, log, diff, rewind)."
    ),
    policy: str | None = typer.Option(
        None,
        "--policy",
        help="History autocommit: 'transaction' (each write transaction is a commit) "
        "or 'explicit' (only zen commit). Default: config history.autocommit.",
    ),
    author: str | None = typer.Option(None, "--author", help="Default commit author."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a SQLite database (WAL mode) with history, and a zen.toml that points at it.

    On an existing database without history, enable history: the first commit
    records the current state.

    **Examples**

    * `zen init app.db`
    * `zen init data/app.db --no-project`
    * `zen init app.db --policy explicit --author "Ada <ada@example.com>"`
    * `zen init legacy.db --no-history`
    """
    from zen import config
    from zen.api import init
    from zen.history.history import check_policy

    chosen = check_policy(str(config.resolve("history.autocommit", policy).value))
    report = init(path, project=project, history=history, policy=chosen, author=author)
    if as_json:
        emit_json(
            {
                "path": str(report.path),
                "created": report.created,
                "project_file": str(report.project_file) if report.project_file else None,
                "history_enabled": report.history_enabled,
            }
        )
        return
    verb = "created" if report.created else "already exists:"
    message(f"{verb} {report.path}")
    if report.history_enabled:
        message(f"history enabled (autocommit: {chosen})")
    if report.project_file:
        message(f"wrote {report.project_file} (commands here now find the database)")
