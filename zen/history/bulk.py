"""Bulk inserts: recorded by rowid range in the transaction, sealed into a changeset later.

A session costs a long ``executemany`` INSERT about half again its own time (its
preupdate hook per row, then building, compressing and storing the changeset), so
history records such an insert differently. While the rows go in, no session is
attached; each chunk runs inside a savepoint and is checked afterwards: the
change counter must equal the number of rows above the table's largest rowid
before the chunk. Then exactly the rows with rowids in ``first..last`` are new,
and the record stores only that range (:class:`~zen.history.steps.RangeStep`,
record kind ``bulk``). A chunk that fails the check (explicit rowids below the
largest) is rolled back to its savepoint and run again under a session.

A range names rows, not values, so a ``bulk`` record is *sealed* (its ranges
replaced by the changeset of those rows, its kind and hash rewritten) before
anything can change those rows or read history: at the start of the next write
transaction on any connection, before every history command (``History.sync``)
and before a DDL statement later in the same transaction. The rows are copied
into a ``temp`` twin of the table while a session on ``temp`` records them, so the
changeset is built in C. Until then the record is always the newest one, so
rewriting it breaks no hash chain. Rows changed since the insert are put back
as it left them: later changes in the same record (their old values), and other
programs' writes through the sentinels' shadow rows (first versions).

Only what can be checked takes this path: a plain ``INSERT INTO t ... VALUES``
(``OR IGNORE/ABORT/FAIL`` allowed; no REPLACE, upsert or SELECT) into a rowid
table of ``main`` keyed by its rowid, with no trigger, generated column or
``ON CONFLICT REPLACE`` constraint, on a connection whose triggers are off.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.observers import ManyRunner
from zen.history import external, store
from zen.history import schema as sch
from zen.history.errors import HistoryError
from zen.history.steps import (
    AnyStep,
    RangeStep,
    RowsStep,
    Step,
    concat,
    decode_any_steps,
    encode_steps,
    merge_rows,
)

KIND = "bulk"
CHUNK = 20_000  # rows per checked chunk
SMALL = 256  # rows run under the session first: a short executemany stays as it was
_SAVEPOINT = "_zen_bulk"
_INSERT = re.compile(r"\s*INSERT\s+(?:OR\s+(?:IGNORE|ABORT|FAIL)\s+)?INTO\b", re.IGNORECASE)
_NOT_PLAIN = re.compile(
    r"\b(?:REPLACE|CONFLICT|SELECT|DEFAULT\s+VALUES|WITH)\b", re.IGNORECASE | re.DOTALL
)
_ROWID_NAMES = {"rowid", "_rowid_", "oid"}
_NEWEST_KIND = "SELECT kind FROM _zen_changes ORDER BY id DESC LIMIT 1"
_TRIGGERS = (
    "SELECT 1 FROM main.sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 "
    f"AND substr(name, 1, {len(external.PREFIX)}) != '{external.PREFIX}' "
    "UNION ALL SELECT 1 FROM temp.sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 "
    "UNION ALL SELECT 1 FROM temp.sqlite_schema WHERE type = 'table' AND name = ?1 LIMIT 1"
)


@dataclass(frozen=True)
class Target:
    """A table a bulk insert may record by range."""

    table: str
    sql: str
    layout: sch.Layout


# -- which inserts -----------------------------------------------------------------------


def target(
    conn: apsw.Connection, sql: str, tables: dict[str, str], triggers_on: bool
) -> Target | None:
    """The table ``sql`` inserts into when the insert can be recorded by range, else None.

    Args:
        conn: The connection the insert runs on.
        sql: The INSERT statement.
        tables: ``CREATE TABLE`` statements of ``main``'s user tables, by name.
        triggers_on: Triggers fire on this connection (sentinels would then see the rows).
    """
    if triggers_on or not _INSERT.match(sql) or _NOT_PLAIN.search(sql):
        return None
    name = _inserted_table(conn, sql)
    create = tables.get(name) if name is not None else None
    if name is None or create is None or not create.upper().startswith("CREATE TABLE"):
        return None
    if "REPLACE" in create.upper() or conn.execute(_TRIGGERS, (name,)).get is not None:
        return None
    try:
        layout = sch.cached_layout(conn, name, create)
    except HistoryError:
        return None
    if not _keyed_by_rowid(conn, layout):
        return None
    return Target(name, create, layout)


def _inserted_table(conn: apsw.Connection, sql: str) -> str | None:
    """The one ``main`` table the statement writes (from the authorizer), else None."""
    writes = sch.statement_writes(conn, sql)
    if len(writes) != 1:
        return None
    ((op, table, db),) = writes
    return table if op == apsw.SQLITE_INSERT and db == "main" else None


def _keyed_by_rowid(conn: apsw.Connection, layout: sch.Layout) -> bool:
    """The changeset key is the rowid: no explicit key, or an INTEGER PRIMARY KEY alias."""
    named = layout.columns[1:] if layout.implicit_rowid else layout.columns
    if any(column.lower() in _ROWID_NAMES for column in named):
        return False  # "rowid" in SQL would mean that column
    q_table = quote_identifier(layout.table)
    info = conn.execute(
        f"SELECT count(*), sum(hidden != 0) FROM pragma_table_xinfo({_literal(layout.table)})"
    ).fetchone()
    if not info or info[1]:
        return False  # generated columns
    without_rowid = conn.execute(
        "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?", (layout.table,)
    ).get
    if without_rowid or layout.nullable_key:
        return False
    if layout.implicit_rowid:
        return True
    # INTEGER PRIMARY KEY DESC is no alias: its key then lives in an index of its own.
    origins = [str(row[3]) for row in conn.execute(f"PRAGMA main.index_list({q_table})")]
    return len(layout.key) == 1 and "pk" not in origins


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- the insert --------------------------------------------------------------------------


def insert(
    conn: apsw.Connection,
    into: Target,
    rows: Iterator[Any],
    run: ManyRunner,
    steps: list[AnyStep],
    under_session: Callable[[list[Any]], None],
) -> None:
    """Insert ``rows`` chunk by chunk, appending range steps (see the module docstring).

    Args:
        conn: The connection, inside a transaction, with no session attached.
        into: The target table.
        rows: The parameter sets still to insert.
        run: Runs the INSERT for an iterable of parameter sets.
        steps: The transaction's steps: range steps are appended (or extended).
        under_session: Runs a chunk again under a session (its step appended).
    """
    while True:
        kept: list[Any] = []
        floor = _largest_rowid(conn, into)
        before = conn.total_changes()
        conn.execute(f"SAVEPOINT {_SAVEPOINT}")
        failure: BaseException | None = None
        try:
            run(keeping(rows, CHUNK, kept))
        except BaseException as exc:  # recorded first, raised below
            failure = exc
        if conn.get_autocommit():  # SQLite rolled the whole transaction back
            assert failure is not None
            raise failure
        added = int(conn.total_changes() - before)
        span = _new_rows(conn, into, floor, added) if added else None
        if added and span is None:
            conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
            conn.execute(f"RELEASE {_SAVEPOINT}")
            under_session(kept)
        else:
            conn.execute(f"RELEASE {_SAVEPOINT}")
            if span is not None:
                _extend(steps, into, span)
        if failure is not None:
            raise failure
        if len(kept) < CHUNK:
            return


def keeping(rows: Iterable[Any], count: int, kept: list[Any]) -> Iterator[Any]:
    """Up to ``count`` of ``rows``, handed out lazily (so a failing row is the last one)
    and appended to ``kept``.

    Example:
        >>> kept: list[int] = []
        >>> list(keeping(iter(range(5)), 2, kept)), kept
        ([0, 1], [0, 1])
    """
    for row in itertools.islice(rows, count):
        kept.append(row)
        yield row


def _largest_rowid(conn: apsw.Connection, into: Target) -> int | None:
    value = conn.execute(f"SELECT max(rowid) FROM main.{quote_identifier(into.table)}").get
    return None if value is None else int(value)


def _new_rows(
    conn: apsw.Connection, into: Target, floor: int | None, added: int
) -> tuple[int, int] | None:
    """``(first, last)`` rowids of the rows above ``floor`` when they are all ``added``."""
    query = f"SELECT count(*), min(rowid), max(rowid) FROM main.{quote_identifier(into.table)}"
    found = conn.execute(query + " WHERE rowid > ?", (floor,)) if floor is not None else None
    count, first, last = (found or conn.execute(query)).fetchone() or (0, 0, 0)
    return (int(first), int(last)) if count == added else None


def _extend(steps: list[AnyStep], into: Target, span: tuple[int, int]) -> None:
    last = steps[-1] if steps else None
    if isinstance(last, RangeStep) and last.table == into.table and last.last < span[0]:
        steps[-1] = RangeStep(into.table, last.first, span[1], into.sql)
    else:
        steps.append(RangeStep(into.table, span[0], span[1], into.sql))


# -- sealing -----------------------------------------------------------------------------


def unsealed(conn: apsw.Connection) -> bool:
    """True when the newest record still holds rowid ranges."""
    return bool(conn.execute(_NEWEST_KIND).get == KIND)


def seal(conn: apsw.Connection) -> store.Record | None:
    """Seal the newest record when it is a ``bulk`` one (inside a write transaction).

    Returns:
        The sealed record, or None when there was nothing to seal.
    """
    record = store.last_record(conn)
    if record is None or record.kind != KIND:
        return None
    steps = seal_steps(conn, decode_any_steps(store.record_data(conn, record)), outside=True)
    return store.rewrite_newest(conn, record, "txn", encode_steps(merge_rows(steps)))


def seal_steps(conn: apsw.Connection, steps: Sequence[AnyStep], *, outside: bool) -> list[Step]:
    """``steps`` with each range step replaced, in place, by the changeset of its rows.

    Args:
        conn: The connection (its working copy is at the state after ``steps``).
        steps: A record's steps.
        outside: Other programs may have written since (read their shadow rows).
    """
    sealed: list[Step] = []
    for index, step in enumerate(steps):
        if isinstance(step, RangeStep):
            later = [s.changeset for s in steps[index + 1 :] if isinstance(s, RowsStep)]
            sealed.append(RowsStep(_image(conn, step, concat(later) if later else b"", outside)))
        else:
            sealed.append(step)
    return sealed


def normalize_unsealed(steps: Sequence[AnyStep]) -> list[AnyStep]:
    """Merge the rows steps between range steps (a record's steps before sealing)."""
    out: list[AnyStep] = []
    run: list[Step] = []
    for step in steps:
        if isinstance(step, RangeStep):
            out.extend(merge_rows(run))
            run = []
            out.append(step)
        else:
            run.append(step)
    out.extend(merge_rows(run))
    return out


def _image(conn: apsw.Connection, step: RangeStep, later: bytes, outside: bool) -> bytes:
    """The insert changeset of the range's rows as the bulk insert left them."""
    sch.require_twin_name(
        conn, step.table, f"cannot finish recording the bulk insert into {step.table}"
    )
    layout = sch.layout_from_sql(step.sql, step.table)
    q_table = quote_identifier(step.table)
    conn.execute(f"CREATE TEMP TABLE {q_table}({_twin_columns(layout)})")
    try:
        session = apsw.Session(conn, "temp")
        session.config(apsw.SQLITE_SESSION_OBJCONFIG_ROWID, 1)
        session.attach(step.table)
        _fill_twin(conn, step, layout, later, outside)
        image = bytes(session.changeset())
        session.close()
        return image
    finally:
        conn.execute(f"DROP TABLE temp.{q_table}")


def _twin_columns(layout: sch.Layout) -> str:
    """Column definitions of a twin with the same changeset layout and nothing else.

    No types (values are copied exactly, no affinity), no constraints (a foreign key
    would look for its parent in ``temp``).
    """
    if layout.implicit_rowid:
        return ", ".join(quote_identifier(c) for c in layout.columns[1:])
    key = layout.key[0]
    return ", ".join(
        quote_identifier(c) + (" INTEGER PRIMARY KEY" if i == key else "")
        for i, c in enumerate(layout.columns)
    )


def _fill_twin(
    conn: apsw.Connection, step: RangeStep, layout: sch.Layout, later: bytes, outside: bool
) -> None:
    """Copy the range's rows into the twin, each from where its inserted values are now.

    Inserts only (a session on a rowid twin mis-pairs rows deleted and inserted again):
    rows untouched since are read from ``main``; rows other programs touched from their
    shadow's first versions; rows the record deleted later from its own old values.
    Keys the record inserted into the range later are not the insert's rows.
    """
    q_table = quote_identifier(step.table)
    inserted, deleted = _later_changes(later, step, layout)
    skip = json.dumps(inserted)
    shadow = _shadow(conn, step, layout) if outside else None
    parts: list[str] = []
    if _table_has(conn, step.table, layout):
        touched = ""
        if shadow is not None:
            q_shadow, key = shadow
            touched = (
                f" AND rowid NOT IN (SELECT {key} FROM main.{q_shadow}"
                f" WHERE {key} BETWEEN ?2 AND ?3)"
            )
        parts.append(
            f"SELECT {layout.select_list} FROM main.{q_table} WHERE rowid BETWEEN ?2 AND ?3"
            f" AND rowid NOT IN (SELECT value FROM json_each(?1)){touched}"
        )
    if shadow is not None:
        q_shadow, key = shadow
        cols = ", ".join(f"c{i}" for i in range(len(layout.columns)))
        parts.append(
            f"SELECT {cols} FROM main.{q_shadow} WHERE e = 1 AND {key} BETWEEN ?2 AND ?3"
            f" AND {key} NOT IN (SELECT value FROM json_each(?1))"
        )
    if parts:
        conn.execute(
            f"INSERT INTO temp.{q_table}({layout.select_list}) " + " UNION ALL ".join(parts),
            (skip, step.first, step.last),
        )
    marks = ", ".join("?" * len(layout.columns))
    conn.executemany(f"INSERT INTO temp.{q_table}({layout.select_list}) VALUES ({marks})", deleted)


def _table_has(conn: apsw.Connection, table: str, layout: sch.Layout) -> bool:
    """The table still exists with every column the range's layout had."""
    try:
        current = sch.layout(conn, table)
    except HistoryError:
        return False
    return set(layout.columns) <= set(current.columns) and current.key == layout.key


def _shadow(conn: apsw.Connection, step: RangeStep, layout: sch.Layout) -> tuple[str, str] | None:
    """The quoted shadow table and key column holding other programs' first versions."""
    shadow = external.shadow_name(step.table)
    known = conn.execute(
        "SELECT t.layout FROM _zen_ext_tables t JOIN _zen_ext_dirty d USING (shadow) "
        "WHERE t.shadow = ?",
        (shadow,),
    ).get
    if known is None or known != external.layout_text(layout):
        return None  # nobody else wrote (or the layout changed: best effort, as for DDL)
    return quote_identifier(shadow), f"c{layout.key[0]}"


def _later_changes(
    later: bytes, step: RangeStep, layout: sch.Layout
) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """Keys the record inserted into the range afterwards, and the range rows it deleted."""
    inserted: list[Any] = []
    deleted: list[tuple[Any, ...]] = []
    if not later:
        return inserted, deleted
    position = layout.key[0]
    for change in apsw.Changeset.iter(later):
        if change.name != step.table or change.op == "UPDATE":
            continue
        row = change.new if change.op == "INSERT" else change.old
        assert row is not None
        key = row[position]
        if isinstance(key, int) and step.first <= key <= step.last:
            if change.op == "INSERT":
                inserted.append(key)
            else:
                deleted.append(tuple(row))
    return inserted, deleted
