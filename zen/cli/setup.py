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
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a SQLite database (WAL mode) and a zen.toml that points at it.

    **Examples**

    * `zen init app.db`
    * `zen init data/app.db --no-project`
    """
    from zen.api import init

    report = init(path, project=project)
    if as_json:
        emit_json(
            {
                "path": str(report.path),
                "created": report.created,
                "project_file": str(report.project_file) if report.project_file else None,
            }
        )
        return
    verb = "created" if report.created else "already exists:"
    message(f"{verb} {report.path}")
    if report.project_file:
        message(f"wrote {report.project_file} (commands here now find the database)")
