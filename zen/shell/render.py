"""Result modes: grids (box, table), list, csv, tsv, line, and the shared writers.

Every mode streams: rows are written as they are read, so a result of any size
prints with flat memory. The grids size their columns from the first rows
(:data:`SAMPLE_ROWS`) and clip what is wider later, as a pager would.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> render(["id", "name"], [(1, "ada")], out, mode="table")
    1
    >>> print(out.getvalue(), end="")
    +----+------+
    | id | name |
    +----+------+
    |  1 | ada  |
    +----+------+
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Protocol, cast

from zen.io.writers import text_value, write_rows

SAMPLE_ROWS = 200  # rows read ahead to size a grid's columns
MAX_CELL = 80  # widest a grid cell grows before it is clipped with "…"
_BLOB_PREVIEW = 16  # blobs up to this many bytes show as X'..' in grids
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_Cell = tuple[str, bool, str]  # text, right-aligned, ANSI style ("" for none)


class TextSink(Protocol):
    """Anything text can be written to (a file, a pager pipe, a buffer)."""

    def write(self, text: str, /) -> int:
        """Write ``text``; returns the number of characters written."""


@dataclass(frozen=True)
class _Borders:
    top: str
    middle: str
    bottom: str
    vertical: str
    horizontal: str


_BOX = _Borders("┌┬┐", "├┼┤", "└┴┘", "│", "─")
_ASCII = _Borders("+++", "+++", "+++", "|", "-")


def render(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    out: TextSink,
    *,
    mode: str = "box",
    headers: bool = True,
    width: int | None = None,
    color: bool = False,
    nullvalue: str | None = None,
) -> int:
    """Write ``rows`` to ``out`` in ``mode``; returns how many rows were written.

    Args:
        columns: Column names.
        rows: Row sequences, read once and lazily.
        out: Where the text goes.
        mode: One of :data:`zen.shell.settings.MODES`.
        headers: Column names in list, csv and tsv modes (grids always show them).
        width: Terminal width: grid columns shrink to fit it.
        color: Bold headers and dim NULLs with ANSI codes (grids only).
        nullvalue: Text for NULL; None means ``NULL`` in grids and empty elsewhere.
    """
    if mode in ("box", "table"):
        grid = _Grid(_BOX if mode == "box" else _ASCII, color, nullvalue or "NULL")
        return grid.write(columns, rows, out, width)
    null = nullvalue or ""
    if mode == "list":
        return _write_list(columns, rows, out, headers, null)
    if mode in ("csv", "tsv"):
        return _write_delimited(columns, rows, out, "," if mode == "csv" else "\t", headers, null)
    if mode == "line":
        return _write_line(columns, rows, out, null)
    return write_rows(columns, rows, cast("IO[str]", out), mode)


def _text(value: Any, null: str) -> str:
    return null if value is None else text_value(value)


def _write_list(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextSink, headers: bool, null: str
) -> int:
    if headers:
        out.write("|".join(columns) + "\n")
    count = 0
    for row in rows:
        out.write("|".join(_text(v, null) for v in row) + "\n")
        count += 1
    return count


def _write_delimited(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    out: TextSink,
    delimiter: str,
    headers: bool,
    null: str,
) -> int:
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    if headers:
        writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_text(v, null) for v in row])
        count += 1
    return count


def _write_line(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextSink, null: str
) -> int:
    pad = max((len(c) for c in columns), default=0)
    count = 0
    for row in rows:
        if count:
            out.write("\n")
        for name, value in zip(columns, row, strict=True):
            out.write(f"{name:>{pad}} = {_text(value, null)}\n")
        count += 1
    return count


# -- grids -----------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (wide East Asian characters count two)."""
    if text.isascii():
        return len(text)
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)


def _clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, ending in "…" when something was cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        step = display_width(char)
        if used + step > width - 1:
            break
        out.append(char)
        used += step
    return "".join(out) + "…"


def _share_spare(widths: list[int], budget: int) -> None:
    """Widen columns into unused terminal width (each by up to half again plus 2)."""
    spare = budget - sum(widths)
    for i, current in enumerate(widths):
        extra = min(spare, current // 2 + 2, max(MAX_CELL - current, 0))
        widths[i] += extra
        spare -= extra


def _printable(text: str) -> str:
    """``text`` on one line: newlines shown as "↵", other control characters as spaces."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ("↵" if c == "\n" else " ") for c in text)


class _Grid:
    """A bordered table, streamed: widths come from the first rows.

    A later value wider than its column is clipped with "…" when it is text
    and the table must fit a terminal; a number is never clipped (a cut
    number reads as another number): its line grows instead. Spare terminal
    width is shared out beforehand, so values a little wider still fit.
    """

    def __init__(self, borders: _Borders, color: bool, null: str) -> None:
        self.borders = borders
        self.color = color
        self.null = null
        self.clip_text = MAX_CELL  # widest text shown in full (the column width on a terminal)

    def write(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        out: TextSink,
        width: int | None,
    ) -> int:
        iterator = iter(rows)
        sample = list(itertools.islice(iterator, SAMPLE_ROWS))
        widths = self._widths(columns, sample, width)
        self.clip_text = 0 if width else MAX_CELL
        out.write(self._rule(self.borders.top, widths))
        out.write(self._line([(c, False, _BOLD) for c in columns], widths))
        out.write(self._rule(self.borders.middle, widths))
        count = 0
        for row in itertools.chain(sample, iterator):
            out.write(self._line([self._cell(v) for v in row], widths))
            count += 1
        out.write(self._rule(self.borders.bottom, widths))
        return count

    def _cell(self, value: Any) -> _Cell:
        """(text, right-aligned, style) of one value; the common types go first."""
        kind = type(value)
        if kind is str:
            return (value if value.isprintable() else _printable(value)), False, ""
        if kind is int or kind is float:
            return text_value(value), True, ""
        if value is None:
            return self.null, False, _DIM
        if isinstance(value, bytes):
            if len(value) <= _BLOB_PREVIEW:
                return "X'" + value.hex().upper() + "'", False, ""
            return f"<blob {len(value)} bytes>", False, _DIM
        return _printable(text_value(value)), isinstance(value, int | float), ""

    def _widths(
        self, columns: Sequence[str], sample: list[Sequence[Any]], width: int | None
    ) -> list[int]:
        widths = [display_width(c) for c in columns]
        for row in sample:
            for i, value in enumerate(row):
                widths[i] = max(widths[i], min(display_width(self._cell(value)[0]), MAX_CELL))
        if width:
            budget = max(width - 3 * len(widths) - 1, 3 * len(widths))
            while sum(widths) > budget and max(widths) > 3:
                widths[widths.index(max(widths))] -= 1
            if len(sample) == SAMPLE_ROWS:  # more rows may follow, perhaps wider
                _share_spare(widths, budget)
        return widths

    def _rule(self, corners: str, widths: list[int]) -> str:
        bar = self.borders.horizontal
        return corners[0] + corners[1].join(bar * (w + 2) for w in widths) + corners[2] + "\n"

    def _line(self, cells: list[_Cell], widths: list[int]) -> str:
        parts = []
        for (text, right, style), width in zip(cells, widths, strict=True):
            if text.isascii() and len(text) <= width:  # the common case, without wcwidth
                shown, used = text, len(text)
            else:
                limit = max(width, self.clip_text)
                shown = text if right else _clip(text, limit)
                used = display_width(shown)
            pad = " " * max(width - used, 0)
            styled = f"{style}{shown}\x1b[0m" if style and self.color else shown
            parts.append(f" {pad}{styled} " if right else f" {styled}{pad} ")
        bar = self.borders.vertical
        return bar + bar.join(parts) + bar + "\n"
