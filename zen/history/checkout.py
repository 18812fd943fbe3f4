"""Moving the working copy onto another commit's state (switch, fast-forward, reset).

The working copy is always the newest change record's state. To stand on a
commit ``C`` we apply the path from the newest record to ``C``'s record (one
transaction, capture paused, triggers and foreign-key actions off, as rewind
does), then append a record whose *base is C's record*: its steps are empty for
a clean move, or the carried uncommitted changes. So the record tree only
grows, ``HEAD``'s record is an ancestor of the working copy again, and the
pending work since ``HEAD`` is exactly what the new record holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import apsw

from zen.engine.core import Engine
from zen.history import commits as cm
from zen.history import external, store
from zen.history import schema as sch
from zen.history.apply import apply_steps, path_steps
from zen.history.capture import Capture
from zen.history.errors import HistoryError, WorkingCopyConflictError
from zen.history.steps import RowsStep, SchemaStep, Step, decode_steps, encode_steps

EMPTY = encode_steps([])
"""The data of a record with no steps (a move that changed nothing by itself)."""


def uncommitted(conn: apsw.Connection) -> list[store.Record]:
    """Records since HEAD's commit that hold changes (empty move records do not count)."""
    head = cm.head_commit(conn)
    records = cm.pending_records(conn, head.record if head else None)
    return [r for r in records if store.record_data(conn, r) != EMPTY]


def pending_steps(conn: apsw.Connection) -> list[Step]:
    """The net uncommitted changes: the steps from HEAD's state to the working copy."""
    head = cm.head_commit(conn)
    last = store.last_record(conn)
    return path_steps(conn, head.record if head else None, last.id if last else None)


def move(
    engine: Engine,
    capture: Capture,
    target: int | None,
    kind: str,
    note: str,
    carry: Sequence[Step] = (),
) -> tuple[store.Record, list[Step]]:
    """Move the working copy to record ``target``'s state, plus ``carry`` on top.

    Runs inside the caller's transaction (opened under ``raw_apply_mode`` with the
    capture paused). Returns the new record and every step applied.

    Raises:
        WorkingCopyConflictError: ``carry`` does not apply on the target state.
    """
    conn = engine.conn
    last = store.last_record(conn)
    steps = path_steps(conn, last.id if last else None, target)
    apply_steps(conn, steps)
    if carry:
        check_schema_fits(conn, carry)
        apply_steps(conn, carry)
    applied = [*steps, *carry]
    after_apply(engine, capture, applied)
    base = store.get_record(conn, target) if target is not None else None
    data = encode_steps(carry) if carry else EMPTY
    record = store.append_record(conn, kind, data, note=note, base=base, use_last=False)
    return record, applied


def after_apply(engine: Engine, capture: Capture, steps: Sequence[Step]) -> None:
    """What must follow applying steps with triggers off: vector re-checks, and
    (after schema steps) the outside-writer triggers and stored schema cookie."""
    engine.notify_applied(tables_of(steps))
    if any(isinstance(s, SchemaStep) for s in steps):
        refresh_schema(engine.conn, capture)


def refresh_schema(conn: apsw.Connection, capture: Capture) -> None:
    """Re-install the outside-writer triggers and store the schema cookie (as rewind does).

    Also needed after zen creates one of its own tables, which moves the cookie.
    """
    if not external.installed(conn):
        return
    current = sch.snapshot(conn)
    external.sync(conn, current)
    external.store_schema(conn, int(conn.execute("PRAGMA schema_version").get), current)
    capture.version = None
    capture.triggers.forget()


def check_schema_fits(conn: apsw.Connection, steps: Iterable[Step]) -> None:
    """Refuse schema steps whose starting definitions are not the working copy's.

    A schema step drops its ``before`` objects by name, so on another schema it
    could drop the wrong definition; rows conflicts are caught by the apply itself.
    """
    current = sch.snapshot(conn)
    for step in steps:
        if not isinstance(step, SchemaStep):
            continue
        before = {(e[0], e[1]): e for e in step.before}
        for key, entry in before.items():
            if current.get(key) != entry:
                raise _schema_misfit(key[1])
        for entry in step.after:
            if (entry[0], entry[1]) not in before and (entry[0], entry[1]) in current:
                raise _schema_misfit(entry[1])
        current = sch.snapshot(conn)  # later steps start where this one ends


def _schema_misfit(name: str) -> WorkingCopyConflictError:
    return WorkingCopyConflictError(
        f"the schema of {name} differs on the target, so the schema change cannot be carried",
        hint="commit your changes first, or throw them away with --discard",
    )


def tables_of(steps: Iterable[Step]) -> frozenset[str]:
    """Names of the tables ``steps`` touch (rows or schema)."""
    found: set[str] = set()
    for step in steps:
        if isinstance(step, RowsStep):
            found.update(change.name for change in apsw.Changeset.iter(step.changeset))
        else:
            found.update(step.tables())
    return frozenset(found)


def row_count(steps: Iterable[Step]) -> int:
    """Row changes in ``steps``."""
    total = 0
    for step in steps:
        if isinstance(step, RowsStep):
            total += sum(1 for _ in apsw.Changeset.iter(step.changeset))
    return total


def require_clean(conn: apsw.Connection, what: str) -> None:
    """Refuse to ``what`` while there are uncommitted changes.

    Raises:
        HistoryError: There are uncommitted changes.
    """
    if uncommitted(conn):
        raise HistoryError(
            f"cannot {what}: the working copy has uncommitted changes",
            hint="commit them (zen commit -m ...) or discard them (zen reset --hard HEAD)",
        )


def steps_of(conn: apsw.Connection, record: store.Record) -> list[Step]:
    """A record's steps (verified)."""
    return decode_steps(store.record_data(conn, record))
