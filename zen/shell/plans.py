"""Query plans and index advice, as the shell shows them (``.eqp``, ``.explain``, ``.expert``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen.engine.errors import ZenError

if TYPE_CHECKING:
    from zen.shell.session import Session


def show_plan(session: Session, sql: str, *, quiet: bool = False) -> None:
    """Print the plan SQLite would use for ``sql`` (SQLite text: no transpiling).

    With ``quiet`` (``.eqp on``), a statement that has no plan shows none,
    and its own error is left to running it.
    """
    try:
        plan = session.db.query_plan(sql, dialect="sqlite")
    except ZenError:
        if quiet:
            return
        raise
    if quiet:
        session.message(plan.render())
        return
    _write(session, plan.render() + "\n")


def show_expert(session: Session, sql: str) -> None:
    """Print the indexes that would change the plan of ``sql``, and the new plan."""
    advice = session.db.suggest_indexes(sql, dialect="sqlite")
    lines = advice.indexes or ["(no new indexes)"]
    _write(session, "\n".join(lines) + "\n\n" + advice.after.render() + "\n")


def _write(session: Session, text: str) -> None:
    with session.output.results() as stream:
        stream.sink.write(text)
