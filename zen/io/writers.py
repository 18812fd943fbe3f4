"""Streaming row writers: table, csv, tsv, json, jsonl, markdown.

Every writer consumes rows one at a time, so a result of any size is written
with flat memory. ``zen sql --format``, ``zen export`` and the shell share them.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, Literal

Row = Sequence[Any]
Format = Literal["table", "csv", "tsv", "json", "jsonl", "markdown"]
FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json", "jsonl", "markdown")

_CHUNK = 1000  # rows written per out.write()
_JSON = json.JSONEncoder(ensure_ascii=False)
_TABLE_SAMPLE = 200  # rows read ahead to size the columns of a streamed table
_MAX_CELL = 60


def write_rows(
    columns: Sequence[str],
    rows: Iterable[Row],
    out: IO[str],
    fmt: str = "csv",
    *,
    color: bool = False,
    width: int | None = None,
) -> int:
    """Write ``rows`` to ``out`` in ``fmt``; returns how many rows were written.

    Args:
        columns: Column names (the header).
        rows: Any iterable of row sequences; read once, lazily.
        out: A text stream.
        fmt: One of :data:`FORMATS`.
        color: Style the table format's header and NULLs with ANSI codes.
        width: Terminal width for the table format (cells are clipped to fit).

    Example:
        >>> import io
        >>> buf = io.StringIO()
        >>> write_rows(["a"], [(1,), (None,)], buf, "jsonl")
        2
        >>> buf.getvalue()
        '{"a": 1}\\n{"a": null}\\n'
    """
    if fmt == "table":
        return _write_table(columns, rows, out, color=color, width=width)
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return writer(columns, rows, out)


def text_value(value: Any) -> str:
    """A cell as text for CSV, TSV and Markdown (NULL is empty, blobs are hex)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float):
        return _float_text(value)
    return str(value)


def json_value(value: Any) -> Any:
    """A cell as a JSON value; blobs become ``{"$base64": true, "encoded": ...}``."""
    if isinstance(value, bytes):
        return {"$base64": True, "encoded": base64.b64encode(value).decode("ascii")}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _float_text(value: float) -> str:
    return repr(value) if math.isfinite(value) else ("Inf" if value > 0 else "-Inf")


def _write_delimited(
    columns: Sequence[str], rows: Iterable[Row], out: IO[str], delimiter: str
) -> int:
    # The csv module writes each row with its own write(); sys.stdout is
    # write-through, so rows go to a buffer and out gets one write per chunk.
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    out.write(_take(buffer))
    suspect = _converted_cell(delimiter)
    count = 0
    for chunk in _chunks(rows, _CHUNK):
        writer.writerows(chunk)
        text = _take(buffer)
        if _may_hold_converted(text) and suspect.search(text):
            writer.writerows([list(map(text_value, row)) for row in chunk])
            text = _take(buffer)
        out.write(text)
        count += len(chunk)
    return count


# The csv module writes None as empty, ints with str() and floats with repr(),
# exactly as text_value() does, except for blobs (b'..', quoted "b""..") and
# infinities (inf). So rows go straight to the csv writer, and a chunk is
# rewritten cell by cell only when its text holds a field that starts like one
# of those: a text scan in C instead of a Python call per value.
def _may_hold_converted(text: str) -> bool:
    return "inf" in text or "b'" in text or 'b"' in text


def _converted_cell(delimiter: str) -> re.Pattern[str]:
    d = re.escape(delimiter)
    return re.compile(rf"(?:^|{d})(?:-?inf(?:{d}|$)|\"?b['\"])", re.MULTILINE)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _write_csv(columns: Sequence[str], rows: Iterable[Row], out: IO[str]) -> int:
    return _write_delimited(columns, rows, out, ",")


def _write_tsv(columns: Sequence[str], rows: Iterable[Row], out: IO[str]) -> int:
    return _write_delimited(columns, rows, out, "\t")


def _json_text(columns: Sequence[str], chunk: list[Row], separator: str) -> str:
    encode = _JSON.encode
    try:
        # Without json_value(): a blob raises TypeError, an infinity prints Infinity.
        text = separator.join([encode(dict(zip(columns, row, strict=True))) for row in chunk])
        if "Infinity" not in text:
            return text
    except TypeError:
        pass
    rows = [encode(dict(zip(columns, map(json_value, row), strict=True))) for row in chunk]
    return separator.join(rows)


def _write_jsonl(columns: Sequence[str], rows: Iterable[Row], out: IO[str]) -> int:
    count = 0
    for chunk in _chunks(rows, _CHUNK):
        out.write(_json_text(columns, chunk, "\n") + "\n")
        count += len(chunk)
    return count


def _write_json(columns: Sequence[str], rows: Iterable[Row], out: IO[str]) -> int:
    count = 0
    out.write("[")
    for chunk in _chunks(rows, _CHUNK):
        out.write((",\n " if count else "\n ") + _json_text(columns, chunk, ",\n "))
        count += len(chunk)
    out.write("\n]\n" if count else "]\n")
    return count


def _write_markdown(columns: Sequence[str], rows: Iterable[Row], out: IO[str]) -> int:
    out.write("| " + " | ".join(_md_cell(c) for c in columns) + " |\n")
    out.write("|" + "|".join("---" for _ in columns) + "|\n")
    count = 0
    for chunk in _chunks(rows, _CHUNK):
        out.write("".join(_md_row(row) for row in chunk))
        count += len(chunk)
    return count


def _md_row(row: Row) -> str:
    return "| " + " | ".join(_md_cell(text_value(v)) for v in row) + " |\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


# -- the terminal table ----------------------------------------------------------


def _write_table(
    columns: Sequence[str],
    rows: Iterable[Row],
    out: IO[str],
    *,
    color: bool,
    width: int | None,
) -> int:
    iterator = iter(rows)
    sample = list(itertools.islice(iterator, _TABLE_SAMPLE))
    widths = _column_widths(columns, sample, width)
    style = _Style(color)
    out.write(_border("┌┬┐", widths))
    out.write(_table_line([style.header(c) for c in columns], columns, widths) + "\n")
    out.write(_border("├┼┤", widths))
    count = 0
    for row in itertools.chain(sample, iterator):
        cells = [_cell_text(v) for v in row]
        shown = [style.cell(v, c) for v, c in zip(row, cells, strict=True)]
        right = [isinstance(v, int | float) and not isinstance(v, bool) for v in row]
        out.write(_table_line(shown, cells, widths, right) + "\n")
        count += 1
    out.write(_border("└┴┘", widths))
    return count


def _cell_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"<blob {len(value)} bytes>"
    return text_value(value).replace("\n", "↵")


def _column_widths(columns: Sequence[str], sample: list[Row], width: int | None) -> list[int]:
    widths = [len(c) for c in columns]
    for row in sample:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], min(len(_cell_text(value)), _MAX_CELL))
    if width:
        budget = max(width - 3 * len(widths) - 1, len(widths))
        while sum(widths) > budget and max(widths) > 3:
            widest = widths.index(max(widths))
            widths[widest] -= 1
    return widths


def _border(corners: str, widths: list[int]) -> str:
    left, middle, right = corners[0], corners[1], corners[2]
    return left + middle.join("─" * (w + 2) for w in widths) + right + "\n"


def _table_line(
    shown: list[str], plain: Sequence[str], widths: list[int], right: list[bool] | None = None
) -> str:
    parts = []
    for i, (styled, text, width) in enumerate(zip(shown, plain, widths, strict=True)):
        pad = " " * (width - len(text))
        if len(text) > width:
            parts.append(" " + text[: width - 1] + "… ")
        elif right and right[i]:
            parts.append(" " + pad + styled + " ")
        else:
            parts.append(" " + styled + pad + " ")
    return "│" + "│".join(parts) + "│"


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def header(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def cell(self, value: Any, text: str) -> str:
        if self.color and (value is None or isinstance(value, bytes)):
            return f"\x1b[2m{text}\x1b[0m"
        return text


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


_WRITERS: dict[str, Callable[[Sequence[str], Iterable[Row], IO[str]], int]] = {
    "csv": _write_csv,
    "tsv": _write_tsv,
    "json": _write_json,
    "jsonl": _write_jsonl,
    "markdown": _write_markdown,
}
