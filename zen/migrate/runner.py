"""Running steps against a live database: one transaction, foreign keys handled.

``PRAGMA foreign_keys`` cannot change inside a transaction, so it is turned off
before ``BEGIN`` (no ``ON DELETE CASCADE`` fires while a table is rebuilt) and
restored afterwards, on success and on failure alike. Before ``COMMIT`` the
runner checks that the schema reached is the one planned and that
``PRAGMA foreign_key_check`` finds nothing; otherwise everything rolls back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import apsw

from zen.engine.core import Engine
from zen.engine.errors import ZenError
from zen.migrate.model import Schema, introspect
from zen.migrate.planner import Step, differences

STATE_TABLE = "_zen_migrate_state"


class MigrationError(ZenError):
    """A migration failed and was rolled back; the database is unchanged."""


@contextmanager
def foreign_keys_off(engine: Engine) -> Iterator[bool]:
    """Foreign keys off (and ``legacy_alter_table`` as it was) for the block.

    Yields whether foreign keys were on before, so the caller knows to check them.
    """
    if engine.in_transaction:
        raise MigrationError(
            "a transaction is open on this database", hint="COMMIT or ROLLBACK it first"
        )
    conn = engine.conn
    fk_was = int(conn.execute("PRAGMA foreign_keys").get or 0)
    legacy_was = int(conn.execute("PRAGMA legacy_alter_table").get or 0)
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        yield bool(fk_was)
    finally:
        conn.execute(f"PRAGMA legacy_alter_table = {legacy_was}")
        conn.execute(f"PRAGMA foreign_keys = {fk_was}")


def run_steps(engine: Engine, steps: Sequence[Step]) -> None:
    """Run ``steps`` in order inside the caller's transaction."""
    conn = engine.conn
    for step in steps:
        conn.execute(f"PRAGMA legacy_alter_table = {int(step.legacy_alter)}")
        try:
            engine.query(step.sql).drain()
        except ZenError as exc:
            raise MigrationError(
                f"{step.action} {step.target} failed: {exc.message}; nothing was changed",
                hint=exc.hint,
            ) from None
    conn.execute("PRAGMA legacy_alter_table = 0")


def check_foreign_keys(conn: apsw.Connection) -> None:
    """Raise when ``PRAGMA foreign_key_check`` finds rows pointing nowhere."""
    bad = conn.execute("PRAGMA foreign_key_check").fetchall()
    if bad:
        tables = sorted({str(row[0]) for row in bad})
        raise MigrationError(
            f"foreign key check failed: {len(bad)} rows in {', '.join(tables)} "
            "reference missing rows; nothing was changed",
            hint="fix those rows, or the foreign keys in the schema",
        )


def apply_steps(
    engine: Engine,
    steps: Sequence[Step],
    desired: Schema | None,
    *,
    before_commit: Callable[[], None] | None = None,
    message: str = "migrate",
) -> None:
    """Run ``steps`` atomically; verify the result against ``desired`` before commit.

    With history, the migration is one commit named ``message`` on top of a commit
    of the prior state, so ``zen rewind HEAD~1`` undoes it.

    Raises:
        MigrationError: A step failed, the schema reached is not ``desired``, or
            foreign keys are violated. The database is left as it was.
    """
    from zen.history.attach import recording

    with recording(engine, message), foreign_keys_off(engine) as fk_on, engine.transaction():
        run_steps(engine, steps)
        if desired is not None:
            left = differences(introspect(engine.conn), desired)
            if left:
                raise MigrationError(
                    f"the migration did not reach the desired schema ({', '.join(left)}); "
                    "nothing was changed"
                )
        if fk_on:
            check_foreign_keys(engine.conn)
        if before_commit is not None:
            before_commit()


def record_state(engine: Engine, schema: Schema) -> None:
    """Remember the schema just applied, so later hand-made changes show as drift."""
    engine.query(
        f'CREATE TABLE IF NOT EXISTS "{STATE_TABLE}" '
        "(id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL, "
        "schema TEXT NOT NULL, applied_at REAL NOT NULL)"
    ).drain()
    engine.query(
        f'INSERT OR REPLACE INTO "{STATE_TABLE}" VALUES (1, ?, ?, ?)',
        (schema.fingerprint(), ";\n".join(schema.ddl()), time.time()),
    ).drain()


def recorded_state(conn: apsw.Connection) -> str | None:
    """The DDL of the schema last applied by ``zen migrate apply``, if any."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (STATE_TABLE,)
    ).fetchall()
    if not exists:
        return None
    row = conn.execute(f'SELECT schema FROM "{STATE_TABLE}" WHERE id = 1').fetchall()
    return str(row[0][0]) if row else None
