"""``zen migrate``: schema-as-code, declarative (plan/apply/check) and versioned (new/up/down).

Thin: options are parsed here; the work is done by :mod:`zen.migrate`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from zen.cli.common import DB_OPTION, JSON_OPTION, emit_json, message, open_db, resolve_db_option
from zen.engine.errors import UsageError

if TYPE_CHECKING:
    from zen.api import Database
    from zen.migrate import Loaded, Plan

migrate_app = typer.Typer(
    name="migrate",
    help=(
        "Schema-as-code: bring a database to the schema in your .sql files.\n\n"
        "**Examples**\n\n"
        "* `zen migrate plan --schema schema.sql`\n"
        "* `zen migrate check --schema schema.sql --json` (exit 0 in sync, 2 pending, 3 blocked)\n"
        "* `zen migrate new add_users && zen migrate up`"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

DB_ARGUMENT = typer.Argument(
    None, help="The database file (same as --db).", show_default=False, metavar="[DB]"
)
SCHEMA_OPTION = typer.Option(
    None,
    "--schema",
    "-s",
    help='Desired schema: a .sql file or folder (default: `schema = "..."` in zen.toml, '
    "else ./schema.sql).",
    show_default=False,
)
DIALECT_OPTION = typer.Option(
    None, "--dialect", help="The schema files are written for postgres, mysql... (via sqlglot)."
)
DESTRUCTIVE_OPTION = typer.Option(
    False, "--allow-destructive", help="Accept steps that lose data (dropped tables, columns)."
)
DIR_OPTION = typer.Option(
    None,
    "--dir",
    help='The migrations folder (default: `migrations = "..."` in zen.toml, else ./migrations).',
    show_default=False,
)


def register(app: typer.Typer) -> None:
    """Add ``zen migrate ...`` to the app."""
    app.add_typer(migrate_app, name="migrate")


# -- option resolution ----------------------------------------------------------------------


def _project_setting(key: str) -> Path | None:
    from zen import config

    value = config.get(key)  # env, zen.toml (relative to it), or user config
    return value if isinstance(value, Path) else None


def _schema_path(schema: Path | None) -> Path:
    chosen = schema or _project_setting("schema") or Path("schema.sql")
    if schema is None and not chosen.exists():
        raise UsageError(
            "no schema file given",
            hint='pass --schema schema.sql, or add schema = "schema.sql" to zen.toml',
        )
    return chosen


def _migrations_dir(folder: Path | None) -> Path:
    return folder or _project_setting("migrations") or Path("migrations")


def _db_path(positional: Path | None, db: str | None) -> Path:
    if positional is not None and db is not None:
        raise UsageError("give the database once: as an argument or with --db")
    return resolve_db_option(str(positional) if positional else db)


def _database(positional: Path | None, db: str | None, *, create: bool = False) -> Database:
    return open_db(_db_path(positional, db), create=create)


def _desired(schema: Path | None, dialect: str | None) -> Loaded:
    from zen.migrate import load_file

    return load_file(_schema_path(schema), dialect=dialect)


def _offline_current(source: Path | None, git_rev: str | None, schema: Path | None) -> str:
    from zen.migrate.load import read_schema_text

    if source is not None and git_rev is not None:
        raise UsageError("give --from or --from-git, not both")
    if source is not None:
        return read_schema_text(source)
    from zen.migrate.gitsource import read_at_revision

    return read_at_revision(_schema_path(schema), str(git_rev))


# -- rendering ----------------------------------------------------------------------------------


def _show_plan(result: Plan) -> None:
    if result.in_sync:
        message("in sync: nothing to do")
        return
    sys.stdout.write(result.sql() + "\n")
    sys.stdout.flush()
    rebuilt = f" (rebuilds {', '.join(result.rebuilt)})" if result.rebuilt else ""
    message(f"{len(result.steps)} steps{rebuilt}")
    for finding in result.findings:
        message(finding.render())


# -- declarative -------------------------------------------------------------------------


@migrate_app.command("plan")
def plan_command(
    path: Path | None = DB_ARGUMENT,
    db: str | None = DB_OPTION,
    schema: Path | None = SCHEMA_OPTION,
    source: Path | None = typer.Option(
        None, "--from", help="Compare with this .sql file instead of a database (offline)."
    ),
    git_rev: str | None = typer.Option(
        None, "--from-git", help="Compare with the schema file at this Git revision (offline)."
    ),
    dialect: str | None = DIALECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Print the SQL steps that bring the database to the desired schema, with lint findings.

    Nothing is changed. Steps go to stdout (a runnable script), findings to stderr.
    With `--from FILE` or `--from-git REV` no database is needed: the plan goes
    from that schema to `--schema`.

    Renames: write `-- zen: renamed from OLD` before a CREATE TABLE (or on its
    first line) or on a column's line. A rename without it is planned as a drop
    plus a create, and reported as destructive.

    **Examples**

    * `zen migrate plan --db app.db --schema schema.sql`
    * `zen migrate plan --from-git origin/main --json`
    """
    from zen.migrate import plan, plan_offline

    offline = source is not None or git_rev is not None
    target = None if offline else _db_path(path, db)
    desired = _desired(schema, dialect)
    if target is None:
        result = plan_offline(_offline_current(source, git_rev, schema), desired, dialect=dialect)
    else:
        with open_db(target) as database:
            result = plan(database.engine, desired)
    if as_json:
        emit_json(result.to_json())
    else:
        _show_plan(result)


@migrate_app.command("apply")
def apply_command(
    path: Path | None = DB_ARGUMENT,
    db: str | None = DB_OPTION,
    schema: Path | None = SCHEMA_OPTION,
    dialect: str | None = DIALECT_OPTION,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    allow_destructive: bool = DESTRUCTIVE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Bring the database to the desired schema, in one transaction.

    Shows the plan and asks first when stdin is a terminal (skip with `--yes`);
    never asks otherwise. Steps that lose data need `--allow-destructive`; a
    plan that would fail on the current rows (NOT NULL over NULLs, duplicates
    under UNIQUE, a violated CHECK) is refused. Any failure rolls everything back.

    **Examples**

    * `zen migrate apply --db app.db --schema schema.sql`
    * `zen migrate apply -y --allow-destructive`
    """
    from zen.migrate import apply, plan

    target = _db_path(path, db)
    desired = _desired(schema, dialect)
    with open_db(target, create=True) as database:
        result = plan(database.engine, desired)
        if result.in_sync:
            if as_json:
                emit_json({"applied_steps": 0, "in_sync": True})
            else:
                _show_plan(result)
            return
        if not yes and sys.stdin.isatty() and not as_json:
            _show_plan(result)
            typer.confirm("apply these steps?", abort=True, err=True)
        with database.interruptible():
            report = apply(database.engine, result, allow_destructive=allow_destructive)
    if as_json:
        emit_json(report.to_json())
    else:
        message(f"applied {report.steps} steps")


@migrate_app.command("check")
def check_command(
    path: Path | None = DB_ARGUMENT,
    db: str | None = DB_OPTION,
    schema: Path | None = SCHEMA_OPTION,
    dialect: str | None = DIALECT_OPTION,
    allow_destructive: bool = typer.Option(
        False, "--allow-destructive", help="Count destructive changes as pending, not blocked."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Exit 0 when the database matches the schema, 2 when changes are pending, 3 when blocked.

    **Exit codes**: 0 in sync; 2 changes pending; 3 a pending change is
    destructive or would fail on the current rows; 1 an error. A usage error
    also exits 2: with `--json`, stdout holds `"status"` (`in_sync`, `pending`,
    `blocked`) only when the check ran. Objects changed by hand since the last
    `zen migrate apply` are reported as drift.

    **Examples**

    * `zen migrate check --db app.db --schema schema.sql`
    * `zen migrate check --json`
    """
    from zen.migrate import check

    target = _db_path(path, db)
    desired = _desired(schema, dialect)
    with open_db(target) as database:
        report = check(database.engine, desired, allow_destructive=allow_destructive)
    if as_json:
        emit_json(report.to_json())
    else:
        message(f"{report.status.replace('_', ' ')}: {len(report.plan.steps)} steps")
        for finding in report.plan.findings:
            message(finding.render())
        if report.drift:
            message(f"drift: changed outside zen migrate: {', '.join(report.drift)}")
    raise typer.Exit(report.exit_code)


# -- versioned ---------------------------------------------------------------------------


@migrate_app.command("new")
def new_command(
    name: str = typer.Argument(..., help="What the migration does, e.g. add_users."),
    schema: Path | None = SCHEMA_OPTION,
    folder: Path | None = DIR_OPTION,
    dialect: str | None = DIALECT_OPTION,
) -> None:
    """Write the next migration file (up and down) from the schema file's changes.

    The base is what the existing migrations give; `migrations/zen.sum` is updated.

    **Examples**

    * `zen migrate new add_users`
    """
    from zen.migrate.versioned import new_migration

    path = new_migration(_migrations_dir(folder), name, _desired(schema, dialect))
    message(f"wrote {path}")


@migrate_app.command("up")
def up_command(
    count: int | None = typer.Argument(None, help="Apply at most N migrations (default: all)."),
    db: str | None = DB_OPTION,
    folder: Path | None = DIR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Apply pending migrations in order, each in its own transaction.

    **Examples**

    * `zen migrate up --db app.db`
    * `zen migrate up 1`
    """
    from zen.migrate.versioned import up

    with _database(None, db, create=True) as database:
        done = up(database.engine, _migrations_dir(folder), count)
    _report_run("applied", done, as_json)


@migrate_app.command("down")
def down_command(
    count: int = typer.Argument(1, help="Revert the last N applied migrations."),
    db: str | None = DB_OPTION,
    folder: Path | None = DIR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Revert the last applied migrations (their down sections), newest first.

    **Examples**

    * `zen migrate down --db app.db`
    """
    from zen.migrate.versioned import down

    with _database(None, db) as database:
        done = down(database.engine, _migrations_dir(folder), count)
    _report_run("reverted", done, as_json)


def _report_run(verb: str, files: list[str], as_json: bool) -> None:
    if as_json:
        emit_json({verb: files})
    else:
        message(f"{verb} {len(files)} migrations" + "".join(f"\n  {f}" for f in files))


@migrate_app.command("status")
def status_command(
    db: str | None = DB_OPTION,
    folder: Path | None = DIR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List migrations: applied, pending, failed, or edited after being applied.

    **Examples**

    * `zen migrate status --json`
    """
    from zen.migrate.versioned import status

    with _database(None, db) as database:
        rows = status(database.engine, _migrations_dir(folder))
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    for row in rows:
        extra = f"  ({row.error})" if row.error else ""
        sys.stdout.write(f"{row.version}  {row.state:<8} {row.name}{extra}\n")


@migrate_app.command("hash")
def hash_command(folder: Path | None = DIR_OPTION) -> None:
    """Rewrite `migrations/zen.sum` after a deliberate change (a renumbered file).

    **Examples**

    * `zen migrate hash`
    """
    from zen.migrate.versioned import write_sum

    message(f"wrote {write_sum(_migrations_dir(folder))}")
