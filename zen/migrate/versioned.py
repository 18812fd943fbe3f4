"""Versioned migrations: numbered files in ``migrations/`` with up and down SQL.

Each file ``0001_name.sql`` holds two sections::

    -- zen migrate: up
    CREATE TABLE ...;
    -- zen migrate: down
    DROP TABLE ...;

``migrations/zen.sum`` lists every file with a chained checksum (each line
hashes the previous line's checksum with the file's content), so an edited
file, a file added by hand, or two branches that both added a migration are
refused until resolved. The database records each migration applied (and a
failed one, which blocks later ones until its file is fixed) in
``_zen_migrations``. Each migration runs in its own transaction.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import apsw

from zen.engine.core import Engine
from zen.engine.errors import UsageError, ZenError
from zen.engine.statements import split_statements, strip_leading_comments
from zen.migrate.declarative import plan_schemas, reverse
from zen.migrate.load import Loaded, scratch_copy
from zen.migrate.model import Schema, introspect
from zen.migrate.planner import Step
from zen.migrate.runner import MigrationError, apply_steps, record_state

SUM_FILE = "zen.sum"
RECORDS = "_zen_migrations"
_FILE = re.compile(r"^(\d{4,})_([\w-]+)\.sql$")
_SECTION = re.compile(r"^--\s*zen migrate:\s*(up|down)\s*$", re.IGNORECASE | re.MULTILINE)
_LEGACY = re.compile(r"PRAGMA\s+legacy_alter_table\s*=\s*(\w+)", re.IGNORECASE)
_SUM_HEADER = "# zen migrate integrity file: chained checksums. Rewrite with `zen migrate hash`."


class IntegrityError(ZenError):
    """``migrations/`` does not match its integrity file, or an applied file was edited."""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: str
    name: str
    path: Path
    checksum: str

    @property
    def filename(self) -> str:
        """The file's name."""
        return self.path.name

    def sections(self) -> tuple[str, str]:
        """The up and down SQL."""
        text = self.path.read_text(encoding="utf-8")
        parts = _SECTION.split(text)
        found = {parts[i].lower(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
        if "up" not in found:
            raise UsageError(f"{self.path}: no `-- zen migrate: up` section")
        return found["up"], found.get("down", "")


@dataclass(frozen=True)
class MigrationStatus:
    """A migration and its state: ``applied``, ``pending``, ``failed`` or ``edited``."""

    version: str
    name: str
    state: str
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "version": self.version,
            "name": self.name,
            "state": self.state,
            "error": self.error,
        }


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def discover(folder: Path) -> list[Migration]:
    """The migration files in ``folder``, in version order (no integrity check)."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        match = _FILE.match(path.name)
        if match:
            found.append(Migration(match.group(1), match.group(2), path, _checksum(path)))
    return found


def chain(migrations: list[Migration]) -> list[tuple[str, str]]:
    """``(file name, chained checksum)`` for each migration, in order."""
    out, previous = [], ""
    for migration in migrations:
        previous = hashlib.sha256((previous + migration.checksum).encode()).hexdigest()
        out.append((migration.filename, previous))
    return out


def write_sum(folder: Path) -> Path:
    """Rewrite ``zen.sum`` from the files as they are (after resolving a conflict)."""
    migrations = discover(folder)
    _check_versions(migrations)
    lines = [_SUM_HEADER, *(f"{name} {digest}" for name, digest in chain(migrations))]
    target = folder / SUM_FILE
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def verify_folder(folder: Path) -> list[Migration]:
    """The migrations, after checking them against ``zen.sum``.

    Raises:
        IntegrityError: A file was edited, added or removed without ``zen migrate new``,
            or two branches both added a migration with the same number.
    """
    migrations = discover(folder)
    _check_versions(migrations)
    sum_path = folder / SUM_FILE
    if not migrations:
        return []
    if not sum_path.is_file():
        raise IntegrityError(f"{sum_path} is missing", hint="run `zen migrate hash` to create it")
    text = sum_path.read_text(encoding="utf-8")
    if "<<<<<<<" in text or ">>>>>>>" in text:
        raise IntegrityError(
            f"{sum_path} has merge conflict markers: two branches both added migrations",
            hint="renumber one branch's files after the other's, then run `zen migrate hash`",
        )
    recorded = [tuple(line.split()) for line in text.splitlines() if line and line[0] != "#"]
    for expected, actual in zip(recorded, chain(migrations), strict=False):
        if expected != actual:
            raise IntegrityError(
                f"{actual[0]} does not match {SUM_FILE} (edited, added or reordered by hand)",
                hint="restore the file; for a deliberate change run `zen migrate hash`",
            )
    if len(recorded) != len(migrations):
        raise IntegrityError(
            f"{SUM_FILE} lists {len(recorded)} migrations but {folder} has {len(migrations)}",
            hint="restore the missing file, or run `zen migrate hash` after a deliberate change",
        )
    return migrations


def _check_versions(migrations: list[Migration]) -> None:
    seen: dict[str, str] = {}
    for migration in migrations:
        if migration.version in seen:
            raise IntegrityError(
                f"two migrations numbered {migration.version}: {seen[migration.version]} and "
                f"{migration.filename} (two branches both added one)",
                hint="renumber one after the other, then run `zen migrate hash`",
            )
        seen[migration.version] = migration.filename


# -- writing a new migration --------------------------------------------------------------


def replay(migrations: list[Migration]) -> Schema:
    """The schema that running every migration's up section gives, on an empty database."""
    conn = scratch_copy(Schema())
    try:
        for migration in migrations:
            for step in _steps(migration.sections()[0], migration.filename):
                conn.execute(f"PRAGMA legacy_alter_table = {int(step.legacy_alter)}")
                try:
                    conn.execute(step.sql)
                except apsw.Error as exc:
                    raise ZenError(f"{migration.filename}: {exc}") from None
        return introspect(conn)
    finally:
        conn.close()


def new_migration(folder: Path, name: str, desired: Loaded) -> Path:
    """Write the next migration file: from the replayed migrations to ``desired``, and back.

    Raises:
        UsageError: A bad name, or nothing to migrate.

    Example:
        >>> new_migration(Path("migrations"), "users", load_file("schema.sql"))  # doctest: +SKIP
        PosixPath('migrations/0001_users.sql')
    """
    if not re.fullmatch(r"[\w-]+", name):
        raise UsageError(f"bad migration name: {name!r}", hint="use letters, digits, _ and -")
    migrations = verify_folder(folder)
    base = replay(migrations)
    up = plan_schemas(base, desired)
    if up.in_sync:
        raise UsageError("nothing to migrate: the migrations already give this schema")
    down = plan_schemas(desired.schema, reverse(up))
    version = f"{int(migrations[-1].version) + 1 if migrations else 1:04d}"
    lines = [f"-- {f.level}: {f.message}" for f in up.findings]
    lines += ["-- zen migrate: up", up.sql(), "", "-- zen migrate: down", down.sql(), ""]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version}_{name}.sql"
    path.write_text("\n".join(lines), encoding="utf-8")
    write_sum(folder)
    return path


# -- running --------------------------------------------------------------------------------


def _steps(sql: str, target: str) -> list[Step]:
    steps, legacy = [], False
    for statement in split_statements(sql):
        match = _LEGACY.fullmatch(strip_leading_comments(statement.text).rstrip("; \n"))
        if match:
            legacy = match.group(1).lower() in {"on", "1", "true", "yes"}
        else:
            steps.append(Step(statement.text, "run", target, legacy))
    return steps


def _ensure_records(engine: Engine) -> None:
    engine.query(
        f'CREATE TABLE IF NOT EXISTS "{RECORDS}" (version TEXT PRIMARY KEY, name TEXT NOT NULL, '
        "checksum TEXT NOT NULL, status TEXT NOT NULL, applied_at REAL NOT NULL, error TEXT)"
    ).drain()


def records(conn: apsw.Connection) -> dict[str, tuple[str, str, str | None]]:
    """``{version: (checksum, status, error)}`` from the database."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (RECORDS,)
    ).fetchall()
    if not exists:
        return {}
    rows = conn.execute(f'SELECT version, checksum, status, error FROM "{RECORDS}"')
    return {v: (c, s, e) for v, c, s, e in rows}


def status(engine: Engine, folder: Path) -> list[MigrationStatus]:
    """Every migration with its state (``edited``: applied, then its file changed)."""
    done = records(engine.conn)
    out = []
    for migration in discover(folder):
        checksum, state, error = done.get(migration.version, ("", "pending", None))
        if state == "applied" and checksum != migration.checksum:
            state = "edited"
        out.append(MigrationStatus(migration.version, migration.name, state, error))
    return out


def up(engine: Engine, folder: Path, count: int | None = None) -> list[str]:
    """Apply pending migrations in order (at most ``count``); returns the files applied.

    Raises:
        IntegrityError: The folder does not match ``zen.sum``, or an applied file was edited.
        MigrationError: A migration failed: it is rolled back and recorded as failed,
            and blocks later ones until its file is fixed.
    """
    migrations = verify_folder(folder)
    done = records(engine.conn)
    pending = []
    for migration in migrations:
        checksum, state, error = done.get(migration.version, ("", "pending", None))
        if state == "applied":
            if checksum != migration.checksum:
                raise IntegrityError(
                    f"{migration.filename} was edited after it was applied",
                    hint="restore it, and put the change in a new migration",
                )
            continue
        if state == "failed" and checksum == migration.checksum:
            raise MigrationError(
                f"{migration.filename} failed earlier ({error}); later migrations are blocked",
                hint="fix the file, run `zen migrate hash`, then `zen migrate up` again",
            )
        pending.append(migration)
    chosen = pending if count is None else pending[:count]
    for migration in chosen:
        _run_one(engine, migration, "up")
    return [m.filename for m in chosen]


def down(engine: Engine, folder: Path, count: int = 1) -> list[str]:
    """Revert the last ``count`` applied migrations, newest first."""
    migrations = verify_folder(folder)
    done = records(engine.conn)
    applied = [m for m in migrations if done.get(m.version, ("", "", None))[1] == "applied"]
    chosen = list(reversed(applied))[:count]
    for migration in chosen:
        _run_one(engine, migration, "down")
    return [m.filename for m in chosen]


def _run_one(engine: Engine, migration: Migration, direction: str) -> None:
    up_sql, down_sql = migration.sections()
    steps = _steps(up_sql if direction == "up" else down_sql, migration.filename)

    def finish() -> None:
        _ensure_records(engine)
        if direction == "up":
            engine.query(
                f'INSERT OR REPLACE INTO "{RECORDS}" VALUES (?, ?, ?, ?, ?, NULL)',
                (migration.version, migration.name, migration.checksum, "applied", time.time()),
            ).drain()
        else:
            engine.query(f'DELETE FROM "{RECORDS}" WHERE version = ?', (migration.version,)).drain()
        record_state(engine, introspect(engine.conn))

    try:
        apply_steps(
            engine,
            steps,
            None,
            before_commit=finish,
            message=f"migrate {direction}: {migration.filename}",
        )
    except ZenError as exc:
        if direction == "up":
            _record_failure(engine, migration, exc.message)
        raise MigrationError(
            f"{migration.filename} ({direction}) failed and was rolled back: {exc.message}",
            hint="later migrations are blocked until it is fixed" if direction == "up" else None,
        ) from None


def _record_failure(engine: Engine, migration: Migration, error: str) -> None:
    with engine.transaction():
        _ensure_records(engine)
        engine.query(
            f'INSERT OR REPLACE INTO "{RECORDS}" VALUES (?, ?, ?, ?, ?, ?)',
            (migration.version, migration.name, migration.checksum, "failed", time.time(), error),
        ).drain()
