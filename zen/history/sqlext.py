"""History in SQL: ``zen_log``, ``zen_status``, ``zen_diff``, ``zen_history``, ``AS OF``.

:func:`prepare` is the entry point: it registers the read-only table-valued
functions on the history's connection (once) and rewrites ``AS OF``.

========================================  ================================================
function                                  one row per
========================================  ================================================
``zen_log`` / ``zen_log('ref')``          commit, newest first (first parents): ``id``,
                                          ``short``, ``parents`` (JSON array), ``author``,
                                          ``time_ms``, ``time`` (local text), ``message``,
                                          ``refs`` (JSON array), ``record``
``zen_status``                            table whose rows or definition differ between
                                          HEAD and the working copy: ``tbl``, ``added``,
                                          ``removed``, ``changed``, ``schema`` (added,
                                          removed, changed or NULL), ``pending``,
                                          ``branch``, ``head``; no rows when clean
``zen_diff('t', 'from', 'to')``           changed row: ``tbl``, ``kind`` (added, removed,
                                          changed), ``key``, ``old``, ``new`` (JSON objects;
                                          whole rows for added/removed, the changed cells
                                          for changed). ``from`` defaults to HEAD, ``to``
                                          to the working copy; a NULL table means all
``zen_history('t')``                      version of a row, oldest first: ``record``,
                                          ``commit``, ``time_ms``, ``time``, ``op``
                                          (initial, insert, update, delete), ``key``,
                                          ``row`` (the whole row after the change; the
                                          removed row for a delete)
========================================  ================================================

BLOB values appear in JSON as ``{"blob": "hex"}``. The functions are read-only:
SQLite refuses writes to them.

Example:
    >>> sql = prepare(history, "select short, message from zen_log limit 3")  # doctest: +SKIP
    >>> history.conn.execute(sql).fetchall()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import apsw

from zen.engine.errors import UsageError, ZenError
from zen.history.errors import HistoryError

if TYPE_CHECKING:
    from zen.history.history import History
    from zen.history.refs import State
    from zen.history.schema import SchemaMap

_AS_OF = re.compile(r"\bAS\s+OF\b", re.IGNORECASE)
_REGISTERED = "_zen_sql_modules"

Rows = Iterator[tuple[Any, ...]]
Producer = Callable[["History", list[Any]], Rows]


def prepare(history: History, sql: str) -> str:
    """Register the ``zen_*`` functions on ``history``'s connection and rewrite ``AS OF``.

    Cheap and idempotent; returns ``sql`` itself when it holds no ``AS OF``.

    Example:
        >>> prepare(history, "select * from users as of 'HEAD~1' where id = 1")  # doctest: +SKIP
        'select * from temp."_zen_asof_1" AS "users" where id = 1'

    Raises:
        UsageError: Malformed ``AS OF``.
        HistoryError: A table did not exist at the revision (the message names both).
        RefNotFoundError: A revision names nothing.
    """
    register(history)
    history.sync()  # other programs' writes first: overlays start from the newest record
    if not _AS_OF.search(sql):
        return sql
    from zen.history.asof import rewrite

    return rewrite(history, sql)


def register(history: History) -> None:
    """Add the ``zen_*`` table-valued functions to ``history``'s connection (once)."""
    conn = history.conn
    if getattr(history, _REGISTERED, None) is conn:
        return
    for name, (columns, args, producer) in _FUNCTIONS.items():
        module: Any = _Module(history, name, columns, args, producer)
        conn.create_module(name, module, eponymous=True, eponymous_only=True, read_only=True)
    setattr(history, _REGISTERED, conn)


# -- the virtual-table protocol (APSW calls these methods by name) --------------------


class _Module:
    """A table-valued function: visible columns, then its arguments as hidden columns."""

    def __init__(
        self,
        history: History,
        name: str,
        columns: tuple[str, ...],
        args: tuple[str, ...],
        producer: Producer,
    ) -> None:
        self.history = history
        self.name = name
        self.columns = columns
        self.args = args
        self.producer = producer

    def Connect(self, *_: Any) -> tuple[str, _Table]:
        hidden = [f"{a} HIDDEN" for a in self.args]
        schema = f"CREATE TABLE x({', '.join([*self.columns, *hidden])})"
        return schema, _Table(self)

    Create = Connect


class _Table:
    def __init__(self, module: _Module) -> None:
        self.module = module

    def BestIndex(self, constraints: Any, _orderbys: Any) -> Any:
        first = len(self.module.columns)
        found: dict[int, int] = {}  # argument number -> constraint position
        for i, (column, op) in enumerate(constraints):
            arg = column - first
            if 0 <= arg < len(self.module.args) and op == apsw.SQLITE_INDEX_CONSTRAINT_EQ:
                found[arg] = i
        used: list[Any] = [None] * len(constraints)
        for argv, arg in enumerate(sorted(found)):
            used[found[arg]] = (argv, True)
        return (used, sum(1 << arg for arg in found), None, False, 1000.0)

    def Open(self) -> _Cursor:
        return _Cursor(self.module)

    def Disconnect(self) -> None:
        return None

    Destroy = Disconnect


class _Cursor:
    def __init__(self, module: _Module) -> None:
        self.module = module
        self.rows: Rows = iter(())
        self.row: tuple[Any, ...] | None = None
        self.at = 0

    def Filter(self, seen: int, _name: Any, values: Any) -> None:
        count = len(self.module.args)
        args: list[Any] = [None] * count
        for arg, value in zip((a for a in range(count) if seen >> a & 1), values, strict=True):
            args[arg] = value
        self.rows = self.module.producer(self.module.history, args)
        self.at = 0
        self._advance()

    def _advance(self) -> None:
        try:
            self.row = next(self.rows)
        except StopIteration:
            self.row = None
        except ZenError as exc:
            # SQLite shows the message; the hint is folded in so it is not lost.
            raise apsw.SQLError(
                f"{self.module.name}: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")
            ) from None

    def Eof(self) -> bool:
        return self.row is None

    def Rowid(self) -> int:
        return self.at

    def Column(self, number: int) -> Any:
        if number == -1:
            return self.at
        row = self.row or ()
        return row[number] if number < len(row) else None

    def Next(self) -> None:
        self.at += 1
        self._advance()

    def Close(self) -> None:
        self.rows = iter(())


# -- producers ------------------------------------------------------------------------


def _json(value: Any) -> str | None:
    from zen.history.diff import jsonable

    if value is None:
        return None
    if isinstance(value, dict):
        value = {k: jsonable(v) for k, v in value.items()}
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _log_rows(history: History, args: list[Any]) -> Rows:
    from zen.history import commits as cm
    from zen.history import refs as rf

    conn = history.conn
    start = rf.resolve_commit(conn, str(args[0]) if args[0] is not None else "HEAD").id
    names = _decorations(conn)
    for commit in cm.walk(conn, start):
        yield (
            commit.id,
            commit.short,
            _json(list(commit.parents)),
            commit.author,
            commit.time_ms,
            rf.format_time(commit.time_ms),
            commit.message,
            _json(names.get(commit.id, [])),
            commit.record,
        )


def _decorations(conn: apsw.Connection) -> dict[str, list[str]]:
    """``{commit id: [names pointing at it]}``: HEAD, branches, tags (as ``zen log``)."""
    from zen.history import commits as cm
    from zen.history import refs as rf
    from zen.history import store

    out: dict[str, list[str]] = {}
    head = cm.head_id(conn)
    if head:
        out.setdefault(head, []).append(cm.HEAD)
    for name, target in store.list_refs(conn, "refs/"):
        commit = rf.resolve(conn, name).commit if name.startswith(cm.TAG_PREFIX) else target
        short = name.removeprefix(cm.BRANCH_PREFIX).removeprefix("refs/")
        out.setdefault(commit or target, []).append(short)
    return out


def _status_rows(history: History, _args: list[Any]) -> Rows:
    from zen.history import commits as cm
    from zen.history import diff as df
    from zen.history import store

    conn = history.conn
    head = cm.head_commit(conn)
    base = head.record if head else None
    last = store.last_record(conn)
    schema = dict(cm.commit_tree(conn, head).schema) if head else {}
    changes = df.compute(
        conn, base, last.id if last else None, schema, ("HEAD", "working copy"), keep_rows=False
    )
    pending = len(cm.pending_records(conn, base))
    branch = cm.head_branch(conn)
    branch = branch.removeprefix(cm.BRANCH_PREFIX) if branch else None
    kinds = {c.name: c.kind for c in changes.schema if c.type == "table"}
    counts = {t.table: t for t in changes.tables}
    for table in sorted(kinds.keys() | counts.keys()):
        found = counts.get(table)
        added, removed, changed = (
            (found.added, found.removed, found.changed) if found else (0, 0, 0)
        )
        yield (
            table,
            added,
            removed,
            changed,
            kinds.get(table),
            pending,
            branch,
            head.id if head else None,
        )


def _diff_rows(history: History, args: list[Any]) -> Rows:
    from zen.history import diff as df

    table, source, target = args
    conn = history.conn
    src = _state(conn, "HEAD" if source is None else str(source))
    dst = _state(conn, None if target is None else str(target))
    tables = None if table is None else [str(table)]
    labels = (src.label, dst.label)
    diff = df.compute(conn, src.record, dst.record, _schema_at(conn, src), labels, tables=tables)
    for found in diff.tables:
        for row in found.rows:
            if row.kind == "changed":
                old = {c.column: c.old for c in row.cells}
                new = {c.column: c.new for c in row.cells}
            else:
                old, new = row.old or {}, row.new or {}
            yield (found.table, row.kind, _json(row.key), _json(old or None), _json(new or None))


def _state(conn: apsw.Connection, spec: str | None) -> State:
    """A revision's state; None is the working copy."""
    from zen.history import refs as rf
    from zen.history import store

    if spec is not None:
        return rf.resolve(conn, spec)
    last = store.last_record(conn)
    return rf.State(last.id if last else None, None, "working copy")


def _schema_at(conn: apsw.Connection, state: State) -> SchemaMap:
    from zen.history import commits as cm
    from zen.history import schema as sch
    from zen.history import store
    from zen.history.apply import path_steps
    from zen.history.diff import schema_after

    if state.commit is not None:
        return dict(cm.commit_tree(conn, cm.load_commit(conn, state.commit)).schema)
    last = store.last_record(conn)
    steps = path_steps(conn, last.id if last else None, state.record)
    return schema_after(sch.snapshot(conn), steps)


def _history_rows(history: History, args: list[Any]) -> Rows:
    if args[0] is None:
        raise UsageError("zen_history needs a table name", hint="SELECT * FROM zen_history('t')")
    for version in versions(history.conn, str(args[0])):
        yield (
            version.record,
            version.commit,
            version.time_ms,
            version.time,
            version.op,
            _json(version.key),
            _json(version.row),
        )


# -- every version of every row ------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One version of one row (see ``zen_history``).

    Attributes:
        record: The change record that wrote it (None: the state history started from).
        commit: The commit naming that record, when there is one.
        time_ms: When it was written.
        op: ``initial``, ``insert``, ``update`` or ``delete``.
        key: The row's primary key (``rowid`` for tables without one).
        row: The whole row after the change (the removed row for a delete).
    """

    record: int | None
    commit: str | None
    time_ms: int
    op: str
    key: dict[str, Any]
    row: dict[str, Any]

    @property
    def time(self) -> str:
        """Local time as text."""
        from zen.history.refs import format_time

        return format_time(self.time_ms)


def versions(conn: apsw.Connection, table: str) -> list[Version]:
    """Every version of every row of ``table`` along the working copy's history.

    Walks the records from the working copy back to the start, undoing each one
    (so a row's full values are known at every step even though changesets carry
    only changed columns), then lists the rows the start already had.
    Cost: O(changes to the table in history + rows of the table).

    Example:
        >>> [v.op for v in versions(conn, "users")][:2]  # doctest: +SKIP
        ['initial', 'update']
    """
    from zen.history import store
    from zen.history.steps import SchemaStep, decode_steps

    commits = _commits_by_record(conn)
    tracker = _Tracker(conn, table)
    found: list[Version] = []
    record = store.last_record(conn)
    while record is not None:
        changes: list[tuple[str, _Row, _Row]] = []
        for step in reversed(decode_steps(store.record_data(conn, record))):
            if isinstance(step, SchemaStep):
                tracker.cross(step)
            else:
                changes += tracker.undo(step.changeset)
        commit = commits.get(record.id)
        found += [
            Version(record.id, commit, record.time_ms, op, key, row)
            for op, key, row in _fold(changes)
        ]
        record = store.get_record(conn, record.base) if record.base is not None else None
    if not tracker.seen:
        raise HistoryError(
            f"no table {table} in the working copy or its history",
            hint="SELECT name FROM sqlite_schema WHERE type = 'table' lists the tables",
        )
    started = int(store.meta_get(conn, "started_ms", 0))
    initial = [
        Version(None, commits.get(None), started, "initial", k, r) for k, r in tracker.rest()
    ]
    return initial + found[::-1]


def _fold(changes: list[tuple[str, _Row, _Row]]) -> list[tuple[str, _Row, _Row]]:
    """One version per key and record: a redefinition's delete + insert is an update.

    ``changes`` are in undo order (newest first), so a key's insert comes before
    its delete.
    """
    inserted: dict[str, int] = {}
    out: list[tuple[str, _Row, _Row]] = []
    for op, key, row in changes:
        name = json.dumps(sorted(key.items()), default=repr)
        if op == "delete" and name in inserted:
            at = inserted.pop(name)
            out[at] = ("update", *out[at][1:])
            continue
        if op == "insert":
            inserted[name] = len(out)
        out.append((op, key, row))
    return out


def _commits_by_record(conn: apsw.Connection) -> dict[int | None, str]:
    found: dict[int | None, str] = {}
    rows = conn.execute(
        "SELECT record, hash FROM _zen_objects WHERE kind = 'commit' ORDER BY hash DESC"
    )
    for record, digest in rows:
        found[record] = bytes(digest).hex()
    return found


_Key = tuple[Any, ...]
_Row = dict[str, Any]


class _Tracker:
    """The rows of one table at the point reached by walking history backwards.

    ``known`` holds the rows whose state differs from what the working copy shows
    (None: no row there); other keys read the working copy, until the walk
    crosses a redefinition of the table, after which every row is in ``known``.
    """

    def __init__(self, conn: apsw.Connection, table: str) -> None:
        from zen.history import schema as sch

        self.conn = conn
        self.table = table
        self.known: dict[_Key, _Row | None] = {}
        exists = table in sch.tables(sch.snapshot(conn))
        self.layout = sch.layout(conn, table) if exists else None
        self.from_working = exists
        self.seen = exists

    def cross(self, step: Any) -> None:
        """Go back over a schema step: a redefinition starts a new (older) incarnation."""
        from zen.history import schema as sch

        if self.table not in step.tables():
            return
        before = [e[3] for e in step.before if e[0] == "table" and e[1] == self.table]
        self.layout = sch.layout_from_sql(before[0], self.table) if before else None
        self.seen = True
        self.known = {}
        self.from_working = False

    def undo(self, changeset: bytes) -> list[tuple[str, _Row, _Row]]:
        """``(op, key, row)`` of the table's changes; the state moves to before them."""
        out: list[tuple[str, _Row, _Row]] = []
        for change in apsw.Changeset.iter(changeset):
            if change.name != self.table:
                continue
            layout = self._layout()
            columns = layout.columns
            side = change.new if change.op == "INSERT" else change.old
            values = tuple(side or ())
            key_tuple = tuple(values[i] for i in sorted(layout.key))
            key = {columns[i]: values[i] for i in sorted(layout.key)}
            if change.op == "INSERT":
                out.append(("insert", key, dict(zip(columns, values, strict=True))))
                self.known[key_tuple] = None
            elif change.op == "DELETE":
                row = dict(zip(columns, values, strict=True))
                out.append(("delete", key, row))
                self.known[key_tuple] = row
            else:
                after = self._row(key_tuple)
                out.append(("update", key, after))
                old = {
                    c: v for c, v in zip(columns, values, strict=True) if v is not apsw.no_change
                }
                self.known[key_tuple] = {**after, **old}
        return out

    def rest(self) -> list[tuple[_Row, _Row]]:
        """``(key, row)`` of every row at the start of history."""
        out: list[tuple[_Row, _Row]] = []
        layout = self.layout
        if layout is None:
            return out
        names = [layout.columns[i] for i in sorted(layout.key)]
        for row in self.known.values():
            if row is not None:
                out.append(({n: row[n] for n in names}, row))
        if self.from_working:
            from zen.engine.catalog import quote_identifier

            query = f"SELECT {layout.select_list} FROM main.{quote_identifier(self.table)}"
            for values in self.conn.execute(query):
                row = dict(zip(layout.columns, values, strict=True))
                key = {n: row[n] for n in names}
                if tuple(key.values()) not in self.known:
                    out.append((key, row))
        return out

    def _layout(self) -> Any:
        from zen.history.errors import CorruptObjectError

        if self.layout is None:
            raise CorruptObjectError(f"rows of {self.table} where the table does not exist")
        return self.layout

    def _row(self, key: _Key) -> _Row:
        from zen.engine.catalog import quote_identifier
        from zen.history.errors import CorruptObjectError

        if key in self.known:
            found = self.known[key]
            if found is None:
                raise CorruptObjectError(f"{self.table}: an update of a row that is absent")
            return found
        layout = self._layout()
        if not self.from_working:
            raise CorruptObjectError(f"{self.table}: an update of a row history never saw")
        query = (
            f"SELECT {layout.select_list} FROM main.{quote_identifier(self.table)} "
            f"WHERE {layout.key_where()}"
        )
        values = self.conn.execute(query, key).fetchone()
        if values is None:
            raise CorruptObjectError(f"{self.table}: the working copy lacks row {key}")
        return dict(zip(layout.columns, values, strict=True))


_FUNCTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], Producer]] = {
    "zen_log": (
        ("id", "short", "parents", "author", "time_ms", "time", "message", "refs", "record"),
        ("start",),
        _log_rows,
    ),
    "zen_status": (
        ("tbl", "added", "removed", "changed", "schema", "pending", "branch", "head"),
        (),
        _status_rows,
    ),
    "zen_diff": (("tbl", "kind", "key", "old", "new"), ("table_", "from_", "to_"), _diff_rows),
    "zen_history": (
        ("record", "commit_", "time_ms", "time", "op", "key", "row"),
        ("table_",),
        _history_rows,
    ),
}
