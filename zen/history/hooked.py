"""Capture of one statement through the preupdate hook, for rows a session could lose.

SQLite's session loses track of a rowid-mode table's entries when its hash table
grows (see :mod:`zen.history.rowid_mode`): a row changed before the growth and again
after it gets two entries, and no reading of the changeset can tell which came first
(an INSERT and an UPDATE of one key mean "inserted, then updated" after an upsert,
but "updated" when the INSERT is the bug's). Changes are only ever doubled within a
statement that may touch one row twice: an upsert, a ``REPLACE``, a write to the
rowid itself, a trigger, a foreign-key action. :class:`Risk` spots those
statements (generously) when the schema holds a table tracked by rowid, and the
capture runs them under a :class:`HookWatch` instead of a session.

The watch keeps, per row, whether it existed when the statement first touched it and
its values then; after the statement it reads each row's final values and encodes
the net change as the session would (:mod:`zen.history.solo`'s encoder). A statement
that failed part-way (``OR FAIL``) is handled the same way: the final read sees what
stayed. The session and APSW's preupdate hook are never live together: the caller
closes the session first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.statements import strip_leading_comments
from zen.history import schema as sch
from zen.history.solo import LayoutOf, encode_change, header

_HOOK_ID = "zen-hooked"
_INSERT, _DELETE, _UPDATE = apsw.SQLITE_INSERT, apsw.SQLITE_DELETE, apsw.SQLITE_UPDATE
_RISKY_TEXT = re.compile(r"\b(?:CONFLICT|REPLACE|ROWID|OID|_ROWID_)\b", re.IGNORECASE)
_FK_ACTION = re.compile(r"\bON\s+(?:DELETE|UPDATE)\s+(?:CASCADE|SET\b)", re.IGNORECASE)
_ROWID_NAMES = ("rowid", "_rowid_", "oid")
_INSERT_HEAD = re.compile(r"INSERT\b", re.IGNORECASE)
_USER_TRIGGERS = (
    "SELECT 1 FROM main.sqlite_schema WHERE type = 'trigger' AND substr(name, 1, 5) != '_zen_'"
    " UNION ALL SELECT 1 FROM temp.sqlite_schema WHERE type = 'trigger' LIMIT 1"
)

Row = tuple[Any, ...]
Key = tuple[Any, ...]


class Risk:
    """Which statements run under a :class:`HookWatch` (decisions remembered per schema).

    A statement is at risk when its text (upsert, ``REPLACE``, the rowid) or the schema
    (triggers, foreign-key actions) lets it change a row twice, and it writes a table
    tracked by rowid (its authorizer says, triggers' and cascades' writes included).
    A statement that writes a table the hook cannot read (generated columns and a key
    other than the rowid) stays with the session.

    Example:
        >>> risk = Risk()
        >>> risk.statement(conn, version, tables, layout_of, sql)  # doctest: +SKIP
        False
    """

    def __init__(self) -> None:
        self._key: int | None = None
        self._rowid: frozenset[str] = frozenset()  # tables tracked by rowid
        self._unreadable: frozenset[str] = frozenset()
        self._schema = False  # triggers or foreign-key actions exist
        self._cascaded: frozenset[str] = frozenset()  # tables with foreign-key actions
        self._decided: dict[tuple[str, bool], bool] = {}

    def forget(self) -> None:
        """Look at the schema again (after DDL: a TEMP trigger leaves the cookie alone)."""
        self._key = None

    def never(self, version: int) -> bool:
        """True when the schema at ``version`` is known to hold no table tracked by rowid."""
        return self._key == version and not self._rowid

    def statement(
        self,
        conn: apsw.Connection,
        version: int,
        tables: dict[str, str],
        layout_of: LayoutOf,
        text: str,
        *,
        many: bool = False,
    ) -> bool:
        """Whether the write ``text`` runs under the hook.

        Args:
            conn: The connection.
            version: The schema cookie (what is known of the schema is kept per cookie).
            tables: The user tables' ``CREATE`` statements, by name.
            layout_of: A table's changeset layout.
            text: The statement.
            many: It runs as an ``executemany``, whose runs may meet one row twice
                even when each run cannot (any statement but a plain INSERT).
        """
        self._update(conn, version, tables, layout_of)
        if not self._rowid:
            return False
        risky = self._schema or _RISKY_TEXT.search(text) is not None
        if many and not _INSERT_HEAD.match(strip_leading_comments(text)):
            risky = True
        return risky and self._decide(conn, text, many)

    def _decide(self, conn: apsw.Connection, text: str, many: bool) -> bool:
        found = self._decided.get((text, many))
        if found is None:
            written = _written(conn, text)
            if written:  # with foreign keys on, their actions write these too
                written |= self._cascaded
            found = bool(written & self._rowid) and not written & self._unreadable
            if len(self._decided) > 256:
                self._decided.clear()
            self._decided[(text, many)] = found
        return found

    def _update(
        self, conn: apsw.Connection, version: int, tables: dict[str, str], layout_of: LayoutOf
    ) -> None:
        if self._key == version:
            return
        self._key, self._decided = version, {}
        layouts = {name: layout_of(name) for name in tables}
        self._rowid = frozenset(n for n, lay in layouts.items() if lay and lay.implicit_rowid)
        self._unreadable = frozenset(
            n
            for n, lay in layouts.items()
            if lay and _generated(conn, n) and not _by_rowid(conn, lay)
        )
        self._cascaded = frozenset(n for n, sql in tables.items() if _FK_ACTION.search(sql))
        self._schema = bool(self._rowid) and (
            bool(self._cascaded) or conn.execute(_USER_TRIGGERS).get is not None
        )


def _written(conn: apsw.Connection, sql: str) -> frozenset[str]:
    """The ``main`` tables a statement writes, its triggers' and cascades' writes too."""
    return frozenset(table for _, table, db in sch.statement_writes(conn, sql) if db == "main")


def _generated(conn: apsw.Connection, table: str) -> bool:
    """Whether a table has generated columns (APSW cannot read its preupdate values)."""
    query = "SELECT count(*) FROM pragma_table_xinfo(?, 'main') WHERE hidden != 0"
    return bool(conn.execute(query, (table,)).get)


def _by_rowid(conn: apsw.Connection, layout: sch.Layout) -> bool:
    """Whether a row's changeset key is its rowid, so the hook can read it by rowid."""
    named = layout.columns[1:] if layout.implicit_rowid else layout.columns
    if any(column.lower() in _ROWID_NAMES for column in named):
        return False  # "rowid" in SQL would mean that column
    if layout.implicit_rowid:
        return True
    without_rowid = conn.execute(
        "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?", (layout.table,)
    ).get
    # INTEGER PRIMARY KEY DESC is no alias: its key then lives in an index of its own.
    origins = conn.execute("SELECT origin FROM pragma_index_list(?, 'main')", (layout.table,))
    return not without_rowid and len(layout.key) == 1 and ("pk",) not in set(origins)


class HookWatch:
    """Follows one statement's row changes through the preupdate hook.

    Args:
        conn: The connection the statement runs on.
        wanted: Whether history records a table (user tables of ``main``).
        touched: Receives the name of every recorded table that saw a change.
        layout_of: A table's changeset layout (None: it cannot be laid out).

    Example:
        >>> watch = HookWatch(conn, wanted, touched, layout_of)  # doctest: +SKIP
        >>> watch.start(); conn.execute(sql); watch.stop()  # doctest: +SKIP
        >>> changeset = watch.changeset()  # doctest: +SKIP
    """

    def __init__(
        self,
        conn: apsw.Connection,
        wanted: Callable[[str], bool],
        touched: set[str],
        layout_of: LayoutOf,
    ) -> None:
        self.conn = conn
        self.wanted = wanted
        self.touched = touched
        self.layout_of = layout_of
        self.problem: str | None = None
        # table -> key -> the row's values when first touched (None: it did not exist)
        self.first: dict[str, dict[Key, Row | None]] = {}
        self._layouts: dict[str, _Table | None] = {}

    def start(self) -> None:
        """Listen (just before the statement runs; no session may be open)."""
        self.conn.preupdate_hook(self._hook, id=_HOOK_ID)

    def stop(self) -> None:
        """Stop listening (before any session exists on the connection again)."""
        self.conn.preupdate_hook(None, id=_HOOK_ID)

    def changeset(self) -> bytes:
        """The statement's net row changes, encoded as the session encodes them.

        Raises:
            ValueError: A changed table could not be laid out or encoded.
        """
        if self.problem is not None:
            raise ValueError(self.problem)
        parts: list[bytes] = []
        for table, rows in self.first.items():
            entry = self._layouts[table]
            assert entry is not None
            parts.append(self._table_changes(entry.layout, rows))
        return b"".join(parts)

    def _hook(self, update: apsw.PreUpdate) -> None:
        if update.database_name != "main" or not self.wanted(update.table_name):
            return
        table = update.table_name
        entry = self._entry(table)
        if entry is None:
            return
        self.touched.add(table)
        rows = self.first.setdefault(table, {})
        op = update.opcode
        if entry.reader is None:
            layout, positions = entry.layout, entry.positions
            old = _values(layout, positions, update.old, update.rowid) if op != _INSERT else None
            old_key = _key(layout, old) if old is not None else None
            new_key = None
            if op != _DELETE:
                new_key = _key(layout, _values(layout, positions, update.new, update.rowid_new))
        else:  # generated columns: read the row by its rowid while it is still there
            old = None if op == _INSERT else self._read(entry.reader, update.rowid)
            old_key = None if op == _INSERT else (update.rowid,)
            new_key = None if op == _DELETE else (update.rowid_new,)
        if old_key is not None:
            rows.setdefault(old_key, old)
        if new_key is not None and new_key != old_key:
            rows.setdefault(new_key, None)  # a new key: it did not exist before

    def _read(self, reader: str, rowid: int) -> Row | None:
        found = self.conn.execute(reader, (rowid,)).fetchone()
        return tuple(found) if found is not None else None

    def _entry(self, table: str) -> _Table | None:
        if table not in self._layouts:
            entry = _Table.of(self.conn, table, self.layout_of(table))
            if entry is None:
                self.problem = f"table {table} cannot be recorded by this statement"
            self._layouts[table] = entry
        return self._layouts[table]

    def _table_changes(self, layout: sch.Layout, rows: dict[Key, Row | None]) -> bytes:
        select = f"SELECT {layout.select_list} FROM main.{quote_identifier(layout.table)}"
        query = f"{select} WHERE {layout.key_where()}"
        head = header(layout)
        body: list[bytes] = []
        for key, before in rows.items():
            found = self.conn.execute(query, key).fetchone()
            now = tuple(found) if found is not None else None
            change = _encoded(layout, before, now)
            if change is None:
                raise ValueError(f"a change to {layout.table} cannot be encoded")
            body.append(change[len(head) :])
        return head + b"".join(body) if any(body) else b""


@dataclass(frozen=True)
class _Table:
    """How the hook reads one table's rows.

    Attributes:
        layout: The changeset layout.
        positions: Where the changeset's columns are among the hook's values.
        reader: For a table with generated columns, whose preupdate values APSW cannot
            read: the query reading a row (changeset order) by rowid.
    """

    layout: sch.Layout
    positions: tuple[int, ...]
    reader: str | None

    @classmethod
    def of(cls, conn: apsw.Connection, table: str, layout: sch.Layout | None) -> _Table | None:
        if layout is None:
            return None
        info = conn.execute(f"PRAGMA main.table_xinfo({quote_identifier(table)})").fetchall()
        positions = tuple(i for i, row in enumerate(info) if row[6] == 0)
        if len(positions) == len(info):
            return cls(layout, positions, None)
        if not _by_rowid(conn, layout):
            return None
        select = f"SELECT {layout.select_list} FROM main.{quote_identifier(table)}"
        return cls(layout, positions, f"{select} WHERE rowid = ?")


def _values(layout: sch.Layout, positions: tuple[int, ...], values: Row | None, rowid: int) -> Row:
    """A row in changeset order from the hook's values (generated columns left out)."""
    assert values is not None  # the hook gives old values but for an INSERT, new but for a DELETE
    stored = tuple(values[i] for i in positions)
    return (rowid, *stored) if layout.implicit_rowid else stored


def _key(layout: sch.Layout, row: Row) -> Key:
    return tuple(row[i] for i in sorted(layout.key))


def _encoded(layout: sch.Layout, before: Row | None, now: Row | None) -> bytes | None:
    """The net change from ``before`` to ``now`` (full rows in changeset order)."""
    rowid = before[0] if before is not None else now[0] if now is not None else 0
    strip = 1 if layout.implicit_rowid else 0
    if before is None:
        if now is None:
            return b""
        return encode_change(layout, _INSERT, None, now[strip:], rowid)
    if now is None:
        return encode_change(layout, _DELETE, before[strip:], None, rowid)
    return encode_change(layout, _UPDATE, before[strip:], now[strip:], rowid)
