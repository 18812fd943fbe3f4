"""Readers for imported files: CSV, TSV, JSON arrays, JSON lines and plugin formats.

A reader yields rows in chunks (lists of rows) and reports how far into the
file it is, so the importer can stream them into ``executemany`` with a
progress bar and a Ctrl-C check between chunks. A malformed file raises
:class:`~zen.engine.errors.DataFormatError` naming the file, line and column.
Plugins (:mod:`zen.plugins`) are consulted only for a format name or suffix
that is not built in, so an ordinary import never loads them.

Example:
    >>> reader = open_reader(Path("users.csv"))  # doctest: +SKIP
    >>> reader.header()  # doctest: +SKIP
    ['id', 'name']
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol

from zen.engine.errors import DataFormatError, NotFoundError, UsageError, ZenError, suggest
from zen.io._diagnose import bad_utf8, diagnose_csv
from zen.io._infer import CsvInference, JsonColumns
from zen.io._json import Record, json_array, json_lines

if TYPE_CHECKING:
    from zen.plugins import ImportFormat

InputFormat = Literal["csv", "tsv", "json", "jsonl"]
INPUT_FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "jsonl")
SUFFIXES: dict[str, InputFormat] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_NAMES: dict[str, InputFormat] = {
    "csv": "csv",
    "tsv": "tsv",
    "json": "json",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "jsonlines": "jsonl",
}

CHUNK_ROWS = 4096

Tick = Callable[[int], None]
"""Called between chunks with the number of bytes read; may raise to stop."""


class Reader(Protocol):
    """What the importer needs from a file reader."""

    path: Path
    format: str  # a built-in format or a plugin format's name
    textual: bool  # values may be text: SQLite's column affinity converts them
    header_line: int | None  # the line holding the column names, if the file has one

    def scan(self, tick: Tick) -> list[tuple[str, str]]:
        """Read the whole file once: column names with inferred types."""

    def header(self) -> list[str] | None:
        """Column names known without a full read (CSV), else None."""

    def chunks(self, names: Sequence[str], tick: Tick) -> Iterator[Sequence[Sequence[Any]]]:
        """Rows in file order as sequences of values for ``names``."""

    def line_of(self, index: int) -> int | None:
        """The line where row number ``index`` (0-based) starts (error path)."""


def input_format(path: Path, fmt: str | None = None) -> str:
    """The format named by ``fmt``, else the one the file's suffix implies.

    Built-in names and suffixes win; plugins are asked only about others.

    Raises:
        UsageError: Unknown format, or a suffix that implies none.

    Example:
        >>> input_format(Path("events.ndjson"))
        'jsonl'
    """
    found = _resolve(path, fmt)
    return found if isinstance(found, str) else found.name


def _resolve(path: Path, fmt: str | None) -> InputFormat | ImportFormat:
    """A built-in format's name, or the plugin format."""
    if fmt is not None:
        builtin = _NAMES.get(fmt.lower())
        if builtin is not None:
            return builtin
        plugin = _plugin_format(fmt)
        if plugin is None:
            raise UsageError(f"unknown input format: {fmt}", hint=_choices())
        return plugin
    suffix = path.suffix.lower()
    found = SUFFIXES.get(suffix)
    if found is not None:
        return found
    plugin = _plugin_format(suffix) if suffix else None
    if plugin is None:
        raise UsageError(
            f"cannot tell the format of {path.name} from its suffix",
            hint=f"pass --format: {_choices()}",
        )
    return plugin


def _plugin_format(name: str) -> ImportFormat | None:
    from zen import plugins

    return plugins.import_format(name)


def _choices() -> str:
    from zen.plugins import format_choices

    return format_choices("import", INPUT_FORMATS)


def check_input(path: Path) -> None:
    """Fail early, with a hint, when ``path`` is not a readable file.

    Raises:
        NotFoundError: No such file (``did you mean ...?`` for a near name).
        ZenError: A directory, or a file that cannot be read.
    """
    if path.is_dir():
        raise ZenError(
            f"{path} is a directory, not a file", hint="give the path of a file inside it"
        )
    if not path.exists():
        raise NotFoundError(f"no such file: {path}", hint=_near_file(path))
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ZenError(f"cannot read {path}: {exc.strerror or exc}") from None


def _near_file(path: Path) -> str | None:
    folder = path.parent
    if not folder.is_dir():
        return None
    try:
        names = [p.name for p in folder.iterdir() if p.is_file()]
    except OSError:
        return None
    hint = suggest(path.name, names)
    if hint and str(folder) not in ("", "."):
        hint = hint.replace("did you mean ", f"did you mean {folder}/", 1)
    return hint


def open_reader(path: Path, fmt: str | None = None) -> Reader:
    """A reader for ``path`` in ``fmt`` (default: from the suffix), after checks."""
    chosen = _resolve(path, fmt)
    check_input(path)
    if not isinstance(chosen, str):
        return PluginReader(path, chosen)
    if chosen in ("csv", "tsv"):
        return CsvReader(path, chosen)
    return JsonReader(path, chosen)


@contextmanager
def _text(path: Path) -> Iterator[tuple[IO[bytes], IO[str]]]:
    """The file as text (UTF-8, BOM skipped) and the byte stream under it, for progress."""
    raw = path.open("rb")
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        yield raw, text
    finally:
        text.close()


@contextmanager
def _field_limit() -> Iterator[None]:
    """Lift csv's 128 KiB field limit while reading (a cell may hold a large document)."""
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


# -- CSV / TSV -------------------------------------------------------------------------


class CsvReader:
    """Rows of a CSV or TSV file with a header line; blank lines are skipped."""

    textual = True
    header_line: int | None = 1

    def __init__(self, path: Path, fmt: InputFormat) -> None:
        self.path = path
        self.format: str = fmt
        self.delimiter = "\t" if fmt == "tsv" else ","
        self._header: list[str] | None = None

    def header(self) -> list[str]:
        """The header's column names, checked (non-empty, distinct)."""
        if self._header is None:
            with _text(self.path) as (_raw, text), _field_limit():
                reader = csv.reader(text, delimiter=self.delimiter, strict=True)
                try:
                    first = next(filter(None, reader), None)
                except (csv.Error, UnicodeDecodeError):
                    raise diagnose_csv(self.path, self.delimiter, sys.maxsize) from None
            self._header = _check_header(self.path, first)
        return self._header

    def scan(self, tick: Tick) -> list[tuple[str, str]]:
        """Read every row: the header with each column's inferred type."""
        names = self.header()
        inference = CsvInference(len(names))
        for chunk in self.chunks(names, tick):
            inference.add(chunk)
        return list(zip(names, inference.types(), strict=True))

    def chunks(self, names: Sequence[str], tick: Tick) -> Iterator[Sequence[Sequence[Any]]]:
        """Rows as lists of strings, each checked to have one field per header column."""
        width = len(self.header())
        with _text(self.path) as (raw, text), _field_limit():
            rows = filter(None, csv.reader(text, delimiter=self.delimiter, strict=True))
            try:
                next(rows, None)  # the header
                while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
                    if len(set(map(len, chunk))) != 1 or len(chunk[0]) != width:
                        raise diagnose_csv(self.path, self.delimiter, width)
                    tick(raw.tell())
                    yield chunk
            except (csv.Error, UnicodeDecodeError):
                raise diagnose_csv(self.path, self.delimiter, width) from None

    def line_of(self, index: int) -> int | None:
        """The line where data row ``index`` starts (rows spanning lines count once)."""
        with _text(self.path) as (_raw, text), _field_limit():
            reader = csv.reader(text, delimiter=self.delimiter, strict=True)
            start, seen = 1, -2  # the header is row -1
            for row in reader:
                if row:
                    seen += 1
                    if seen == index:
                        return start
                start = reader.line_num + 1
        return None


def _check_header(path: Path, first: list[str] | None) -> list[str]:
    if not first:
        raise DataFormatError(
            "the file is empty: expected a header line with column names", path=str(path), line=1
        )
    seen: dict[str, int] = {}
    for index, name in enumerate(first, 1):
        if not name.strip():
            raise DataFormatError(
                "empty column name in the header", path=str(path), line=1, column=index
            )
        earlier = seen.setdefault(name.lower(), index)
        if earlier != index:
            raise DataFormatError(
                f"duplicate column name {name!r} (also column {earlier})",
                path=str(path),
                line=1,
                column=index,
                hint="column names must differ (SQLite ignores their case)",
            )
    return first


# -- JSON ------------------------------------------------------------------------------


class JsonReader:
    """Objects of a JSON array or of JSON lines; each object is one row."""

    textual = False
    header_line: int | None = None

    def __init__(self, path: Path, fmt: InputFormat) -> None:
        self.path = path
        self.format: str = fmt

    def header(self) -> None:
        """JSON objects name their keys row by row: a scan is needed."""
        return None

    def scan(self, tick: Tick) -> list[tuple[str, str]]:
        """Every key (in order of first appearance) with the type its values ask for."""
        columns = JsonColumns()
        for line, record in self._records(tick):
            try:
                columns.add(record)
            except ValueError as exc:
                raise DataFormatError(str(exc), path=str(self.path), line=line) from None
        return columns.columns()

    def chunks(self, names: Sequence[str], tick: Tick) -> Iterator[Sequence[Sequence[Any]]]:
        """Rows as tuples in ``names`` order: a missing key is NULL, nested values JSON text."""
        keys = list(names)
        records = (record for _line, record in self._records(tick))
        while chunk := list(itertools.islice(records, CHUNK_ROWS)):
            yield [tuple(json_cell(record.get(key)) for key in keys) for record in chunk]

    def line_of(self, index: int) -> int | None:
        """The line where record ``index`` starts."""
        for number, (line, _record) in enumerate(self._records(_no_tick)):
            if number == index:
                return line
        return None

    def _records(self, tick: Tick) -> Iterator[Record]:
        with _text(self.path) as (raw, text):
            parse = json_lines if self.format == "jsonl" else json_array
            records = parse(text, str(self.path))
            try:
                for count, (line, record) in enumerate(records, 1):
                    if type(record) is not dict:
                        raise DataFormatError(
                            f"expected a JSON object for each row, got {_json_name(record)}",
                            path=str(self.path),
                            line=line,
                        )
                    if count % CHUNK_ROWS == 0:
                        tick(raw.tell())
                    yield line, record
            except UnicodeDecodeError:
                raise _decoding_error(self.path) from None


def json_cell(value: Any) -> Any:
    """A JSON value as SQLite stores it: objects and arrays as JSON text.

    Example:
        >>> json_cell({"a": [1, 2]}), json_cell(True), json_cell(2**64)
        ('{"a":[1,2]}', 1, '18446744073709551616')
    """
    kind = type(value)
    if kind is dict or kind is list:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if kind is bool:
        return int(value)
    if kind is int and not -(2**63) <= value < 2**63:
        return str(value)
    return value


def _json_name(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _decoding_error(path: Path) -> DataFormatError:
    return bad_utf8(path) or DataFormatError("the file is not valid UTF-8", path=str(path))


def _no_tick(_position: int) -> None:
    return None


# -- plugin formats --------------------------------------------------------------------


class PluginReader:
    """Rows from a plugin's import format: ``read(path)`` gives column names and rows.

    Values are stored the way SQLite takes them (:func:`plugin_cell`). Column
    types follow the CSV rules on each value's text form, so a text ``"007"``
    stays TEXT, ``"42"`` or ``42`` make INTEGER, and an empty string is NULL in
    a number column. Rows have no line numbers: errors name the row instead.
    """

    textual = True
    header_line: int | None = None

    def __init__(self, path: Path, spec: ImportFormat) -> None:
        self.path = path
        self.format: str = spec.name
        self._spec = spec
        self._size = path.stat().st_size
        self._header: list[str] | None = None
        self._pending: Iterable[Any] | None = None  # rows of the read that gave the header
        self._total: int | None = None  # rows, once a pass has counted them

    def header(self) -> list[str]:
        """The format's column names, checked (non-empty, distinct)."""
        if self._header is None:
            columns, self._pending = self._read()
            self._header = self._check_columns(columns)
        return self._header

    def scan(self, tick: Tick) -> list[tuple[str, str]]:
        """Read every row: the column names with each column's inferred type."""
        names = self.header()
        inference = CsvInference(len(names))
        for chunk in self.chunks(names, tick):
            inference.add([[_cell_text(value) for value in row] for row in chunk])
        return list(zip(names, inference.types(), strict=True))

    def chunks(self, names: Sequence[str], tick: Tick) -> Iterator[Sequence[Sequence[Any]]]:
        """Rows as tuples of storable values, each checked to have one per column."""
        width = len(self.header())
        rows, self._pending = self._pending, None
        iterator = self._call(iter, rows if rows is not None else self._read()[1])
        done = 0
        while chunk := self._call(list, itertools.islice(iterator, CHUNK_ROWS)):
            yield [self._row(row, width, done + number) for number, row in enumerate(chunk)]
            done += len(chunk)
            tick(self._size * done // self._total if self._total else 0)
        self._total = done
        tick(self._size)

    def line_of(self, index: int) -> int | None:
        """Plugin rows have no known line."""
        return None

    def _read(self) -> tuple[Sequence[Any], Iterable[Any]]:
        found = self._call(self._spec.read, self.path)
        if not (isinstance(found, tuple) and len(found) == 2):
            raise self._failed(TypeError("read() must return (columns, rows)"))
        columns, rows = found
        return columns, rows

    def _call(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run plugin code; its errors (other than zen's own) name the format and file."""
        try:
            return func(*args)
        except ZenError:
            raise
        except Exception as exc:
            raise self._failed(exc) from None

    def _failed(self, exc: Exception) -> DataFormatError:
        return DataFormatError(
            f"the {self.format} reader failed: {type(exc).__name__}: {exc}",
            path=str(self.path),
            hint=f"check that the file is valid {self.format}; if it is, "
            f"{_owner(self.format)} has a bug",
        )

    def _check_columns(self, columns: Any) -> list[str]:
        names = list(columns) if _is_row(columns) else []
        if not names or not all(isinstance(name, str) and name.strip() for name in names):
            wanted = "expected a list of column names"
            raise self._failed(TypeError(f"{wanted}, got the {_value_name(columns)}"))
        seen: dict[str, str] = {}
        for name in names:
            other = seen.get(name.lower())
            seen[name.lower()] = name
            if other is not None:
                raise DataFormatError(
                    f"duplicate column name {name!r} (also {other!r})",
                    path=str(self.path),
                    hint="column names must differ (SQLite ignores their case)",
                )
        return names

    def _row(self, row: Any, width: int, index: int) -> tuple[Any, ...]:
        values = tuple(row) if _is_row(row) else None
        if values is not None and len(values) == width:
            return tuple(map(plugin_cell, values))
        got = f"{len(values)} value(s)" if values is not None else f"the {_value_name(row)}"
        raise DataFormatError(
            f"row {index + 1}: got {got}, expected {width} ({', '.join(self.header())})",
            path=str(self.path),
        )


def plugin_cell(value: Any) -> Any:
    """A value a plugin read, as SQLite stores it (dates and decimals as their text).

    Example:
        >>> plugin_cell(True), plugin_cell({"a": 1}), plugin_cell(2**64), plugin_cell(1.5)
        (1, '{"a":1}', '18446744073709551616', 1.5)
    """
    if value is None or isinstance(value, str | float | bytes):
        return value
    if isinstance(value, bool | int):
        return json_cell(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return str(value)


def _value_name(value: Any) -> str:
    import reprlib

    return f"{type(value).__name__} {reprlib.repr(value)}"


def _is_row(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _cell_text(value: Any) -> str:
    """A stored value's text, for type inference (bytes are never a number)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return repr(value) if isinstance(value, float) else "\x00"


def _owner(name: str) -> str:
    """``plugin 'x'``: the plugin that provides import format ``name``."""
    from zen import plugins

    loaded = plugins.loaded()
    provided = loaded.provided.items() if loaded is not None else ()
    for plugin, hooks in provided:
        if name in hooks.get("zen_import_formats", ()):
            return f"plugin {plugin!r}"
    return "the plugin"
