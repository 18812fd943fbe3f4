"""A database as a SQL script (the sqlite3 CLI's ``.dump``), streamed line by line.

Running the script in an empty database rebuilds the schema and the rows.
zen's own ``_zen_*`` tables are left out: a dump is of the user's data.

Example:
    >>> import apsw
    >>> conn = apsw.Connection(":memory:")
    >>> _ = conn.execute("create table t(a, b); insert into t values (1, 'x''y')")
    >>> print("\\n".join(dump_sql(conn)))
    PRAGMA foreign_keys=OFF;
    BEGIN TRANSACTION;
    CREATE TABLE t(a, b);
    INSERT INTO "t" VALUES(1,'x''y');
    COMMIT;
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import apsw

from zen.engine.catalog import is_internal, quote_identifier

_SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid"


def sql_literal(value: Any) -> str:
    """``value`` as a SQL literal SQLite reads back to the same value and type.

    Example:
        >>> [sql_literal(v) for v in (None, 3, 1.5, "it's", b"\\x01")]
        ['NULL', '3', '1.5', "'it''s'", "X'01'"]
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return "NULL"
        return repr(value) if math.isfinite(value) else ("1e999" if value > 0 else "-1e999")
    if isinstance(value, bytes | bytearray | memoryview):
        return "X'" + bytes(value).hex().upper() + "'"
    return "'" + str(value).replace("'", "''") + "'"


def dump_sql(conn: apsw.Connection, tables: Sequence[str] | None = None) -> Iterator[str]:
    """The statements that rebuild the database (or only ``tables``), one per item.

    Tables come first with their rows, then ``sqlite_sequence``, then indexes,
    triggers and views in the order they were created. Rows are read as they
    are written out, so memory stays flat whatever the size.

    Args:
        conn: The database to dump.
        tables: Exact names of the tables (or views) to dump; all when None.
    """
    chosen = {name.lower() for name in tables} if tables is not None else None
    info = {row[1]: row for row in _table_list(conn)}
    shadows = {name for name, row in info.items() if row[2] == "shadow"}
    rowid_tables = {name for name, row in info.items() if row[2] == "table" and not row[4]}
    objects = [o for o in conn.execute(_SCHEMA) if _wanted(o, chosen, shadows)]
    yield "PRAGMA foreign_keys=OFF;"
    yield "BEGIN TRANSACTION;"
    for kind, name, _table, ddl in objects:
        if kind == "table":
            yield ddl + ";"
            yield from _rows(conn, name, by_rowid=name in rowid_tables)
    yield from _sequence(conn, [o[1] for o in objects if o[0] == "table"])
    for kind, _name, _table, ddl in objects:
        if kind != "table":
            yield ddl + ";"
    yield "COMMIT;"


def _wanted(row: tuple[Any, ...], chosen: set[str] | None, shadows: set[str]) -> bool:
    _kind, name, table, _sql = row
    if is_internal(name) or is_internal(table) or name in shadows:
        return False
    return chosen is None or str(table).lower() in chosen


def _table_list(conn: apsw.Connection) -> list[tuple[Any, ...]]:
    """(schema, name, type, ncol, without_rowid, strict) of each table.

    Type ``shadow`` marks the tables a virtual table keeps its data in: they are
    recreated by its ``CREATE VIRTUAL TABLE``, so they are not dumped.
    """
    return list(conn.execute("PRAGMA main.table_list"))


def _rows(conn: apsw.Connection, table: str, *, by_rowid: bool) -> Iterator[str]:
    info = list(conn.execute(f"PRAGMA table_xinfo({quote_identifier(table)})"))
    stored = [row[1] for row in info if row[6] == 0]  # generated and hidden columns excluded
    names = ", ".join(quote_identifier(c) for c in stored)
    # The column list is needed only when some columns are left out.
    target = quote_identifier(table) + ("" if len(stored) == len(info) else f"({names})")
    order = " ORDER BY rowid" if by_rowid else ""  # a stable order makes dumps diffable
    for row in conn.execute(f"SELECT {names} FROM {quote_identifier(table)}{order}"):
        yield f"INSERT INTO {target} VALUES({','.join(map(sql_literal, row))});"


def _sequence(conn: apsw.Connection, tables: list[str]) -> Iterator[str]:
    if not conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'").get:
        return
    rows = [r for r in conn.execute("SELECT name, seq FROM sqlite_sequence") if r[0] in tables]
    if rows:
        yield "DELETE FROM sqlite_sequence;"
    for name, seq in rows:
        yield f"INSERT INTO sqlite_sequence VALUES({sql_literal(name)},{sql_literal(seq)});"
