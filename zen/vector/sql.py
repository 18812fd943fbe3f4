"""SQL functions: ``vec_search`` (table-valued), ``vec_distance`` and ``vec``.

They are registered on a connection by :func:`register`; numpy and Annoy are
imported on the first call, not at registration, so opening a database with
vector indexes stays cheap for statements that do not use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import apsw

from zen.engine.errors import ZenError

if TYPE_CHECKING:
    from zen.vector.manager import VectorLayer


def register(conn: apsw.Connection, layer: VectorLayer) -> None:
    """Add ``vec``, ``vec_distance`` and ``vec_search`` to ``conn``."""
    scalar: Any = conn.create_scalar_function  # typeshed's callback type is too narrow
    scalar("vec", _vec, 1, deterministic=True)
    scalar("vec_distance", _vec_distance, 3, deterministic=True)
    scalar("vec_distance", _vec_distance, 2, deterministic=True)
    module: Any = _SearchModule(layer)
    conn.create_module("vec_search", module, eponymous=True, eponymous_only=True, read_only=True)


# The table-valued function's columns; the hidden ones are its arguments, in order.
_SCHEMA = (
    "CREATE TABLE x(rowid_ INTEGER, distance REAL, tbl HIDDEN, query HIDDEN, k HIDDEN, "
    "filter HIDDEN, exact HIDDEN, as_of HIDDEN)"
)
_FIRST_ARG, _REQUIRED = 2, 2  # table and query are required
_ARGS = 6


class _SearchModule:
    """``vec_search(table, query, k[, filter[, exact[, as_of]]])``: (rowid, distance) rows.

    ``as_of`` (a revision) searches the rows of that past state; it can also be
    given as a constraint on the hidden column: ``... v WHERE v.as_of = 'HEAD~2'``.

    Written against APSW's virtual-table protocol directly (rather than
    ``apsw.ext``) so registering it costs nothing at start-up.
    """

    def __init__(self, layer: VectorLayer) -> None:
        self.layer = layer

    def Connect(self, *_: Any) -> tuple[str, _SearchTable]:  # APSW calls these by name
        return _SCHEMA.replace("rowid_", "rowid"), _SearchTable(self.layer)

    Create = Connect


class _SearchTable:
    def __init__(self, layer: VectorLayer) -> None:
        self.layer = layer

    def BestIndex(self, constraints: Any, _orderbys: Any) -> Any:
        found: dict[int, int] = {}  # argument number -> constraint position
        for i, (column, op) in enumerate(constraints):
            arg = column - _FIRST_ARG
            if 0 <= arg < _ARGS and op == apsw.SQLITE_INDEX_CONSTRAINT_EQ:
                found[arg] = i
        if 0 not in found or 1 not in found:
            raise apsw.SQLError("vec_search needs a table and a query: vec_search('t', :q, k)")
        used: list[Any] = [None] * len(constraints)
        for argv, arg in enumerate(sorted(found)):
            used[found[arg]] = (argv, True)  # Filter gets the values in argument order
        seen = sum(1 << arg for arg in found)
        return (used, seen, None, False, 10.0)

    def Open(self) -> _SearchCursor:
        return _SearchCursor(self.layer)

    def Disconnect(self) -> None:
        return None

    Destroy = Disconnect


class _SearchCursor:
    def __init__(self, layer: VectorLayer) -> None:
        self.layer = layer
        self.rows: list[tuple[int, float]] = []
        self.at = 0

    def Filter(self, seen: int, _name: Any, values: Any) -> None:
        args: list[Any] = [None] * _ARGS
        for arg, value in zip((a for a in range(_ARGS) if seen >> a & 1), values, strict=True):
            args[arg] = value
        table, query, k, where, exact, as_of = args
        try:
            index = self.layer.index(str(table))
            count = 10 if k is None else int(k)
            past = None if as_of is None else str(as_of)
            # No history sync here: it may write, and a statement is running.
            hits = index._search(query, count, where, bool(exact), past, sync=False)
        except ZenError as exc:
            # SQLite shows the message; the hint is folded in so it is not lost.
            raise apsw.SQLError(exc.message + (f" ({exc.hint})" if exc.hint else "")) from None
        self.rows = [(hit.rowid, hit.distance) for hit in hits]
        self.at = 0

    def Eof(self) -> bool:
        return self.at >= len(self.rows)

    def Rowid(self) -> int:
        return self.rows[self.at][0]

    def Column(self, number: int) -> Any:
        if number == -1:
            return self.rows[self.at][0]
        return self.rows[self.at][number] if number < 2 else None

    def Next(self) -> None:
        self.at += 1

    def Close(self) -> None:
        self.rows = []


def _vec(value: Any) -> bytes | None:
    from zen.vector.codec import to_blob

    if value is None:
        return None
    try:
        return to_blob(value)
    except ZenError as exc:
        raise apsw.SQLError(f"vec(): {exc.message}") from None


def _vec_distance(a: Any, b: Any, metric: str = "cosine") -> float | None:
    from zen.vector.codec import check_metric, to_array
    from zen.vector.distance import scalar_distance

    if a is None or b is None:
        return None
    try:
        left, right = to_array(a), to_array(b)
        if left.shape != right.shape:
            raise ZenError(f"vectors of {left.shape[0]} and {right.shape[0]} dimensions")
        return scalar_distance(left, right, check_metric(str(metric)))
    except ZenError as exc:
        raise apsw.SQLError(f"vec_distance(): {exc.message}") from None
