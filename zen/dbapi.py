"""A PEP 249 (DB-API 2.0) driver over zen: ``zen.connect(path)``.

Application code written for the stdlib ``sqlite3`` module (and SQLAlchemy, see
:mod:`zen.sqlalchemy`) runs unchanged, but every statement goes through a
:class:`zen.Database`, so when the database has history every committed
transaction is recorded.

Transactions follow ``sqlite3``'s default (legacy) mode: an INSERT, UPDATE,
DELETE or REPLACE opens a transaction (through zen's engine, so history sees
it; ``BEGIN IMMEDIATE``, as the statement takes the write lock anyway),
:meth:`Connection.commit` commits it (one history record per commit), and
other statements (DDL included) run inside an open transaction or, when none
is open, on their own. ``isolation_level=None`` (or ``autocommit=True``) opens
no transaction implicitly; :meth:`Connection.begin` opens one with the next
statement, whatever it is.

Errors follow ``sqlite3``'s mapping (a constraint violation is an
:class:`IntegrityError`, a syntax error or a missing table an
:class:`OperationalError`, a closed connection a :class:`ProgrammingError`);
every :class:`Error` is also a :class:`zen.ZenError` carrying zen's message
and hint.

Example:
    >>> import zen
    >>> conn = zen.connect(":memory:")
    >>> _ = conn.execute("create table t(id integer primary key, name text)")
    >>> conn.executemany("insert into t(name) values (?)", [("ada",), ("linus",)]).rowcount
    2
    >>> conn.commit()
    >>> conn.execute("select name from t where id = :id", {"id": 2}).fetchone()
    ('linus',)
    >>> conn.close()
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

import apsw

from zen._dbapi_types import (  # noqa: F401 (re-exported: PEP 249 names)
    _CLOSED_CURSOR,
    _CLOSED_DB,
    _TRANSLATED,
    BINARY,
    DATETIME,
    NUMBER,
    ROWID,
    STRING,
    Binary,
    DatabaseError,
    DataError,
    Date,
    DateFromTicks,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
    Warning,
    _convert_binding,
    _translate,
)
from zen.api import Database
from zen.engine.catalog import quote_identifier
from zen.engine.core import Engine, Result
from zen.engine.statements import Statement, strip_leading_comments

apilevel = "2.0"
threadsafety = 1  # threads may share the module, not connections
paramstyle = "qmark"  # named (:name) parameters are accepted too, as in sqlite3
sqlite_version: str = apsw.sqlite_lib_version()
sqlite_version_info: tuple[int, ...] = tuple(int(part) for part in sqlite_version.split("."))

Row = tuple[Any, ...]
RowFactory = Callable[["Cursor", Row], Any]

# -- statements ---------------------------------------------------------------------------

_DML = re.compile(r"(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_DML_ANYWHERE = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_WITH = re.compile(r"WITH\b", re.IGNORECASE)
_ENDS_OR_BEGINS = re.compile(r"(BEGIN|COMMIT|END|ROLLBACK)\b", re.IGNORECASE)
_LEVELS = {"": "DEFERRED"} | {name: name for name in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")}


@lru_cache(maxsize=512)
def _is_dml(sql: str) -> bool:
    """True for statements that change rows (and open a transaction, as in sqlite3)."""
    head = strip_leading_comments(sql)
    if _DML.match(head):
        return True
    return bool(_WITH.match(head)) and bool(_DML_ANYWHERE.search(head))


@lru_cache(maxsize=512)
def _begin_mode(sql: str, level: str | None) -> str | None:
    """How a transaction started for ``sql`` begins; None when ``sql`` itself begins or ends one.

    A statement that writes takes the write lock at BEGIN (IMMEDIATE): a
    DEFERRED transaction would first read (history reads the schema when it
    begins) and could then fail to upgrade, without waiting, if another
    connection committed in between.
    """
    statement = Statement(sql, 0)
    if _ENDS_OR_BEGINS.match(strip_leading_comments(sql)):
        return None
    if level == "EXCLUSIVE":
        return level
    writes = _is_dml(sql) or not statement.looks_read_only
    return "IMMEDIATE" if writes or level == "IMMEDIATE" else "DEFERRED"


def _bindings(parameters: Any) -> Sequence[Any] | dict[str, Any]:
    if isinstance(parameters, tuple | list | dict):
        return parameters
    if isinstance(parameters, Mapping):
        return dict(parameters)
    if isinstance(parameters, Sequence) and not isinstance(parameters, str | bytes):
        return tuple(parameters)
    raise ProgrammingError(
        f"SQL parameters must be a sequence or a mapping, not {type(parameters).__name__}",
        hint="pass a tuple for ? placeholders or a dict for :name ones",
    )


def _level(isolation_level: str | None) -> str | None:
    if isolation_level is None:
        return None
    level = _LEVELS.get(isolation_level.upper())
    if level is None:
        raise ProgrammingError(
            f"unknown isolation_level {isolation_level!r}",
            hint="use DEFERRED, IMMEDIATE, EXCLUSIVE, or None for autocommit",
        )
    return level


# -- connection ---------------------------------------------------------------------------


class Connection:
    """A DB-API connection running every statement through a :class:`zen.Database`.

    Create it with :func:`connect`. Besides PEP 249 it has sqlite3's
    ``execute``/``executemany``/``executescript`` shortcuts, ``in_transaction``,
    ``isolation_level``, ``autocommit``, ``row_factory``, ``total_changes`` and
    ``create_function``; :attr:`database` is the underlying :class:`zen.Database`.

    Example:
        >>> with zen.connect("app.db") as conn:  # doctest: +SKIP
        ...     conn.execute("update users set age = age + 1")  # committed on exit
    """

    def __init__(
        self, database: Database, *, isolation_level: str | None, timeout: float | None
    ) -> None:
        self._db: Database | None = database
        self._eng: Engine | None = database.engine  # None once closed
        self._level = _level(isolation_level)
        self._pending = False  # begin() was called: the next statement opens a transaction
        self.row_factory: RowFactory | None = None
        database.engine.conn.convert_binding = _convert_binding
        if timeout is not None:
            database.engine.conn.set_busy_timeout(max(0, int(timeout * 1000)))

    # -- state -------------------------------------------------------------------------

    @property
    def database(self) -> Database:
        """The :class:`zen.Database` underneath (history, schema, import/export...)."""
        if self._db is None:
            raise ProgrammingError(_CLOSED_DB)
        return self._db

    @property
    def _engine(self) -> Engine:
        engine = self._eng
        if engine is None:
            raise ProgrammingError(_CLOSED_DB)
        return engine

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._db is None

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open (until commit or rollback)."""
        return self._engine.in_transaction

    @property
    def isolation_level(self) -> str | None:
        """The BEGIN mode of implicit transactions, or None: no implicit transactions.

        Setting it to None commits an open transaction, as sqlite3 does.
        """
        return self._level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        level = _level(value)
        if level is None and self.in_transaction:
            self.commit()
        self._level = level

    @property
    def autocommit(self) -> bool:
        """True when no transaction is opened implicitly (``isolation_level`` None)."""
        return self._level is None

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        self.isolation_level = None if value else (self._level or "DEFERRED")

    @property
    def total_changes(self) -> int:
        """Rows inserted, updated or deleted since the connection opened."""
        return int(self._engine.conn.total_changes())

    # -- transactions ------------------------------------------------------------------------

    def begin(self) -> None:
        """Start a transaction with the next statement, whatever it is (zen extension).

        It begins IMMEDIATE when that statement writes, DEFERRED when it reads
        (unless ``isolation_level`` says otherwise). :mod:`zen.sqlalchemy` calls
        this when SQLAlchemy begins a transaction.
        """
        self._pending = not self._engine.in_transaction

    def commit(self) -> None:
        """Commit the open transaction (a history record when history is on); else nothing."""
        self._pending = False
        if self.in_transaction:
            self._run_control("COMMIT")

    def rollback(self) -> None:
        """Roll back the open transaction, if any."""
        self._pending = False
        if self.in_transaction:
            self._run_control("ROLLBACK")

    def _run_control(self, sql: str) -> None:
        with _TRANSLATED:
            self._engine.query(sql).drain()

    def _start(self, sql: str, dml: bool) -> None:
        """Open the transaction ``sql`` runs in: the one :meth:`begin` asked for, or
        sqlite3's implicit one before a DML statement (unless in autocommit mode)."""
        pending, self._pending = self._pending, False
        if not (pending or (dml and self._level is not None)) or self._engine.in_transaction:
            return
        mode = _begin_mode(sql, self._level)
        if mode is not None:
            self._run_control(f"BEGIN {mode}")

    # -- statements ---------------------------------------------------------------------------

    def cursor(self, factory: Callable[[Connection], Cursor] | None = None) -> Cursor:
        """A new cursor (of ``factory``'s making, when given)."""
        self._check()
        return (factory or Cursor)(self)

    def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        """Shortcut: a new cursor's :meth:`Cursor.execute`."""
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any]) -> Cursor:
        """Shortcut: a new cursor's :meth:`Cursor.executemany`."""
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str) -> Cursor:
        """Shortcut: a new cursor's :meth:`Cursor.executescript`."""
        return self.cursor().executescript(sql_script)

    def create_function(
        self, name: str, narg: int, func: Callable[..., Any] | None, *, deterministic: bool = False
    ) -> None:
        """Register (or, with ``func`` None, remove) a SQL function, as in sqlite3."""
        self._check()
        self._engine.conn.create_scalar_function(name, func, narg, deterministic=deterministic)

    def interrupt(self) -> None:
        """Cancel the running statement (callable from another thread)."""
        self._engine.interrupt()

    # -- lifecycle -------------------------------------------------------------------------------

    def _check(self) -> None:
        if self._eng is None:
            raise ProgrammingError(_CLOSED_DB)

    def close(self) -> None:
        """Close the connection; an uncommitted transaction is rolled back."""
        if self._db is None:
            return
        try:
            self.rollback()
        finally:
            self._db.close()
            self._db = self._eng = None

    def __enter__(self) -> Connection:
        self._check()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        """Commit on success, roll back on an exception; the connection stays open."""
        if exc_type is not None:
            self.rollback()
            return
        try:
            self.commit()
        except BaseException:
            self.rollback()
            raise

    def __repr__(self) -> str:
        state = "closed" if self._db is None else repr(self._db.path)
        return f"<zen.dbapi.Connection {state}>"


# -- cursor -------------------------------------------------------------------------------

Description = tuple[tuple[str, str | None, None, None, None, None, None], ...]


class Cursor:
    """A DB-API cursor: runs statements and fetches their rows as they stream.

    Attributes:
        connection: The cursor's :class:`Connection`.
        description: One 7-tuple per result column (name, declared type, then
            five Nones), or None when the last statement returned no rows.
        rowcount: Rows changed by the last INSERT/UPDATE/DELETE/REPLACE (summed over
            :meth:`executemany`), -1 for other statements.
        lastrowid: The rowid of the last inserted row, or None.
        arraysize: Default number of rows :meth:`fetchmany` returns.
        row_factory: Called as ``row_factory(cursor, row)`` on every fetched row.

    Example:
        >>> cur = conn.cursor()  # doctest: +SKIP
        >>> cur.execute("select id, name from users where age > ?", (30,))  # doctest: +SKIP
        >>> [d[0] for d in cur.description], cur.fetchmany(2)  # doctest: +SKIP
        (['id', 'name'], [(1, 'ada'), (3, 'grace')])
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: Description | None = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self.row_factory: RowFactory | None = connection.row_factory
        self._result: Result | None = None
        self._rows: Iterator[Row] | None = None
        self._closed = False

    def _engine(self) -> Engine:
        if self._closed:
            raise ProgrammingError(_CLOSED_CURSOR)
        return self.connection._engine

    def _reset(self) -> None:
        if self._result is not None:
            self._result.close()
            self._result = self._rows = None
        self.description = None
        self.rowcount = -1

    def execute(self, operation: str, parameters: Any = ()) -> Cursor:
        """Run one statement with ``?`` or ``:name`` parameters; returns the cursor.

        Raises:
            ProgrammingError: Several statements, wrong parameters, closed cursor.
            IntegrityError: A constraint was violated.
            OperationalError: SQLite could not run the statement.
        """
        engine = self._engine()
        self._reset()
        dml = _is_dml(operation)
        params = _bindings(parameters)
        if dml or self.connection._pending:
            self.connection._start(operation, dml)
        with _TRANSLATED:
            self._take(engine.query(operation, params), engine, dml)
        return self

    def _take(self, result: Result, engine: Engine, dml: bool) -> None:
        self._result = result
        changes = result.changes
        if result.has_rows:
            self.description = tuple(
                [
                    (name, decl, None, None, None, None, None)
                    for name, decl in zip(result.columns, result.decltypes, strict=True)
                ]
            )
            self._rows = iter(result)
            if dml and engine.in_transaction:
                # A pending RETURNING statement would make COMMIT fail: read its rows
                # now (the changes are all made already); the count is then final.
                self._rows = iter(list(self._rows))
                changes = int(engine.conn.changes())
        else:
            result.close()
        if dml:
            self.rowcount = changes
            self.lastrowid = int(engine.conn.last_insert_rowid())

    def executemany(self, operation: str, seq_of_parameters: Iterable[Any]) -> Cursor:
        """Run one DML statement for every parameter set, in one prepared statement.

        The sets run in APSW's C loop through the engine's ``executemany`` (history
        sees one statement; a long INSERT is recorded by rowid range), inside the
        transaction.

        Raises:
            ProgrammingError: The statement is not an INSERT/UPDATE/DELETE/REPLACE.
        """
        engine = self._engine()
        self._reset()
        if not _is_dml(operation):
            raise ProgrammingError(
                "executemany() can only execute DML statements",
                hint="use execute() for other statements",
            )
        sets = iter(seq_of_parameters)
        first = next(sets, None)
        self.rowcount = 0
        if first is None:
            return self
        self.connection._start(operation, True)
        with _TRANSLATED:
            if engine.in_transaction:
                self.rowcount = self._many(engine, operation, first, sets)
            else:  # autocommit: one transaction for the whole batch
                with engine.transaction():
                    self.rowcount = self._many(engine, operation, first, sets)
        self.lastrowid = int(engine.conn.last_insert_rowid())
        return self

    def _many(self, engine: Engine, sql: str, first: Any, rest: Iterator[Any]) -> int:
        return _run_many(engine, sql, itertools.chain([_bindings(first)], rest))

    def executescript(self, sql_script: str) -> Cursor:
        """Commit any open transaction, then run a script (atomically unless it has BEGIN)."""
        engine = self._engine()
        self._reset()
        self.connection.commit()
        with _TRANSLATED:
            engine.script(sql_script)
        return self

    # -- fetching ----------------------------------------------------------------------------

    def __iter__(self) -> Cursor:
        return self

    def __next__(self) -> Any:
        self._engine()
        rows = self._rows
        if rows is None:
            raise StopIteration
        with _TRANSLATED:
            row = next(rows)
        return row if self.row_factory is None else self.row_factory(self, row)

    def fetchone(self) -> Any:
        """The next row, or None when there are no more."""
        return next(self, None)

    def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` (default :attr:`arraysize`) more rows."""
        count = self.arraysize if size is None else size
        out = []
        for row in self:
            out.append(row)
            if len(out) >= count:
                break
        return out

    def fetchall(self) -> list[Any]:
        """Every remaining row."""
        self._engine()
        rows = self._rows
        if rows is None:
            return []
        with _TRANSLATED:
            found = list(rows)
        factory = self.row_factory
        return found if factory is None else [factory(self, row) for row in found]

    # -- the rest of PEP 249 -------------------------------------------------------------------

    def setinputsizes(self, sizes: Any) -> None:
        """Does nothing (allowed by PEP 249): SQLite needs no sizes."""

    def setoutputsize(self, size: int, column: int | None = None) -> None:
        """Does nothing (allowed by PEP 249)."""

    def close(self) -> None:
        """Finalise the statement; later use raises ProgrammingError."""
        if not self._closed and not self.connection.closed:
            self._reset()
        self._closed = True


def _run_many(engine: Engine, sql: str, sets: Iterator[Any]) -> int:
    """Run ``sql`` for each parameter set through the engine's ``executemany``.

    Returns the rows changed. Like sqlite3's rowcount, the count excludes rows
    written by triggers and foreign-key actions. When neither can fire, the change
    counter's growth is exact; otherwise each execution's own ``changes()`` is
    added up (slower: a Python call per row).
    """
    conn = engine.conn
    counted = None if _only_own_changes(conn) else [0, 0]  # executions, rows of finished ones
    trace = _counter(conn, counted) if counted is not None else None
    run = engine.many_runner(sql, trace=trace)  # its errors: translated by the caller
    changed = engine.executemany(sql, sets, run=run, atomic=False)  # as sqlite3 does
    if counted is None:
        return changed
    return counted[1] + (int(conn.changes()) if counted[0] else 0)


def _counter(conn: apsw.Connection, counted: list[int]) -> Callable[..., bool]:
    def count(cursor: apsw.Cursor, statement: str, bindings: Any) -> bool:
        # changes() still holds the previous execution's count when the next one starts.
        if counted[0]:
            counted[1] += conn.changes()
        counted[0] += 1
        return True

    return count


def _only_own_changes(conn: apsw.Connection) -> bool:
    """True when no trigger can fire and no table has a foreign key (so no FK action)."""
    triggers = bool(conn.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, -1))
    where = "(type = 'table' AND sql LIKE '%REFERENCES%')"
    if triggers:
        where += " OR type = 'trigger'"
    for schema in conn.db_names():
        found = conn.execute(
            f"SELECT 1 FROM {quote_identifier(schema)}.sqlite_schema WHERE {where} LIMIT 1"
        ).get
        if found is not None:
            return False
    return True


def connect(
    database: str | os.PathLike[str] = ":memory:",
    *,
    read_only: bool = False,
    timeout: float | None = None,
    isolation_level: str | None = "DEFERRED",
    autocommit: bool = False,
) -> Connection:
    """Open a DB-API 2.0 connection to a SQLite file through zen.

    Every statement runs through a :class:`zen.Database`, so when the database
    has history each committed transaction is recorded.

    Args:
        database: File path, or ``:memory:``; the file is created when missing.
        read_only: Deny every write (the file must exist).
        timeout: Seconds to wait for another writer's lock (default: zen's, 5 s or
            ``$ZEN_BUSY_TIMEOUT``).
        isolation_level: ``DEFERRED``, ``IMMEDIATE`` or ``EXCLUSIVE``: how a transaction
            that starts with a read begins (one that starts with a write is IMMEDIATE,
            or EXCLUSIVE); None opens none implicitly (each statement commits on its own).
        autocommit: Same as ``isolation_level=None``.

    Returns:
        An open :class:`Connection`.

    Raises:
        OperationalError: The file cannot be opened.
        DatabaseError: The file is not a SQLite database.

    Example:
        >>> import zen
        >>> conn = zen.connect(":memory:")
        >>> conn.execute("select 40 + ?", (2,)).fetchone()
        (42,)
        >>> conn.close()
    """
    level = None if autocommit else _level(isolation_level)
    with _TRANSLATED:
        db = Database(database, read_only=read_only, create=not read_only)
    try:
        return Connection(db, isolation_level=level, timeout=timeout)
    except BaseException:
        db.close()
        raise
