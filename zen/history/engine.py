"""A transaction-observer hook on the engine, so history sees every write transaction.

:class:`HistoryEngine` is :class:`zen.engine.core.Engine` plus the hook; the
hook belongs in ``Engine`` itself (see docs/architecture.md, *Engine hook*).
Observers learn when a write transaction begins, around each statement, at
savepoints, just before COMMIT (still inside the transaction, so what they write
commits atomically with the data) and after it ends. A lone write statement run
outside a transaction is wrapped in ``BEGIN IMMEDIATE ... COMMIT`` so observers
see it like any other transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol, cast

import apsw

from zen.engine.core import Engine, Params, Result
from zen.engine.statements import Statement, strip_leading_comments

_BEGIN = re.compile(r"BEGIN\b", re.IGNORECASE)
_VACUUM = re.compile(r"VACUUM\b(?!.*\bINTO\b)", re.IGNORECASE | re.DOTALL)
_COMMIT = re.compile(r"(COMMIT|END)\b", re.IGNORECASE)
_ROLLBACK_TO = re.compile(
    r"ROLLBACK\s+(?:TRANSACTION\s+)?TO\s+(?:SAVEPOINT\s+)?(.+?);?\s*$", re.I | re.S
)
_ROLLBACK = re.compile(r"ROLLBACK\b", re.IGNORECASE)
_SAVEPOINT = re.compile(r"SAVEPOINT\s+(.+?);?\s*$", re.IGNORECASE | re.DOTALL)
_RELEASE = re.compile(r"RELEASE\s+(?:SAVEPOINT\s+)?(.+?);?\s*$", re.IGNORECASE | re.DOTALL)


class TransactionObserver(Protocol):
    """What an engine tells an observer about write transactions."""

    def begin(self, engine: Engine) -> None:
        """A write transaction has begun (BEGIN has run)."""

    def before_statement(self, engine: Engine, statement: Statement, params: Params) -> None:
        """A statement is about to run inside the transaction."""

    def after_statement(self, engine: Engine, statement: Statement, ok: bool) -> None:
        """The statement ran (``ok``) or failed; its changes are in place or undone."""

    def savepoint(self, engine: Engine, name: str) -> None:
        """A savepoint named ``name`` was opened."""

    def release(self, engine: Engine, name: str) -> None:
        """Savepoint ``name`` (and those inside it) was released."""

    def rollback_to(self, engine: Engine, name: str) -> None:
        """The changes since savepoint ``name`` were rolled back (it stays open)."""

    def before_commit(self, engine: Engine) -> None:
        """COMMIT is about to run; writes made now commit with the transaction."""

    def before_vacuum(self, engine: Engine) -> None:
        """VACUUM is about to run (it may renumber rowids); raise to refuse it."""

    def after_commit(self, engine: Engine) -> None:
        """The transaction committed."""

    def after_rollback(self, engine: Engine) -> None:
        """The transaction rolled back (or its COMMIT failed and it ended)."""


def _savepoint_name(raw: str) -> str:
    name = raw.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'`":
        return name[1:-1].replace(name[0] * 2, name[0])
    if name.startswith("[") and name.endswith("]"):
        return name[1:-1]
    return name


class _Rows:
    """A cursor stand-in over rows already read (a wrapped statement's RETURNING rows)."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)

    def close(self, force: bool = False) -> None:
        self._rows = []


class HistoryEngine(Engine):
    """An :class:`Engine` that reports write transactions to observers.

    Example:
        >>> engine = HistoryEngine(":memory:")
        >>> engine.add_transaction_observer(my_observer)  # doctest: +SKIP
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._observers: list[TransactionObserver] = []
        self._tx_savepoint: str | None = None  # a user SAVEPOINT that opened the transaction

    def add_transaction_observer(self, observer: TransactionObserver) -> None:
        """Register ``observer``; it sees every later write transaction."""
        self._observers.append(observer)

    def remove_transaction_observer(self, observer: TransactionObserver) -> None:
        """Stop telling ``observer`` about transactions."""
        self._observers.remove(observer)

    def _notify(self, event: str, *args: Any) -> None:
        for observer in self._observers:
            getattr(observer, event)(self, *args)

    # -- statements ---------------------------------------------------------------

    def _execute(self, statement: Statement, params: Params) -> Result:
        if not self._observers:
            return super()._execute(statement, params)
        head = strip_leading_comments(statement.text)
        if statement.controls_transaction:
            return self._control(statement, params, head)
        if not self.in_transaction and not statement.looks_read_only and not self.read_only:
            return self._wrapped(statement, params)
        if not self.in_transaction:
            return super()._execute(statement, params)
        return self._observed(statement, params)

    def _observed(self, statement: Statement, params: Params) -> Result:
        self._notify("before_statement", statement, params)
        try:
            result = super()._execute(statement, params)
        except BaseException:
            self._notify("after_statement", statement, False)
            raise
        self._notify("after_statement", statement, True)
        return result

    def _wrapped(self, statement: Statement, params: Params) -> Result:
        """A lone write: run it in its own observed transaction, rows read eagerly."""
        with self.transaction():
            result = self._observed(statement, params)
            rows = list(result)
        buffered = Result(
            cast(apsw.Cursor, _Rows(rows)),
            statement,
            result.columns,
            result.decltypes,
            result.read_only,
            result.changes,
        )
        return buffered

    def _control(self, statement: Statement, params: Params, head: str) -> Result:
        was_open = self.in_transaction
        if _COMMIT.match(head) and was_open:
            return self._user_commit(statement, params)
        if match := _RELEASE.match(head):
            return self._user_release(statement, params, _savepoint_name(match.group(1)))
        if _VACUUM.match(head):
            self._notify("before_vacuum")
        result = super()._execute(statement, params)
        if _BEGIN.match(head) and not was_open and self.in_transaction:
            self._notify("begin")
        elif match := _SAVEPOINT.match(head):
            if not was_open:
                self._tx_savepoint = _savepoint_name(match.group(1))
                self._notify("begin")
            self._notify("savepoint", _savepoint_name(match.group(1)))
        elif match := _ROLLBACK_TO.match(head):
            self._notify("rollback_to", _savepoint_name(match.group(1)))
        elif _ROLLBACK.match(head) and was_open and not self.in_transaction:
            self._tx_savepoint = None
            self._notify("after_rollback")
        return result

    def _user_commit(self, statement: Statement, params: Params) -> Result:
        self._notify("before_commit")
        try:
            result = super()._execute(statement, params)
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
            result = super()._execute(statement, params)
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

    # -- managed transactions -----------------------------------------------------------

    def _rollback(self) -> None:
        was_open = self.in_transaction
        super()._rollback()
        if was_open or self._observers:
            self._tx_savepoint = None
            self._notify("after_rollback")
