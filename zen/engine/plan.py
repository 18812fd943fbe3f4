"""Query plans: what ``EXPLAIN QUERY PLAN`` says SQLite will do, as a tree.

Nothing runs: the statement is only prepared, so a plan is safe to ask for on
a write statement and on a read-only database.

Example:
    >>> import apsw
    >>> conn = apsw.Connection(":memory:")
    >>> _ = conn.execute("create table t(a, b)")
    >>> print(query_plan(conn, "select * from t where a = 1").render())
    QUERY PLAN
    `--SCAN t
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import apsw

from zen.engine.errors import SqlError, from_apsw

# Binds NULL to every parameter, so plans of parameterised queries can be read.
NULL_BINDINGS: Any = getattr(apsw, "_null_bindings", None)

_EXPLAIN_QP = re.compile(r"\s*EXPLAIN\s+QUERY\s+PLAN\b", re.IGNORECASE)
_INDEX_NAME = re.compile(r"USING (?:COVERING )?INDEX (\S+)")


@dataclass(frozen=True)
class PlanStep:
    """One line of a query plan.

    Attributes:
        id: The step's id (unique within the plan).
        parent: The id of the step it belongs to (0 for top-level steps).
        detail: SQLite's description, e.g. ``SEARCH users USING INDEX ix (id=?)``.
    """

    id: int
    parent: int
    detail: str

    @property
    def is_scan(self) -> bool:
        """True for a full scan of a table (with or without a covering index)."""
        return self.detail.startswith("SCAN ")

    @property
    def index(self) -> str | None:
        """The name of the (non-automatic) index this step uses, if any."""
        match = _INDEX_NAME.search(self.detail)
        return match.group(1) if match and "AUTOMATIC" not in self.detail else None


@dataclass(frozen=True)
class QueryPlan:
    """The steps of a plan, in SQLite's order.

    Example:
        >>> plan = QueryPlan([PlanStep(2, 0, "SCAN t")])
        >>> plan.details
        ['SCAN t']
    """

    steps: list[PlanStep] = field(default_factory=list)

    @property
    def details(self) -> list[str]:
        """Each step's description, in order."""
        return [step.detail for step in self.steps]

    def indexes(self) -> set[str]:
        """Names of the indexes the plan uses."""
        return {name for step in self.steps if (name := step.index)}

    def render(self) -> str:
        """The plan as the sqlite3 CLI draws it (``|--`` and ``\\`--`` branches)."""
        lines = ["QUERY PLAN"]
        lines.extend(self._branches(0, ""))
        return "\n".join(lines)

    def _branches(self, parent: int, indent: str) -> Iterator[str]:
        children = [step for step in self.steps if step.parent == parent]
        for position, step in enumerate(children):
            last = position == len(children) - 1
            yield f"{indent}{'`--' if last else '|--'}{step.detail}"
            yield from self._branches(step.id, indent + ("   " if last else "|  "))


def strip_explain(sql: str) -> str | None:
    """The statement after a leading ``EXPLAIN QUERY PLAN``, or None when there is none.

    Example:
        >>> strip_explain("explain query plan select 1")
        'select 1'
    """
    match = _EXPLAIN_QP.match(sql)
    return sql[match.end() :].lstrip() if match else None


def query_plan(conn: apsw.Connection, sql: str) -> QueryPlan:
    """The plan SQLite would use for one statement; parameters count as NULL.

    Raises:
        SqlError: The statement does not compile.
    """
    text = strip_explain(sql) or sql
    prefix = "EXPLAIN QUERY PLAN "
    try:
        rows = list(conn.execute(prefix + text, NULL_BINDINGS, can_cache=False))
    except apsw.Error as exc:
        error = from_apsw(exc, sql=text)
        if isinstance(error, SqlError) and error.offset >= len(prefix):
            error.offset -= len(prefix)  # the caret points into the user's text
        raise error from None
    return QueryPlan([PlanStep(int(r[0]), int(r[1]), str(r[3])) for r in rows])
