"""Writes by other SQLite clients: sentinel triggers, and folding what they saw.

Every user table gets *sentinels*: a shadow table ``_zen_ext_<id>`` with the
table's changeset layout, and triggers that copy the first version of each row
another program touches (its old values, or "did not exist") into the shadow.
zen's own connection keeps triggers switched off while the schema holds no other
trigger (``SQLITE_DBCONFIG_ENABLE_TRIGGER``; foreign-key actions still run), so
zen's writes pay nothing for the sentinels; when user triggers exist, zen's own
shadow rows are cleared before its commit.

Before zen records anything, pending sentinel rows are *folded*: a changeset
from the old values to the working copy's current rows is built in C
(``apsw.ChangesetBuilder``) and appended as a record of kind ``external``, so
``zen status`` shows the outside writes and the next commit includes them.
Schema changes by other programs are seen through the schema cookie
(``PRAGMA schema_version``) against the one zen stored with its last record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.history import schema as sch
from zen.history import store
from zen.history.steps import RowsStep, SchemaStep, Step, concat

PREFIX = "_zen_ext_"
TABLES = """
CREATE TABLE IF NOT EXISTS _zen_ext_tables(
    shadow TEXT PRIMARY KEY, tbl TEXT NOT NULL UNIQUE, layout TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _zen_ext_dirty(shadow TEXT PRIMARY KEY) WITHOUT ROWID;
"""
_OTHER_TRIGGERS = (
    "SELECT 1 FROM main.sqlite_schema WHERE type = 'trigger' AND substr(name, 1, 9) != ?"
    " UNION ALL SELECT 1 FROM temp.sqlite_schema WHERE type = 'trigger' LIMIT 1"
)


def install_tables(conn: apsw.Connection) -> None:
    """Create the bookkeeping tables (idempotent; inside the caller's transaction)."""
    for statement in TABLES.strip().split(";\n"):
        if statement.strip():
            conn.execute(statement)


def installed(conn: apsw.Connection) -> bool:
    """True when this database has sentinel bookkeeping (history format >= 2)."""
    return (
        conn.execute(
            "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = '_zen_ext_dirty'"
        ).get
        is not None
    )


def shadow_name(table: str) -> str:
    """The shadow table's name for ``table`` (a digest: any table name works)."""
    return (
        PREFIX + hashlib.blake2b(table.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
    )


# -- sentinels -----------------------------------------------------------------------


def _ref(layout: sch.Layout, index: int, side: str) -> str:
    if layout.implicit_rowid and index == 0:
        return f"{side}.rowid"
    return f"{side}.{quote_identifier(layout.columns[index])}"


def _source_ref(layout: sch.Layout, index: int) -> str:
    if layout.implicit_rowid and index == 0:
        return "x.rowid"
    return f"x.{quote_identifier(layout.columns[index])}"


def _absent(shadow: str, layout: sch.Layout, side: str) -> str:
    match = " AND ".join(f"c{i} IS {_ref(layout, i, side)}" for i in layout.key)
    return f"NOT EXISTS (SELECT 1 FROM {quote_identifier(shadow)} WHERE {match})"


def _trigger_sql(table: str, shadow: str, layout: sch.Layout) -> list[str]:
    q_table, q_shadow = quote_identifier(table), quote_identifier(shadow)
    cols = ", ".join(f"c{i}" for i in range(len(layout.columns)))
    keys = ", ".join(f"c{i}" for i in layout.key)
    dirty = (
        f"INSERT INTO _zen_ext_dirty(shadow) SELECT '{shadow}' WHERE NOT EXISTS "
        f"(SELECT 1 FROM _zen_ext_dirty WHERE shadow = '{shadow}');"
    )

    def old_row(side: str) -> str:
        values = ", ".join(_ref(layout, i, side) for i in range(len(layout.columns)))
        return (
            f"INSERT INTO {q_shadow}(e, {cols}) SELECT 1, {values} "
            f"WHERE {_absent(shadow, layout, side)};"
        )

    def new_key(side: str) -> str:
        values = ", ".join(_ref(layout, i, side) for i in layout.key)
        return (
            f"INSERT INTO {q_shadow}(e, {keys}) SELECT 0, {values} "
            f"WHERE {_absent(shadow, layout, side)};"
        )

    existing = ", ".join(_source_ref(layout, i) for i in range(len(layout.columns)))
    same_key = " AND ".join(
        f"{_source_ref(layout, i)} IS {_ref(layout, i, 'new')}" for i in layout.key
    )
    replaced = (
        f"INSERT INTO {q_shadow}(e, {cols}) SELECT 1, {existing} FROM {q_table} AS x "
        f"WHERE {same_key} AND {_absent(shadow, layout, 'new')};"
    )
    name = quote_identifier
    return [
        f"CREATE TRIGGER {name(shadow + '_b')} BEFORE INSERT ON {q_table} BEGIN {replaced} END",
        f"CREATE TRIGGER {name(shadow + '_i')} AFTER INSERT ON {q_table} "
        f"BEGIN {new_key('new')} {dirty} END",
        f"CREATE TRIGGER {name(shadow + '_u')} AFTER UPDATE ON {q_table} "
        f"BEGIN {old_row('old')} {new_key('new')} {dirty} END",
        f"CREATE TRIGGER {name(shadow + '_d')} AFTER DELETE ON {q_table} "
        f"BEGIN {old_row('old')} {dirty} END",
    ]


def layout_text(layout: sch.Layout) -> str:
    """The layout as stored with a shadow table (to tell when it changed)."""
    return json.dumps([layout.columns, layout.key, layout.implicit_rowid])


def install(conn: apsw.Connection, table: str) -> None:
    """(Re)create ``table``'s shadow and triggers for its current layout."""
    uninstall(conn, table)
    layout = sch.layout(conn, table)
    shadow = shadow_name(table)
    cols = ", ".join(f"c{i}" for i in range(len(layout.columns)))
    keys = ", ".join(f"c{i}" for i in layout.key)
    conn.execute(
        f"CREATE TABLE {quote_identifier(shadow)}(e INTEGER NOT NULL, {cols}, "
        f"PRIMARY KEY({keys})) WITHOUT ROWID"
    )
    for sql in _trigger_sql(table, shadow, layout):
        conn.execute(sql)
    conn.execute(
        "INSERT INTO _zen_ext_tables(shadow, tbl, layout) VALUES (?, ?, ?)",
        (shadow, table, layout_text(layout)),
    )


def uninstall(conn: apsw.Connection, table: str) -> None:
    """Drop ``table``'s sentinels (the shadow table takes nothing else with it)."""
    shadow = shadow_name(table)
    for suffix in ("_b", "_i", "_u", "_d"):
        conn.execute(f"DROP TRIGGER IF EXISTS main.{quote_identifier(shadow + suffix)}")
    conn.execute(f"DROP TABLE IF EXISTS main.{quote_identifier(shadow)}")
    conn.execute("DELETE FROM _zen_ext_tables WHERE tbl = ?", (table,))
    conn.execute("DELETE FROM _zen_ext_dirty WHERE shadow = ?", (shadow,))


def sync(conn: apsw.Connection, schema: sch.SchemaMap | None = None) -> None:
    """Give every user table sentinels that match its layout, and drop stale ones.

    Two catalog reads when nothing changed: layouts are compared by their stored
    description, and a trigger dropped by hand (or by another tool) is put back.
    """
    tables = sch.tables(schema if schema is not None else sch.snapshot(conn))
    known = {str(t): str(lay) for t, lay in conn.execute("SELECT tbl, layout FROM _zen_ext_tables")}
    armed = {
        str(t)
        for (t,) in conn.execute(
            "SELECT tbl_name FROM main.sqlite_schema WHERE type = 'trigger' "
            "AND substr(name, 1, 9) = ? GROUP BY tbl_name HAVING count(*) = 4",
            (PREFIX,),
        )
    }
    for table in known.keys() - tables.keys():
        uninstall(conn, table)
    for table, sql in tables.items():
        if not sql.upper().startswith("CREATE TABLE"):
            continue  # virtual tables: their shadow tables carry the rows
        layout = layout_text(sch.cached_layout(conn, table, sql))
        if known.get(table) != layout or table not in armed:
            install(conn, table)


# -- zen's own connection --------------------------------------------------------------


class TriggerSwitch:
    """Keeps triggers off on zen's connection while only sentinels exist.

    Re-checked when the main schema cookie moves, and after any DDL statement
    zen runs (which is how a ``TEMP`` trigger appears: its cookie is apart).
    """

    def __init__(self) -> None:
        self._key: int | None = None
        self.enabled = True

    def update(self, conn: apsw.Connection, version: int) -> bool:
        """Switch triggers for the schema at ``version``; returns whether they are on."""
        key = version
        if key != self._key:
            self._key = key
            wanted = conn.execute(_OTHER_TRIGGERS, (PREFIX,)).get is not None
            conn.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, int(wanted))
            self.enabled = wanted
        return self.enabled

    def forget(self) -> None:
        """Re-check on the next update (the schema changed within a transaction)."""
        self._key = None


def clear_own(conn: apsw.Connection) -> None:
    """Drop shadow rows written by zen's own statements (triggers were on)."""
    for (shadow,) in conn.execute("SELECT shadow FROM _zen_ext_dirty").fetchall():
        conn.execute(f"DELETE FROM main.{quote_identifier(str(shadow))}")
    conn.execute("DELETE FROM _zen_ext_dirty")


# -- folding ------------------------------------------------------------------------


@dataclass(frozen=True)
class Folded:
    """Outside writes turned into steps."""

    steps: list[Step]
    note: str


def pending_rows(conn: apsw.Connection) -> bool:
    """True when another program changed rows since zen last looked."""
    return conn.execute("SELECT 1 FROM _zen_ext_dirty LIMIT 1").get is not None


def fold_rows(conn: apsw.Connection) -> tuple[bytes, dict[str, int]]:
    """The outside row changes as one changeset, and changed-row counts per table.

    Clears the sentinel rows (inside the caller's transaction).
    """
    dirty = [str(s) for (s,) in conn.execute("SELECT shadow FROM _zen_ext_dirty").fetchall()]
    owners = {
        str(s): (str(t), str(lay))
        for s, t, lay in conn.execute("SELECT shadow, tbl, layout FROM _zen_ext_tables")
    }
    builder = apsw.ChangesetBuilder()  # type: ignore[no-untyped-call]
    builder.schema(conn, "main")
    counts: dict[str, int] = {}
    for shadow in dirty:
        table, stored = owners.get(shadow, ("", ""))
        if table and _table_exists(conn, table):
            layout = sch.layout(conn, table)
            # Rows written before another program altered the table are in its old
            # layout: they are not folded (a documented limit).
            if layout_text(layout) == stored:
                counts[table] = _fold_table(conn, builder, layout, shadow)
        conn.execute(f"DELETE FROM main.{quote_identifier(shadow)}")
    conn.execute("DELETE FROM _zen_ext_dirty")
    changeset = bytes(builder.output())
    builder.close()
    return changeset, {t: n for t, n in counts.items() if n}


def _table_exists(conn: apsw.Connection, table: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?", (table,)
        ).get
        is not None
    )


def _fold_table(
    conn: apsw.Connection, builder: apsw.ChangesetBuilder, layout: sch.Layout, shadow: str
) -> int:
    table = layout.table
    width = len(layout.columns)
    cols = ", ".join(f"c{i}" for i in range(width))
    current = (
        f"SELECT {layout.select_list} FROM main.{quote_identifier(table)} WHERE "
        + layout.key_where()
    )
    changed = 0
    for row in conn.execute(f"SELECT e, {cols} FROM main.{quote_identifier(shadow)}").fetchall():
        existed, old = bool(row[0]), tuple(row[1:])
        key = [old[i] for i in sorted(layout.key)]
        new = conn.execute(current, key).fetchone()
        changed += _add_change(builder, layout, old if existed else None, new)
    return changed


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _add_change(
    builder: apsw.ChangesetBuilder,
    layout: sch.Layout,
    old: Sequence[Any] | None,
    new: Sequence[Any] | None,
) -> int:
    table = layout.table
    if old is None and new is None:
        return 0
    if old is None:
        builder.add_insert(table, False, tuple(new or ()))
        return 1
    if new is None:
        builder.add_delete(table, False, tuple(old))
        return 1
    diff = [i for i in range(len(old)) if not _same(old[i], new[i])]
    if not diff:
        return 0
    keys = set(layout.key)
    before = tuple(old[i] if i in keys or i in diff else apsw.no_change for i in range(len(old)))
    after = tuple(new[i] if i in diff else apsw.no_change for i in range(len(new)))
    builder.add_update(table, False, before, after)
    return 1


# -- outside schema changes ----------------------------------------------------------


def stored_schema(conn: apsw.Connection) -> tuple[int | None, sch.SchemaMap | None]:
    """The schema cookie and user schema zen saw last (None when never stored)."""
    cookie = store.meta_get(conn, "schema_cookie")
    text = store.meta_get(conn, "schema_entries")
    schema = sch.from_entries(json.loads(text)) if text else None
    return (int(cookie) if cookie is not None else None), schema


def store_schema(conn: apsw.Connection, cookie: int, schema: sch.SchemaMap) -> None:
    """Remember the cookie and user schema after zen's own schema change."""
    store.meta_set(conn, "schema_cookie", cookie)
    store.meta_set(conn, "schema_entries", json.dumps(sch.entries(schema)))


def fold_schema(conn: apsw.Connection, before: sch.SchemaMap, after: sch.SchemaMap) -> list[Step]:
    """Steps for a schema change made by another program.

    New tables come with their rows. A table another program altered keeps its
    rows when its old columns all still exist (``ADD COLUMN``, the common case);
    rows of a table another program dropped, or of columns it dropped, are not
    known to history (the schema change itself is recorded).
    """
    step = sch.diff_step(before, after)
    if step is None:
        return []
    old_tables, new_tables = sch.tables(before), sch.tables(after)
    empty: list[bytes] = []
    fill: list[bytes] = []
    for table in sorted(step.tables()):
        if table in new_tables and new_tables[table].upper().startswith("CREATE TABLE"):
            fill.append(sch.table_image(conn, table, new_tables[table]))
            if table in old_tables:
                image = _old_image(conn, table, old_tables[table])
                if image:
                    empty.append(image)
    steps: list[Step] = []
    if empty:
        steps.append(RowsStep(bytes(apsw.Changeset.invert(concat(empty)))))
    steps.append(step)
    if fill:
        steps.append(RowsStep(concat(fill)))
    return steps


def _old_image(conn: apsw.Connection, table: str, old_sql: str) -> bytes:
    """The table's rows in its old layout, when every old column still exists.

    The rows are copied into a ``temp`` twin with the old definition while a
    session on ``temp`` records them, so the changeset names ``table``.
    """
    old = sch.layout_from_sql(old_sql, table)
    if not set(old.columns) <= set(sch.layout(conn, table).columns):
        return b""
    q_table = quote_identifier(table)
    conn.execute("CREATE TEMP TABLE " + old_sql[len("CREATE TABLE ") :])
    try:
        session = apsw.Session(conn, "temp")
        session.config(apsw.SQLITE_SESSION_OBJCONFIG_ROWID, 1)
        session.attach(table)
        conn.execute(
            f"INSERT INTO temp.{q_table}({old.select_list}) "
            f"SELECT {old.select_list} FROM main.{q_table}"
        )
        image = bytes(session.changeset())
        session.close()
        return image
    finally:
        conn.execute(f"DROP TABLE temp.{q_table}")


def summary(counts: dict[str, int], schema_steps: Iterable[Step]) -> str:
    """The note of an ``external`` record."""
    parts = [f"{t} ({n} row{'s' if n != 1 else ''})" for t, n in sorted(counts.items())]
    if any(isinstance(s, SchemaStep) for s in schema_steps):
        parts.append("schema")
    return "changes by another program: " + ", ".join(parts)
