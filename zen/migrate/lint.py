"""Lint: what a migration would lose or fail on, found before anything runs.

Levels:

* ``destructive``: data would be lost (a dropped table or column, a recreated
  virtual table). Applying needs ``--allow-destructive``.
* ``error``: the migration would fail on the current rows (NOT NULL without a
  default on a non-empty table, NULLs in a column becoming NOT NULL, duplicates
  under a new UNIQUE index, rows violating a new CHECK). Never applied.
* ``warning``: worth a look (a type narrowed, e.g. TEXT to INTEGER).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import apsw

from zen.engine.catalog import affinity
from zen.engine.catalog import quote_identifier as q
from zen.migrate.differ import SchemaDiff, TableDiff
from zen.migrate.model import ColumnInfo, IndexInfo, TableInfo
from zen.migrate.sqltext import normalize

DESTRUCTIVE, ERROR, WARNING = "destructive", "error", "warning"
_LENGTH = re.compile(r"\(\s*(\d+)")


@dataclass(frozen=True)
class Finding:
    """One lint finding: its level, the object it is about, and what to do."""

    level: str
    target: str
    message: str
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "level": self.level,
            "target": self.target,
            "message": self.message,
            "hint": self.hint,
        }

    def render(self) -> str:
        """One line (two with a hint) for people."""
        text = f"{self.level}: {self.message}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")


def lint(change: SchemaDiff, conn: apsw.Connection | None = None) -> list[Finding]:
    """Findings for ``change``; data checks run only when ``conn`` (the live database) is given.

    Example:
        >>> from zen.migrate.differ import diff
        >>> from zen.migrate.load import load_sql
        >>> d = diff(load_sql("create table t(a)").schema, load_sql("").schema)
        >>> lint(d)[0].message
        'drop table t'
    """
    data = _Data(conn)
    found = _dropped_tables(change, data)
    for table in change.changed_tables:
        found += _table_findings(table, data)
    found += _unique_findings(change, data)
    return found


class _Data:
    """Counts on the live database (zero everywhere when there is none)."""

    def __init__(self, conn: apsw.Connection | None) -> None:
        self.conn = conn

    def count(self, sql: str) -> int:
        if self.conn is None:
            return 0
        try:
            return int(self.conn.execute(sql).get or 0)
        except apsw.Error:
            return 0  # the check does not apply to the old table (e.g. a renamed column)

    def rows(self, table: str) -> int:
        return self.count(f"SELECT count(*) FROM {q(table)}")


def _dropped_tables(change: SchemaDiff, data: _Data) -> list[Finding]:
    found = []
    for name in change.dropped_tables:
        rows = data.rows(name) if data.conn else None
        extra = f" ({rows:,} rows)" if rows else ""
        found.append(
            Finding(DESTRUCTIVE, name, f"drop table {name}{extra}", _rename_hint(change, name))
        )
    return found


def _rename_hint(change: SchemaDiff, dropped: str) -> str | None:
    """Suggest a rename hint when a created table has the dropped one's columns."""
    old = change.current.tables[dropped]
    shape = [c.name.lower() for c in old.columns]
    for name in change.created_tables:
        if [c.name.lower() for c in change.desired.tables[name].columns] == shape:
            return (
                f"if {dropped} was renamed to {name}, "
                f"add `-- zen: renamed from {dropped}` to its CREATE TABLE"
            )
    return None


def _table_findings(table: TableDiff, data: _Data) -> list[Finding]:
    found: list[Finding] = []
    name = table.name
    if table.new.kind == "virtual" or table.old.kind == "virtual":
        message = f"virtual table {name} is dropped and created again: its rows are lost"
        return [Finding(DESTRUCTIVE, name, message)]
    for column in table.dropped:
        hint = _column_hint(table, column)
        found.append(Finding(DESTRUCTIVE, f"{name}.{column}", f"drop column {name}.{column}", hint))
    rows = data.rows(table.old_name) if data.conn else 0
    for column in table.added:
        new = table.new.column(column)
        if new and new.not_null and new.default is None and not new.generated and rows:
            message = f"{name}.{column} is NOT NULL without a default, and {name} has {rows:,} rows"
            found.append(Finding(ERROR, f"{name}.{column}", message, "give it a DEFAULT"))
    for new in table.new.columns:
        source = table.source_of(new.name)
        old = table.old.column(source) if source else None
        if old is not None:
            found += _column_findings(table, old, new, data)
    found += _check_findings(table, data)
    return found


def _column_hint(table: TableDiff, column: str) -> str | None:
    if not table.added:
        return None
    return (
        f"if {column} was renamed to {table.added[0]}, add "
        f"`-- zen: renamed from {column}` on that column's line"
    )


def _column_findings(
    table: TableDiff, old: ColumnInfo, new: ColumnInfo, data: _Data
) -> list[Finding]:
    found = []
    where = f"{table.name}.{new.name}"
    if new.not_null and not old.not_null and not new.generated:
        nulls = data.count(f"SELECT count(*) FROM {q(table.old_name)} WHERE {q(old.name)} IS NULL")
        if nulls:
            message = f"{where} becomes NOT NULL but {nulls:,} rows hold NULL"
            found.append(Finding(ERROR, where, message, "fill them in first (UPDATE ... SET)"))
    if _narrows(old.type, new.type):
        message = f"{where} changes type from {old.type or 'none'} to {new.type or 'none'}"
        found.append(Finding(WARNING, where, message, "values that do not fit may change or fail"))
    return found


_WIDER = {"BLOB": 4, "TEXT": 3, "NUMERIC": 2, "REAL": 2, "INTEGER": 1}


def _narrows(old: str, new: str) -> bool:
    a, b = affinity(old), affinity(new)
    if a != b:
        return _WIDER[b] < _WIDER[a] or ({a, b} == {"REAL", "NUMERIC"} and b == "NUMERIC")
    old_len, new_len = _LENGTH.search(old), _LENGTH.search(new)
    return bool(old_len and new_len and int(new_len.group(1)) < int(old_len.group(1)))


def _check_findings(table: TableDiff, data: _Data) -> list[Finding]:
    if table.new.body is None or table.old.body is None or data.conn is None:
        return []
    known = {normalize(c) for c in table.old.body.checks}
    found = []
    for check in table.new.body.checks:
        if normalize(check) in known:
            continue
        bad = data.count(f"SELECT count(*) FROM {q(table.old_name)} WHERE NOT ({check})")
        if bad:
            message = f"{bad:,} rows of {table.name} violate CHECK ({check.strip()})"
            found.append(Finding(ERROR, table.name, message, "fix those rows first"))
    return found


def _unique_findings(change: SchemaDiff, data: _Data) -> list[Finding]:
    if data.conn is None:
        return []
    found = []
    for table in change.changed_tables:
        known = {(i.keys, i.partial) for i in table.old.indexes.values() if i.unique}
        for index in table.new.indexes.values():
            if index.unique and (index.keys, index.partial) not in known:
                found += _duplicates(table.new, index, data, table)
    desired = change.desired.indexes()
    for name in change.indexes.created:
        index = desired[name]
        owner = change.desired.tables[index.table]
        if index.unique and owner.name not in change.created_tables:
            found += _duplicates(owner, index, data, change.changed(owner.name))
    return list(dict.fromkeys(found))


def _duplicates(
    owner: TableInfo, index: IndexInfo, data: _Data, table: TableDiff | None
) -> list[Finding]:
    names = [k[0] for k in index.keys]
    if index.partial or any(n is None for n in names):
        return []  # expression and partial indexes: SQLite reports them when applying
    source = table.old_name if table else owner.name
    columns = [table.source_of(str(n)) if table else n for n in names]
    if any(c is None for c in columns):
        return []
    cols = ", ".join(q(str(c)) for c in columns)
    nulls = " AND ".join(f"{q(str(c))} IS NOT NULL" for c in columns)
    dupes = data.count(
        f"SELECT count(*) FROM (SELECT 1 FROM {q(source)} WHERE {nulls} "
        f"GROUP BY {cols} HAVING count(*) > 1)"
    )
    if not dupes:
        return []
    message = f"UNIQUE ({', '.join(map(str, names))}) on {owner.name}: {dupes:,} duplicated values"
    return [Finding(ERROR, owner.name, message, "remove the duplicates first")]
