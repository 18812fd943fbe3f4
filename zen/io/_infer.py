"""Column type inference for imported files: INTEGER, REAL or TEXT.

CSV values are text. A column is INTEGER only when *every* non-empty value is
written the way SQLite writes an integer (no leading zeros, no ``+``, no
spaces) and fits in 64 bits, so ``007`` or a zip code keeps its zeros. A
column is REAL when every value is such a number, a decimal or an exponent
form that is finite as a double (``1e999`` is not) and no integer in it is too
long to survive as a double. Anything else, or a mix, is TEXT.

The check runs a regular expression over a whole column of a chunk of rows at
once (the values joined by newlines), so the per-value work happens in C.
Because every value of the file is checked, a late ``007`` in row 900,000 makes
the column TEXT instead of being silently turned into 7.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

INTEGER = "INTEGER"
REAL = "REAL"
TEXT = "TEXT"

_INT = r"(?:0|-?[1-9][0-9]{0,18})"
# Integers that convert to a double without loss (at most 15 digits).
_SMALL_INT = r"(?:0|-?[1-9][0-9]{0,14})"
# A decimal or exponent form; the integer part is bounded so only an exponent can overflow.
_DECIMAL = r"-?(?:0|[1-9][0-9]{0,299})(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)"
_INT_COLUMN = re.compile(rf"(?:{_INT}?\n)*")
_REAL_COLUMN = re.compile(rf"(?:(?:{_SMALL_INT}|{_DECIMAL})?\n)*")
_LONG_INT = re.compile(r"^-?[0-9]{19}$", re.MULTILINE)
_EXPONENT = re.compile(r"^[^\n]*[eE][^\n]*$", re.MULTILINE)
_INT64 = range(-(2**63), 2**63)


class CsvInference:
    """Running column types over chunks of text rows.

    Example:
        >>> inference = CsvInference(3)
        >>> inference.add([["1", "2.5", "007"], ["", "3", "8"]])
        >>> inference.types()
        ['INTEGER', 'REAL', 'TEXT']
    """

    def __init__(self, width: int) -> None:
        # None until a non-empty value is seen; an all-empty column ends up TEXT.
        self._types: list[str | None] = [None] * width

    def add(self, rows: Sequence[Sequence[str]]) -> None:
        """Fold a chunk of rows (each exactly ``width`` fields) into the types."""
        if not rows:
            return
        for index, column in enumerate(zip(*rows, strict=True)):
            current = self._types[index]
            if current != TEXT:
                self._types[index] = _column_type(current, column)

    def types(self) -> list[str]:
        """The inferred type of each column."""
        return [kind or TEXT for kind in self._types]


def _column_type(current: str | None, values: Sequence[str]) -> str | None:
    text = "\n".join(values) + "\n"
    if len(text) == len(values):
        return current  # every value empty
    if text.count("\n") != len(values):
        return TEXT  # a value spans lines: not a number
    if current != REAL and _INT_COLUMN.fullmatch(text) and _ints_fit(text):
        return INTEGER
    if _REAL_COLUMN.fullmatch(text) and _reals_fit(text):
        return REAL
    return TEXT


def _ints_fit(text: str) -> bool:
    return all(int(m.group()) in _INT64 for m in _LONG_INT.finditer(text))


def _reals_fit(text: str) -> bool:
    if "e" not in text and "E" not in text:
        return True
    return all(math.isfinite(float(m.group())) for m in _EXPONENT.finditer(text))


# -- JSON ----------------------------------------------------------------------------

_NUMBER_RANK = {INTEGER: 1, REAL: 2}


class JsonColumns:
    """Column names (in order of first appearance) and types of JSON records.

    JSON values keep their JSON types: integers and booleans make INTEGER,
    numbers with a fraction REAL, strings, objects and arrays TEXT (objects and
    arrays are stored as JSON text). A column mixing strings and numbers is TEXT.

    Example:
        >>> cols = JsonColumns()
        >>> cols.add({"a": 1, "b": "x"}); cols.add({"a": 2.5, "c": None})
        >>> cols.columns()
        [('a', 'REAL'), ('b', 'TEXT'), ('c', 'TEXT')]
    """

    def __init__(self) -> None:
        self._types: dict[str, str | None] = {}

    def add(self, record: dict[str, Any]) -> None:
        """Fold one record's values into the column types."""
        types = self._types
        for key, value in record.items():
            kind = json_kind(value)
            current = types.get(key)
            if key not in types or current is None:
                types[key] = kind
            elif kind is not None and kind != current:
                types[key] = _merge(current, kind)

    def columns(self) -> list[tuple[str, str]]:
        """``(name, type)`` for every key seen."""
        return [(name, kind or TEXT) for name, kind in self._types.items()]


def json_kind(value: Any) -> str | None:
    """The column type a JSON value asks for (None for null).

    Raises:
        ValueError: The value is a non-finite float (NaN, Infinity, 1e999).

    Example:
        >>> json_kind(True), json_kind(2**70), json_kind([1])
        ('INTEGER', 'TEXT', 'TEXT')
    """
    kind = type(value)
    if kind is int or kind is bool:
        return INTEGER if value in _INT64 else TEXT
    if kind is float:
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number (JSON has no NaN or Infinity)")
        return REAL
    if value is None:
        return None
    return TEXT


def _merge(current: str, kind: str) -> str:
    if current == TEXT or kind == TEXT:
        return TEXT
    return max(current, kind, key=_NUMBER_RANK.__getitem__)
