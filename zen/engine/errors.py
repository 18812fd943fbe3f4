"""Error types shared by every layer, each with the exit code the CLI uses.

A user's mistake is a :class:`ZenError`: it carries a message that says what was
wrong and, where possible, what to do. Front ends print it without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import apsw

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


class ZenError(Exception):
    """A failure the user can act on.

    Args:
        message: What went wrong, in one line.
        hint: What to do about it (optional, printed on its own line).

    Example:
        >>> raise ZenError("no such table: userz", hint="did you mean users?")
        Traceback (most recent call last):
        zen.engine.errors.ZenError: no such table: userz
    """

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """The full text shown to the user (message, detail lines, hint)."""
        lines = [f"error: {self.message}", *self.detail_lines()]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)

    def detail_lines(self) -> list[str]:
        """Extra lines between the message and the hint (a caret, for instance)."""
        return []

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description, for ``--json`` output."""
        out: dict[str, Any] = {"error": self.message, "kind": type(self).__name__}
        if self.hint:
            out["hint"] = self.hint
        return out


class UsageError(ZenError):
    """The command was called wrongly (bad option value, missing argument)."""

    exit_code = EXIT_USAGE


class NotFoundError(ZenError):
    """A named thing (file, table, column, ref) does not exist."""


class DatabaseError(ZenError):
    """The database could not be opened or used (not a database, locked, read-only)."""


class DatabaseLockedError(DatabaseError):
    """Another connection holds a lock longer than the busy timeout."""


class ReadOnlyError(DatabaseError):
    """A write was attempted on a connection opened read-only."""


class InterruptedError_(ZenError):
    """The running statement was cancelled (Ctrl-C); its changes were rolled back."""


class DialectError(ZenError):
    """SQL in another dialect could not be transpiled to SQLite; nothing ran."""


class DataFormatError(ZenError):
    """An input file is malformed; names the file, line and column.

    Args:
        message: What is wrong with the data.
        path: The file being read.
        line: 1-based line number, when known.
        column: 1-based column (field or character), when known.
        hint: What to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line
        self.column = column


class SqlError(ZenError):
    """SQLite rejected a statement; shows the statement with a caret where known.

    Args:
        message: SQLite's message.
        sql: The statement text.
        offset: Character offset of the error in ``sql`` (``-1`` when unknown).
        hint: What to do about it.
    """

    def __init__(
        self, message: str, *, sql: str = "", offset: int = -1, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.sql = sql
        self.offset = offset

    def detail_lines(self) -> list[str]:
        """The offending line of SQL with a caret under the error position."""
        if not self.sql or self.offset < 0 or self.offset > len(self.sql):
            return []
        start = self.sql.rfind("\n", 0, self.offset) + 1
        end = self.sql.find("\n", self.offset)
        line = self.sql[start : end if end >= 0 else len(self.sql)]
        return [f"  {line}", "  " + " " * (self.offset - start) + "^"]

    def to_json(self) -> dict[str, Any]:
        """Adds the statement and offset to the base description."""
        out = super().to_json()
        if self.offset >= 0:
            out["offset"] = self.offset
        return out


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A ``did you mean X?`` hint for a mistyped name, or None when nothing is close.

    Example:
        >>> suggest("userz", ["users", "orders"])
        'did you mean users?'
    """
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    matches = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f"did you mean {lowered[matches[0]]}?" if matches else None


def from_apsw(exc: apsw.Error, *, sql: str = "", path: str = "") -> ZenError:
    """Translate an APSW exception into the matching :class:`ZenError`."""
    text = str(exc).removeprefix(type(exc).__name__ + ": ")
    where = f" ({path})" if path else ""
    if isinstance(exc, apsw.InterruptError):
        return InterruptedError_(
            "interrupted: the statement was cancelled and its changes rolled back"
        )
    if isinstance(exc, apsw.BusyError | apsw.LockedError):
        return DatabaseLockedError(
            f"database is locked{where}: another connection is writing to it",
            hint="retry when the other writer has finished, or raise ZEN_BUSY_TIMEOUT (ms)",
        )
    if isinstance(exc, apsw.NotADBError):
        return DatabaseError(
            f"file is not a SQLite database{where}", hint="check the path; zen opens SQLite files"
        )
    if isinstance(exc, apsw.ReadOnlyError | apsw.AuthError) and _is_write_denial(exc):
        return ReadOnlyError(
            f"attempt to write a read-only database{where}",
            hint="drop --read-only, or check the file's permissions",
        )
    if isinstance(exc, apsw.CantOpenError):
        return DatabaseError(f"unable to open database{where}: {text}")
    if isinstance(exc, apsw.ConstraintError):
        return SqlError(text, sql=sql)
    offset = getattr(exc, "error_offset", -1)
    return SqlError(text, sql=sql, offset=offset if isinstance(offset, int) else -1)


def _is_write_denial(exc: apsw.Error) -> bool:
    return isinstance(exc, apsw.ReadOnlyError) or "not authorized" in str(exc)
