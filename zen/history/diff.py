"""Row-level and schema diffs between two states.

The rows steps on the path between the states are first concatenated in C
(repeated changes of a row collapse), then folded per primary key in Python, so
the cost grows with the rows on the path, not with table size. Across a schema
change a table's rows are compared by key and column name.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import apsw

from zen.history import schema as sch
from zen.history.apply import path_steps
from zen.history.steps import RowsStep, SchemaStep, Step

RowKind = Literal["added", "removed", "changed"]


def jsonable(value: Any) -> Any:
    """A JSON-ready form of a SQLite value (BLOBs become ``{"blob": hex}``)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"blob": bytes(value).hex()}
    return value


def _json_row(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {k: jsonable(v) for k, v in row.items()}


@dataclass(frozen=True)
class CellChange:
    """One changed cell: the column and its old and new values."""

    column: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RowChange:
    """One row that differs.

    Attributes:
        kind: ``added``, ``removed`` or ``changed``.
        key: The primary-key values by column name (``rowid`` for tables without one).
        old: The whole old row (removed rows), else None.
        new: The whole new row (added rows), else None.
        cells: The changed cells (changed rows).
    """

    kind: RowKind
    key: dict[str, Any]
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    cells: tuple[CellChange, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "key": _json_row(self.key),
            "old": _json_row(self.old),
            "new": _json_row(self.new),
            "cells": [
                {"column": c.column, "old": jsonable(c.old), "new": jsonable(c.new)}
                for c in self.cells
            ],
        }


@dataclass(frozen=True)
class SchemaChange:
    """One schema object added, removed or changed (with its SQL on each side)."""

    kind: RowKind
    type: str
    name: str
    old_sql: str | None
    new_sql: str | None


@dataclass
class TableDiff:
    """The row differences of one table."""

    table: str
    added: int = 0
    removed: int = 0
    changed: int = 0
    rows: list[RowChange] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "table": self.table,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "rows": [r.to_json() for r in self.rows],
        }


@dataclass
class Diff:
    """Differences between two states.

    Attributes:
        source: Label of the old side (a ref, or ``working copy``).
        target: Label of the new side.
        schema: Schema objects added, removed or changed.
        tables: Per-table row differences (tables with no row change are left out).
    """

    source: str
    target: str
    schema: list[SchemaChange] = field(default_factory=list)
    tables: list[TableDiff] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when the two states are equal."""
        return not self.schema and not self.tables

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "source": self.source,
            "target": self.target,
            "schema": [c.__dict__ for c in self.schema],
            "tables": [t.to_json() for t in self.tables],
        }


# -- computing -------------------------------------------------------------------


class _Row:
    """What is known about one key's row at the source and target states."""

    __slots__ = ("current", "first", "origin")

    def __init__(self) -> None:
        self.first = True
        self.origin: dict[str, Any] | None = {}
        self.current: dict[str, Any] | None = {}

    def feed(self, op: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        if self.first:
            self.origin = None if op == "INSERT" else {}
            self.first = False
        if self.origin is not None and old is not None:
            for column, value in old.items():
                self.origin.setdefault(column, value)
        if op == "DELETE":
            self.current = None
        elif op == "INSERT":
            self.current = dict(new or {})
        else:
            self.current = {**(self.current or {}), **(new or {})}


def _values(change: apsw.TableChange, columns: tuple[str, ...], side: str) -> dict[str, Any] | None:
    row = change.old if side == "old" else change.new
    if row is None:
        return None
    return {columns[i]: v for i, v in enumerate(row) if v is not apsw.no_change}


class _Layouts:
    """Column names of tables as the schema evolves along a path."""

    def __init__(self, schema: sch.SchemaMap) -> None:
        self.schema = dict(schema)
        self._cache: dict[str, sch.Layout] = {}

    def step(self, step: SchemaStep) -> None:
        for entry in step.before:
            self.schema.pop((entry[0], entry[1]), None)
        for entry in step.after:
            self.schema[(entry[0], entry[1])] = entry

    def columns(self, table: str) -> tuple[str, ...]:
        sql = self.schema.get(("table", table), ("", "", "", ""))[3]
        found = self._cache.get(sql)
        if found is None:
            found = self._cache[sql] = sch.layout_from_sql(sql, table)
        return found.columns


def compute(
    conn: apsw.Connection,
    src: int | None,
    dst: int | None,
    src_schema: sch.SchemaMap,
    labels: tuple[str, str],
    *,
    tables: Collection[str] | None = None,
    schema_only: bool = False,
    keep_rows: bool = True,
) -> Diff:
    """The diff from state ``src`` (whose schema is ``src_schema``) to state ``dst``."""
    steps = path_steps(conn, src, dst)
    layouts = _Layouts(src_schema)
    rows: dict[str, dict[tuple[Any, ...], _Row]] = {}
    for step in steps:
        if isinstance(step, SchemaStep):
            layouts.step(step)
        elif not schema_only:
            _fold(step, layouts, rows, tables)
    diff = Diff(labels[0], labels[1], _schema_changes(src_schema, layouts.schema))
    for table in sorted(rows):
        found = _table_diff(table, rows[table], keep_rows)
        if found.added or found.removed or found.changed:
            diff.tables.append(found)
    return diff


def schema_after(schema: sch.SchemaMap, steps: Iterable[Step]) -> sch.SchemaMap:
    """``schema`` with the schema steps among ``steps`` applied."""
    layouts = _Layouts(schema)
    for step in steps:
        if isinstance(step, SchemaStep):
            layouts.step(step)
    return layouts.schema


def _fold(
    step: RowsStep,
    layouts: _Layouts,
    rows: dict[str, dict[tuple[Any, ...], _Row]],
    tables: Collection[str] | None,
) -> None:
    for change in apsw.Changeset.iter(step.changeset):
        name = change.name
        if tables is not None and name not in tables:
            continue
        columns = layouts.columns(name)
        source = (change.old if change.op != "INSERT" else change.new) or ()
        key = tuple((columns[i], source[i]) for i in sorted(change.pk_columns))
        per_table = rows.setdefault(name, {})
        row = per_table.get(key)
        if row is None:
            row = per_table[key] = _Row()
        row.feed(change.op, _values(change, columns, "old"), _values(change, columns, "new"))


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _table_diff(table: str, rows: dict[tuple[Any, ...], _Row], keep_rows: bool) -> TableDiff:
    out = TableDiff(table)
    for key, row in sorted(rows.items(), key=lambda kv: repr(kv[0])):
        change = _classify(dict(key), row)
        if change is None:
            continue
        setattr(out, change.kind, getattr(out, change.kind) + 1)
        if keep_rows:
            out.rows.append(change)
    return out


def _classify(key: dict[str, Any], row: _Row) -> RowChange | None:
    if row.origin is None and row.current is None:
        return None
    if row.origin is None:
        return RowChange("added", key, new=row.current)
    if row.current is None:
        return RowChange("removed", key, old=row.origin)
    columns = [c for c in row.current if c not in key] + [
        c for c in row.origin if c not in row.current and c not in key
    ]
    cells = tuple(
        CellChange(c, row.origin.get(c), row.current.get(c))
        for c in columns
        if c not in row.origin or c not in row.current or not _same(row.origin[c], row.current[c])
    )
    return RowChange("changed", key, cells=cells) if cells else None


def _schema_changes(before: sch.SchemaMap, after: sch.SchemaMap) -> list[SchemaChange]:
    out: list[SchemaChange] = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        kind: RowKind = "added" if old is None else "removed" if new is None else "changed"
        out.append(
            SchemaChange(kind, key[0], key[1], old[3] if old else None, new[3] if new else None)
        )
    return out
