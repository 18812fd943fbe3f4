"""Moving between states: paths through the record tree and applying steps.

Used by rewind today, by switch, merge and reset later. Applying runs inside the
caller's single transaction, with triggers disabled and foreign-key actions
off, because trigger and cascade effects are already part of the recorded
changesets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import apsw

from zen.history import replace_apply, runs, store
from zen.history import schema as sch
from zen.history.errors import HistoryError, WorkingCopyConflictError
from zen.history.net import normalize
from zen.history.steps import RowsStep, Step, decode_steps, invert_steps

_CONFLICTS = {
    apsw.SQLITE_CHANGESET_DATA: "a row has other values than history says",
    apsw.SQLITE_CHANGESET_NOTFOUND: "a row history expects is missing",
    apsw.SQLITE_CHANGESET_CONFLICT: "a row history does not know about is in the way",
    apsw.SQLITE_CHANGESET_CONSTRAINT: "a constraint failed",
    apsw.SQLITE_CHANGESET_FOREIGN_KEY: "a foreign key failed",
}


def _header(conn: apsw.Connection, rid: int | None) -> store.Record | None:
    return store.get_record(conn, rid) if rid is not None else None


def path(
    conn: apsw.Connection, src: int | None, dst: int | None
) -> tuple[list[store.Record], list[store.Record]]:
    """The records between two states: to undo from ``src`` (newest first) and to
    redo towards ``dst`` (oldest first). ``None`` is the root state.

    Example:
        >>> up, down = path(conn, 12, 9)  # doctest: +SKIP
        >>> [r.id for r in up], down      # a rewind three records back
        ([12, 11, 10], [])
    """
    a, b = _header(conn, src), _header(conn, dst)
    up: list[store.Record] = []
    down: list[store.Record] = []
    while a is not None and (b is None or a.depth > b.depth):
        up.append(a)
        a = _header(conn, a.base)
    while b is not None and (a is None or b.depth > a.depth):
        down.append(b)
        b = _header(conn, b.base)
    while a is not None and b is not None and a.id != b.id:
        up.append(a)
        down.append(b)
        a, b = _header(conn, a.base), _header(conn, b.base)
    down.reverse()
    return up, down


def path_steps(conn: apsw.Connection, src: int | None, dst: int | None) -> list[Step]:
    """The steps that turn state ``src`` into state ``dst`` (rows runs merged).

    A far ancestor (or descendant) is reached through skip-delta runs
    (:mod:`zen.history.runs`): O(log n) merged runs instead of n records.
    """
    a, b = _header(conn, src), _header(conn, dst)
    depth_a, depth_b = (a.depth if a else 0), (b.depth if b else 0)
    if abs(depth_a - depth_b) > runs.FAR:
        far = _far_path(conn, a, b)
        if far is not None:
            return far
    up, down = path(conn, src, dst)
    steps: list[Step] = []
    for record in up:
        steps.extend(invert_steps(decode_steps(store.record_data(conn, record))))
    for record in down:
        steps.extend(decode_steps(store.record_data(conn, record)))
    return normalize(steps)


def _far_path(
    conn: apsw.Connection, a: store.Record | None, b: store.Record | None
) -> list[Step] | None:
    """The steps from ``a`` to ``b`` when one is an ancestor of the other (else None)."""
    if (a.depth if a else 0) >= (b.depth if b else 0):
        top, parts = runs.up_steps(conn, a, b.depth if b else 0) if a else (None, [])
        if (top.id if top else None) != (b.id if b else None):
            return None
        return normalize([step for part in parts for step in invert_steps(part)])
    top, parts = runs.up_steps(conn, b, a.depth if a else 0) if b else (None, [])
    if (top.id if top else None) != (a.id if a else None):
        return None
    return normalize([step for part in reversed(parts) for step in part])


@contextmanager
def raw_apply_mode(conn: apsw.Connection) -> Iterator[None]:
    """Foreign keys off and triggers disabled (call outside any transaction).

    ``PRAGMA foreign_keys`` cannot change inside a transaction, so this wraps the
    caller's whole transaction; both settings are per connection and restored on
    exit, and neither is persistent, so a crash leaves nothing behind.
    """
    if not conn.get_autocommit():
        raise HistoryError(
            "a transaction is open", hint="COMMIT or ROLLBACK it first, then try again"
        )
    fk = int(conn.execute("PRAGMA foreign_keys").get)
    conn.execute("PRAGMA foreign_keys = OFF")
    triggers = conn.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, -1)
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, 0)
    try:
        yield
    finally:
        conn.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, triggers)
        if conn.get_autocommit():
            conn.execute(f"PRAGMA foreign_keys = {fk}")


def apply_steps(conn: apsw.Connection, steps: Sequence[Step]) -> None:
    """Apply steps to the working copy; any conflict aborts with an error.

    Raises:
        WorkingCopyConflictError: The working copy is not in the state the steps
            start from (the caller's transaction must be rolled back).
    """
    for step in steps:
        if isinstance(step, RowsStep):
            _apply_rows(conn, step.changeset)
        else:
            sch.apply_step(conn, step.before, step.after)


def _apply_rows(conn: apsw.Connection, changeset: bytes) -> None:
    if not changeset:
        return
    replacing = replace_apply.replace_tables(conn)
    if replacing:
        replacing &= replace_apply.changed_tables(changeset)
    problems: list[str] = []

    def conflict(reason: int, change: apsw.TableChange) -> int:
        if reason == apsw.SQLITE_CHANGESET_FOREIGN_KEY:
            return apsw.SQLITE_CHANGESET_OMIT  # checked by the caller's state, not per step
        key = change.old if change.old is not None else change.new
        problems.append(_problem(reason, change.name, change.op, key))
        return apsw.SQLITE_CHANGESET_ABORT

    try:
        apsw.Changeset.apply(
            changeset,
            conn,
            filter=(lambda name: name not in replacing) if replacing else None,
            conflict=conflict,
            flags=apsw.SQLITE_CHANGESETAPPLY_FKNOACTION,
        )
        if replacing:
            replace_apply.apply_rows(conn, changeset, replacing)
    except replace_apply.ApplyConflict as error:
        problems.append(_problem(error.reason, error.table, error.op, error.key))
        raise _conflict_error(problems) from None
    except apsw.AbortError:
        raise _conflict_error(problems) from None


def _problem(reason: int, table: str, op: str, key: object) -> str:
    return f"{table}: {_CONFLICTS.get(reason, 'conflict')} ({op} {key})"


def _conflict_error(problems: list[str]) -> WorkingCopyConflictError:
    return WorkingCopyConflictError(
        "the working copy is not in the state history records: " + "; ".join(problems[:3]),
        hint="run zen status to see what changed outside history, then zen fsck",
    )
