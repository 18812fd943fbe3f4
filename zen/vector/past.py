"""Nearest neighbours in a past state (``AS OF``): the working copy's index, patched.

A past state's rows differ from the working copy's by the net change on the
history path between the two (:func:`zen.history.apply.path_steps`, the same
path ``SELECT ... AS OF`` reads). So a past search takes the index's current
state (exact vectors of every current row), tombstones the rows that path
changes, adds the vectors those rows have at the target, and scans exactly:
O(changes on the path) to build, results equal to brute force over the past rows.
When the path redefines the table, the target's rows are all in the path
(a table image) and the index's current state is not used.

Only reads: nothing is written, so a past search can run inside a SQL
statement (``vec_search(..., as_of)``) and on a read-only database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.errors import UsageError
from zen.vector import store

if TYPE_CHECKING:
    from zen.history.schema import Layout
    from zen.history.steps import Step
    from zen.vector.distance import FloatArray, IntArray
    from zen.vector.lsm import State

_VALUES_LIMIT = 30_000  # bound parameters per filter query (SQLite allows 32,766)


@dataclass
class Past:
    """The rows a past state has where it differs from the working copy.

    Attributes:
        label: The revision as the user wrote it.
        columns: The table's columns at the target, in changeset order.
        rowid_at: Position of the rowid in ``columns``' values.
        rows: ``{rowid: values at the target}``; None where the target has no row.
        full: ``rows`` is every row of the target (the path redefines the table).
    """

    label: str
    columns: tuple[str, ...]
    rowid_at: int
    vector_at: int
    rows: dict[int, tuple[Any, ...] | None] = field(default_factory=dict)
    full: bool = False


def check_history(conn: apsw.Connection) -> None:
    """Refuse a past search where history cannot answer it.

    Raises:
        NotInitializedError: The database has no history.
        HistoryError: A write transaction is open (its changes are not in history yet).
    """
    from zen.history.errors import HistoryError, NotInitializedError

    installed = conn.execute(
        "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = '_zen_changes'"
    ).get
    if installed is None:
        raise NotInitializedError(conn.filename or ":memory:")
    if conn.txn_state("main") == apsw.SQLITE_TXN_WRITE:
        raise HistoryError(
            "AS OF is not available inside a write transaction: the changes it holds "
            "are not in history yet",
            hint="COMMIT or ROLLBACK first, then search AS OF",
        )


def target_key(conn: apsw.Connection, ref: str) -> tuple[int | None, int | None]:
    """``(target record, working record)``: what a past search's result depends on."""
    from zen.history import refs as rf
    from zen.history import store as history_store

    last = history_store.last_record(conn)
    return rf.resolve(conn, ref).record, last.id if last else None


def load_past(conn: apsw.Connection, spec: store.IndexSpec, ref: str) -> Past:
    """The rows of ``spec.table`` at ``ref`` that differ from the working copy.

    Raises:
        RefNotFoundError: ``ref`` names nothing.
        HistoryError: The table did not exist at ``ref``.
        UsageError: The vector column did not exist there, or the table is not
            keyed by its rowid (so history cannot say which rowid a past row had).
    """
    from zen.history import schema as sch
    from zen.history.apply import path_steps
    from zen.history.diff import schema_after
    from zen.history.steps import SchemaStep, table_changes

    target, working = target_key(conn, ref)
    steps = path_steps(conn, working, target)
    entry = schema_after(sch.snapshot(conn), steps).get(("table", spec.table))
    if entry is None:
        from zen.history.errors import HistoryError

        raise HistoryError(f"table {spec.table} did not exist at {ref}")
    redefined = any(isinstance(s, SchemaStep) and spec.table in s.tables() for s in steps)
    create_sql = entry[3]
    layout = sch.layout_from_sql(create_sql, spec.table)
    past = Past(
        ref, layout.columns, _rowid_position(create_sql, spec, layout),
        _vector_position(layout, spec, ref), full=redefined,
    )  # fmt: skip
    if redefined:
        for change in table_changes(steps, spec.table, after_schema=True):
            values: tuple[Any, ...] = tuple(change.new or ())
            past.rows[int(values[past.rowid_at])] = values
    else:
        _patch(conn, spec, layout, past, steps)
    return past


def _rowid_position(create_sql: str, spec: store.IndexSpec, layout: Layout) -> int:
    """Where the rowid is in a changeset row: the implicit rowid or an INTEGER PRIMARY KEY."""
    if layout.implicit_rowid:
        return 0
    scratch = apsw.Connection(":memory:")
    try:
        scratch.execute(create_sql)
        info = list(scratch.execute(f"PRAGMA table_info({quote_identifier(spec.table)})"))
    finally:
        scratch.close()
    keys = [row for row in info if row[5]]
    if len(keys) == 1 and str(keys[0][2]).upper() == "INTEGER":
        return int(layout.key[0])
    raise UsageError(
        f"searching {spec.table} AS OF a revision needs a table keyed by its rowid",
        hint="give it an INTEGER PRIMARY KEY (or no primary key); history tracks other "
        "tables by their key, so a past row's rowid is unknown",
    )


def _vector_position(layout: Layout, spec: store.IndexSpec, ref: str) -> int:
    for position, name in enumerate(layout.columns):
        if name.lower() == spec.column.lower():
            return position
    raise UsageError(f"{spec.table} had no column {spec.column} at {ref}")


def _patch(
    conn: apsw.Connection, spec: store.IndexSpec, layout: Layout, past: Past, steps: list[Step]
) -> None:
    """Fill ``past.rows`` with the target values of every row the path changes."""
    from zen.history.steps import table_changes

    lookup = (
        f"SELECT {layout.select_list} FROM main.{quote_identifier(spec.table)} "
        f"WHERE {layout.key_where()}"
    )
    for change in table_changes(steps, spec.table, after_schema=False):
        side = change.new if change.op == "INSERT" else change.old
        values: tuple[Any, ...] = tuple(side or ())
        rowid = int(values[past.rowid_at])
        if change.op == "INSERT":
            past.rows[rowid] = values
        elif change.op == "DELETE":
            past.rows[rowid] = None
        else:
            known = rowid in past.rows  # changed earlier on the path
            base = past.rows[rowid] if known else _current(conn, lookup, layout, values)
            new = tuple(change.new or ())
            past.rows[rowid] = tuple(
                b if v is apsw.no_change else v for b, v in zip(base or values, new, strict=True)
            )


def _current(
    conn: apsw.Connection, lookup: str, layout: Layout, values: tuple[Any, ...]
) -> tuple[Any, ...] | None:
    key = [values[i] for i in sorted(layout.key)]
    found = conn.execute(lookup, key).fetchone()
    return tuple(found) if found is not None else None


# -- searching the past --------------------------------------------------------------


def past_state(current: State, past: Past) -> State:
    """The index state of the past rows: ``current`` patched (or rebuilt from the image)."""
    import numpy as np

    from zen.vector.lsm import State

    spec = current.spec
    state = State(spec) if past.full else current.copy()
    changed = np.fromiter(past.rows, dtype=np.int64, count=len(past.rows))
    if not past.full:
        state.kill(changed)
    rids, matrix = _vectors(past, spec)
    state.buffer.put_many(rids, matrix)
    return state


def _vectors(past: Past, spec: store.IndexSpec) -> tuple[IntArray, FloatArray]:
    """(rowids, prepared vectors) of the past rows that have a well-formed vector."""
    import numpy as np

    from zen.vector.distance import prepare

    size = spec.dim * 4
    found = [
        (rowid, values[past.vector_at])
        for rowid, values in past.rows.items()
        if values is not None
        and isinstance(values[past.vector_at], bytes)
        and len(values[past.vector_at]) == size
    ]
    ids = np.fromiter((r for r, _ in found), dtype=np.int64, count=len(found))
    packed = np.array([blob for _, blob in found], dtype=f"S{size}")
    raw = packed.view("<f4").reshape(len(found), spec.dim).copy()
    return ids, prepare(raw, spec.metric, in_place=True)


def past_matching(conn: apsw.Connection, spec: store.IndexSpec, past: Past, where: str) -> IntArray:
    """Rowids of the past rows matching the filter ``where`` (already checked)."""
    import numpy as np

    from zen.vector.filter import matching

    parts = [_matching_values(conn, spec, past, where)]
    if not past.full:
        unchanged = matching(conn, spec, where, None)
        parts.append(unchanged[~np.isin(unchanged, np.fromiter(past.rows, dtype=np.int64))])
    return np.concatenate(parts)


def _matching_values(
    conn: apsw.Connection, spec: store.IndexSpec, past: Past, where: str
) -> IntArray:
    """The filter evaluated on the past values: a CTE named like the table, no writes."""
    import numpy as np

    rows = [values for values in past.rows.values() if values is not None]
    names = list(past.columns)
    if "rowid" not in {name.lower() for name in names}:
        # The filter may say rowid (an INTEGER PRIMARY KEY's alias): give the CTE one.
        names.append("rowid")
        rows = [(*values, values[past.rowid_at]) for values in rows]
    width = len(names)
    per_query = max(1, _VALUES_LIMIT // width)
    head = f"WITH {quote_identifier(spec.table)}({', '.join(map(quote_identifier, names))}) AS "
    rid = quote_identifier(names[past.rowid_at])
    found: list[int] = []
    for start in range(0, len(rows), per_query):
        part = rows[start : start + per_query]
        values = ", ".join(f"({', '.join('?' * width)})" for _ in part)
        sql = f"{head}(VALUES {values}) SELECT {rid} FROM {quote_identifier(spec.table)} "
        flat = [value for row in part for value in row]
        found += [r for (r,) in conn.execute(f"{sql}WHERE ({where})", flat)]
    return np.asarray(found, dtype=np.int64)


def past_row(
    conn: apsw.Connection, spec: store.IndexSpec, past: Past, rowid: int
) -> dict[str, Any] | None:
    """Row ``rowid`` as the past state has it (None: no such row there)."""
    if rowid in past.rows:
        values = past.rows[rowid]
        return None if values is None else dict(zip(past.columns, values, strict=True))
    if past.full:
        return None
    result = conn.execute(
        f"SELECT * FROM main.{quote_identifier(spec.table)} WHERE rowid = ?", (rowid,)
    )
    names = [d[0] for d in result.getdescription()]
    found = result.fetchone()
    return None if found is None else dict(zip(names, found, strict=True))
