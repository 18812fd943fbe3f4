"""Running SQL in the shell: one statement at a time, results streamed to the output.

Each statement runs on its own (as in the sqlite3 CLI): a failure stops the rest
of the input, and a failure inside an explicit transaction says whether the
transaction is still open. Ctrl-C cancels the running statement through
:meth:`zen.api.Database.interruptible`; the session goes on.
"""

from __future__ import annotations

import os
import re
import time
from typing import TYPE_CHECKING

from zen.engine.errors import ZenError
from zen.engine.statements import split_statements, strip_leading_comments
from zen.shell.plans import show_expert, show_plan
from zen.shell.render import render

if TYPE_CHECKING:
    from zen.engine.core import Result
    from zen.shell.session import Session

_EXPLAIN_PLAN = re.compile(r"EXPLAIN\s+QUERY\s+PLAN\s+", re.IGNORECASE)
_STILL_OPEN = "the transaction is still open: COMMIT or ROLLBACK"


def run_sql(session: Session, text: str, *, where: str | None = None) -> bool:
    """Run every statement of ``text``; False at the first that fails."""
    db = session.db
    try:
        sqlite_text = db.to_sqlite(text)
    except ZenError as exc:
        session.show_error(exc, where=where)
        return False
    if session.settings.show_sql and sqlite_text != text:
        session.message(sqlite_text)
    for statement in split_statements(sqlite_text):
        if not run_statement(session, statement.text, where=where):
            return False
    return True


def run_statement(session: Session, sql: str, *, where: str | None = None) -> bool:
    """Run one SQLite statement and show its result; errors are shown, not raised."""
    started = _Clock() if session.settings.timer else None
    was_open = session.db.in_transaction
    try:
        with session.db.interruptible():
            _run(session, sql)
    except ZenError as exc:
        session.show_error(exc, where=where)
        _transaction_note(session, was_open, exc)
        return False
    except KeyboardInterrupt:
        session.message("error: interrupted")
        return False
    finally:
        if started is not None:
            session.message(started.report())
    return True


def _run(session: Session, sql: str) -> None:
    settings = session.settings
    if settings.expert_next:
        settings.expert_next = False
        show_expert(session, sql)
        return
    explained = _EXPLAIN_PLAN.match(strip_leading_comments(sql))
    if explained:
        show_plan(session, strip_leading_comments(sql)[explained.end() :])
        return
    if settings.eqp:
        show_plan(session, sql, quiet=True)
    result = session.db.sql(sql, dialect="sqlite")  # already transpiled by run_sql
    try:
        if result.has_rows:
            _show_rows(session, result)
        elif session.interactive and result.changes:
            plural = "" if result.changes == 1 else "s"
            session.message(f"{result.changes} row{plural} changed")
    finally:
        result.close()


def _show_rows(session: Session, result: Result) -> None:
    from zen.shell.pager import PagerClosed

    settings = session.settings
    page = session.interactive and settings.pager
    with session.output.results(page=page, pager=settings.pager_command) as stream:
        try:
            render(
                result.columns,
                result,
                stream.sink,
                mode=settings.mode,
                headers=settings.headers,
                width=stream.width,
                color=stream.color,
                nullvalue=settings.nullvalue,
            )
        except PagerClosed:
            pass  # the user quit the pager: the rest of the rows is not wanted


def _transaction_note(session: Session, was_open: bool, error: ZenError) -> None:
    """Say what became of an explicit transaction after a failed statement."""
    if session.db.in_transaction:
        if _STILL_OPEN not in error.render():
            session.message(f"note: {_STILL_OPEN}")
    elif was_open:
        session.message("note: SQLite rolled the transaction back; nothing in it was kept")


class _Clock:
    """Elapsed real and CPU time, reported as the sqlite3 CLI's ``.timer`` does."""

    def __init__(self) -> None:
        self.real = time.perf_counter()
        self.cpu = os.times()

    def report(self) -> str:
        real = time.perf_counter() - self.real
        now = os.times()
        user, system = now.user - self.cpu.user, now.system - self.cpu.system
        return f"Run Time: real {real:.3f} user {user:.6f} sys {system:.6f}"
