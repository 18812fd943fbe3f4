"""Net steps: any sequence of steps reduced to at most rows, schema, rows.

A sequence of steps (a path through history, or a transaction with DDL) is
equivalent to this normal form:

1. one rows step: net changes of every table whose definition is the same at
   both ends, plus "delete every row" of the tables that are dropped or redefined;
2. one schema step from the first state's definitions to the last's;
3. one rows step: "insert every row" of the tables that are created or redefined.

Rows of a table are grouped by *incarnation* (a schema step that redefines the
table starts a new one; it is always empty at that moment), so changesets are
only ever concatenated with changesets of the same layout. Without this
reduction a rewind record would carry every schema step of its path, and a later
rewind crossing it would carry them again: sizes would grow without bound.
"""

from __future__ import annotations

from collections.abc import Sequence

import apsw

from zen.history import schema as sch
from zen.history.errors import CorruptObjectError
from zen.history.steps import RowsStep, SchemaEntry, SchemaStep, Step, concat, merge_rows

_Key = tuple[str, str]


def normalize(steps: Sequence[Step]) -> list[Step]:
    """The normal form of ``steps`` (see the module docstring).

    Example:
        >>> normalize([RowsStep(b"")])
        []
    """
    if len(steps) == 1 and isinstance(steps[0], RowsStep):  # the usual transaction
        return [steps[0]] if steps[0].changeset else []
    if not any(isinstance(step, SchemaStep) for step in steps):
        return merge_rows(steps)
    first: dict[_Key, SchemaEntry | None] = {}
    last: dict[_Key, SchemaEntry | None] = {}
    pieces: dict[tuple[str, int], apsw.ChangesetBuilder] = {}
    incarnation: dict[str, int] = {}
    for step in steps:
        if isinstance(step, SchemaStep):
            _note_schema(step, first, last, incarnation)
        elif step.changeset:
            _split_rows(step.changeset, incarnation, pieces)
    before = {k: e for k, e in first.items() if e is not None}
    after = {k: e for k, e in last.items() if e is not None}
    schema = sch.diff_step(before, after)
    recreated = schema.tables() if schema else set()
    nets = {key: bytes(builder.output()) for key, builder in pieces.items()}
    head, tail = _arrange(nets, incarnation, recreated)
    out: list[Step] = []
    if head:
        out.append(RowsStep(head))
    if schema is not None:
        out.append(schema)
    if tail:
        out.append(RowsStep(tail))
    return out


def _note_schema(
    step: SchemaStep,
    first: dict[_Key, SchemaEntry | None],
    last: dict[_Key, SchemaEntry | None],
    incarnation: dict[str, int],
) -> None:
    before = {(e[0], e[1]): e for e in step.before}
    after = {(e[0], e[1]): e for e in step.after}
    for key in before.keys() | after.keys():
        if key not in first:
            first[key] = before.get(key)
        last[key] = after.get(key)
    for table in step.tables():
        incarnation[table] = incarnation.get(table, 0) + 1


def _split_rows(
    changeset: bytes,
    incarnation: dict[str, int],
    pieces: dict[tuple[str, int], apsw.ChangesetBuilder],
) -> None:
    for change in apsw.Changeset.iter(changeset):
        key = (change.name, incarnation.get(change.name, 0))
        builder = pieces.get(key)
        if builder is None:
            builder = pieces[key] = apsw.ChangesetBuilder()  # type: ignore[no-untyped-call]
        builder.add_change(change)


def _arrange(
    nets: dict[tuple[str, int], bytes], incarnation: dict[str, int], recreated: set[str]
) -> tuple[bytes, bytes]:
    """Split the per-incarnation nets into the rows before and after the schema step."""
    head: list[bytes] = []
    tail: list[bytes] = []
    for table in sorted({name for name, _ in nets}):
        final = incarnation.get(table, 0)
        for number in range(1, final):
            if nets.get((table, number)):
                raise CorruptObjectError(f"rows of {table} survive a redefinition of the table")
        start = nets.get((table, 0), b"")
        end = nets.get((table, final), b"") if final else b""
        if table in recreated:
            head.append(start)
            tail.append(end)
        else:
            head.append(_join([start, end]))
    return _join(head), _join(tail)


def _join(changesets: list[bytes]) -> bytes:
    present = [c for c in changesets if c]
    return concat(present) if present else b""
