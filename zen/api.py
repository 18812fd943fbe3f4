"""The public Python API: ``zen.open(path)`` returns a :class:`Database`.

Front ends (CLI, shell, TUI) use only this module.

Example:
    >>> import zen
    >>> db = zen.open(":memory:")
    >>> db.script("create table users(id integer primary key, name text)")
    0
    >>> db.sql("insert into users(name) values (?)", ["ada"]).changes
    1
    >>> [row for row in db.sql("select name from users")]
    [('ada',)]
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from zen.engine import catalog
from zen.engine.catalog import Column, SchemaObject
from zen.engine.connection import MEMORY
from zen.engine.core import Engine, Params, Result
from zen.engine.errors import UsageError
from zen.engine.interrupt import InterruptGuard

if TYPE_CHECKING:
    from zen.engine.expert import IndexAdvice
    from zen.engine.plan import QueryPlan
    from zen.engine.statements import Statement
    from zen.history.attach import LazyHistory
    from zen.history.history import History, Policy
    from zen.io.exporter import ExportFormat
    from zen.io.importer import ImportReport
    from zen.vector.index import VectorIndex
    from zen.vector.manager import VectorLayer

_HISTORY_SQL = re.compile(r"\bas\s+of\b|zen_", re.IGNORECASE)
_AS_OF = re.compile(r"\bas\s+of\b", re.IGNORECASE)
_PLAIN_CACHE = 512


def _never_rewritten(sql: str) -> bool:
    """True when ``sql`` cannot hold ``AS OF`` or a ``zen_`` function (no rewrite needed)."""
    low = sql.lower()
    return "zen_" not in low and "of" not in low


class Database:
    """An open zen database.

    Args:
        path: File path, or ``:memory:``.
        read_only: Deny every write (SQLITE_OPEN_READONLY plus an authorizer).
        create: Create the file when it does not exist.
        dialect: Default SQL dialect of the text passed to :meth:`sql` and friends
            (``postgres``, ``mysql``, ``duckdb``...), transpiled to SQLite.

    Example:
        >>> with zen.open("app.db") as db:  # doctest: +SKIP
        ...     for name, in db.sql("select name from users"):
        ...         print(name)
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = MEMORY,
        *,
        read_only: bool = False,
        create: bool = True,
        dialect: str | None = None,
    ) -> None:
        self.engine = Engine(path, read_only=read_only, create=create)
        self.dialect = dialect
        # SQL text -> its one Statement, for texts no rewrite can touch (the hot path).
        self._plain: dict[str, Statement] = {}
        self._closed = False
        from zen.history.attach import attach as attach_history
        from zen.vector import attach  # one schema look-up; numpy and annoy stay unloaded

        attach(self.engine)
        self._history: LazyHistory | None = attach_history(self.engine)
        self.engine.function_resolver = _plugin_functions(self.engine)

    @property
    def path(self) -> str:
        """The database file's path (``:memory:`` for an in-memory one)."""
        return self.engine.path

    @property
    def read_only(self) -> bool:
        """True when the database was opened read-only."""
        return self.engine.read_only

    # -- SQL ---------------------------------------------------------------------

    def sql(self, sql: str, params: Params = None, *, dialect: str | None = None) -> Result:
        """Run one statement and return its result; rows stream as you iterate.

        Example:
            >>> db.sql("select :n * 2", {"n": 21}).scalar()  # doctest: +SKIP
            42
        """
        if dialect is None and self.dialect is None:
            statement = self._plain.get(sql)
            if statement is not None:
                return self.engine.execute(statement, params)
            if _never_rewritten(sql):
                return self.engine.execute(self._remember(sql), params)
        return self.engine.query(self.to_sqlite(sql, dialect), params)

    def _remember(self, sql: str) -> Statement:
        statement = self.engine.statement(sql)
        if len(self._plain) >= _PLAIN_CACHE:
            self._plain.clear()
        self._plain[sql] = statement
        return statement

    def run(
        self, sql: str, params: Params = None, *, dialect: str | None = None
    ) -> Iterator[Result]:
        """Run a script, yielding each statement's result in turn.

        Several statements run in one transaction, committed once the last
        result has been read and rolled back on any error.
        """
        return self.engine.run(self.to_sqlite(sql, dialect), params)

    def script(self, sql: str, params: Params = None, *, dialect: str | None = None) -> int:
        """Run a script to the end, atomically; returns the number of rows changed."""
        return self.engine.script(self.to_sqlite(sql, dialect), params)

    def executemany(self, sql: str, rows: Iterable[Any]) -> int:
        """Run one INSERT/UPDATE/DELETE for every parameter set, atomically.

        The fast way to load many rows: they go through SQLite's C loop, and with
        history on, a long INSERT is recorded by rowid range (see
        ``docs/architecture.md``, *Bulk inserts*). Returns the rows changed.

        Example:
            >>> people = [("ada",), ("linus",)]
            >>> db.executemany("insert into t(name) values (?)", people)  # doctest: +SKIP
            2
        """
        return self.engine.executemany(sql, rows)

    def to_sqlite(self, sql: str, dialect: str | None = None) -> str:
        """``sql`` transpiled from ``dialect`` (or the database's default) to SQLite.

        ``t AS OF 'ref'`` is rewritten to read the table's state at that revision, and
        the ``zen_log``/``zen_status``/``zen_diff``/``zen_history`` functions are
        registered, when the text mentions them (history databases).
        """
        sql = self._with_history(sql)
        chosen = dialect or self.dialect
        if not chosen or chosen.lower() == "sqlite":
            return sql
        from zen.engine.dialect import transpile

        return transpile(sql, chosen)

    def _with_history(self, sql: str) -> str:
        if _never_rewritten(sql):  # the usual case, without a regex
            return sql
        if not _HISTORY_SQL.search(sql):
            return sql
        if self._history is None:
            if _AS_OF.search(sql):
                from zen.history.asof import find_references

                if find_references(sql):
                    from zen.history.errors import NotInitializedError

                    raise NotInitializedError(self.path)
            return sql
        from zen.history.sqlext import prepare

        return prepare(self.history, sql)

    def transaction(self) -> AbstractContextManager[None]:
        """A context that commits on success and rolls back on error (nestable)."""
        return self.engine.transaction()

    def interruptible(self) -> InterruptGuard:
        """A context in which Ctrl-C cancels the running statement."""
        return self.engine.interruptible()

    def interrupt(self) -> None:
        """Cancel the running statement (callable from another thread)."""
        self.engine.interrupt()

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open (the user's ``BEGIN`` or zen's own)."""
        return self.engine.in_transaction

    def query_plan(self, sql: str, *, dialect: str | None = None) -> QueryPlan:
        """How SQLite would run ``sql`` (``EXPLAIN QUERY PLAN``); nothing runs.

        Example:
            >>> print(db.query_plan("select * from users where id = 1").render())  # doctest: +SKIP
            QUERY PLAN
            `--SEARCH users USING INTEGER PRIMARY KEY (rowid=?)
        """
        from zen.engine.plan import query_plan

        return query_plan(self.engine.conn, self.to_sqlite(sql, dialect))

    def suggest_indexes(self, sql: str, *, dialect: str | None = None) -> IndexAdvice:
        """Indexes that would change the plan of ``sql`` (like sqlite3's ``.expert``).

        Example:
            >>> db.suggest_indexes("select * from users where email = ?").indexes  # doctest: +SKIP
            ['CREATE INDEX "users_idx_3f984f7a" ON "users"("email");']
        """
        from zen.engine.expert import suggest_indexes

        return suggest_indexes(self.engine.conn, self.to_sqlite(sql, dialect))

    # -- schema ------------------------------------------------------------------

    def tables(self, *, views: bool = True) -> list[str]:
        """Names of the user's tables (and views); zen's own ``_zen_*`` are hidden."""
        return catalog.table_names(self.engine.conn, views=views)

    def objects(self) -> list[SchemaObject]:
        """Every user schema object: tables, views, indexes, triggers."""
        return catalog.objects(self.engine.conn)

    def table(self, name: str) -> str:
        """The exact name of table ``name``; raises with a hint when it does not exist."""
        return catalog.resolve_table(self.engine.conn, name)

    def columns(self, table: str) -> list[Column]:
        """The columns of ``table``."""
        return catalog.columns(self.engine.conn, self.table(table))

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        return catalog.row_count(self.engine.conn, self.table(table))

    def schema(self, table: str | None = None) -> str:
        """The DDL of the whole database, or of one table with its indexes and triggers."""
        return catalog.schema_sql(self.engine.conn, table)

    def dump(self, tables: list[str] | None = None) -> Iterator[str]:
        """The SQL that rebuilds the database (or ``tables``), one statement at a time.

        Reads one consistent snapshot; rows stream, so memory stays flat.

        Example:
            >>> for line in db.dump(["users"]):  # doctest: +SKIP
            ...     print(line)
        """
        from zen.engine.dump import dump_sql

        names = [self.table(name) for name in tables] if tables else None
        with self.engine.transaction(write=False):
            yield from dump_sql(self.engine.conn, names)

    # -- vectors -------------------------------------------------------------------

    def vector(self, table: str) -> VectorIndex:
        """The vector index of ``table``.

        Example:
            >>> docs = db.vector("docs")  # doctest: +SKIP
            >>> docs.search([0.1, 0.2, 0.3], k=10, where="lang = 'en'")  # doctest: +SKIP
        """
        return self.vectors.index(table)

    @property
    def vectors(self) -> VectorLayer:
        """Create, list, drop and inspect vector indexes."""
        from zen.vector import layer

        return layer(self.engine)

    # -- history -------------------------------------------------------------------

    @property
    def has_history(self) -> bool:
        """True when history is enabled (every write transaction is recorded)."""
        return self._history is not None

    @property
    def history(self) -> History:
        """Commits, log, status, diff, rewind, tags: see :class:`zen.history.History`.

        Example:
            >>> db.history.commit("load customers")  # doctest: +SKIP
            >>> [e.commit.message for e in db.history.log(n=1)]  # doctest: +SKIP
            ['load customers']

        Raises:
            NotInitializedError: History is not enabled (see :meth:`enable_history`).
        """
        if self._history is None:
            from zen.history.errors import NotInitializedError

            raise NotInitializedError(self.path)
        return self._history.get()

    def enable_history(
        self, *, policy: Policy = "transaction", author: str | None = None
    ) -> History:
        """Start recording history: a root commit of the current state, then capture.

        Args:
            policy: ``transaction`` (every write transaction is a commit) or
                ``explicit`` (only :meth:`History.commit` makes commits).
            author: Default author of commits (else ``$ZEN_AUTHOR``, git's user, ``$USER``).

        Example:
            >>> db.enable_history(policy="explicit")  # doctest: +SKIP

        Raises:
            HistoryError: History is already enabled.
        """
        from zen.history.attach import attach as attach_history
        from zen.history.history import History

        History.init(self.engine, policy=policy, author=author, observe=False)
        self._history = attach_history(self.engine)
        return self.history

    # -- import / export ------------------------------------------------------------

    def import_file(
        self,
        table: str,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        pk: list[str] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Load a CSV, TSV, JSON array or JSON-lines file into ``table``, atomically.

        Column types are inferred when the table is created. A malformed row
        raises :class:`~zen.engine.errors.DataFormatError` naming file, line and
        column, and leaves the table as it was.

        Args:
            table: Target table; created when it does not exist.
            path: The file to read.
            format: ``csv``, ``tsv``, ``json`` or ``jsonl``; guessed from the suffix.
            pk: Primary-key column(s) for a new table.
            progress: Called with the number of bytes read so far.
        """
        from zen.io.importer import import_file

        functions = self._vector_columns(table)
        with self._labelled(f"import {Path(path).name} into {table}"):
            return import_file(
                self.engine,
                table,
                Path(path),
                fmt=format,
                pk=pk,
                progress=progress,
                functions=functions,
            )

    def _vector_columns(self, table: str) -> dict[str, str]:
        """``{column: "vec"}`` for ``table``'s vector indexes: JSON arrays become BLOBs."""
        from zen.vector import attach
        from zen.vector.store import load_specs

        specs = [s for s in load_specs(self.engine.conn) if s.table.lower() == table.lower()]
        if specs:
            attach(self.engine)  # vec() is registered with the index's functions
        return {spec.column: "vec" for spec in specs}

    def _labelled(self, message: str) -> AbstractContextManager[None]:
        """With history, the transactions run inside are recorded with ``message``."""
        if self._history is None:
            from contextlib import nullcontext

            return nullcontext()
        return self.history.labelled(message)

    def export(
        self,
        out: IO[str],
        *,
        table: str | None = None,
        query: str | None = None,
        format: ExportFormat = "csv",
    ) -> int:
        """Stream a table or a query's rows to ``out``; returns the number of rows.

        Example:
            >>> import sys
            >>> db.export(sys.stdout, table="users", format="jsonl")  # doctest: +SKIP
        """
        from zen.io.exporter import export_rows

        return export_rows(self._export_result(table, query), out, format)

    def export_parquet(
        self, path: str | os.PathLike[str], *, table: str | None = None, query: str | None = None
    ) -> int:
        """Stream a table or a query's rows into a Parquet file (needs pyarrow).

        Rows are written one row group per 32,768, so memory stays flat; a file
        that fails half-way is removed.

        Example:
            >>> db.export_parquet("users.parquet", table="users")  # doctest: +SKIP
            1000
        """
        from zen.io.parquet import require_parquet, write_parquet

        require_parquet()
        result = self._export_result(table, query)
        if not result.has_rows:
            result.drain()
            raise UsageError(
                "the statement returns no rows to export", hint="export a table or a SELECT"
            )
        return write_parquet(result.columns, result.decltypes, result, Path(path))

    def _export_result(self, table: str | None, query: str | None) -> Result:
        if (table is None) == (query is None):
            raise UsageError("export needs a table or a query, not both")
        if table is not None:
            return self.sql(f"SELECT * FROM {catalog.quote_identifier(self.table(table))}")
        return self.sql(query or "")

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        """Close the database (making the autocommits history still owes first).

        Closing a closed database does nothing.
        """
        if self._closed:
            return
        if self._history is not None and self._history.loaded:
            self._history.get().flush()
        self.engine.close()
        self._closed = True

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = ", read_only=True" if self.read_only else ""
        return f"<zen.Database {self.path!r}{mode}>"


def _plugin_functions(engine: Engine) -> Callable[[str], bool]:
    def resolve(name: str) -> bool:
        from zen.plugins import provide_sql_function

        return provide_sql_function(engine.conn, name)

    return resolve


@dataclass(frozen=True)
class InitReport:
    """What :func:`init` did."""

    path: Path
    created: bool
    project_file: Path | None
    history_enabled: bool = False


def init(
    path: str | os.PathLike[str],
    *,
    project: bool = True,
    history: bool = True,
    policy: Policy = "transaction",
    author: str | None = None,
) -> InitReport:
    """Create a database file with zen's defaults (WAL), history, and a ``zen.toml``.

    On an existing database it enables history if it was not enabled (the root
    commit records the current state); running it again changes nothing.

    Args:
        path: The database file to create (or an existing one).
        project: Also write ``zen.toml`` (``database = "..."``) in the file's folder,
            so commands run there find the database without ``--db``.
        history: Enable history (commits, log, diff, rewind).
        policy: History's autocommit policy: ``transaction`` or ``explicit``.
        author: Default commit author stored in the database.

    Example:
        >>> zen.init("app.db")  # doctest: +SKIP
        InitReport(path=PosixPath('app.db'), created=True, project_file=PosixPath('zen.toml'))
    """
    from zen.engine.locate import write_project_file

    target = Path(path)
    created = not target.exists()
    enabled = False
    with Database(target, create=True) as db:
        if history and not db.has_history:
            db.enable_history(policy=policy, author=author)
            enabled = True
    written = write_project_file(target.parent, target) if project else None
    return InitReport(target, created, written, enabled)


def open(
    path: str | os.PathLike[str] = MEMORY,
    *,
    read_only: bool = False,
    create: bool = True,
    dialect: str | None = None,
) -> Database:
    """Open (or create) a SQLite database with zen's defaults.

    Example:
        >>> db = zen.open(":memory:")
        >>> db.sql("select sqlite_version() is not null").scalar()
        1
    """
    return Database(path, read_only=read_only, create=create, dialect=dialect)
