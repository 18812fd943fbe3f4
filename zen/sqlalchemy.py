"""A SQLAlchemy dialect whose driver is :mod:`zen.dbapi`: ``create_engine("zen:///app.db")``.

It is SQLAlchemy's SQLite dialect (SQL, types, reflection are unchanged) with
zen's DB-API driver underneath, so every statement runs through a
:class:`zen.Database` and, when the database has history, each committed
SQLAlchemy transaction (a ``Session.commit()``, an ``engine.begin()`` block)
becomes one history record.

Transactions work as with the stock ``sqlite3`` driver: the SQLite
transaction starts at the first write (``BEGIN IMMEDIATE``, waiting for other
writers instead of failing) and reads before it see the latest committed data,
so concurrent read-then-write sessions never fail to upgrade a read lock. Two
things are better than stock: DDL opens the transaction too, so
``metadata.create_all`` is atomic (one history record), and a savepoint
(``Session.begin_nested()``) opened before any write is nested in a real
transaction instead of silently becoming one.

SQLAlchemy is optional: this module imports it, ``zen`` itself does not.

URLs: ``zen:///relative/app.db``, ``zen:////absolute/app.db``, ``zen://`` (memory);
query options ``timeout`` (seconds) and ``read_only`` (``true``/``false``).

Example:
    >>> from sqlalchemy import create_engine, text
    >>> engine = create_engine("zen:///app.db")  # doctest: +SKIP
    >>> with engine.begin() as conn:  # one transaction, one history record  # doctest: +SKIP
    ...     conn.execute(text("insert into users(name) values ('ada')"))
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import exc, util
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine.interfaces import (
    ConnectArgsType,
    DBAPIConnection,
    DBAPICursor,
    IsolationLevel,
)
from sqlalchemy.engine.url import URL

_MEMORY = ":memory:"


class ZenDialect(SQLiteDialect_pysqlite):
    """SQLAlchemy's SQLite dialect over :mod:`zen.dbapi` (driver name ``zen``).

    Registered under the names ``zen`` and ``sqlite.zen`` (``zen://`` and
    ``sqlite+zen://`` URLs) through the ``sqlalchemy.dialects`` entry point.

    Example:
        >>> from sqlalchemy.dialects import registry
        >>> registry.register("zen", "zen.sqlalchemy", "ZenDialect")
    """

    driver = "zen"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> ModuleType:
        """The DB-API module: :mod:`zen.dbapi`."""
        from zen import dbapi

        return dbapi

    def create_connect_args(self, url: URL) -> ConnectArgsType:
        """``zen.dbapi.connect`` arguments from a ``zen:///path?timeout=..`` URL."""
        if url.username or url.password or url.host or url.port:
            raise exc.ArgumentError(
                f"Invalid zen URL: {url}; use zen:///relative/app.db, "
                "zen:////absolute/app.db or zen:// (memory)"
            )
        options: dict[str, Any] = {}
        util.coerce_kw_type(url.query, "timeout", float, dest=options)
        util.coerce_kw_type(url.query, "read_only", bool, dest=options)
        unknown = sorted(set(url.query) - set(options))
        if unknown:
            raise exc.ArgumentError(
                f"unknown zen URL option(s): {', '.join(unknown)} (known: timeout, read_only)"
            )
        path = url.database or _MEMORY
        return ([path if path == _MEMORY else str(Path(path).resolve())], options)

    def get_isolation_level(self, dbapi_connection: DBAPIConnection) -> IsolationLevel:
        """SQLite's isolation (``PRAGMA read_uncommitted``), SERIALIZABLE when read-only.

        A read-only zen connection denies that pragma; without shared cache
        (zen never uses it) SQLite's isolation is serializable anyway.
        """
        if dbapi_connection.database.read_only:
            return "SERIALIZABLE"
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA read_uncommitted")
        row = cursor.fetchone()
        cursor.close()
        return "READ UNCOMMITTED" if row and row[0] else "SERIALIZABLE"

    def do_execute(
        self, cursor: DBAPICursor, statement: str, parameters: Any, context: Any = None
    ) -> None:
        """Run a statement; a DDL statement opens the transaction (DML does anyway)."""
        if context is not None and context.isddl:
            _begin(cursor.connection)
        cursor.execute(statement, parameters)

    def do_execute_no_params(
        self, cursor: DBAPICursor, statement: str, context: Any = None
    ) -> None:
        """:meth:`do_execute` without parameters."""
        if context is not None and context.isddl:
            _begin(cursor.connection)
        cursor.execute(statement)

    def do_savepoint(self, connection: Any, name: str) -> None:
        """Open a savepoint inside a transaction (opened now when none is)."""
        _begin(connection.connection)
        super().do_savepoint(connection, name)  # type: ignore[no-untyped-call]


def _begin(dbapi_connection: Any) -> None:
    """Make the next statement open a transaction, unless one is open or in autocommit."""
    if dbapi_connection.isolation_level is not None and not dbapi_connection.in_transaction:
        dbapi_connection.begin()


dialect = ZenDialect
