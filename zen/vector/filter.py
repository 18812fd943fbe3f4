"""Filters for filtered search: one SQL expression over the indexed table's columns.

The expression is checked twice: lexically (balanced parentheses, no ``;``,
no comments, so it cannot close the WHERE clause and start something else)
and by SQLite itself, which prepares ``SELECT 1 FROM t WHERE (expr)`` under an
authorizer that allows nothing but reading that one table and calling functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.errors import UsageError
from zen.vector.store import IndexSpec

if TYPE_CHECKING:
    from zen.vector.distance import IntArray

_QUOTES = {"'": "'", '"': '"', "`": "`", "[": "]"}
_ALLOWED = frozenset({apsw.SQLITE_SELECT, apsw.SQLITE_READ, apsw.SQLITE_FUNCTION})


class FilterError(UsageError):
    """The filter is not one valid SQL expression over the table's columns."""


def check_filter(conn: apsw.Connection, spec: IndexSpec, where: str) -> str:
    """``where`` when it is one expression that only reads ``spec.table``.

    Example:
        >>> check_filter(conn, spec, "lang = 'en'")  # doctest: +SKIP
        "lang = 'en'"
    """
    text = where.strip()
    if not text:
        raise FilterError("the filter is empty", hint="write an expression, e.g. lang = 'en'")
    _check_lexically(text)
    _check_with_sqlite(conn, spec, text)
    return text


def _check_lexically(text: str) -> None:
    depth, i = 0, 0
    while i < len(text):
        char = text[i]
        if char in _QUOTES:
            end = text.find(_QUOTES[char], i + 1)
            if end < 0:
                raise FilterError(f"unterminated quote in filter: {text}")
            i = end + 1
            continue
        if char == ";":
            raise FilterError("a filter is one expression; `;` is not allowed", hint=_HINT)
        if text.startswith(("--", "/*"), i):
            raise FilterError("comments are not allowed in a filter", hint=_HINT)
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise FilterError(f"unbalanced parenthesis in filter: {text}", hint=_HINT)
        i += 1
    if depth:
        raise FilterError(f"unbalanced parenthesis in filter: {text}", hint=_HINT)


_HINT = "give one SQL expression over the table's columns, e.g. lang = 'en' AND year > 2020"


def _check_with_sqlite(conn: apsw.Connection, spec: IndexSpec, text: str) -> None:
    denied: list[str] = []

    def authorize(code: int, one: str | None, two: str | None, db: str | None, _: Any) -> int:
        if code not in _ALLOWED or (code == apsw.SQLITE_READ and one != spec.table):
            denied.append(one or two or str(apsw.mapping_authorizer_function.get(code, code)))
            return apsw.SQLITE_DENY
        return apsw.SQLITE_OK

    previous = conn.authorizer
    conn.authorizer = authorize
    try:
        conn.cursor().execute(
            f"SELECT 1 FROM {quote_identifier(spec.table)} WHERE ({text}) LIMIT 0"
        ).fetchall()
    except apsw.AuthError:
        raise FilterError(
            f"the filter may only read columns of {spec.table}, not {denied[0]}", hint=_HINT
        ) from None
    except apsw.Error as exc:
        raise FilterError(f"invalid filter {text!r}: {exc.args[0]}", hint=_HINT) from None
    finally:
        conn.authorizer = previous


def matching(conn: apsw.Connection, spec: IndexSpec, where: str, rids: IntArray | None) -> IntArray:
    """Rowids matching ``where``: among ``rids``, or all of them when ``rids`` is None."""
    import numpy as np

    sql = f"SELECT rowid FROM {quote_identifier(spec.table)} WHERE ({where})"
    if rids is None:
        found = [r for (r,) in conn.execute(sql)]
    else:
        found = []
        for start in range(0, len(rids), 500):
            part = rids[start : start + 500].tolist()
            marks = ",".join("?" * len(part))
            found += [r for (r,) in conn.execute(f"{sql} AND rowid IN ({marks})", part)]
    return np.asarray(found, dtype=np.int64)
