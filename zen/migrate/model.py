"""The schema model: what SQLite itself says a database holds.

Everything is read from SQLite (``sqlite_schema`` and the PRAGMAs ``table_list``,
``table_xinfo``, ``index_list``/``index_xinfo`` and ``foreign_key_list``), never
from a regenerated SQL text. Two objects are equal when SQLite describes them
alike and their DDL has the same tokens (ignoring quoting, case, spacing,
comments and the order of table constraints).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import apsw

from zen.engine.catalog import is_internal
from zen.migrate.sqltext import TableBody, normalize, parse_table

GENERATED = (2, 3)  # table_xinfo.hidden for VIRTUAL and STORED generated columns


@dataclass(frozen=True)
class ColumnInfo:
    """One column as ``PRAGMA table_xinfo`` describes it (plus its DDL tokens)."""

    name: str
    type: str
    not_null: bool
    default: str | None
    pk: int
    hidden: int

    @property
    def generated(self) -> bool:
        """True for a generated (computed) column: it is never copied."""
        return self.hidden in GENERATED


@dataclass(frozen=True)
class IndexInfo:
    """An index: explicit (``sql`` set) or made by a UNIQUE/PRIMARY KEY constraint."""

    name: str
    table: str
    unique: bool
    origin: str
    partial: bool
    keys: tuple[tuple[str | None, str, bool], ...]
    sql: str | None

    @property
    def signature(self) -> str:
        """What makes two explicit indexes equal (their normalised DDL)."""
        return normalize(self.sql or "")


@dataclass(frozen=True)
class ForeignKeyInfo:
    """One foreign key (all its column pairs) from ``PRAGMA foreign_key_list``."""

    table: str
    columns: tuple[str, ...]
    references: tuple[str | None, ...]
    on_update: str
    on_delete: str
    match: str


@dataclass
class TableInfo:
    """A table with its columns, indexes and foreign keys."""

    name: str
    sql: str
    kind: str  # "table" or "virtual"
    strict: bool
    without_rowid: bool
    columns: list[ColumnInfo]
    indexes: dict[str, IndexInfo] = field(default_factory=dict)
    foreign_keys: list[ForeignKeyInfo] = field(default_factory=list)
    _signature: Any = field(default=None, repr=False, compare=False)

    @property
    def autoincrement(self) -> bool:
        """True when the table declares AUTOINCREMENT."""
        return " autoincrement" in normalize(self.sql)

    @property
    def rowid_alias(self) -> str | None:
        """The INTEGER PRIMARY KEY column that is the rowid, if any."""
        pks = [c for c in self.columns if c.pk]
        if self.without_rowid or len(pks) != 1 or pks[0].type.upper() != "INTEGER":
            return None
        return pks[0].name

    @property
    def body(self) -> TableBody | None:
        """The CREATE TABLE text cut into parts (None for a virtual table); parsed lazily."""
        return None if self.kind == "virtual" else parse_table(self.sql)

    def column(self, name: str) -> ColumnInfo | None:
        """The column called ``name`` (case-insensitive), or None."""
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)

    def signature(self) -> Any:
        """Everything that makes two tables equal, as comparable data (computed once)."""
        if self._signature is None:
            self._signature = self._compute_signature()
        return self._signature

    def _compute_signature(self) -> Any:
        body = self.body
        if body is None:
            return (self.kind, normalize(self.sql))
        definitions = {n.lower(): d for n, d in body.columns}
        auto = sorted(
            (i.unique, i.origin, i.partial, i.keys) for i in self.indexes.values() if not i.sql
        )
        return (
            self.kind,
            self.strict,
            self.without_rowid,
            self.autoincrement,
            [(*_column_key(c), definitions.get(c.name.lower(), "")) for c in self.columns],
            sorted(map(repr, self.foreign_keys)),
            auto,
            body.constraints,
            body.options,
        )


def _column_key(c: ColumnInfo) -> tuple[Any, ...]:
    default = normalize(c.default) if c.default is not None else None
    return (c.name, c.type.upper(), c.not_null, default, c.pk, c.hidden)


@dataclass(frozen=True)
class ObjectInfo:
    """A view or trigger: its name, table and DDL."""

    type: str
    name: str
    table: str
    sql: str

    @property
    def signature(self) -> str:
        """What makes two views or triggers equal (their normalised DDL)."""
        return normalize(self.sql)


@dataclass
class Schema:
    """Every user object of a database (``_zen_*``, ``sqlite_*`` and shadow tables left out)."""

    tables: dict[str, TableInfo] = field(default_factory=dict)
    views: dict[str, ObjectInfo] = field(default_factory=dict)
    triggers: dict[str, ObjectInfo] = field(default_factory=dict)

    def indexes(self) -> dict[str, IndexInfo]:
        """Explicit indexes (CREATE INDEX), by name."""
        return {i.name: i for t in self.tables.values() for i in t.indexes.values() if i.sql}

    def table(self, name: str) -> TableInfo | None:
        """The table called ``name`` (case-insensitive), or None."""
        return self.tables.get(name) or next(
            (t for k, t in self.tables.items() if k.lower() == name.lower()), None
        )

    def ddl(self) -> list[str]:
        """The CREATE statements, tables first, then indexes, views and triggers."""
        out = [t.sql for t in self.tables.values()]
        out += [i.sql for i in self.indexes().values() if i.sql]
        out += [v.sql for v in self.views.values()]
        out += [t.sql for t in self.triggers.values()]
        return out

    def fingerprint(self) -> str:
        """A hash of the schema's meaning, stable across spellings of the same DDL."""
        data = {
            "tables": {k.lower(): repr(t.signature()) for k, t in self.tables.items()},
            "indexes": {k.lower(): i.signature for k, i in self.indexes().items()},
            "views": {k.lower(): v.signature for k, v in self.views.items()},
            "triggers": {k.lower(): t.signature for k, t in self.triggers.items()},
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """Object names by kind, for ``--json`` output."""
        return {
            "tables": sorted(self.tables),
            "indexes": sorted(self.indexes()),
            "views": sorted(self.views),
            "triggers": sorted(self.triggers),
        }


def introspect(conn: apsw.Connection) -> Schema:
    """Read the schema of the ``main`` database of ``conn``.

    A handful of queries over the PRAGMA table-valued functions read every table
    at once, so a wide schema costs milliseconds, not one round of PRAGMAs per table.

    Example:
        >>> conn = apsw.Connection(":memory:")
        >>> conn.execute("create table t(a integer primary key, b text)")  # doctest: +ELLIPSIS
        <apsw.Cursor ...>
        >>> introspect(conn).tables["t"].rowid_alias
        'a'
    """
    kinds = {
        str(name): (str(kind), bool(strict), bool(wr))
        for name, kind, strict, wr in conn.execute(
            "SELECT name, type, strict, wr FROM pragma_table_list WHERE schema = 'main'"
        )
    }
    facts = _Facts(conn)
    schema = Schema()
    rows = conn.execute(
        "SELECT type, name, tbl_name, sql FROM main.sqlite_schema "
        "WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    for type_, name, table, sql in ((str(v) for v in row) for row in rows):
        kind = kinds.get(name, ("table", False, False))
        if is_internal(name) or is_internal(table) or kind[0] == "shadow":
            continue
        if type_ == "table":
            schema.tables[name] = _table(facts, name, sql, kind)
        elif type_ in {"view", "trigger"}:
            target = schema.views if type_ == "view" else schema.triggers
            target[name] = ObjectInfo(type_, name, table, sql)
    return schema


class _Facts:
    """Columns, indexes and foreign keys of every table, read in four queries."""

    def __init__(self, conn: apsw.Connection) -> None:
        tables = "FROM main.sqlite_schema m, "
        where = " WHERE m.type = 'table' AND m.sql NOT LIKE 'CREATE VIRTUAL%'"
        self.columns = _grouped(
            conn, f"SELECT m.name, p.* {tables}pragma_table_xinfo(m.name, 'main') p{where}"
        )
        self.indexes = _grouped(
            conn,
            f"SELECT m.name, p.*, s.sql {tables}pragma_index_list(m.name, 'main') p "
            f"LEFT JOIN main.sqlite_schema s ON s.type = 'index' AND s.name = p.name{where}",
        )
        self.keys = _grouped(
            conn,
            f"SELECT p.name, x.* {tables}pragma_index_list(m.name, 'main') p, "
            f"pragma_index_xinfo(p.name, 'main') x{where}",
        )
        self.foreign = _grouped(
            conn, f"SELECT m.name, p.* {tables}pragma_foreign_key_list(m.name, 'main') p{where}"
        )


def _grouped(conn: apsw.Connection, sql: str) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for row in conn.execute(sql):
        out.setdefault(str(row[0]), []).append(tuple(row[1:]))
    return out


def _table(facts: _Facts, name: str, sql: str, kind: tuple[str, bool, bool]) -> TableInfo:
    if kind[0] == "virtual":
        return TableInfo(name, sql, "virtual", False, False, [])
    columns = [
        ColumnInfo(n, t or "", bool(nn), d, pk, h)
        for _cid, n, t, nn, d, pk, h in facts.columns.get(name, [])
    ]
    return TableInfo(
        name,
        sql,
        "table",
        kind[1],
        kind[2],
        columns,
        _indexes(facts, name),
        _foreign_keys(facts.foreign.get(name, [])),
    )


def _indexes(facts: _Facts, table: str) -> dict[str, IndexInfo]:
    out: dict[str, IndexInfo] = {}
    for _seq, name, unique, origin, partial, sql in facts.indexes.get(table, []):
        keys = tuple(
            (col, coll or "BINARY", bool(desc))
            for _seqno, _cid, col, desc, coll, key in facts.keys.get(name, [])
            if key
        )
        out[name] = IndexInfo(name, table, bool(unique), origin, bool(partial), keys, sql)
    return out


def _foreign_keys(found: list[tuple[Any, ...]]) -> list[ForeignKeyInfo]:
    groups: dict[int, list[tuple[Any, ...]]] = {}
    for row in found:
        groups.setdefault(row[0], []).append(row)
    out = []
    for rows in groups.values():
        rows.sort(key=lambda r: r[1])
        first = rows[0]
        out.append(
            ForeignKeyInfo(
                str(first[2]).lower(),
                tuple(r[3] for r in rows),
                tuple(r[4] for r in rows),
                first[5],
                first[6],
                first[7],
            )
        )
    return out
