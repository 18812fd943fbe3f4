"""The merge commit's tree in O(rows changed on both sides), not O(rows changed).

Table hashes are additive multiset hashes (see :mod:`zen.history.hashing`). A
row only one side touched ends up as that side left it, so for those rows the
merged multiset is ``ours + theirs - base``. Only rows *both* sides touched
(different cells of one row, the same change twice, resolved conflicts) need a
correction, computed from their full rows: ours before the merge and the
merged row (read from the working copy after the merge; ours' is that with
the merge's own change undone) and base and theirs (rebuilt from those and the
two sides' changes). So the merge never hashes the rows only
theirs changed, which is most of them.

Only for merges without schema changes; the others hash through
:func:`zen.history.trees.working_tree`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.history import schema as sch
from zen.history.hashing import MODULUS, TableHash, row_digest
from zen.history.steps import RowsStep, SchemaEntry, SchemaStep, Step
from zen.history.trees import Tree

Row = tuple[Any, ...]
Change = tuple[str, Row | None, Row | None]
"""``(op, old, new)`` of one changeset entry."""
Key = tuple[str, Row]


@dataclass
class Overlap:
    """Rows changed on both sides: ours' and theirs' change of each."""

    both: dict[Key, tuple[Change, Change]] = field(default_factory=dict)
    count: int = 0
    tables: set[str] = field(default_factory=set)


def find(ours: list[Step], theirs: list[Step]) -> Overlap | None:
    """The rows both sides changed (None when a side changed the schema: no fast path).

    Also counts theirs' changes and notes the tables they touch (for the caller's
    summary), so theirs' changeset is read once.
    """
    if any(isinstance(s, SchemaStep) for s in (*ours, *theirs)):
        return None
    mine: dict[Key, Change] = {}
    for change in _changes(ours):
        row = change.old if change.old is not None else change.new
        mine[(change.name, _pk(change, row))] = (change.op, change.old, change.new)
    found = Overlap()
    for change in _changes(theirs):
        row = change.old if change.old is not None else change.new
        key = (change.name, _pk(change, row))
        found.count += 1
        found.tables.add(change.name)
        if key in mine:
            found.both[key] = (mine[key], (change.op, change.old, change.new))
    return found


def _changes(steps: list[Step]) -> Iterator[apsw.TableChange]:
    for step in steps:
        assert isinstance(step, RowsStep)
        yield from apsw.Changeset.iter(step.changeset)


def _pk(change: apsw.TableChange, row: Row | None) -> Row:
    assert row is not None
    columns = change.pk_columns
    if len(columns) == 1:
        (only,) = columns
        return (row[only],)
    return tuple(row[i] for i in sorted(columns))


def read(
    conn: apsw.Connection, overlap: Overlap, schema: Mapping[tuple[str, str], SchemaEntry]
) -> dict[Key, Row | None]:
    """The full current rows of the overlapping keys (None: no such row)."""
    sqls: dict[str, str] = {}
    found: dict[Key, Row | None] = {}
    creates = sch.tables(schema)
    for table, key in overlap.both:
        sql = sqls.get(table)
        if sql is None:
            layout = sch.cached_layout(conn, table, creates.get(table, ""))
            sql = sqls[table] = (
                f"SELECT {layout.select_list} FROM main.{quote_identifier(table)} "
                f"WHERE {layout.key_where()}"
            )
        row = conn.execute(sql, key).fetchone()
        found[(table, key)] = tuple(row) if row is not None else None
    return found


def applied_changes(overlap: Overlap, changeset: bytes | None) -> dict[Key, Change]:
    """What the merge did to each overlapping row: theirs' change when SQLite applied
    theirs' changeset as it was (``changeset`` None), else the recorded one's."""
    if changeset is None:
        return {key: other for key, (_mine, other) in overlap.both.items()}
    found: dict[Key, Change] = {}
    for change in apsw.Changeset.iter(changeset):
        row = change.old if change.old is not None else change.new
        key = (change.name, _pk(change, row))
        if key in overlap.both:
            found[key] = (change.op, change.old, change.new)
    return found


def _undo(after: Row | None, change: Change | None) -> Row | None:
    """Ours' row before the merge, from the merged row and what the merge did to it."""
    if change is None:
        return after
    op, old, _new = change
    if op == "INSERT":
        return None
    if op == "DELETE":
        return old
    assert after is not None
    return _overlay(after, old)


def merged_tree(
    schema: sch.SchemaMap,
    trees: tuple[Tree | None, Tree, Tree],
    overlap: Overlap,
    after: dict[Key, Row | None],
    applied: dict[Key, Change],
) -> Tree:
    """The merged state's tree: ours + theirs - base per table, corrected on overlaps."""
    base, ours, theirs = trees
    tables: dict[str, TableHash] = {}
    for name in sch.tables(schema):
        o, t = ours.tables.get(name, TableHash()), theirs.tables.get(name, TableHash())
        b = base.tables.get(name, TableHash()) if base else TableHash()
        tables[name] = TableHash((o.value + t.value - b.value) % MODULUS, o.rows + t.rows - b.rows)
    for key, (mine, other) in overlap.both.items():
        found = tables.setdefault(key[0], TableHash())
        before = _undo(after.get(key), applied.get(key))
        base_row = _base_row(before, mine)
        theirs_row = _theirs_row(base_row, other)
        for row, sign in ((after.get(key), 1), (before, -1), (theirs_row, -1), (base_row, 1)):
            if row is not None:
                found.value = (found.value + sign * row_digest(row)) % MODULUS
                found.rows += sign
    return Tree(schema, tables)


def _overlay(row: Row, values: Row | None) -> Row:
    assert values is not None
    return tuple(row[i] if v is apsw.no_change else v for i, v in enumerate(values))


def _base_row(ours_now: Row | None, mine: Change) -> Row | None:
    """The row before both sides, from ours' row and ours' change."""
    op, old, _new = mine
    if op == "INSERT":
        return None
    if op == "DELETE":
        return old
    assert ours_now is not None
    return _overlay(ours_now, old)


def _theirs_row(base_row: Row | None, other: Change) -> Row | None:
    """Theirs' row, from the base row and theirs' change."""
    op, _old, new = other
    if op == "DELETE":
        return None
    if op == "INSERT":
        return new
    assert base_row is not None
    return _overlay(base_row, new)
