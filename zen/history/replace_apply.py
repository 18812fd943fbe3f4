"""Applying the rows of tables whose constraints say ``ON CONFLICT REPLACE``.

SQLite's changeset apply runs plain INSERT and UPDATE statements, so in a table
declared with ``UNIQUE ... ON CONFLICT REPLACE`` (or such a primary key) a new row
silently deletes whatever row holds its value: a row the changeset deletes later
(which then reports "missing") or, in a working copy that drifted, a row it should
have kept. Such tables are applied here instead, in two phases: every old row image
is removed first (deleted rows and the old versions of updated rows, each checked
against the values history recorded), then every new image is inserted with
``INSERT OR ABORT``, which overrides the table's clause. Between the phases no value
is held twice, so the order of the changes within the changeset stops mattering,
and any clash that remains is a real conflict, reported as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.history import schema as sch

_REPLACE = re.compile(r"\bON\s+CONFLICT\s+REPLACE\b", re.IGNORECASE)
_CANDIDATES = (
    "SELECT name, sql FROM main.sqlite_schema WHERE type = 'table' AND sql LIKE '%REPLACE%'"
)

Row = tuple[Any, ...]


class ApplyConflict(Exception):
    """A change that does not fit the working copy (``reason`` is a changeset conflict code)."""

    def __init__(self, reason: int, table: str, op: str, key: Row) -> None:
        super().__init__(table, op, key)
        self.reason, self.table, self.op, self.key = reason, table, op, key


def replace_tables(conn: apsw.Connection) -> frozenset[str]:
    """The tables of ``main`` declared with an ``ON CONFLICT REPLACE`` clause.

    Example:
        >>> conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v UNIQUE ON CONFLICT REPLACE)")
        >>> replace_tables(conn)  # doctest: +SKIP
        frozenset({'t'})
    """
    return frozenset(name for name, sql in conn.execute(_CANDIDATES) if _REPLACE.search(sql))


def changed_tables(changeset: bytes) -> set[str]:
    """The names of the tables a changeset touches."""
    return {change.name for change in apsw.Changeset.iter(changeset)}


@dataclass
class _Table:
    """One table's statements, and the new rows waiting for the second phase."""

    layout: sch.Layout
    names: list[str]
    pending: list[tuple[int, Row]] = field(default_factory=list)  # (change number, row)

    @classmethod
    def of(cls, conn: apsw.Connection, table: str) -> _Table:
        layout = sch.layout(conn, table)
        return cls(layout, [_column(layout, i) for i in range(len(layout.columns))])

    @property
    def ref(self) -> str:
        return f"main.{quote_identifier(self.layout.table)}"

    def key(self, row: Row) -> Row:
        return tuple(row[i] for i in sorted(self.layout.key))


def _column(layout: sch.Layout, position: int) -> str:
    if layout.implicit_rowid and position == 0:
        return "rowid"
    return quote_identifier(layout.columns[position])


def apply_rows(
    conn: apsw.Connection,
    changeset: bytes,
    tables: Collection[str],
    misfits: Callable[[bytes], object] | None = None,
) -> None:
    """Apply the changes of ``tables`` in ``changeset`` (old images out, then new ones in).

    Runs inside the caller's transaction, with triggers and foreign keys off.

    Args:
        conn: The connection.
        changeset: The changes (other tables' are left alone).
        tables: The tables to apply.
        misfits: Given, changes that do not fit (a row missing or changed, a key taken)
            are handed to it at the end, as one changeset, instead of raising (a merge
            lets SQLite's apply and its conflict handler decide on them).

    Raises:
        ApplyConflict: A change does not fit (without ``misfits``), or a new row takes
            a unique value another row holds.
    """
    seen: dict[str, _Table] = {}
    odd: set[int] = set()
    for number, (name, op, old, new) in enumerate(_changes(changeset, tables)):
        table = seen.get(name) or seen.setdefault(name, _Table.of(conn, name))
        if op == "INSERT":
            table.pending.append((number, new))
            continue
        try:
            current = _remove(conn, table, op, old)
        except ApplyConflict:
            if misfits is None:
                raise
            odd.add(number)
            continue
        if op == "UPDATE":
            table.pending.append((number, _merged(current, new)))
    for table in seen.values():
        odd.update(_insert_all(conn, table, tolerant=misfits is not None))
    if odd and misfits is not None:
        misfits(_subset(changeset, tables, odd))


def _subset(changeset: bytes, tables: Collection[str], numbers: set[int]) -> bytes:
    """The changes of ``tables`` with these numbers (counted as :func:`_changes` counts)."""
    builder = apsw.ChangesetBuilder()  # type: ignore[no-untyped-call]
    number = 0
    for change in apsw.Changeset.iter(changeset):
        if change.name in tables:
            if number in numbers:
                builder.add_change(change)
            number += 1
    return bytes(builder.output())


def _changes(changeset: bytes, tables: Collection[str]) -> Iterable[tuple[str, str, Row, Row]]:
    """Plain copies of the changes (a TableChange dies when the iterator moves on)."""
    for change in apsw.Changeset.iter(changeset):
        if change.name in tables:
            old, new = change.old or (), change.new or ()
            yield change.name, change.op, tuple(old), tuple(new)


def _remove(conn: apsw.Connection, table: _Table, op: str, old: Row) -> Row:
    """Delete the row ``old`` describes, after checking it holds the recorded values."""
    key = table.key(old)
    where = table.layout.key_where()
    current = conn.execute(
        f"SELECT {', '.join(table.names)} FROM {table.ref} WHERE {where}", key
    ).fetchone()
    if current is None:
        raise ApplyConflict(apsw.SQLITE_CHANGESET_NOTFOUND, table.layout.table, op, key)
    known = [(table.names[i], v) for i, v in enumerate(old) if v is not apsw.no_change]
    test = " AND ".join(f"{name} IS ?" for name, _ in known)
    conn.execute(f"DELETE FROM {table.ref} WHERE {test}", [v for _, v in known])
    if conn.changes() != 1:
        raise ApplyConflict(apsw.SQLITE_CHANGESET_DATA, table.layout.table, op, key)
    return tuple(current)


def _merged(current: Row, new: Row) -> Row:
    """The updated row: ``current`` with the changed values of ``new``."""
    merged = list(current)
    for i, value in enumerate(new):
        if value is not apsw.no_change:
            merged[i] = value
    return tuple(merged)


def _insert_all(conn: apsw.Connection, table: _Table, *, tolerant: bool) -> list[int]:
    """Insert the new images; returns the numbers of inserts whose key is taken (tolerant).

    Raises:
        ApplyConflict: A key is taken (not ``tolerant``), or a unique value is.
    """
    taken: list[int] = []
    for number, row in table.pending:
        names = table.names[: len(row)]
        marks = ", ".join("?" * len(row))
        try:
            conn.execute(
                f"INSERT OR ABORT INTO {table.ref}({', '.join(names)}) VALUES ({marks})", row
            )
        except apsw.ConstraintError:
            key = table.key(row)
            there = conn.execute(
                f"SELECT 1 FROM {table.ref} WHERE {table.layout.key_where()}", key
            ).fetchone()
            if there and tolerant:
                taken.append(number)
                continue
            reason = apsw.SQLITE_CHANGESET_CONFLICT if there else apsw.SQLITE_CHANGESET_CONSTRAINT
            raise ApplyConflict(reason, table.layout.table, "INSERT", key) from None
    return taken
