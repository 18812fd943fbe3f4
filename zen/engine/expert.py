"""Index suggestions for a query: the job of sqlite3's ``.expert``, done by hand.

APSW's SQLite does not ship the ``sqlite3_expert`` extension, so this module
does the same thing with public interfaces only:

1. copy the schema (tables, views, indexes) and the statistics ``ANALYZE``
   gathered (``sqlite_stat1``, ``sqlite_stat4``) into a scratch
   in-memory database, so nothing touches the user's file;
2. find the columns the query reads, per table (SQLite's authorizer reports
   each one while the statement compiles: WHERE, JOIN, ORDER BY, GROUP BY...);
3. search greedily: try a one-column index on each read column, and each
   chosen index extended by one more column; keep the candidate that lowers the
   plan's cost the most (a SCAN becoming a SEARCH, a temporary b-tree for
   ORDER BY going away), until nothing lowers it;
4. report only the indexes the final plan uses, with the plan before and after.

Example:
    >>> import apsw
    >>> conn = apsw.Connection(":memory:")
    >>> _ = conn.execute("create table users(id integer primary key, email text)")
    >>> advice = suggest_indexes(conn, "select * from users where email = ?")
    >>> advice.indexes
    ['CREATE INDEX "users_idx_3f984f7a" ON "users"("email");']
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.plan import QueryPlan, query_plan

_MAX_ROUNDS = 8
_MAX_COLUMNS = 32  # per table: wider tables are searched on their first columns read
_MAX_PAIR_COLUMNS = 16  # pairs are tried only among the first columns read
_CONSTRAINT = re.compile(r"\b\w+(=|>|<|>=|<=)\?")
_SCHEMA_ORDER = (
    "SELECT type, name, sql FROM sqlite_schema "
    "WHERE sql IS NOT NULL AND type IN ('table', 'view', 'index') "
    "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'view' THEN 1 ELSE 2 END, rowid"
)


@dataclass(frozen=True)
class IndexAdvice:
    """What :func:`suggest_indexes` found.

    Attributes:
        sql: The query that was analysed.
        indexes: ``CREATE INDEX`` statements that change the plan (may be empty).
        before: The plan with the current schema.
        after: The plan with the suggested indexes (same as ``before`` when none).
    """

    sql: str
    indexes: list[str]
    before: QueryPlan
    after: QueryPlan


@dataclass(frozen=True)
class _Candidate:
    table: str
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        digest = hashlib.sha1("\0".join((self.table, *self.columns)).encode()).hexdigest()
        return re.sub(r"\W", "_", self.table) + "_idx_" + digest[:8]

    def ddl(self) -> str:
        cols = ", ".join(quote_identifier(c) for c in self.columns)
        return (
            f"CREATE INDEX {quote_identifier(self.name)} ON {quote_identifier(self.table)}({cols})"
        )


def suggest_indexes(conn: apsw.Connection, sql: str) -> IndexAdvice:
    """The indexes that would change how SQLite runs ``sql``; nothing is changed.

    Args:
        conn: The database whose schema (and ``sqlite_stat1``) is used.
        sql: One statement; parameters are allowed and count as unknown values.

    Raises:
        SqlError: The statement does not compile against the schema.
    """
    scratch = _scratch_copy(conn)
    try:
        reads = _columns_read(scratch, sql)
        before = query_plan(scratch, sql)
        chosen = _search(scratch, sql, reads, _cost(before))
        after = query_plan(scratch, sql)
    finally:
        scratch.close()
    used = after.indexes()
    indexes = [c.ddl() + ";" for c in chosen if c.name in used]
    return IndexAdvice(sql, indexes, before, after if indexes else before)


def _scratch_copy(conn: apsw.Connection) -> apsw.Connection:
    """An in-memory database with ``conn``'s tables, views, indexes and statistics."""
    scratch = apsw.Connection(":memory:")
    for _type, name, ddl in conn.execute(_SCHEMA_ORDER):
        if str(name).startswith("sqlite_"):
            continue
        try:
            scratch.execute(ddl)
        except apsw.SQLError:
            # Shadow tables of a virtual table already exist, and a module
            # that only the user's connection has cannot be created: skip them.
            pass
    _copy_stats(conn, scratch)
    return scratch


def _copy_stats(conn: apsw.Connection, scratch: apsw.Connection) -> None:
    """Copy ``sqlite_stat1`` (and ``sqlite_stat4``, which the planner also reads)."""
    present = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE name IN ('sqlite_stat1', 'sqlite_stat4')"
        )
    }
    if "sqlite_stat1" not in present:
        return
    scratch.execute("ANALYZE")  # creates the statistics tables in the scratch database
    for table in sorted(present):
        rows = list(conn.execute(f"SELECT * FROM {table}"))
        scratch.execute(f"DELETE FROM {table}")
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            scratch.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    scratch.execute("ANALYZE sqlite_schema")  # makes the planner reload the statistics


def _columns_read(scratch: apsw.Connection, sql: str) -> dict[str, list[str]]:
    """Table -> columns the statement reads, in the order SQLite reports them."""
    found: dict[str, list[str]] = {}

    def authorizer(op: int, table: str | None, column: str | None, db: object, _: object) -> int:
        wanted = op == apsw.SQLITE_READ and db == "main"
        if wanted and table and column and not table.startswith("sqlite_"):
            columns = found.setdefault(table, [])
            if column not in columns and len(columns) < _MAX_COLUMNS:
                columns.append(column)
        return apsw.SQLITE_OK

    scratch.authorizer = authorizer
    try:
        query_plan(scratch, sql)
    finally:
        scratch.authorizer = None
    # Views and virtual tables are read too, but only real tables take indexes.
    tables = {row[1] for row in scratch.execute("PRAGMA main.table_list") if row[2] == "table"}
    return {table: columns for table, columns in found.items() if table in tables}


def _search(
    scratch: apsw.Connection, sql: str, reads: dict[str, list[str]], cost: int
) -> list[_Candidate]:
    """Greedy search: add (or widen) the index that lowers the cost most, repeatedly."""
    chosen: list[_Candidate] = []
    for _ in range(_MAX_ROUNDS):
        best, best_cost = _best(scratch, sql, [(c,) for c in _candidates(reads, chosen)], cost)
        if not best:
            # ``a = ? OR b = ?``, or a join whose both sides lack an index, needs
            # two indexes at once before the plan changes.
            best, best_cost = _best(scratch, sql, _pairs(reads, chosen), cost)
        if not best:
            break
        for candidate in best:
            chosen = _adopt(scratch, chosen, candidate)
        cost = best_cost
    return chosen


def _best(
    scratch: apsw.Connection, sql: str, trials: list[tuple[_Candidate, ...]], cost: int
) -> tuple[tuple[_Candidate, ...], int]:
    """The trial (one or more indexes together) with the lowest cost below ``cost``."""
    best: tuple[_Candidate, ...] = ()
    for trial in trials:
        trial_cost = _cost_with(scratch, sql, trial)
        if trial_cost < cost:
            best, cost = trial, trial_cost
    return best, cost


def _pairs(reads: dict[str, list[str]], chosen: list[_Candidate]) -> list[tuple[_Candidate, ...]]:
    singles = [_Candidate(t, (c,)) for t, columns in reads.items() for c in columns]
    taken = {(c.table, c.columns) for c in chosen}
    singles = [c for c in singles if (c.table, c.columns) not in taken][:_MAX_PAIR_COLUMNS]
    return list(itertools.combinations(singles, 2))


def _candidates(reads: dict[str, list[str]], chosen: list[_Candidate]) -> list[_Candidate]:
    found: list[_Candidate] = []
    for table, columns in reads.items():
        found.extend(_Candidate(table, (column,)) for column in columns)
        for index in chosen:
            if index.table == table:
                found.extend(
                    _Candidate(table, (*index.columns, c))
                    for c in columns
                    if c not in index.columns
                )
    taken = {c.columns for c in chosen}
    return [c for c in found if c.columns not in taken]


def _adopt(
    scratch: apsw.Connection, chosen: list[_Candidate], best: _Candidate
) -> list[_Candidate]:
    """Add ``best``; an index it extends is dropped (its prefix serves the same)."""
    kept = []
    for index in chosen:
        if index.table == best.table and best.columns[: len(index.columns)] == index.columns:
            scratch.execute(f"DROP INDEX {quote_identifier(index.name)}")
        else:
            kept.append(index)
    scratch.execute(best.ddl())
    return [*kept, best]


def _cost_with(scratch: apsw.Connection, sql: str, trial: tuple[_Candidate, ...]) -> int:
    for candidate in trial:
        scratch.execute(candidate.ddl())
    try:
        return _cost(query_plan(scratch, sql))
    finally:
        for candidate in trial:
            scratch.execute(f"DROP INDEX {quote_identifier(candidate.name)}")


def _cost(plan: QueryPlan) -> int:
    """A rough cost: full scans and temporary b-trees are dear, searches cheap.

    A search gets cheaper with each constraint its index serves (``a=?`` more
    than ``b>?``), so widening an index to serve one more term counts.
    """
    total = 0
    for detail in plan.details:
        if detail.startswith("SCAN "):
            total += 100
        elif detail.startswith("SEARCH ") and "AUTOMATIC" in detail:
            total += 60
        elif detail.startswith("SEARCH "):
            weights = [2 if op == "=" else 1 for op in _CONSTRAINT.findall(detail)]
            total += max(1, 20 - sum(weights))
        elif detail.startswith("USE TEMP B-TREE"):
            total += 40
    return total
