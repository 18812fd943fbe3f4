"""Merging a table whose columns both sides extended (``ALTER TABLE ... ADD COLUMN``).

``ADD COLUMN`` appends a column definition to the table's stored ``CREATE``
text, so each side's definition is the base's plus appended columns. When the
names differ, the merged table is the base plus ours' columns plus theirs'.

Rows: theirs' history holds the table as images (every base row deleted, every
theirs row inserted, in theirs' layout). They are loaded into two scratch
in-memory databases and copied, by column name, into two scratch tables of the
merged layout (base rows, theirs rows; columns a side lacks take their
defaults, as ``ADD COLUMN`` gives them); ``Session.diff`` of the two is
theirs' change in the merged layout, in C. The working copy then gets theirs'
``ADD COLUMN`` statements and that changeset, applied with the merge's
cell-level conflict check. The record holds the table as images too (as any
``ALTER`` does), so the cost is O(rows of that table), like the ``ALTER`` itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import apsw

from zen.engine.catalog import quote_identifier
from zen.history import schema as sch
from zen.history.steps import RowsStep, SchemaEntry, Step

_OPEN = apsw.SQLITE_OPEN_URI | apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
_QUOTES = {'"': '"', "'": "'", "`": "`", "[": "]"}
_serial = itertools.count()


def appended(base_sql: str, sql: str) -> list[str] | None:
    """The column definitions ``sql`` appends to ``base_sql`` (empty when equal), or
    None when ``sql`` is not ``base_sql`` with columns added.

    Example:
        >>> appended("CREATE TABLE t(a)", "CREATE TABLE t(a, b DEFAULT 1)")
        ['b DEFAULT 1']
    """
    if sql == base_sql:
        return []
    prefix = 0
    while prefix < len(base_sql) and sql[prefix : prefix + 1] == base_sql[prefix]:
        prefix += 1
    suffix = 0
    room = min(len(base_sql), len(sql)) - prefix
    while suffix < room and sql[-1 - suffix] == base_sql[-1 - suffix]:
        suffix += 1
    if prefix + suffix != len(base_sql):
        return None
    middle = sql[prefix : len(sql) - suffix].strip()
    if not middle.startswith(","):
        return None
    columns = [c.strip() for c in _split(middle[1:])]
    return columns if all(columns) else None


def _split(text: str) -> list[str]:
    """``text`` cut at its top-level commas (not inside parentheses or quotes)."""
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        char = text[i]
        if char in _QUOTES:
            end = text.find(_QUOTES[char], i + 1)
            i = len(text) if end < 0 else end + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def column_name(definition: str) -> str:
    """The (unquoted, lower-cased) name a column definition declares."""
    text = definition.strip()
    if text[:1] in _QUOTES:
        end = text.find(_QUOTES[text[0]], 1)
        return text[1:end].lower()
    return text.split()[0].lower()


def theirs_change(
    table: str,
    sqls: tuple[str, str],
    columns: Sequence[str],
    images: tuple[bytes, bytes],
) -> bytes:
    """Theirs' change of ``table`` as a changeset in the merged layout.

    Args:
        table: The table.
        sqls: The base's and theirs' ``CREATE`` statements.
        columns: Every appended definition, ours' then theirs' (the merged layout).
        images: The base rows and theirs' rows as insert changesets (other tables'
            changes may be in them too: they are ignored).
    """
    base_sql, theirs_sql = sqls
    tag = f"{next(_serial)}-{id(images)}"
    with (
        _scratch(f"b{tag}", base_sql, images[0], table) as base,
        _scratch(f"t{tag}", theirs_sql, images[1], table) as theirs,
    ):
        merged = apsw.Connection("file::memory:", flags=_OPEN)
        try:
            return _diff(merged, table, base_sql, columns, (base, theirs))
        finally:
            merged.close()


class _scratch:
    """A named in-memory database holding one table's rows from an insert changeset."""

    def __init__(self, name: str, create_sql: str, image: bytes, table: str) -> None:
        self.uri = f"file:/zen-merge-{name}?vfs=memdb"
        self.conn = apsw.Connection(self.uri, flags=_OPEN)
        self.conn.execute(create_sql)
        if image:
            apsw.Changeset.apply(image, self.conn, filter=lambda name: name == table)
        self.layout = sch.layout(self.conn, table)

    def __enter__(self) -> _scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def _diff(
    conn: apsw.Connection,
    table: str,
    base_sql: str,
    columns: Sequence[str],
    sources: tuple[_scratch, _scratch],
) -> bytes:
    name = quote_identifier(table)
    conn.execute(base_sql)
    for definition in columns:
        conn.execute(f"ALTER TABLE main.{name} ADD COLUMN {definition}")
    merged_sql = sch.tables(sch.snapshot(conn))[table]
    conn.execute("CREATE TEMP TABLE " + merged_sql[len("CREATE TABLE ") :])
    for alias, source, target in (("zb", sources[0], "temp"), ("zt", sources[1], "main")):
        conn.execute(f"ATTACH ? AS {alias}", (source.uri,))
        listed = source.layout.select_list
        conn.execute(f"INSERT INTO {target}.{name}({listed}) SELECT {listed} FROM {alias}.{name}")
    session = apsw.Session(conn, "main")
    session.config(apsw.SQLITE_SESSION_OBJCONFIG_ROWID, 1)
    session.attach(table)
    session.diff("temp", table)
    changeset = bytes(session.changeset())
    session.close()
    return changeset


def table_steps(
    before: sch.SchemaMap, after: sch.SchemaMap, images: tuple[bytes, bytes]
) -> list[Step]:
    """The record's steps for a table rebuilt in place: its rows out, schema, rows in."""
    step = sch.diff_step(before, after)
    out: list[Step] = [RowsStep(apsw.Changeset.invert(images[0]))] if images[0] else []
    if step is not None:
        out.append(step)
    if images[1]:
        out.append(RowsStep(images[1]))
    return out


def entries_of(schema: Mapping[tuple[str, str], SchemaEntry], table: str) -> set[tuple[str, str]]:
    """Keys of a table's entries (the table, its indexes and triggers)."""
    return {k for k, e in schema.items() if e[2] == table}
