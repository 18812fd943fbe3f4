"""Opening SQLite databases through APSW with zen's defaults.

This is the only module that sets up an :class:`apsw.Connection`: every layer
above asks for one here, so pragmas, timeouts and read-only rules are the same
everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import apsw

from zen.engine.errors import DatabaseError, NotFoundError, ZenError, from_apsw, suggest

MEMORY = ":memory:"
DEFAULT_BUSY_TIMEOUT_MS = 5000
_SQLITE_MAGIC = b"SQLite format 3\x00"

# Operations a read-only connection may authorise; everything else is denied
# before it runs, so not even a temp table or a pragma that writes gets through.
_READ_ONLY_ALLOWED = frozenset(
    {
        apsw.SQLITE_SELECT,
        apsw.SQLITE_READ,
        apsw.SQLITE_FUNCTION,
        apsw.SQLITE_RECURSIVE,
        apsw.SQLITE_TRANSACTION,
        apsw.SQLITE_SAVEPOINT,
        apsw.SQLITE_PRAGMA,
    }
)
_READ_ONLY_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "database_list",
        "collation_list",
        "function_list",
        "module_list",
        "pragma_list",
        "integrity_check",
        "quick_check",
        "compile_options",
        "data_version",
        "schema_version",
        "user_version",
        "application_id",
        "page_count",
        "page_size",
        "freelist_count",
        "journal_mode",
        "encoding",
        "foreign_keys",
    }
)


def busy_timeout_ms() -> int:
    """The busy timeout: ``ZEN_BUSY_TIMEOUT`` (milliseconds) or 5 s."""
    raw = os.environ.get("ZEN_BUSY_TIMEOUT", "")
    try:
        return max(0, int(raw)) if raw else DEFAULT_BUSY_TIMEOUT_MS
    except ValueError:
        raise ZenError(
            f"ZEN_BUSY_TIMEOUT must be a whole number of milliseconds, not {raw!r}"
        ) from None


def open_connection(
    path: str | os.PathLike[str],
    *,
    read_only: bool = False,
    create: bool = True,
    busy_timeout: int | None = None,
) -> apsw.Connection:
    """Open ``path`` with WAL, foreign keys, ``synchronous=NORMAL`` and a busy timeout.

    Args:
        path: A file path, or ``:memory:``.
        read_only: Open with SQLITE_OPEN_READONLY and an authorizer that denies writes.
        create: Create the file when it does not exist (ignored when read-only).
        busy_timeout: Milliseconds to wait on a lock; defaults to :func:`busy_timeout_ms`.

    Returns:
        A configured APSW connection.

    Raises:
        NotFoundError: The file does not exist and may not be created.
        DatabaseError: The path is a directory or not a SQLite database.

    Example:
        >>> conn = open_connection(":memory:")
        >>> conn.execute("select 1").get
        1
    """
    name = os.fspath(path)
    if name != MEMORY:
        _check_path(Path(name), must_exist=read_only or not create)
    flags = apsw.SQLITE_OPEN_URI
    flags |= apsw.SQLITE_OPEN_READONLY if read_only else apsw.SQLITE_OPEN_READWRITE
    if not read_only and create:
        flags |= apsw.SQLITE_OPEN_CREATE
    try:
        conn = apsw.Connection(name, flags=flags)
    except apsw.Error as exc:
        raise from_apsw(exc, path=name) from None
    conn.set_busy_timeout(busy_timeout_ms() if busy_timeout is None else busy_timeout)
    try:
        _configure(conn, memory=name == MEMORY, read_only=read_only)
    except apsw.Error as exc:
        conn.close()
        raise from_apsw(exc, path=name) from None
    if read_only:
        conn.authorizer = _read_only_authorizer
    return conn


def _check_path(path: Path, *, must_exist: bool) -> None:
    if path.is_dir():
        raise DatabaseError(
            f"{path} is a directory, not a database file",
            hint="give the path of a .db file inside it",
        )
    if not path.exists():
        if must_exist:
            raise NotFoundError(f"no such database: {path}", hint=_sibling_hint(path))
        return
    with path.open("rb") as fh:
        head = fh.read(16)
    if head and head != _SQLITE_MAGIC:
        raise DatabaseError(
            f"file is not a SQLite database: {path}", hint="check the path; zen opens SQLite files"
        )


def _sibling_hint(path: Path) -> str | None:
    folder = path.parent if str(path.parent) else Path()
    if not folder.is_dir():
        return None
    names = [p.name for p in folder.iterdir() if p.suffix in {".db", ".sqlite", ".sqlite3"}]
    return suggest(path.name, names)


def _configure(conn: apsw.Connection, *, memory: bool, read_only: bool) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    if memory or read_only:
        return
    mode = conn.execute("PRAGMA journal_mode").get
    if str(mode).lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")


def _read_only_authorizer(
    op: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None
) -> int:
    if op not in _READ_ONLY_ALLOWED:
        return apsw.SQLITE_DENY
    if op == apsw.SQLITE_PRAGMA:
        # arg2 is the pragma's value: a pragma with an argument sets something,
        # except the introspection ones whose argument is a table name.
        name = (arg1 or "").lower()
        if name not in _READ_ONLY_PRAGMAS or (arg2 is not None and name in _SETTABLE):
            return apsw.SQLITE_DENY
    return apsw.SQLITE_OK


_SETTABLE = frozenset(
    {"journal_mode", "foreign_keys", "user_version", "application_id", "schema_version"}
)
