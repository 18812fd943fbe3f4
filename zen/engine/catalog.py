"""Reading the schema: tables, views, columns, DDL, and name look-ups with hints."""

from __future__ import annotations

from dataclasses import dataclass

import apsw

from zen.engine.errors import NotFoundError, suggest

INTERNAL_PREFIXES = ("sqlite_", "_zen_")


def quote_identifier(name: str) -> str:
    """Quote an identifier for SQL, whatever characters it holds.

    Example:
        >>> quote_identifier('a"b')
        '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


def is_internal(name: str) -> bool:
    """True for SQLite's and zen's own tables, which users do not see by default."""
    return name.lower().startswith(INTERNAL_PREFIXES)


@dataclass(frozen=True)
class Column:
    """One column of a table or view."""

    name: str
    type: str
    not_null: bool
    default: str | None
    primary_key: int
    hidden: int = 0


@dataclass(frozen=True)
class SchemaObject:
    """A table, view, index or trigger, as ``sqlite_schema`` lists it."""

    type: str
    name: str
    table: str
    sql: str | None


def objects(conn: apsw.Connection, *, include_internal: bool = False) -> list[SchemaObject]:
    """Every schema object, tables first, in a stable order."""
    rows = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema "
        "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'view' THEN 1 "
        "WHEN 'index' THEN 2 ELSE 3 END, name"
    )
    found = [SchemaObject(*row) for row in rows]
    if include_internal:
        return found
    return [o for o in found if not is_internal(o.name) and not is_internal(o.table)]


def table_names(conn: apsw.Connection, *, views: bool = True) -> list[str]:
    """Names of user tables (and views), sorted."""
    kinds = {"table", "view"} if views else {"table"}
    return [o.name for o in objects(conn) if o.type in kinds]


def resolve_table(conn: apsw.Connection, name: str) -> str:
    """The table or view's exact name (case-insensitive match), or a hinted error.

    Raises:
        NotFoundError: ``no such table: userz`` with ``did you mean users?``.
    """
    names = table_names(conn)
    for candidate in names:
        if candidate == name:
            return candidate
    for candidate in names:
        if candidate.lower() == name.lower():
            return candidate
    raise NotFoundError(f"no such table: {name}", hint=suggest(name, names))


def columns(conn: apsw.Connection, table: str) -> list[Column]:
    """The columns of ``table`` (generated and hidden columns included)."""
    rows = conn.execute(f"PRAGMA table_xinfo({quote_identifier(table)})")
    return [
        Column(name, type_ or "", bool(notnull), default, pk, hidden)
        for _cid, name, type_, notnull, default, pk, hidden in rows
    ]


def row_count(conn: apsw.Connection, table: str) -> int:
    """Number of rows in ``table``."""
    return int(conn.execute(f"SELECT count(*) FROM {quote_identifier(table)}").get)


def schema_sql(conn: apsw.Connection, table: str | None = None) -> str:
    """The DDL of the database, or of one table with its indexes and triggers."""
    chosen = objects(conn)
    if table is not None:
        exact = resolve_table(conn, table)
        chosen = [o for o in chosen if o.table == exact]
    return "\n".join(f"{o.sql};" for o in chosen if o.sql)


def affinity(declared: str) -> str:
    """SQLite's type affinity of a declared type (section 3.1 of the datatype doc).

    Example:
        >>> affinity("VARCHAR(10)"), affinity("BIGINT"), affinity("")
        ('TEXT', 'INTEGER', 'BLOB')
    """
    kind = declared.upper()
    if "INT" in kind:
        return "INTEGER"
    if any(word in kind for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if not kind or "BLOB" in kind:
        return "BLOB"
    if any(word in kind for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"
