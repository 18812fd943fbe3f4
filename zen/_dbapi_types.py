"""Exceptions, type objects and constructors of :mod:`zen.dbapi` (PEP 249).

Re-exported by :mod:`zen.dbapi`; import them from there.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from typing import Any

import apsw

from zen.engine import errors as zerr
from zen.engine.catalog import affinity as _affinity

# -- exceptions -------------------------------------------------------------------------


class Warning(Exception):
    """An important warning (PEP 249); zen raises none today."""


class Error(zerr.ZenError):
    """Base of every DB-API error; also a :class:`zen.ZenError` (message plus hint).

    Attributes:
        sqlite_errorcode: SQLite's extended result code, when SQLite raised it.
        sqlite_errorname: Its name (``SQLITE_CONSTRAINT_UNIQUE``...), or None.
    """

    sqlite_errorcode: int | None = None
    sqlite_errorname: str | None = None


class InterfaceError(Error):
    """The driver was misused (rather than the database)."""


class DatabaseError(Error):
    """An error related to the database."""


class DataError(DatabaseError):
    """A value could not be processed (too big, for instance)."""


class OperationalError(DatabaseError):
    """The database could not run the statement (syntax, missing table, locked...)."""


class IntegrityError(DatabaseError):
    """A constraint (UNIQUE, NOT NULL, CHECK, FOREIGN KEY...) was violated."""


class InternalError(DatabaseError):
    """SQLite reported an internal error."""


class ProgrammingError(DatabaseError):
    """The API was used wrongly: closed object, wrong parameters, several statements."""


class NotSupportedError(DatabaseError):
    """The operation is not supported."""


_CLOSED_DB = "Cannot operate on a closed database."
_CLOSED_CURSOR = "Cannot operate on a closed cursor."

# The same classes as sqlite3 gives each SQLite result code; others: OperationalError.
_BY_APSW: tuple[tuple[type[apsw.Error], type[Error]], ...] = (
    (apsw.ConstraintError, IntegrityError),
    (apsw.MismatchError, IntegrityError),
    (apsw.TooBigError, DataError),
    (apsw.BindingsError, ProgrammingError),
    (apsw.RangeError, InterfaceError),
    (apsw.MisuseError, InterfaceError),
    (apsw.InternalError, InternalError),
    (apsw.NotFoundError, InternalError),
    (apsw.CorruptError, DatabaseError),
    (apsw.NotADBError, DatabaseError),
)
_BY_ZEN: tuple[tuple[type[zerr.ZenError], type[Error]], ...] = (
    (zerr.UsageError, ProgrammingError),
    (zerr.DatabaseLockedError, OperationalError),
    (zerr.ReadOnlyError, OperationalError),
    (zerr.DatabaseError, DatabaseError),
)


def _error_class(exc: BaseException) -> type[Error]:
    table = _BY_APSW if isinstance(exc, apsw.Error) else _BY_ZEN
    for source, target in table:
        if isinstance(exc, source):
            return target
    return OperationalError


def _translate(exc: zerr.ZenError, cause: apsw.Error | None = None) -> Error:
    """The DB-API error for a zen error; the APSW error behind it picks the class.

    The engine raises its errors ``from None`` inside the ``except`` block, so the
    APSW error is still there as ``__context__``.
    """
    if isinstance(exc, Error):
        return exc
    if cause is None and isinstance(exc.__context__, apsw.Error):
        cause = exc.__context__
    error = _error_class(cause or exc)(exc.message, hint=exc.hint)
    if cause is not None:
        code = getattr(cause, "extendedresult", None)
        if isinstance(code, int):
            error.sqlite_errorcode = code
            name = apsw.mapping_extended_result_codes.get(code)
            name = name or apsw.mapping_result_codes.get(code & 0xFF)
            error.sqlite_errorname = str(name) if name else None
    return error


class _Translated:
    """A context that turns the zen errors raised inside into DB-API errors."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if isinstance(exc, zerr.ZenError) and not isinstance(exc, Error):
            raise _translate(exc) from exc


_TRANSLATED = _Translated()


# -- types --------------------------------------------------------------------------------


class _TypeObject:
    """A PEP 249 type object: equal to the declared types (``type_code``) it covers."""

    def __init__(self, name: str, match: Callable[[str], bool]) -> None:
        self._name = name
        self._match = match

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self._match(other.upper())
        return other is self

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f"<zen.dbapi type {self._name}>"


STRING = _TypeObject("STRING", lambda t: _affinity(t) == "TEXT")
BINARY = _TypeObject("BINARY", lambda t: _affinity(t) == "BLOB")
NUMBER = _TypeObject("NUMBER", lambda t: _affinity(t) in {"INTEGER", "REAL", "NUMERIC"})
DATETIME = _TypeObject("DATETIME", lambda t: "DATE" in t or "TIME" in t)
# SQLite's rowid alias is declared INTEGER, so no declared type names it.
ROWID = _TypeObject("ROWID", lambda t: t == "ROWID")

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> _dt.date:
    """The local date at ``ticks`` seconds since the epoch."""
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> _dt.time:
    """The local time of day at ``ticks`` seconds since the epoch."""
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> _dt.datetime:
    """The local date and time at ``ticks`` seconds since the epoch."""
    return Timestamp(*time.localtime(ticks)[:6])


def _convert_binding(cursor: apsw.Cursor, number: int, value: Any) -> Any:
    """Store what SQLite cannot: dates and times as ISO text, as sqlite3 does.

    APSW calls this only for values of other types than SQLite's own, so the
    common case costs nothing.
    """
    if isinstance(value, _dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    raise ProgrammingError(
        f"parameter {number} is a {type(value).__name__}, which SQLite cannot store",
        hint="pass str, int, float, bytes, None, or a date/time",
    )
