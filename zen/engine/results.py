"""Results: a statement's rows, streamed from its own APSW cursor.

A :class:`Result` *is* the statement's cursor (a subclass), so iterating it reads
straight from ``sqlite3_step``. Reads run outside any transaction get
:class:`StreamedResult`, iterated by APSW's own C slot (the point-lookup hot path).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import apsw

from zen.engine.errors import ZenError, from_apsw

if TYPE_CHECKING:
    from zen.engine.statements import Statement

Params = Mapping[str, Any] | Sequence[Any] | None
Row = tuple[Any, ...]


class Result(apsw.Cursor):
    """The rows of one statement, streamed from SQLite as they are iterated.

    A result is the statement's own APSW cursor, so rows come straight from SQLite.

    Attributes:
        sql: The statement's text.
        columns: Column names (empty for statements that return no rows).
        read_only: Whether SQLite says the statement does not write.
        changes: Rows changed by an INSERT, UPDATE or DELETE (0 otherwise).

    Example:
        >>> result = engine.query("select 1 as one")  # doctest: +SKIP
        >>> result.columns, list(result)
        (['one'], [(1,)])
    """

    # Class defaults, so the point-lookup path sets nothing it does not need.
    changes = 0
    _consumed = False
    _description: Sequence[tuple[str, str | None]] | None = None  # None: ask when needed
    _read_only: bool | None = None
    _params: Params = None
    _statement: Statement

    @property
    def sql(self) -> str:  # type: ignore[override]
        """The statement's text."""
        return self._statement.text

    @property
    def description(self) -> Sequence[tuple[str, str | None]]:  # type: ignore[override]
        """``(name, declared type)`` for each column."""
        if self._description is None:
            self._description, self._read_only = self._metadata()
        return self._description

    @property
    def read_only(self) -> bool:
        """Whether SQLite says the statement does not write."""
        if self._read_only is None:
            self._description, self._read_only = self._metadata()
        return self._read_only

    @property
    def columns(self) -> list[str]:
        """Column names (empty for statements that return no rows)."""
        return [d[0] for d in self.description]

    @property
    def decltypes(self) -> list[str | None]:
        """Declared types of the columns (None for expressions)."""
        return [d[1] for d in self.description]

    @property
    def has_rows(self) -> bool:
        """True when the statement produces a result set (it has columns)."""
        return bool(self.description)

    def __iter__(self) -> Iterator[Row]:  # type: ignore[override]
        self._take()
        return self._translated()

    def _take(self) -> None:
        if self._consumed:
            raise ZenError("this result has already been read; run the query again")
        self._consumed = True

    def _translated(self) -> Iterator[Row]:
        next_row = apsw.Cursor.__next__
        while True:
            try:
                row = next_row(self)
            except StopIteration:
                return
            except apsw.Error as exc:
                raise from_apsw(exc, sql=self.sql) from None
            yield row

    def _metadata(self) -> tuple[Sequence[tuple[str, str | None]], bool]:
        try:
            return self.get_description(), self.is_readonly
        except apsw.ExecutionCompleteError:
            return statement_metadata(self.connection, self._statement, self._params)

    def dicts(self) -> Iterator[dict[str, Any]]:
        """Rows as ``{column: value}`` dictionaries."""
        names = self.columns
        for row in self:
            yield dict(zip(names, row, strict=True))

    def fetchall(self) -> list[Row]:
        """Every row, as a list (loads the whole result: fine for small ones)."""
        return list(self)

    def scalar(self) -> Any:
        """The first column of the first row, or None when there is no row."""
        for row in self:
            self.close()
            return row[0] if row else None
        return None

    def close(self, force: bool = True) -> None:
        """Stop reading; the statement is finalised."""
        self._consumed = True
        super().close(force=True)

    def drain(self) -> None:
        """Run the statement to the end, dropping its rows (e.g. for RETURNING)."""
        if not self._consumed:
            for _ in self:
                pass


class StreamedResult(Result):
    """A read run outside any transaction: iteration is SQLite's own, with nothing between.

    An error on a later row (an interrupt, a function failing) is raised as APSW's
    exception; errors when the statement starts are zen's, as for every result. Once
    read to the end, iterating again yields nothing (as an APSW cursor does).
    """

    __slots__ = ("_params", "_statement")  # no instance dict to allocate per lookup

    # APSW's own slot: CPython then iterates in C, with no Python call per result.
    __iter__ = apsw.Cursor.__iter__


class BufferedResult(Result):
    """A result whose rows were read already (a wrapped write's RETURNING rows)."""

    _rows: list[Row]

    def __iter__(self) -> Iterator[Row]:  # type: ignore[override]
        self._take()
        return iter(self._rows)

    def close(self, force: bool = True) -> None:
        self._consumed = True
        self._rows = []


def close_results(conn: apsw.Connection) -> None:
    """Close every live :class:`Result` of ``conn`` (rare: only when one was left unread)."""
    import gc

    for thing in gc.get_objects():
        if isinstance(thing, Result):
            with contextlib.suppress(apsw.Error):
                if thing.connection is conn:
                    thing.close()


def statement_metadata(
    conn: apsw.Connection, statement: Statement, params: Any
) -> tuple[Sequence[tuple[str, str | None]], bool]:
    """A statement's columns and read-only flag, from a preparation aborted before it runs."""
    found: list[tuple[Sequence[tuple[str, str | None]], bool]] = []

    def abort(cursor: apsw.Cursor, sql: str, bindings: Any) -> bool:
        found.append((cursor.get_description(), cursor.is_readonly))
        return False

    probe = conn.cursor()
    probe.exec_trace = abort
    try:
        probe.execute(statement.text, params)
    except apsw.Error:
        pass  # ExecTraceAbort, or a schema the statement itself just changed
    return found[0] if found else ((), False)
