"""Capture of a lone one-row write without a session: the preupdate hook, then one change.

Most writes are a single INSERT, UPDATE or DELETE of one row, run in a transaction of
its own. For those, an ``apsw.Session`` costs more than the write itself: attaching
it, its hooks, and above all building the changeset (SQLite prepares a query per
table for it). :class:`SoloWatch` instead listens to SQLite's preupdate hook while the
statement runs and, when exactly one row of a user table changed directly (no trigger,
no foreign-key action, no change of primary key), encodes that change as the very
changeset the session would have produced (:func:`encode_change`; the tests compare
the bytes with the session's own). Anything else (a second row, an indirect change, a
table it cannot lay out) stops the statement at once through the progress handler:
the caller rolls the transaction back and runs the statement again under a session.

The session extension and APSW's preupdate hook must never be live together on one
connection (APSW's documentation: the process crashes), so the hook is registered
only while the statement runs and removed before anything else happens.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import apsw

from zen.history import schema as sch

_HOOK_ID = "zen-solo"
_PROGRESS_OPS = 1000  # the progress handler's period (VM steps): rare, and only to stop
_INSERT, _DELETE, _UPDATE = apsw.SQLITE_INSERT, apsw.SQLITE_DELETE, apsw.SQLITE_UPDATE
_UNDEFINED = b"\x00"
_NULL = b"\x05"
_INT = struct.Struct(">q")
_FLOAT = struct.Struct(">d")

Row = tuple[Any, ...]
LayoutOf = Callable[[str], "sch.Layout | None"]


class SoloWatch:
    """Follows one statement through the preupdate hook (see the module docstring).

    Args:
        conn: The connection the statement runs on.
        wanted: Whether history records a table (user tables of ``main``).
        touched: Receives the name of every recorded table that saw a change.

    Example:
        >>> watch = SoloWatch(conn, wanted, touched)  # doctest: +SKIP
        >>> watch.start(); conn.execute(sql); watch.stop()  # doctest: +SKIP
        >>> changeset = watch.changeset(layout_of)  # doctest: +SKIP
    """

    def __init__(
        self, conn: apsw.Connection, wanted: Callable[[str], bool], touched: set[str]
    ) -> None:
        self.conn = conn
        self.wanted = wanted
        self.touched = touched
        self.failed = False
        self.change: tuple[str, int, Row | None, Row | None, int] | None = None

    def start(self) -> None:
        """Listen (just before the statement runs)."""
        self.conn.preupdate_hook(self._hook, id=_HOOK_ID)
        self.conn.set_progress_handler(self._progress, _PROGRESS_OPS)

    def stop(self) -> None:
        """Stop listening (as soon as the statement ends, before any session exists)."""
        self.conn.preupdate_hook(None, id=_HOOK_ID)
        self.conn.set_progress_handler(None)

    def changeset(self, layout_of: LayoutOf) -> bytes | None:
        """The statement's changeset (``b""``: nothing changed), or None to fall back.

        ``layout_of`` gives a table's layout (None when it cannot be laid out).
        """
        if self.failed:
            return None
        if self.change is None:
            return b""
        table, op, old, new, rowid = self.change
        found = layout_of(table)
        if found is None:
            return None
        return encode_change(found, op, old, new, rowid)

    def _hook(self, update: apsw.PreUpdate) -> None:
        if self.failed or update.database_name != "main":
            return
        table = update.table_name
        if not self.wanted(table):
            return
        self.touched.add(table)
        if self.change is not None or update.depth or update.rowid != update.rowid_new:
            self.failed = True  # a second row, a trigger's or a cascade's, or a new rowid
            return
        self.change = (table, update.opcode, update.old, update.new, update.rowid)

    def _progress(self) -> bool:
        return self.failed  # True stops the statement (SQLITE_INTERRUPT)


def encode_change(
    layout: sch.Layout, op: int, old: Row | None, new: Row | None, rowid: int
) -> bytes | None:
    """One row change as a changeset, exactly as SQLite's session writes it.

    Returns ``b""`` for an UPDATE that changed no value, and None when the row
    cannot be encoded here (its width differs from the layout, or its primary key
    changed): the caller then falls back to a session.

    Example:
        >>> plain = sch.Layout("t", ("id", "name"), (0,), False)
        >>> encode_change(plain, apsw.SQLITE_INSERT, None, (1, "a"), 1).hex()
        '5402010074001200010000000000000001030161'
    """
    width = len(layout.columns) - (1 if layout.implicit_rowid else 0)
    values_old = _full(layout, old, rowid, width)
    values_new = _full(layout, new, rowid, width)
    head = header(layout)
    if op == _INSERT and values_new is not None:
        return head + b"\x12\x00" + b"".join(map(_value, values_new))
    if op == _DELETE and values_old is not None:
        return head + b"\x09\x00" + b"".join(map(_value, values_old))
    if op != _UPDATE or values_old is None or values_new is None:
        return None
    return _update(head, layout, values_old, values_new)


def _full(layout: sch.Layout, values: Row | None, rowid: int, width: int) -> Row | None:
    if values is None or len(values) != width:
        return None
    return (rowid, *values) if layout.implicit_rowid else tuple(values)


def _update(head: bytes, layout: sch.Layout, old: Row, new: Row) -> bytes | None:
    key = layout.key
    before, after, changed = [], [], False
    for i, (was, now) in enumerate(zip(old, new, strict=True)):
        # The session's notion of "unchanged": same type and equal (so -0.0 is 0.0).
        same = type(was) is type(now) and was == now
        if i in key:
            if not same:
                return None  # a new primary key: the session writes DELETE + INSERT
            before.append(_value(was))
            after.append(_UNDEFINED)
        elif same:
            before.append(_UNDEFINED)
            after.append(_UNDEFINED)
        else:
            before.append(_value(was))
            after.append(_value(now))
            changed = True
    if not changed:
        return b""
    return head + b"\x17\x00" + b"".join(before) + b"".join(after)


_HEADERS: dict[sch.Layout, bytes] = {}


def header(layout: sch.Layout) -> bytes:
    """``T``, the column count, the primary-key flags (1-based key order), the name."""
    found = _HEADERS.get(layout)
    if found is None:
        flags = bytearray(len(layout.columns))
        for order, position in enumerate(layout.key, start=1):
            flags[position] = order
        name = layout.table.encode("utf-8") + b"\x00"
        found = b"T" + _varint(len(layout.columns)) + bytes(flags) + name
        if len(_HEADERS) > 512:
            _HEADERS.clear()
        _HEADERS[layout] = found
    return found


def _value(value: Any) -> bytes:
    """One value in the session's record format."""
    if value is None:
        return _NULL
    kind = type(value)
    if kind is int:
        return b"\x01" + _INT.pack(value)
    if kind is float:
        return b"\x02" + _FLOAT.pack(value)
    if kind is str:
        data: bytes = value.encode("utf-8")
        return b"\x03" + _varint(len(data)) + data
    data = bytes(value)
    return b"\x04" + _varint(len(data)) + data


def _varint(n: int) -> bytes:
    """SQLite's variable-length integer (big-endian, 7 bits a byte; n < 2**56)."""
    if n < 0x80:
        return bytes((n,))
    groups = []
    while n:
        groups.append(n & 0x7F)
        n >>= 7
    groups.reverse()
    return bytes([g | 0x80 for g in groups[:-1]] + [groups[-1]])
