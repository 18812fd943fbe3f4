"""Transaction observers: what the engine tells a layer above about write transactions.

History registers an observer so it sees every write transaction (see
docs/architecture.md, *Engine hook*). Observers learn when a write transaction
begins, around each statement, at savepoints, just before COMMIT (still inside the
transaction, so what they write commits atomically with the data) and after it
ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from zen.engine.statements import Statement

if TYPE_CHECKING:
    from zen.engine.core import Engine, Params

BEGIN = re.compile(r"BEGIN\b", re.IGNORECASE)
VACUUM = re.compile(r"VACUUM\b(?!.*\bINTO\b)", re.IGNORECASE | re.DOTALL)
COMMIT = re.compile(r"(COMMIT|END)\b", re.IGNORECASE)
ROLLBACK_TO = re.compile(
    r"ROLLBACK\s+(?:TRANSACTION\s+)?TO\s+(?:SAVEPOINT\s+)?(.+?);?\s*$", re.I | re.S
)
ROLLBACK = re.compile(r"ROLLBACK\b", re.IGNORECASE)
SAVEPOINT = re.compile(r"SAVEPOINT\s+(.+?);?\s*$", re.IGNORECASE | re.DOTALL)
RELEASE = re.compile(r"RELEASE\s+(?:SAVEPOINT\s+)?(.+?);?\s*$", re.IGNORECASE | re.DOTALL)


ManyRunner = Callable[[Iterable[Any]], None]
"""Runs one statement for each parameter set it is given (APSW's ``executemany``)."""


class RunAgain(Exception):
    """Raised by an observer that could not follow a lone write its fast way.

    The engine rolls that statement's transaction back and runs the statement once
    more, in a new transaction (the observer then follows it the general way).
    """


class TransactionObserver(Protocol):
    """What an engine tells an observer about write transactions.

    Every method does nothing by default: subclass it and override what you need.
    """

    def begin(self, engine: Engine) -> None:
        """A write transaction has begun (BEGIN has run)."""
        return None

    def before_statement(self, engine: Engine, statement: Statement, params: Params) -> None:
        """A statement is about to run inside the transaction."""
        return None

    def after_statement(self, engine: Engine, statement: Statement, ok: bool) -> None:
        """The statement ran (``ok``) or failed; its changes are in place or undone."""
        return None

    def savepoint(self, engine: Engine, name: str) -> None:
        """A savepoint named ``name`` was opened."""
        return None

    def release(self, engine: Engine, name: str) -> None:
        """Savepoint ``name`` (and those inside it) was released."""
        return None

    def rollback_to(self, engine: Engine, name: str) -> None:
        """The changes since savepoint ``name`` were rolled back (it stays open)."""
        return None

    def before_commit(self, engine: Engine) -> None:
        """COMMIT is about to run; writes made now commit with the transaction."""
        return None

    def before_vacuum(self, engine: Engine) -> None:
        """VACUUM is about to run (it may renumber rowids); raise to refuse it."""
        return None

    def after_commit(self, engine: Engine) -> None:
        """The transaction committed."""
        return None

    def after_rollback(self, engine: Engine) -> None:
        """The transaction rolled back (or its COMMIT failed and it ended)."""
        return None

    def run_many(
        self, engine: Engine, statement: Statement, rows: Iterable[Any], run: ManyRunner
    ) -> bool:
        """Run ``run`` over ``rows`` this observer's own way (``executemany``).

        Return False to leave it to the engine (one ``run(rows)``). History runs a
        long INSERT in chunks, each checked, instead of under a session.
        """
        return False

    def applied(self, engine: Engine, tables: frozenset[str]) -> None:
        """Rows (or definitions) of ``tables`` were changed with triggers off.

        History's rewind applies recorded changes that way; layers that follow rows
        through triggers (the vector index) must catch up.
        """
        return None


def savepoint_name(raw: str) -> str:
    name = raw.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'`":
        return name[1:-1].replace(name[0] * 2, name[0])
    if name.startswith("[") and name.endswith("]"):
        return name[1:-1]
    return name
