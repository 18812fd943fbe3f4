"""The rows behind the results grid: fetched a page at a time, memory kept flat.

A :class:`RowSource` runs one statement and reads its first page at once. Later pages
come from the same cursor while the user scrolls forward; pages far from the view are
dropped, and a dropped page (or a jump far ahead) is read again with
``LIMIT ... OFFSET`` around the query, which is possible for any read-only SELECT.
Statements that cannot be re-run (writes with RETURNING, PRAGMAs) keep every page.

Plain Python, no Textual: tested and benchmarked on its own.

Example:
    >>> import zen
    >>> db = zen.open(":memory:")
    >>> source = RowSource(db, "select value from generate_series(1, 1000)", page_size=100)
    >>> source.row(250)
    (251,)
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zen.engine.catalog import quote_identifier
from zen.engine.statements import strip_leading_comments

if TYPE_CHECKING:
    from zen.api import Database
    from zen.engine.core import Params, Result

Row = tuple[Any, ...]

_WRAPPABLE = re.compile(r"(SELECT|VALUES|WITH)\b", re.IGNORECASE)
_COMPARISON = re.compile(r"^\s*(<=|>=|!=|<>|=|<|>)\s*(.*)$", re.DOTALL)
_JUMP_PAGES = 4  # further ahead than this, OFFSET beats stepping the cursor
_LOCKS: weakref.WeakKeyDictionary[Database, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def db_lock(db: Database) -> threading.RLock:
    """The lock every worker thread holds while it uses ``db``.

    An APSW connection refuses a call while another thread is inside one
    (``ThreadingViolationError``), so the TUI's workers take turns; the UI thread
    never waits on it (``Database.interrupt`` needs no lock).
    """
    with _LOCKS_GUARD:
        lock = _LOCKS.get(db)
        if lock is None:
            lock = _LOCKS[db] = threading.RLock()
        return lock


def bare_statement(sql: str) -> str:
    """``sql`` without surrounding blanks and trailing semicolons.

    Example:
        >>> bare_statement(" select 1; ")
        'select 1'
    """
    return sql.strip().rstrip(";").rstrip()


def wrappable(sql: str) -> bool:
    """True when ``sql`` can sit inside ``SELECT * FROM (...)`` (a SELECT, VALUES or WITH).

    Example:
        >>> wrappable("-- note\\nselect 1"), wrappable("pragma table_info(t)")
        (True, False)
    """
    return bool(_WRAPPABLE.match(strip_leading_comments(sql)))


@dataclass(frozen=True)
class View:
    """How the grid shows a query: sorted by a column and filtered on one.

    Attributes:
        sort: ``(column index, descending)`` or None.
        filters: ``{column name: text}``; text starting with ``=``, ``<``, ``>``,
            ``!=`` compares, anything else matches as a substring.
    """

    sort: tuple[int, bool] | None = None
    filters: tuple[tuple[str, str], ...] = ()

    def sorted_by(self, column: int) -> View:
        """Sorted by ``column``: ascending first, then descending, then unsorted."""
        if self.sort is None or self.sort[0] != column:
            return View((column, False), self.filters)
        if not self.sort[1]:
            return View((column, True), self.filters)
        return View(None, self.filters)

    def filtered(self, column: str, text: str) -> View:
        """With ``column``'s filter set to ``text`` (removed when blank)."""
        rest = tuple((c, t) for c, t in self.filters if c != column)
        return View(self.sort, (*rest, (column, text)) if text.strip() else rest)


def wrap(sql: str, view: View) -> tuple[str, list[Any]]:
    """``sql`` wrapped so SQLite sorts and filters it; returns the text and its parameters.

    The ORDER BY uses the column's position, which also works for duplicate names.

    Example:
        >>> wrap("select a from t", View((0, True), (("a", "x"),)))[0].split()[-6:]
        ['LIKE', '?', 'ORDER', 'BY', '1', 'DESC']
    """
    if view.sort is None and not view.filters:
        return sql, []
    clauses, params = [], []
    for column, text in view.filters:
        clause, value = _condition(quote_identifier(column), text)
        clauses.append(clause)
        params.append(value)
    out = f"SELECT * FROM (\n{bare_statement(sql)}\n)"
    if clauses:
        out += " WHERE " + " AND ".join(clauses)
    if view.sort is not None:
        out += f" ORDER BY {view.sort[0] + 1}{' DESC' if view.sort[1] else ''}"
    return out, params


def _condition(column: str, text: str) -> tuple[str, Any]:
    found = _COMPARISON.match(text)
    if found is None:
        return f"CAST({column} AS TEXT) LIKE ?", f"%{text.strip()}%"
    operator, value = found.group(1), found.group(2).strip()
    return f"{column} {operator} ?", _number(value)


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class RowSource:
    """The rows of one statement, read page by page as they are asked for.

    Args:
        db: The database.
        sql: One statement (it runs at once: a write happens here).
        params: Its parameters.
        page_size: Rows per page.
        max_pages: Pages kept in memory for a re-runnable query.

    Attributes:
        columns: The result's column names (empty for a statement without rows).
        decltypes: Each column's declared type (None for an expression).
        changes: Rows changed by a write.
        known: Rows known to exist so far.
        complete: True once the last row has been seen (``known`` is then the total).
    """

    def __init__(
        self,
        db: Database,
        sql: str,
        params: Params = None,
        *,
        page_size: int = 200,
        max_pages: int = 40,
    ) -> None:
        self.db, self.sql, self.params = db, bare_statement(sql), params
        self.page_size, self.max_pages = page_size, max_pages
        self._lock = db_lock(db)
        self._pages_lock = threading.Lock()  # the UI thread reads pages: never the DB lock
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        with self._lock:
            self._start(db, params)

    def _start(self, db: Database, params: Params) -> None:
        result = db.sql(self.sql, params)
        self.columns: list[str] = list(result.columns)
        self.decltypes: list[str | None] = [declared for _, declared in result.description]
        self.changes = result.changes
        self.rerunnable = result.read_only and wrappable(self.sql)
        self._result: Result | None = result if result.has_rows else None
        self._cursor: Iterator[Row] | None = iter(result) if result.has_rows else None
        self._at = 0  # index of the row the cursor yields next
        self.known = 0
        self.complete = not result.has_rows
        if result.has_rows:
            self.page(0)

    # -- reading -------------------------------------------------------------------

    def row(self, index: int) -> Row | None:
        """Row ``index`` (fetching its page), or None past the end."""
        rows = self.page(index // self.page_size)
        offset = index % self.page_size
        return rows[offset] if offset < len(rows) else None

    def cached_row(self, index: int) -> Row | None:
        """Row ``index`` when its page is in memory, else None (never touches SQLite)."""
        with self._pages_lock:
            rows = self._pages.get(index // self.page_size)
        if rows is None:
            return None
        offset = index % self.page_size
        return rows[offset] if offset < len(rows) else None

    def has_page(self, number: int) -> bool:
        """True when page ``number`` is in memory."""
        with self._pages_lock:
            return number in self._pages

    def page(self, number: int) -> list[Row]:
        """The rows of page ``number`` (empty past the end)."""
        with self._lock:
            with self._pages_lock:
                if number in self._pages:
                    self._pages.move_to_end(number)
                    return self._pages[number]
            rows = self._read(number)
            self._keep(number, rows)
            return rows

    def rows(self, start: int = 0) -> Iterator[Row]:
        """Every row from ``start`` on, page by page (for copying and exporting)."""
        number = start // self.page_size
        skip = start % self.page_size
        while True:
            rows = self.page(number)
            yield from rows[skip:]
            if len(rows) < self.page_size:
                return
            number, skip = number + 1, 0

    def count(self) -> int:
        """The total number of rows (counted by SQLite when not all were read yet)."""
        if self.complete or not self.rerunnable:
            while not self.complete and self._cursor is not None:
                self.page(self.known // self.page_size)
            return self.known
        with self._lock:
            sql = f"SELECT count(*) FROM (\n{self.sql}\n)"
            self.known, self.complete = int(self.db.sql(sql, self.params).scalar()), True
        return self.known

    def detach(self) -> None:
        """Close the cursor; later pages are read with OFFSET (before another statement runs)."""
        with self._lock:
            if self.rerunnable and self._result is not None:
                self._result.close()
                self._result = self._cursor = None

    def close(self) -> None:
        """Close the cursor and drop every page."""
        with self._lock:
            if self._result is not None:
                self._result.close()
            self._result = self._cursor = None
            with self._pages_lock:
                self._pages.clear()

    # -- internals -----------------------------------------------------------------

    def _read(self, number: int) -> list[Row]:
        start = number * self.page_size
        near = not self.rerunnable or start - self._at <= _JUMP_PAGES * self.page_size
        if self._cursor is not None and self._at <= start and near:
            return self._from_cursor(start)
        if not self.rerunnable:
            return []  # a one-shot cursor that has ended: nothing past it
        return self._from_offset(start)

    def _from_cursor(self, start: int) -> list[Row]:
        """Step the cursor to ``start`` (keeping the pages it passes) and read a page."""
        assert self._cursor is not None
        while self._at < start:
            passed = self._at // self.page_size
            self._keep(passed, self._take(self.page_size))
            if self._cursor is None:
                return []
        return self._take(self.page_size)

    def _take(self, n: int) -> list[Row]:
        assert self._cursor is not None
        rows: list[Row] = []
        for row in self._cursor:
            rows.append(row)
            if len(rows) == n:
                break
        self._at += len(rows)
        self._seen(self._at, ended=len(rows) < n)
        if len(rows) < n:
            self._result = self._cursor = None
        return rows

    def _from_offset(self, start: int) -> list[Row]:
        sql = f"SELECT * FROM (\n{self.sql}\n) LIMIT {self.page_size} OFFSET {start}"
        rows = self.db.sql(sql, self.params).fetchall()
        ended = 0 < len(rows) < self.page_size or (not rows and start <= self.known)
        self._seen(start + len(rows), ended=ended)
        return rows

    def _seen(self, end: int, *, ended: bool) -> None:
        if end > self.known:
            self.known = end
        if ended:
            self.complete = True

    def _keep(self, number: int, rows: list[Row]) -> None:
        with self._pages_lock:
            self._pages[number] = rows
            self._pages.move_to_end(number)
            if not self.rerunnable:
                return  # cannot be read again: every page stays
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)


def cell_text(value: Any, limit: int = 80) -> str:
    """A value as the grid shows it: NULL, BLOB sizes, one line, clipped.

    Example:
        >>> cell_text(None), cell_text(b"abc"), cell_text("a\\nb")
        ('NULL', '<3 bytes>', 'a↵b')
    """
    if value is None:
        return "NULL"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    text = str(value).replace("\n", "↵").replace("\t", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def row_text(columns: Sequence[str], row: Row) -> str:
    """A row as tab-separated text (what "copy row" puts on the clipboard).

    Example:
        >>> row_text(["a", "b"], (1, None))
        '1\\tNULL'
    """
    return "\t".join(cell_text(v, 10_000) for v in row)
