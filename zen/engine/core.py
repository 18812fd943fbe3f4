"""The engine: one SQLite connection, statements run one at a time, rows streamed.

Every front end and every layer above runs SQL through :class:`Engine`, so
transactions, error translation and interruption behave the same everywhere.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import apsw

from zen.engine import catalog
from zen.engine.connection import MEMORY, open_connection
from zen.engine.errors import SqlError, UsageError, ZenError, from_apsw, suggest
from zen.engine.interrupt import InterruptGuard
from zen.engine.observers import (
    BEGIN,
    COMMIT,
    RELEASE,
    ROLLBACK,
    ROLLBACK_TO,
    SAVEPOINT,
    VACUUM,
    ManyRunner,
    RunAgain,
    TransactionObserver,
    savepoint_name,
)
from zen.engine.results import (
    BufferedResult,
    Params,
    Result,
    Row,
    StreamedResult,
    close_results,
    statement_metadata,
)
from zen.engine.statements import Statement, split_statements

__all__ = ["Engine", "Params", "Result", "Row", "statement_metadata"]

_NO_SUCH = re.compile(r"no such (table|column): (\S+)")
_NO_FUNCTION = re.compile(r"no such function: (\S+)")


class Engine:
    """An open SQLite database: statements, transactions, interruption.

    Args:
        path: File path or ``:memory:``.
        read_only: Open read-only; every write is denied before it runs.
        create: Create the file if missing.

    Example:
        >>> engine = Engine(":memory:")
        >>> engine.query("select 40 + 2").scalar()
        42
    """

    def __init__(
        self, path: str | os.PathLike[str] = MEMORY, *, read_only: bool = False, create: bool = True
    ) -> None:
        self.path = os.fspath(path)
        self.read_only = read_only
        self.conn: apsw.Connection = open_connection(self.path, read_only=read_only, create=create)
        self._savepoints = itertools.count(1)
        self._managed_depth = 0  # transactions opened by zen (not by the user's BEGIN)
        self._observers: list[TransactionObserver] = []
        self._tx_savepoint: str | None = None  # a user SAVEPOINT that opened the transaction
        # The statement running alone in a transaction zen opened for it (nothing else
        # can run in that transaction, so observers may skip some checks).
        self.lone_write: Statement | None = None
        # Called with the name of an unknown SQL function; True when it registered it
        # (plugins provide functions on demand, so opening never loads them).
        self.function_resolver: Callable[[str], bool] | None = None

    # -- statements -------------------------------------------------------------

    def query(self, sql: str, params: Params = None) -> Result:
        """Run exactly one statement; its rows stream as the result is iterated.

        Raises:
            UsageError: ``sql`` holds more than one statement (use :meth:`run`).
            SqlError: SQLite rejected the statement.
        """
        return self.execute(self.statement(sql), params)

    def statement(self, sql: str) -> Statement:
        """``sql`` parsed as exactly one statement (to run with :meth:`execute`).

        Raises:
            UsageError: ``sql`` holds more than one statement, or none.
        """
        statements = split_statements(sql)
        if len(statements) != 1:
            raise UsageError(
                f"expected one SQL statement, got {len(statements)}",
                hint="use run() or script() for several statements",
            )
        return statements[0]

    def execute(self, statement: Statement, params: Params = None) -> Result:
        """Run one parsed statement, as :meth:`query` does (observers see it)."""
        if statement.looks_read_only and self.conn.get_autocommit():
            # The hot path: a read outside any transaction needs no observer.
            result = StreamedResult(self.conn)
            result._statement, result._params = statement, params
            try:
                result.execute(statement.text, params)
            except (apsw.Error, KeyError) as exc:
                self._start_again(result, statement, params, exc)
            return result
        if not self._observers:
            return self._run_statement(statement, params)
        if statement.controls_transaction:
            return self._control(statement, params, statement.head)
        if self.conn.get_autocommit():  # no transaction is open
            if self.read_only:
                return self._run_statement(statement, params)
            return self._wrapped(statement, params)
        return self._observed(statement, params)

    def executemany(
        self,
        sql: str,
        rows: Iterable[Any],
        *,
        run: ManyRunner | None = None,
        atomic: bool = True,
    ) -> int:
        """Run one INSERT/UPDATE/DELETE for every parameter set, in one transaction.

        The rows go through APSW's C loop; observers see it as one statement (history
        records a long INSERT by rowid ranges, see :mod:`zen.history.bulk`). Inside
        an open transaction it runs there; otherwise in one of its own.

        Args:
            sql: One DML statement with parameters.
            rows: The parameter sets (sequences or mappings), consumed once.
            run: How to run a batch of parameter sets (default: ``executemany`` on a
                new cursor, RETURNING rows dropped, errors raised as :class:`ZenError`).
            atomic: On failure inside an open transaction, undo this call's rows too
                (a savepoint). False keeps sqlite3's behaviour: the rows before the
                failing one stay pending in the transaction.

        Returns:
            The rows changed (SQLite's change counter: trigger writes included).

        Example:
            >>> engine = Engine(":memory:")
            >>> _ = engine.query("create table t(x)")
            >>> engine.executemany("insert into t values (?)", [(1,), (2,)])
            2
        """
        statement = self.statement(sql)
        runner = run if run is not None else self.many_runner(statement.text)
        conn = self.conn
        if self.read_only:
            runner(rows)  # refused by SQLite: read-only
            return 0
        # One transaction, not one per row (a savepoint inside an open one when atomic).
        scope = nullcontext() if self.in_transaction and not atomic else self.transaction()
        if not self._observers:
            with scope:
                before = conn.total_changes()
                runner(rows)
                return int(conn.total_changes() - before)
        with scope:
            before = conn.total_changes()
            self._notify("before_statement", statement, None)
            try:
                if not any(o.run_many(self, statement, rows, runner) for o in self._observers):
                    runner(rows)
            except BaseException:
                self._notify("after_statement", statement, False)
                raise
            changed = int(conn.total_changes() - before)  # before COMMIT: history writes too
            self._notify("after_statement", statement, True)
        return changed

    def many_runner(
        self, sql: str, *, trace: Callable[[apsw.Cursor, str, Any], bool] | None = None
    ) -> ManyRunner:
        """The default ``run`` of :meth:`executemany`: APSW's loop on a new cursor.

        RETURNING rows are dropped; errors are raised as :class:`ZenError` (the APSW
        error stays as ``__context__``). ``trace`` becomes the cursor's exec trace
        (called before each execution: the DB-API counts rows with it).

        Example:
            >>> engine = Engine(":memory:")
            >>> _ = engine.query("create table t(x)")
            >>> engine.executemany("insert into t values (?)", [(1,)], run=engine.many_runner(
            ...     "insert into t values (?)"))
            1
        """

        def run(rows: Iterable[Any]) -> None:
            cursor = self.conn.cursor()
            if trace is not None:
                cursor.exec_trace = trace
            try:
                for _ in cursor.executemany(sql, rows):
                    pass  # RETURNING rows are dropped
            except apsw.Error as exc:
                raise from_apsw(exc, sql=sql, path=self.path) from None
            except KeyError as exc:
                raise UsageError(f"no value for SQL parameter :{exc.args[0]}") from None
            except TypeError as exc:
                raise UsageError(f"bad SQL parameters: {exc}") from None
            finally:
                cursor.close(force=True)

        return run

    def run(self, sql: str, params: Params = None) -> Iterator[Result]:
        """Run a script statement by statement, yielding each statement's result.

        A script of several statements runs in one transaction that commits once
        the last result has been read, and rolls back on any error, unless the
        script manages transactions itself (BEGIN, COMMIT, VACUUM, pragmas that
        set something). A result that is not read to the end is closed before the
        next statement runs.
        """
        statements = split_statements(sql)
        if len(statements) > 1 and self._should_wrap(statements):
            write = not all(s.looks_read_only for s in statements)
            with self.transaction(write=write):
                yield from self._run_each(statements, params)
        else:
            yield from self._run_each(statements, params)

    def script(self, sql: str, params: Params = None) -> int:
        """Run a script to the end (atomically, as :meth:`run`); returns rows changed."""
        changes = 0
        for result in self.run(sql, params):
            result.drain()
            changes += result.changes
        return changes

    def _should_wrap(self, statements: list[Statement]) -> bool:
        return not self.in_transaction and not any(s.controls_transaction for s in statements)

    def _run_each(self, statements: list[Statement], params: Params) -> Iterator[Result]:
        for statement in statements:
            result = self.execute(statement, params)
            try:
                yield result
            finally:
                if result.read_only:
                    result.close()
                else:
                    result.drain()

    def add_transaction_observer(self, observer: TransactionObserver) -> None:
        """Register ``observer``; it sees every later write transaction."""
        self._observers.append(observer)

    def remove_transaction_observer(self, observer: TransactionObserver) -> None:
        """Stop telling ``observer`` about transactions."""
        self._observers.remove(observer)

    def replace_transaction_observer(
        self, old: TransactionObserver, new: TransactionObserver
    ) -> None:
        """Put ``new`` where ``old`` was (same place in the order of observers)."""
        self._observers[self._observers.index(old)] = new

    def notify_applied(self, tables: frozenset[str]) -> None:
        """Tell observers that ``tables`` changed with triggers off (inside the transaction)."""
        self._notify("applied", tables)

    # -- statements ---------------------------------------------------------------

    def _observed(self, statement: Statement, params: Params) -> Result:
        self._notify("before_statement", statement, params)
        try:
            result = self._run_statement(statement, params)
        except BaseException:
            self._notify("after_statement", statement, False)
            raise
        self._notify("after_statement", statement, True)
        return result

    def _wrapped(self, statement: Statement, params: Params) -> Result:
        """A lone write: run it in its own observed transaction, rows read eagerly.

        An observer may ask for a second run (:class:`RunAgain`): the first
        transaction has been rolled back by then.
        """
        try:
            return self._wrapped_once(statement, params)
        except RunAgain:
            return self._wrapped_once(statement, params)

    def _wrapped_once(self, statement: Statement, params: Params) -> Result:
        """One run of :meth:`_wrapped`.

        :meth:`transaction` unrolled (every autocommitted write takes this path, so no
        context manager and no event lookup by name); observers are read afresh for
        each event because one may replace itself (history attaching on first write).
        """
        observers = self._observers
        self._managed_depth += 1
        self.lone_write = statement
        try:
            self._exec("BEGIN IMMEDIATE")
            try:
                for observer in observers:
                    observer.begin(self)
                result = self._observed_write(statement, params)
                for observer in observers:
                    observer.before_commit(self)
            except BaseException:
                self._rollback()
                raise
            self._commit()
            for observer in observers:
                observer.after_commit(self)
        finally:
            self._managed_depth -= 1
            self.lone_write = None
        return result

    def _observed_write(self, statement: Statement, params: Params) -> Result:
        """:meth:`_observed`, with a RETURNING statement's rows read before COMMIT."""
        for observer in self._observers:
            observer.before_statement(self, statement, params)
        try:
            result = self._run_statement(statement, params)
            if not statement.plain_write:  # a plain write has already run to the end
                result = self._buffered(result)
        except BaseException:
            for observer in self._observers:
                observer.after_statement(self, statement, False)
            raise
        for observer in self._observers:
            observer.after_statement(self, statement, True)
        return result

    def _buffered(self, result: Result) -> Result:
        description, read_only = result.description, result.read_only
        buffered = BufferedResult(self.conn)
        buffered._rows = list(result)
        buffered._statement, buffered._params = result._statement, result._params
        buffered._description, buffered._read_only = description, read_only
        buffered.changes = result.changes
        return buffered

    def _control(self, statement: Statement, params: Params, head: str) -> Result:
        was_open = self.in_transaction
        if COMMIT.match(head) and was_open:
            return self._user_commit(statement, params)
        if match := RELEASE.match(head):
            return self._user_release(statement, params, savepoint_name(match.group(1)))
        if VACUUM.match(head):
            self._notify("before_vacuum")
        result = self._run_statement(statement, params)
        if BEGIN.match(head) and not was_open and self.in_transaction:
            self._notify("begin")
        elif match := SAVEPOINT.match(head):
            if not was_open:
                self._tx_savepoint = savepoint_name(match.group(1))
                self._notify("begin")
            self._notify("savepoint", savepoint_name(match.group(1)))
        elif match := ROLLBACK_TO.match(head):
            self._notify("rollback_to", savepoint_name(match.group(1)))
        elif ROLLBACK.match(head) and was_open and not self.in_transaction:
            self._tx_savepoint = None
            self._notify("after_rollback")
        return result

    def _user_commit(self, statement: Statement, params: Params) -> Result:
        self._notify("before_commit")
        try:
            result = self._run_statement(statement, params)
        except BaseException:
            self._after_failed_commit()
            raise
        self._tx_savepoint = None
        self._notify("after_commit")
        return result

    def _user_release(self, statement: Statement, params: Params, name: str) -> Result:
        ends = self._tx_savepoint is not None and self._tx_savepoint.lower() == name.lower()
        if ends:
            self._notify("before_commit")
        try:
            result = self._run_statement(statement, params)
        except BaseException:
            if ends:
                self._after_failed_commit()
            raise
        if ends:
            self._tx_savepoint = None
            self._notify("after_commit")
        else:
            self._notify("release", name)
        return result

    def _after_failed_commit(self) -> None:
        # A COMMIT refused by a deferred constraint leaves the transaction open:
        # capture starts again so later changes are recorded too.
        if self.in_transaction:
            self._notify("begin")
        else:
            self._tx_savepoint = None
            self._notify("after_rollback")

    def _run_statement(self, statement: Statement, params: Params) -> Result:
        conn = self.conn
        result = Result(conn)
        result._statement, result._params = statement, params
        before = conn.total_changes()
        self._start(result, statement, params)
        if statement.plain_write:  # no columns, and it has already run to the end
            result._description, result._read_only = (), False
        else:
            try:
                result._description = result.get_description()
                result._read_only = result.is_readonly
            except apsw.ExecutionCompleteError:
                pass  # it ran to the end: a second, never-run preparation answers if asked
        # changes() counts the statement's own rows, not those its triggers wrote;
        # it is stale after a statement that changed nothing, hence the guard.
        if conn.total_changes() != before:
            result.changes = conn.changes()
        return result

    def _start(self, cursor: apsw.Cursor, statement: Statement, params: Params) -> None:
        """Execute ``statement`` on ``cursor``; its errors become zen's."""
        try:
            cursor.execute(statement.text, params)
        except (apsw.Error, KeyError) as exc:
            self._start_again(cursor, statement, params, exc)

    def _start_again(
        self, cursor: apsw.Cursor, statement: Statement, params: Params, error: Exception
    ) -> None:
        """Retry once a plugin provided a missing function; else raise zen's error."""
        try:
            if isinstance(error, apsw.SQLError):
                self._retry_with_function(cursor, statement, params, error)
                return
        except (apsw.Error, KeyError) as again:
            error = again
        # Results are made outside Connection.cursor(), so closing the connection would
        # not finalise this half-run statement: close it here.
        cursor.close(force=True)
        raise self._start_error(error, statement) from None

    def _start_error(self, error: Exception, statement: Statement) -> ZenError:
        if isinstance(error, apsw.BindingsError):
            return UsageError(
                f"wrong number of SQL parameters: {error}",
                hint="pass each with --param name=value (or a bare --param value for ?)",
            )
        if isinstance(error, KeyError):
            return UsageError(
                f"no value for SQL parameter :{error.args[0]}",
                hint=f"pass it with --param {error.args[0]}=VALUE",
            )
        assert isinstance(error, apsw.Error)
        return self._sql_error(error, statement)

    def _retry_with_function(
        self, cursor: apsw.Cursor, statement: Statement, params: Params, error: apsw.SQLError
    ) -> None:
        """Run again once a plugin provided the missing SQL function; else re-raise."""
        match = _NO_FUNCTION.search(str(error))
        resolver = self.function_resolver
        if match is None or resolver is None or not resolver(match.group(1)):
            raise error
        cursor.execute(statement.text, params)

    def _sql_error(self, exc: apsw.Error, statement: Statement) -> ZenError:
        error = from_apsw(exc, sql=statement.text, path=self.path)
        if not isinstance(error, SqlError):
            return error
        error.hint = error.hint or self._name_hint(error.message)
        if self.in_transaction and not self._managed_depth:
            error.hint = error.hint or "the transaction is still open: COMMIT or ROLLBACK"
        return error

    def _name_hint(self, message: str) -> str | None:
        """``did you mean ...?`` for SQLite's no-such-table/column messages."""
        match = _NO_SUCH.match(message)
        if not match:
            return None
        kind, name = match.groups()
        try:
            names = catalog.table_names(self.conn)
            if kind == "column":
                names = sorted({c.name for t in names for c in catalog.columns(self.conn, t)})
        except apsw.Error:
            return None
        return suggest(name.rpartition(".")[2], names)

    # -- transactions ------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open on this connection."""
        return not self.conn.get_autocommit()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[None]:
        """One atomic unit: commits on success, rolls back on any exception.

        The outermost level starts with ``BEGIN IMMEDIATE`` for writes, so a
        concurrent writer waits (busy timeout) instead of failing later;
        nested levels are savepoints.
        """
        self._managed_depth += 1
        try:
            if self.in_transaction:
                yield from self._savepoint()
                return
            writing = write and not self.read_only
            self._exec("BEGIN IMMEDIATE" if writing else "BEGIN")
            try:
                if writing:
                    self._notify("begin")
                yield
                if writing:
                    self._notify("before_commit")
            except BaseException:
                self._rollback()
                raise
            self._commit()
            if writing:
                self._notify("after_commit")
        finally:
            self._managed_depth -= 1

    def _savepoint(self) -> Iterator[None]:
        name = f"zen_sp_{next(self._savepoints)}"
        self._exec(f'SAVEPOINT "{name}"')
        self._notify("savepoint", name)
        try:
            yield
        except BaseException:
            if self.in_transaction:
                self._exec(f'ROLLBACK TO "{name}"')
                self._notify("rollback_to", name)
                self._exec(f'RELEASE "{name}"')
                self._notify("release", name)
            raise
        self._exec(f'RELEASE "{name}"')
        self._notify("release", name)

    def _notify(self, event: str, *args: Any) -> None:
        """Tell every observer about a transaction event (begin, before_commit...)."""
        for observer in self._observers:
            getattr(observer, event)(self, *args)

    def _commit(self) -> None:
        """COMMIT the transaction zen opened; when that fails, roll back and re-raise."""
        try:
            self._exec("COMMIT")
        except ZenError:
            self._rollback()
            raise

    def _rollback(self) -> None:
        was_open = self.in_transaction
        if was_open:
            self.conn.execute("ROLLBACK")
        if was_open or self._observers:
            self._tx_savepoint = None
            self._notify("after_rollback")

    def _exec(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except apsw.Error as exc:
            raise from_apsw(exc, sql=sql, path=self.path) from None

    # -- lifecycle ---------------------------------------------------------------

    def interrupt(self) -> None:
        """Cancel the running statement (safe to call from another thread)."""
        self.conn.interrupt()

    def interruptible(self) -> InterruptGuard:
        """A context in which Ctrl-C cancels the running statement."""
        return InterruptGuard(self.interrupt)

    def close(self) -> None:
        """Close the connection (open transactions roll back, unread results end)."""
        try:
            self.conn.close(force=True)
        except apsw.BusyError:
            # A result not read to the end still holds its statement (results are
            # not registered with the connection, for speed): finalise them, then close.
            close_results(self.conn)
            self.conn.close(force=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
