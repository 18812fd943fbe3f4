"""Splitting SQL scripts into statements, the way SQLite itself sees them.

``apsw.complete`` decides where a statement ends, so a ``;`` inside a string,
a comment or a trigger body never splits one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import apsw

_TX_CONTROL = re.compile(
    r"(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|VACUUM|ATTACH|DETACH)\b", re.IGNORECASE
)
_READ_KEYWORDS = re.compile(r"(SELECT|VALUES|EXPLAIN)\b", re.IGNORECASE)
_PRAGMA = re.compile(r"PRAGMA\b", re.IGNORECASE)
_DML = re.compile(r"(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    """One statement of a script.

    Attributes:
        text: The statement, from its first token to its ``;`` (if any).
        offset: Where ``text`` starts in the script (for error carets).
    """

    text: str
    offset: int
    # Derived once (statements are cached and re-run: see split_statements).
    head: str = field(init=False, repr=False, compare=False)
    controls_transaction: bool = field(init=False, repr=False, compare=False)
    looks_read_only: bool = field(init=False, repr=False, compare=False)
    # INSERT/UPDATE/DELETE without RETURNING: no columns, never read-only, known unrun.
    plain_write: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        head = strip_leading_comments(self.text)
        pragma = bool(_PRAGMA.match(head))
        # A pragma that sets something (foreign_keys, journal_mode...) is a no-op or
        # an error inside a transaction, so a script holding one is not wrapped.
        controls = bool(_TX_CONTROL.match(head)) or (pragma and "=" in head)
        # A cheap guess from the first keyword; WITH counts as a write.
        reads = ("=" not in head) if pragma else bool(_READ_KEYWORDS.match(head))
        object.__setattr__(self, "head", head)
        object.__setattr__(self, "controls_transaction", controls)
        object.__setattr__(self, "looks_read_only", reads)
        plain = bool(_DML.match(head)) and "returning" not in head.lower()
        object.__setattr__(self, "plain_write", plain)


def strip_leading_comments(sql: str) -> str:
    """``sql`` without leading white space and comments.

    Example:
        >>> strip_leading_comments("  -- note\\n/* x */ select 1")
        'select 1'
    """
    text = sql
    while True:
        text = text.lstrip()
        if text.startswith("--"):
            newline = text.find("\n")
            text = "" if newline < 0 else text[newline + 1 :]
        elif text.startswith("/*"):
            close = text.find("*/")
            text = "" if close < 0 else text[close + 2 :]
        else:
            return text


def split_statements(sql: str) -> list[Statement]:
    """Split a script into statements; blank and comment-only pieces are dropped.

    Example:
        >>> [s.text for s in split_statements("select ';'; select 2")]
        ["select ';';", 'select 2']
    """
    if len(sql) <= _CACHED_LENGTH:
        return list(_split_cached(sql))
    return _split(sql)


_CACHED_LENGTH = 4096  # application code re-runs the same short statements


@lru_cache(maxsize=512)
def _split_cached(sql: str) -> tuple[Statement, ...]:
    return tuple(_split(sql))


def _split(sql: str) -> list[Statement]:
    found: list[Statement] = []
    start = 0
    semicolon = sql.find(";")
    while semicolon >= 0:
        if apsw.complete(sql[start : semicolon + 1]):
            _append(found, sql, start, semicolon + 1)
            start = semicolon + 1
        semicolon = sql.find(";", semicolon + 1)
    _append(found, sql, start, len(sql))
    return found


def _append(found: list[Statement], sql: str, start: int, end: int) -> None:
    piece = sql[start:end]
    body = strip_leading_comments(piece)
    if body.strip() in {"", ";"}:
        return
    lead = len(piece) - len(piece.lstrip())
    found.append(Statement(piece[lead:].rstrip(), start + lead))
