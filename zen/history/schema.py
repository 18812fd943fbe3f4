"""The user schema as history sees it: snapshots, table layouts, images, schema steps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.history.errors import HistoryError
from zen.history.steps import SchemaEntry, SchemaStep

SchemaMap = dict[tuple[str, str], SchemaEntry]
"""Schema entries keyed by ``(type, name)``."""

_CREATE_ORDER = {"table": 0, "index": 1, "view": 2, "trigger": 3}
_INTERNAL = ("sqlite_", "_zen_")


def is_user_name(name: str) -> bool:
    """False for SQLite's and zen's own objects."""
    return not name.lower().startswith(_INTERNAL)


def snapshot(conn: apsw.Connection) -> SchemaMap:
    """Every user schema entry of ``main`` (tables, indexes, views, triggers)."""
    found: SchemaMap = {}
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_schema")
    for kind, name, table, sql in rows:
        if sql is None or not is_user_name(name) or not is_user_name(table):
            continue
        found[(kind, name)] = (kind, name, table, sql)
    return found


class SchemaCache:
    """The schema snapshot, re-read only when ``PRAGMA schema_version`` moves.

    The cookie is in the database header and every connection's DDL bumps it.
    """

    def __init__(self) -> None:
        self._cached: tuple[int, SchemaMap] | None = None
        self._tables: tuple[int, dict[str, str]] | None = None

    def current(self, conn: apsw.Connection, version: int | None = None) -> SchemaMap:
        """The user schema of ``main`` now (a copy the caller may keep).

        ``version`` is the schema cookie when the caller has just read it.
        """
        return dict(self.peek(conn, version))

    def peek(self, conn: apsw.Connection, version: int | None = None) -> SchemaMap:
        """Like :meth:`current`, without the copy: the caller must not change it."""
        if version is None:
            version = int(conn.execute("PRAGMA main.schema_version").get)
        if self._cached is None or self._cached[0] != version:
            self._cached = (version, snapshot(conn))
        return self._cached[1]

    def table_sql(self, conn: apsw.Connection, version: int) -> dict[str, str]:
        """``{table: CREATE sql}`` at schema cookie ``version`` (shared: do not change it)."""
        if self._tables is None or self._tables[0] != version:
            self._tables = (version, tables(self.peek(conn, version)))
        return self._tables[1]


def entries(schema: Mapping[tuple[str, str], SchemaEntry]) -> list[SchemaEntry]:
    """The entries in a stable order (as stored in schema objects)."""
    return sorted(schema.values(), key=lambda e: (_CREATE_ORDER.get(e[0], 9), e[1]))


def from_entries(items: Iterable[Iterable[str]]) -> SchemaMap:
    """A schema map from stored entries."""
    out: SchemaMap = {}
    for item in items:
        kind, name, table, sql = (str(x) for x in item)
        out[(kind, name)] = (kind, name, table, sql)
    return out


def tables(schema: Mapping[tuple[str, str], SchemaEntry]) -> dict[str, str]:
    """``{table name: CREATE sql}`` of a schema map."""
    return {e[1]: e[3] for e in schema.values() if e[0] == "table"}


def diff_step(before: SchemaMap, after: SchemaMap) -> SchemaStep | None:
    """The schema step from ``before`` to ``after`` (None when equal).

    A table that is created, dropped or redefined takes its indexes and
    triggers with it on both sides, since dropping a table drops them.
    """
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    if not changed:
        return None
    recreated = {k[1] for k in changed if k[0] == "table"}
    chosen = changed | {k for side in (before, after) for k, e in side.items() if e[2] in recreated}
    return SchemaStep(
        tuple(entries({k: before[k] for k in chosen if k in before})),
        tuple(entries({k: after[k] for k in chosen if k in after})),
    )


def apply_step(
    conn: apsw.Connection, drop: Iterable[SchemaEntry], create: Iterable[SchemaEntry]
) -> None:
    """Drop the ``drop`` side's objects, then create the ``create`` side's.

    The tables involved are empty (rows steps emptied them), so nothing is lost.
    """
    for kind, name, _table, _sql in sorted(drop, key=lambda e: -_CREATE_ORDER.get(e[0], 9)):
        conn.execute(f"DROP {kind.upper()} IF EXISTS main.{quote_identifier(name)}")
    for _kind, _name, _table, sql in sorted(create, key=lambda e: _CREATE_ORDER.get(e[0], 9)):
        conn.execute(sql)


# -- table layout --------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How a table's rows appear in changesets.

    Attributes:
        table: The table name.
        columns: Column names in changeset order (``rowid`` first when implicit).
        key: Positions of the primary-key values in a changeset row.
        implicit_rowid: The table has no explicit primary key (tracked by rowid).
        nullable_key: Primary-key columns that may hold NULL (a SQLite quirk of rowid
            tables): the session extension ignores such rows, so history refuses them.
    """

    table: str
    columns: tuple[str, ...]
    key: tuple[int, ...]
    implicit_rowid: bool
    nullable_key: tuple[str, ...] = ()

    def null_key_check(self) -> str | None:
        """A query returning a row when some primary-key value is NULL (None: cannot be)."""
        if not self.nullable_key:
            return None
        test = " OR ".join(f"{quote_identifier(c)} IS NULL" for c in self.nullable_key)
        return f"SELECT 1 FROM main.{quote_identifier(self.table)} WHERE {test} LIMIT 1"

    @property
    def select_list(self) -> str:
        """The SELECT list giving rows in changeset order."""
        return ", ".join(
            "rowid" if self.implicit_rowid and i == 0 else quote_identifier(c)
            for i, c in enumerate(self.columns)
        )

    def key_where(self) -> str:
        """``WHERE`` text matching one row by its key values (bound in column order)."""
        names = [
            "rowid" if self.implicit_rowid and i == 0 else quote_identifier(self.columns[i])
            for i in sorted(self.key)
        ]
        return " AND ".join(f"{n} IS ?" for n in names)


_WRITE_OPS = frozenset((apsw.SQLITE_INSERT, apsw.SQLITE_UPDATE, apsw.SQLITE_DELETE))
Authorized = tuple[int, str | None, str | None, str | None]


def authorized(
    conn: apsw.Connection, sql: str, ops: frozenset[int], params: Any = None
) -> list[Authorized]:
    """The authorizer's calls for ``ops`` while ``sql`` is prepared (as ``EXPLAIN``, not run).

    Each is ``(op, arg1, arg2, database)``; triggers' writes and foreign-key actions'
    are among them (SQLite codes them into the statement).

    Example:
        >>> authorized(conn, "DROP TABLE t", frozenset({apsw.SQLITE_DROP_TABLE}))  # doctest: +SKIP
        [(11, 't', None, 'main')]
    """
    found: list[Authorized] = []
    previous = conn.authorizer

    def note(op: int, arg1: str | None, arg2: str | None, db: str | None, trig: str | None) -> int:
        if op in ops:
            found.append((op, arg1, arg2, db))
        return previous(op, arg1, arg2, db, trig) if previous else apsw.SQLITE_OK

    conn.authorizer = note
    try:
        conn.cursor().execute(sql, params, can_cache=False, explain=1)
    except (apsw.Error, KeyError, TypeError, ValueError):
        pass  # unbound parameters: the statement was prepared, the authorizer has spoken
    finally:
        conn.authorizer = previous
    return found


def statement_writes(conn: apsw.Connection, sql: str) -> frozenset[tuple[int, str, str | None]]:
    """What a statement writes: ``(op, table, database)`` (see :func:`authorized`)."""
    return frozenset((op, a1, db) for op, a1, _, db in authorized(conn, sql, _WRITE_OPS) if a1)


def layout(conn: apsw.Connection, table: str) -> Layout:
    """The changeset layout of ``table`` in ``main``."""
    info = list(conn.execute(f"PRAGMA main.table_info({quote_identifier(table)})"))
    if not info:
        raise HistoryError(f"no such table: {table}")
    names = [str(row[1]) for row in info]
    pk = sorted((row[5], i) for i, row in enumerate(info) if row[5])
    without_rowid = bool(
        conn.execute(
            "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?", (table,)
        ).get
    )
    if pk:
        key = tuple(i for _, i in pk)
        alias = len(key) == 1 and str(info[key[0]][2]).upper() == "INTEGER"
        nullable = () if without_rowid or alias else tuple(names[i] for i in key if not info[i][3])
        return Layout(table, tuple(names), key, False, nullable)
    if without_rowid:
        raise HistoryError(f"table {table} has no primary key")
    return Layout(table, ("rowid", *names), (0,), True)


_LAYOUTS: dict[tuple[str, str], Layout] = {}


def cached_layout(conn: apsw.Connection, table: str, create_sql: str) -> Layout:
    """:func:`layout`, remembered by the table's CREATE statement (which determines it)."""
    if not create_sql:
        return layout(conn, table)
    key = (table, create_sql)
    found = _LAYOUTS.get(key)
    if found is None:
        if len(_LAYOUTS) > 512:
            _LAYOUTS.clear()
        found = _LAYOUTS[key] = layout(conn, table)
    return found


def layout_from_sql(create_sql: str, table: str) -> Layout:
    """The layout a ``CREATE TABLE`` statement gives (read from a scratch database)."""
    scratch = apsw.Connection(":memory:")
    try:
        scratch.execute(create_sql)
        return layout(scratch, table)
    finally:
        scratch.close()


# -- images ------------------------------------------------------------------


def check_null_keys(conn: apsw.Connection, table: str, create_sql: str = "") -> None:
    """Refuse rows whose primary key holds NULL: history could not see them.

    Raises:
        HistoryError: Some row of ``table`` has a NULL primary-key value.
    """
    found = cached_layout(conn, table, create_sql) if create_sql else layout(conn, table)
    query = found.null_key_check()
    if query is not None and conn.execute(query).get is not None:
        columns = ", ".join(found.nullable_key)
        raise HistoryError(
            f"table {table} has a row with NULL in its primary key ({columns}), "
            "which history cannot track",
            hint=f"declare {columns} NOT NULL (or use an INTEGER PRIMARY KEY) and fix those rows",
        )


def require_twin_name(conn: apsw.Connection, table: str, what: str) -> None:
    """Refuse when ``temp`` already has a table named ``table`` (a twin is made there).

    Raises:
        HistoryError: ``what`` cannot be done, and why.
    """
    if conn.execute(
        "SELECT 1 FROM temp.sqlite_schema WHERE type = 'table' AND name = ?", (table,)
    ).get:
        raise HistoryError(
            f"{what}: a temporary table has the same name",
            hint=f"drop the temporary table {table}, then run the command again",
        )


def table_image(conn: apsw.Connection, table: str, create_sql: str) -> bytes:
    """Every row of ``main.table`` as an insert changeset (built in C by a session diff).

    An empty twin of the table is created in ``temp`` for the diff and dropped again.
    """
    prefix = "CREATE TABLE "
    if not create_sql.upper().startswith(prefix):
        raise HistoryError(f"cannot record rows of {table}: not an ordinary table")
    require_twin_name(conn, table, f"cannot record rows of {table}")
    check_null_keys(conn, table, create_sql)
    conn.execute("CREATE TEMP TABLE " + create_sql[len(prefix) :])
    try:
        session = apsw.Session(conn, "main")
        session.config(apsw.SQLITE_SESSION_OBJCONFIG_ROWID, 1)
        session.attach(table)
        session.diff("temp", table)
        image = bytes(session.changeset())
        session.close()
    finally:
        conn.execute(f"DROP TABLE temp.{quote_identifier(table)}")
    return image
