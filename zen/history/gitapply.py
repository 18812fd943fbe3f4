"""Applying Git-file states (:mod:`zen.history.gitstore`) to a database.

Clone loads a whole state into an empty database; pull moves the working copy
from one state to the next, writing only the rows of the chunk files that
differ, in one transaction recorded as one commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from zen.engine.catalog import quote_identifier
from zen.engine.errors import ZenError
from zen.history import gitstore as gs
from zen.history import schema as sch
from zen.history.apply import raw_apply_mode
from zen.history.steps import SchemaStep

if TYPE_CHECKING:
    import apsw

    from zen.history.history import History


def load_into(conn: apsw.Connection, objects: gs.GitObjects, snap: gs.Snapshot) -> None:
    """Create the schema and insert every row of ``snap`` (inside the caller's transaction).

    Tables first, then rows, then indexes, views and triggers (so no trigger fires
    while loading, and indexes build once).
    """
    tables = [e for e in snap.schema if e[0] == "table"]
    for entry in tables:
        conn.execute(entry[3])
    for entry in tables:
        insert_rows(conn, snap.tables[entry[1]], snap.tables[entry[1]].rows(objects))
    for entry in snap.schema:
        if entry[0] != "table":
            conn.execute(entry[3])


def insert_rows(conn: apsw.Connection, files: gs.TableFiles, rows: Iterator[gs.Row]) -> None:
    """Insert rows given in file order into ``files.table``."""
    names = [
        "rowid" if files.rowid and i == 0 else quote_identifier(c)
        for i, c in enumerate(files.columns)
    ]
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO main.{quote_identifier(files.table)}({', '.join(names)}) VALUES ({marks})"
    conn.executemany(sql, rows)


# -- applying files to the working copy -----------------------------------------------------------


def apply_snapshot(
    history: History,
    objects: gs.GitObjects,
    old: gs.Snapshot,
    new: gs.Snapshot,
    message: str,
    author: str,
) -> str:
    """Make the working copy ``new``'s state (it is ``old``'s) as one commit; its id."""
    engine, conn = history.engine, history.conn
    before = {(e[0], e[1]): e for e in old.schema}
    after = {(e[0], e[1]): e for e in new.schema}
    step = sch.diff_step(before, after)
    recreated = step.tables() if step else set()
    with raw_apply_mode(conn), _explicit(history), engine.transaction():
        grown = {t for t in recreated & old.tables.keys() & new.tables.keys()
                 if _add_columns(history, t, before, after)}  # fmt: skip
        for table, files in new.tables.items():
            if table in grown:
                conn.execute(f"DELETE FROM main.{quote_identifier(table)}")
                insert_rows(conn, files, files.rows(objects))
            elif table not in recreated and files.tree != old.tables[table].tree:
                _apply_table(conn, objects, old.tables[table], files)
        rest = sch.diff_step(sch.snapshot(conn), after) if step is not None else None
        if rest is not None:
            _apply_schema(history, objects, rest, new)
        engine.notify_applied(frozenset(new.tables) | frozenset(old.tables))
    commit = history.commit(message or "pull", author=author, allow_empty=True)
    assert commit is not None
    return commit.id


@contextmanager
def _explicit(history: History) -> Iterator[None]:
    """No autocommit owed inside: the caller commits with the remote commit's message and
    author (the capture owes a commit to ``autocommit_author`` when it is set)."""
    saved = history.capture.autocommit_author
    history.capture.autocommit_author = None
    try:
        yield
    finally:
        history.capture.autocommit_author = saved


def _add_columns(history: History, table: str, before: sch.SchemaMap, after: sch.SchemaMap) -> bool:
    """Try ``ALTER TABLE ADD COLUMN`` when that is how ``after``'s table came about.

    It keeps the table's place in ``sqlite_schema`` (so ``.dump`` lists tables in
    the same order as on the side that ran the ALTER); False when the new
    definition is not the old one plus a column, and nothing was changed.
    """
    old_sql, new_sql = before[("table", table)][3], after[("table", table)][3]
    cut = old_sql.rfind(")")
    if cut <= 0 or not new_sql.startswith(old_sql[:cut]) or not new_sql.endswith(old_sql[cut:]):
        return False
    added = new_sql[cut : len(new_sql) - (len(old_sql) - cut)].strip()
    if not added.startswith(","):
        return False
    engine = history.engine
    engine.script("SAVEPOINT zen_add_column")
    try:
        engine.script(f"ALTER TABLE main.{quote_identifier(table)} ADD COLUMN {added[1:]}")
        done = sch.snapshot(history.conn).get(("table", table), ("", "", "", ""))[3] == new_sql
    except ZenError:
        done = False
    engine.script("RELEASE zen_add_column" if done else "ROLLBACK TO zen_add_column")
    if not done:
        engine.script("RELEASE zen_add_column")
    return done


def _apply_schema(
    history: History, objects: gs.GitObjects, step: SchemaStep, new: gs.Snapshot
) -> None:
    for kind, name, _table, _sql in sorted(step.before, key=lambda e: e[0] == "table"):
        history.engine.script(f"DROP {kind.upper()} IF EXISTS main.{quote_identifier(name)}")
    created = sorted(step.after, key=lambda e: e[0] != "table")
    for entry in created:
        if entry[0] == "table":
            history.engine.script(entry[3])
            files = new.tables[entry[1]]
            insert_rows(history.conn, files, files.rows(objects))
    for entry in created:
        if entry[0] != "table":
            history.engine.script(entry[3])


def _apply_table(
    conn: apsw.Connection, objects: gs.GitObjects, old: gs.TableFiles, new: gs.TableFiles
) -> None:
    """Write the rows that differ between two versions of a table's files."""
    before = _changed_rows(objects, old, new)
    after = _changed_rows(objects, new, old)
    names = [
        "rowid" if new.rowid and i == 0 else quote_identifier(c) for i, c in enumerate(new.columns)
    ]
    where = " AND ".join(f"{names[i]} IS ?" for i in new.key)
    table = f"main.{quote_identifier(new.table)}"
    gone = [k for k in before if k not in after]
    conn.executemany(f"DELETE FROM {table} WHERE {where}", gone)
    changed = [r for k, r in after.items() if gs.encode_values(r) != _line(before.get(k))]
    marks = ", ".join("?" * len(names))
    conn.executemany(
        f"INSERT OR REPLACE INTO {table}({', '.join(names)}) VALUES ({marks})", changed
    )


def _line(row: gs.Row | None) -> str | None:
    return gs.encode_values(row) if row is not None else None


def _changed_rows(
    objects: gs.GitObjects, files: gs.TableFiles, other: gs.TableFiles
) -> dict[gs.Key, gs.Row]:
    """Rows of ``files`` in chunks that ``other`` does not have, by key."""
    same = {(c.name, c.sha) for c in other.chunks}
    out: dict[gs.Key, gs.Row] = {}
    for chunk in files.chunks:
        if (chunk.name, chunk.sha) not in same:
            for row in files.chunk_rows(objects, chunk):
                out[files.key_of(row)] = row
    return out
