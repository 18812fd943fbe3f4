"""A guard against SQLite's session bug for tables tracked by rowid.

In rowid mode (``SQLITE_SESSION_OBJCONFIG_ROWID``, used for tables without a primary
key) the session loses its entries from lookups each time a table's hash table grows
(at 128, 255, 510... changed rows), and adds a spurious INSERT for the row being
changed at that moment. So a key can appear twice in one changeset:

* across statements, a row changed before a growth and again after it gets a second
  entry: the capture takes the session's changeset after every statement that touched
  such a table (:func:`rowid_tables`), so a session only ever holds one statement;
* within a statement (each row changed once) the extra entry is always an INSERT of a
  key that also has an UPDATE or DELETE: :func:`without_spurious` drops it;
* a statement that may change one row twice (an upsert, a trigger...) cannot be told
  from that case, so it runs without a session (:mod:`zen.history.hooked`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import apsw

from zen.history import schema as sch

LayoutOf = Callable[[str], "sch.Layout | None"]


def rowid_tables(tables: Iterable[str], layout_of: LayoutOf) -> set[str]:
    """The ``tables`` tracked by rowid (no explicit primary key)."""
    found = set()
    for table in tables:
        layout = layout_of(table)
        if layout is not None and layout.implicit_rowid:
            found.add(table)
    return found


def without_spurious(changeset: bytes, tables: set[str]) -> bytes:
    """``changeset`` without the spurious INSERTs of ``tables`` (see the module docstring).

    Example:
        >>> without_spurious(b"", {"t"})
        b''
    """
    if not changeset or not tables:
        return changeset
    others: set[tuple[str, object]] = set()
    inserted: set[tuple[str, object]] = set()
    for change in apsw.Changeset.iter(changeset):  # a change is valid only while iterating
        if change.name in tables:
            row = change.new if change.op == "INSERT" else change.old
            assert row is not None
            (inserted if change.op == "INSERT" else others).add((change.name, row[0]))
    spurious = inserted & others
    if not spurious:
        return changeset
    builder = apsw.ChangesetBuilder()  # type: ignore[no-untyped-call]
    for change in apsw.Changeset.iter(changeset):
        if change.op == "INSERT" and change.new and (change.name, change.new[0]) in spurious:
            continue
        builder.add_change(change)
    return bytes(builder.output())
