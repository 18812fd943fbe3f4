"""Importing CSV, TSV, JSON, JSON-lines and plugin-format files into a table, atomically.

A new table gets its column types from a first pass over the whole file (see
:mod:`zen.io._infer`); an existing table receives the file's columns by name.
Rows stream from the reader into one ``executemany``: SQLite's column affinity
turns numeric text into numbers, so Python does no per-value work for CSV.
Everything runs in one transaction: a bad row, a lock or Ctrl-C leaves the
database exactly as it was (a table created by the import disappears too).

Example:
    >>> with zen.open("app.db") as db:  # doctest: +SKIP
    ...     db.import_file("users", "users.csv", pk=["id"]).rows
    1000
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import apsw

from zen.engine import catalog
from zen.engine.catalog import quote_identifier
from zen.engine.core import Engine
from zen.engine.errors import (
    DataFormatError,
    InterruptedError_,
    SqlError,
    UsageError,
    ZenError,
    from_apsw,
    suggest,
)
from zen.engine.interrupt import InterruptGuard
from zen.io._infer import INTEGER, TEXT
from zen.io.readers import Reader, Tick, open_reader

# Share of the progress bar given to the first (type inference) pass.
_SCAN_SHARE = 0.35


@dataclass(frozen=True)
class ImportReport:
    """What an import did.

    Attributes:
        table: The table's exact name.
        path: The imported file.
        format: ``csv``, ``tsv``, ``json``, ``jsonl`` or a plugin format's name.
        rows: Rows inserted.
        created: True when the import created the table.
        columns: ``(name, declared type)`` of the columns filled from the file.
    """

    table: str
    path: str
    format: str
    rows: int
    created: bool
    columns: list[tuple[str, str]]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description, for ``zen import --json``."""
        return {
            "table": self.table,
            "file": self.path,
            "format": self.format,
            "rows": self.rows,
            "created": self.created,
            "columns": [{"name": name, "type": kind} for name, kind in self.columns],
        }


@dataclass(frozen=True)
class _Plan:
    """Where each column of the file goes."""

    table: str
    names: list[str]  # the file's column names (CSV header, JSON keys)
    targets: list[str]  # the table's columns, in the same order
    types: list[str]  # declared types of the targets
    create_sql: str | None  # set when the table must be created
    # Target column (lower case) -> an SQL function each value goes through on insert.
    functions: Mapping[str, str] = field(default_factory=dict)


def import_file(
    engine: Engine,
    table: str,
    path: Path,
    *,
    fmt: str | None = None,
    pk: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
    functions: Mapping[str, str] | None = None,
) -> ImportReport:
    """Load ``path`` into ``table`` atomically (created when missing).

    Args:
        engine: An open, writable engine.
        table: Target table; created with inferred column types when missing.
        path: The file to read.
        fmt: ``csv``, ``tsv``, ``json``, ``jsonl`` or a plugin import format's
            name (:mod:`zen.plugins`); default from the suffix.
        pk: Primary-key column(s) for a new table.
        progress: Called between chunks with the bytes processed so far, out of
            the file's size (the type-inference pass counts for a share of it).
        functions: ``{column: SQL function}`` applied to that column's values when the
            table exists (e.g. ``vec`` turns JSON arrays into vector BLOBs).

    Raises:
        DataFormatError: Malformed input or a row SQLite rejects (file, line, column).
        UsageError: Bad format name, ``pk`` for an existing table, unknown ``pk`` column.
        InterruptedError_: Ctrl-C; nothing was imported.

    Example:
        >>> import_file(db.engine, "users", Path("users.csv")).columns  # doctest: +SKIP
        [('id', 'INTEGER'), ('name', 'TEXT')]
    """
    if catalog.is_internal(table):
        raise UsageError(f"{table} is an internal name (sqlite_*, _zen_*)", hint="pick another")
    reader = open_reader(path, fmt)
    size = path.stat().st_size
    with _gc_paused(), InterruptGuard(_interrupter(engine)) as guard:
        ticks = _Ticks(guard, progress, size, table)
        try:
            return _import(engine, table, reader, pk or [], ticks, functions or {})
        except InterruptedError_:
            raise ticks.interrupted() from None


def _interrupter(engine: Engine) -> Callable[[], None]:
    def interrupt() -> None:
        try:
            engine.interrupt()
        except apsw.Error:
            pass  # the guard's thread can run after the connection closed: nothing to cancel

    return interrupt


def _import(
    engine: Engine,
    table: str,
    reader: Reader,
    pk: list[str],
    ticks: _Ticks,
    functions: Mapping[str, str],
) -> ImportReport:
    existing = _existing_table(engine.conn, table)
    if existing is not None and pk:
        raise UsageError(
            f"--pk applies to a new table, and {existing} already exists",
            hint="drop --pk to append to it",
        )
    header = reader.header()
    if pk and header is not None:
        _resolve_pk(header, pk, reader.path)  # a typo fails before a pass over the file
    # The inference pass runs before the write lock is taken, so other writers wait less.
    scanned = None if existing else reader.scan(ticks.phase(0.0, _SCAN_SHARE))
    two_passes = scanned is not None or header is None
    with engine.transaction():
        existing = _existing_table(engine.conn, table)  # another writer may have created it
        if existing is None:
            columns = scanned if scanned is not None else reader.scan(ticks.phase(0, 0))
            plan = _create_plan(table, reader, columns, pk)
            _execute(engine, plan.create_sql or "")
        else:
            plan = _append_plan(engine.conn, existing, reader, ticks.phase(0.0, _SCAN_SHARE))
            wanted = {name.lower(): fn for name, fn in functions.items()}
            plan = replace(plan, functions=wanted)
        start = _SCAN_SHARE if two_passes else 0.0
        rows = _insert(engine, plan, reader, ticks.phase(start, 1.0 - start))
    columns = list(zip(plan.targets, plan.types, strict=True))
    return ImportReport(
        plan.table, str(reader.path), reader.format, rows, plan.create_sql is not None, columns
    )


def _execute(engine: Engine, sql: str) -> None:
    # Through the engine (not the raw connection) so history records the DDL.
    engine.query(sql).drain()


def _existing_table(conn: apsw.Connection, table: str) -> str | None:
    for obj in catalog.objects(conn):
        if obj.type in ("table", "view") and obj.name.lower() == table.lower():
            if obj.type == "view":
                raise UsageError(f"{obj.name} is a view: import into a table")
            return obj.name
    return None


# -- plans -----------------------------------------------------------------------------


def _create_plan(
    table: str, reader: Reader, columns: list[tuple[str, str]], pk: list[str]
) -> _Plan:
    if not columns:
        raise DataFormatError(
            "no columns to import: the file holds no rows with keys", path=str(reader.path)
        )
    names = [name for name, _ in columns]
    types = [kind for _, kind in columns]
    _check_distinct(names, reader.path)
    keys = _resolve_pk(names, pk, reader.path)
    return _Plan(table, names, names, types, create_table_sql(table, columns, keys))


def _check_distinct(names: list[str], path: Path) -> None:
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(name.lower(), name)
        if other != name:
            raise DataFormatError(
                f"keys {other!r} and {name!r} differ only in case",
                path=str(path),
                hint="SQLite column names ignore case: rename one of them",
            )


def create_table_sql(table: str, columns: Sequence[tuple[str, str]], pk: Sequence[str]) -> str:
    """``CREATE TABLE`` for imported columns; a single INTEGER key becomes the rowid.

    Example:
        >>> print(create_table_sql("t", [("id", "INTEGER"), ("a b", "TEXT")], ["id"]))
        CREATE TABLE "t" (
          "id" INTEGER PRIMARY KEY,
          "a b" TEXT
        )
    """
    rowid_key = len(pk) == 1 and dict(columns).get(pk[0]) == INTEGER
    parts = []
    for name, kind in columns:
        suffix = " PRIMARY KEY" if rowid_key and name == pk[0] else ""
        parts.append(f"{quote_identifier(name)} {kind}{suffix}")
    if pk and not rowid_key:
        parts.append(f"PRIMARY KEY ({', '.join(map(quote_identifier, pk))})")
    body = ",\n  ".join(parts)
    return f"CREATE TABLE {quote_identifier(table)} (\n  {body}\n)"


def _resolve_pk(names: list[str], pk: list[str], path: Path) -> list[str]:
    by_lower = {name.lower(): name for name in names}
    keys: list[str] = []
    for wanted in pk:
        found = by_lower.get(wanted.lower())
        if found is None:
            raise UsageError(
                f"--pk {wanted}: {path.name} has no such column",
                hint=suggest(wanted, names) or f"columns: {', '.join(names)}",
            )
        if found not in keys:
            keys.append(found)
    return keys


def _append_plan(conn: apsw.Connection, table: str, reader: Reader, tick: Tick) -> _Plan:
    header = reader.header()
    names = header if header is not None else [name for name, _ in reader.scan(tick)]
    if not names:
        raise DataFormatError("no columns to import: the file holds no keys", path=str(reader.path))
    columns = {c.name.lower(): c for c in catalog.columns(conn, table) if not c.hidden}
    targets, types = [], []
    for index, name in enumerate(names, 1):
        column = columns.get(name.lower())
        if column is None:
            raise _unknown_column(reader, table, name, index, [c.name for c in columns.values()])
        targets.append(column.name)
        types.append(column.type)
    return _Plan(table, names, targets, types, None)


def _unknown_column(
    reader: Reader, table: str, name: str, index: int, known: list[str]
) -> DataFormatError:
    header = reader.header() is not None
    return DataFormatError(
        f"{'column' if header else 'key'} {name!r} is not a column of table {table}",
        path=str(reader.path),
        line=reader.header_line,
        column=index if header else None,
        hint=suggest(name, known) or f"add it first: ALTER TABLE ... ADD COLUMN {name}",
    )


# -- inserting -------------------------------------------------------------------------


def insert_sql(plan: _Plan, textual: bool) -> str:
    """The INSERT for a plan; empty text becomes NULL in columns that are not TEXT."""
    values = []
    for target, kind in zip(plan.targets, plan.types, strict=True):
        empty_is_null = textual and affinity(kind) != TEXT
        value = "NULLIF(?, '')" if empty_is_null else "?"
        function = plan.functions.get(target.lower())
        values.append(f"{function}({value})" if function else value)
    columns = ", ".join(map(quote_identifier, plan.targets))
    return f"INSERT INTO {quote_identifier(plan.table)} ({columns}) VALUES ({', '.join(values)})"


def affinity(declared: str) -> str:
    """SQLite's column affinity for a declared type (section 3.1 of its datatype docs).

    Example:
        >>> affinity("VARCHAR(20)"), affinity("BIGINT"), affinity("DOUBLE"), affinity("")
        ('TEXT', 'INTEGER', 'REAL', 'BLOB')
    """
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return "TEXT"
    if "BLOB" in upper or not upper:
        return "BLOB"
    if "REAL" in upper or "FLOA" in upper or "DOUB" in upper:
        return "REAL"
    return "NUMERIC"


class _Cursor:
    """Flattens chunks into rows for ``executemany`` and knows which row is current."""

    def __init__(self, chunks: Iterable[Sequence[Sequence[Any]]]) -> None:
        self._chunks = chunks
        self.done = 0  # rows of the chunks before the current one
        self._rows: Iterator[Sequence[Any]] = iter(())
        self._size = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for chunk in self._chunks:
            self._rows, self._size = iter(chunk), len(chunk)
            yield from self._rows
            self.done += self._size
            self._size = 0

    def current(self) -> int:
        """Index of the row handed out last (a list iterator knows how many remain)."""
        remaining: int = self._rows.__length_hint__()  # type: ignore[attr-defined]
        return self.done + self._size - remaining - 1


def _insert(engine: Engine, plan: _Plan, reader: Reader, tick: Tick) -> int:
    rows = _Cursor(reader.chunks(plan.names, tick))
    sql = insert_sql(plan, reader.textual)

    def run(batch: Iterable[Sequence[Any]]) -> None:
        for _ in engine.conn.cursor().executemany(sql, batch):
            pass

    try:
        # Through the engine: with history on, a long insert is recorded by rowid range.
        engine.executemany(sql, rows, run=run)
    except (apsw.Error, UnicodeError) as exc:
        raise _rejected(exc, engine, plan, reader, rows.current()) from None
    return rows.done


def _rejected(exc: Exception, engine: Engine, plan: _Plan, reader: Reader, index: int) -> ZenError:
    if not isinstance(exc, apsw.Error):
        return DataFormatError(f"cannot store a value: {exc}", path=str(reader.path))
    error = from_apsw(exc, path=engine.path)
    if not isinstance(error, SqlError):
        return error  # locked, read-only, interrupted: not the row's fault
    column = None
    for number, target in enumerate(plan.targets, 1):
        if f"{plan.table}.{target}".lower() in error.message.lower():
            column = number
    line = reader.line_of(index)
    row = "row" if line is not None else f"row {index + 1}"  # no line: name the row
    return DataFormatError(
        f"{row} rejected: {error.message}",
        path=str(reader.path),
        line=line,
        column=column,
        hint="nothing was imported; fix the row and run the import again",
    )


# -- progress, Ctrl-C, speed -----------------------------------------------------------


class _Ticks:
    """Progress callbacks for each pass, which also stop the import on Ctrl-C."""

    def __init__(
        self,
        guard: InterruptGuard,
        progress: Callable[[int], None] | None,
        size: int,
        table: str,
    ) -> None:
        self.guard = guard
        self.progress = progress
        self.size = size
        self.table = table

    def phase(self, start: float, share: float) -> Tick:
        """A tick for one pass over the file, filling ``share`` of the bar from ``start``."""

        def tick(position: int) -> None:
            if self.guard.interrupted:
                raise self.interrupted()
            if self.progress is not None:
                done = self.size * start + min(position, self.size) * share
                self.progress(int(done))

        return tick

    def interrupted(self) -> InterruptedError_:
        """The error for Ctrl-C: the transaction rolled back, nothing changed."""
        return InterruptedError_(
            f"interrupted: the import into {self.table} was cancelled and nothing was written"
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: rows are lists, and a bulk load makes
    millions of them, none in a cycle; collecting every few thousand costs a third
    of the parse time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
