"""Deferred autocommits: a write transaction pays for its record, not for a commit.

Under the ``transaction`` policy every write transaction is a commit, but
writing the commit, tree and reflog objects (several random-key inserts) and
hashing the changed rows cost more than the transaction itself. So the capture
only marks the record with the author the commit is *owed* to. The commits are
made later, in one batch, before anything reads or moves history
(:func:`materialize`, called by every history command, by
:func:`zen.history.commits.make_commit` and when a database is closed): each one
is exactly the commit the transaction would have made (its time is the
record's time), so time travel to any transaction boundary is unchanged.

Hashing needs the full old and new rows of each updated row, which a changeset
does not carry (only changed columns). They are rebuilt by walking the records
backwards from the working copy: a row's state before a record is its state
after it with that record's change undone, so each changed row is read from the
working copy at most once, whatever the number of records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.history import bulk, store
from zen.history import commits as cm
from zen.history import schema as sch
from zen.history.errors import CorruptObjectError
from zen.history.hashing import MODULUS, TableHash
from zen.history.steps import RowsStep, SchemaStep, Step, decode_steps
from zen.history.trees import Tree

_OWED = "SELECT 1 FROM _zen_changes WHERE owed IS NOT NULL LIMIT 1"
Row = tuple[Any, ...]


def owed(conn: apsw.Connection) -> bool:
    """True when some autocommit is still to be made (one indexed look-up)."""
    return conn.execute(_OWED).get is not None


def materialize(conn: apsw.Connection, cache: cm.ObjectCache | None = None) -> int:
    """Make the owed autocommits, oldest first (inside the caller's write transaction).

    The working copy must be at the newest record's state (it always is between
    statements). Returns how many commits were made.
    """
    bulk.seal(conn)  # its commit hashes the rows: they must be in the record first
    if not owed(conn):
        return 0
    head = cm.head_commit(conn, cache)
    records = cm.pending_records(conn, head.record if head else None)
    last = max((i for i, r in enumerate(records) if r.owed is not None), default=-1)
    made = 0
    if last >= 0 and head is not None:
        steps = [decode_steps(store.record_data(conn, r)) for r in records]
        changes = _Rewinder(conn).deltas(steps)
        made = _commit_each(conn, head, records[: last + 1], changes, cache)
    conn.execute("UPDATE _zen_changes SET owed = NULL WHERE owed IS NOT NULL")
    return made


# -- what each record changed ------------------------------------------------------------


@dataclass
class _Change:
    """A record's effect on the tree: hash deltas, tables replaced whole, new schema."""

    deltas: dict[str, TableHash] = field(default_factory=dict)
    whole: dict[str, TableHash | None] = field(default_factory=dict)
    schema: SchemaStep | None = None


class _Rewinder:
    """Walks records backwards from the working copy, keeping the rows it has seen.

    ``rows[table][key]`` is a row's full value at the current point of the walk
    (None: absent); a row not in it is as in the working copy, unless the table
    is *complete* (a later record recreated it: its earlier rows are all known).
    """

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self.rows: dict[str, dict[Row, Row | None]] = {}
        self.complete: set[str] = set()
        self._lookups: dict[str, str] = {}

    def deltas(self, records: Sequence[Sequence[Step]]) -> list[_Change]:
        """Each record's change, oldest first."""
        found = [self._undo(steps) for steps in reversed(records)]
        found.reverse()
        return found

    def _undo(self, steps: Sequence[Step]) -> _Change:
        """One record (in normal form: rows, schema, fill rows), undone."""
        change = _Change()
        at = next((i for i, s in enumerate(steps) if isinstance(s, SchemaStep)), None)
        recreated: set[str] = set()
        if at is not None:
            schema = steps[at]
            assert isinstance(schema, SchemaStep)
            change.schema = schema
            recreated = schema.tables()
            created = {e[1] for e in schema.after if e[0] == "table"}
            for table in recreated:
                change.whole[table] = TableHash() if table in created else None
            for step in steps[at + 1 :]:
                if isinstance(step, RowsStep):
                    self._whole_rows(step.changeset, change)
            for table in recreated:
                self.rows[table] = {}  # earlier records see the old incarnation:
                self.complete.add(table)  # all its rows are in this record's first step
        for step in reversed(steps[:at] if at is not None else steps):
            if isinstance(step, RowsStep) and step.changeset:
                self._undo_rows(step.changeset, change, recreated)
        return change

    def _whole_rows(self, changeset: bytes, change: _Change) -> None:
        """The fill step: every row of the tables the record created or redefined."""
        for item in apsw.Changeset.iter(changeset):
            found = change.whole.get(item.name) or TableHash()
            found.add(_values(item.new))
            change.whole[item.name] = found

    def _undo_rows(self, changeset: bytes, change: _Change, recreated: set[str]) -> None:
        for item in apsw.Changeset.iter(changeset):
            table = item.name
            if item.op == "INSERT":
                # Before it the row was absent: an earlier record can only insert it
                # again after a delete, which is recorded, so nothing to remember.
                if table not in recreated:
                    change.deltas.setdefault(table, TableHash()).add(_values(item.new))
                continue
            seen = self.rows.setdefault(table, {})
            key = _key(item)
            if item.op == "DELETE":
                old = _values(item.old)
                if table not in recreated:
                    change.deltas.setdefault(table, TableHash()).remove(old)
                seen[key] = old
            else:
                new = self._current(table, key, item)
                old = tuple(
                    new[i] if v is apsw.no_change else v for i, v in enumerate(_values(item.old))
                )
                delta = change.deltas.setdefault(table, TableHash())
                delta.remove(old)
                delta.add(new)
                seen[key] = old

    def _current(self, table: str, key: Row, item: apsw.TableChange) -> Row:
        seen = self.rows.get(table, {})
        if key in seen:
            found = seen[key]
        elif table in self.complete:
            found = None
        else:
            found = self._read(table, key)
        expected = _values(item.new)
        if (
            found is None
            or len(found) != len(expected)
            or any(v is not apsw.no_change and v != found[i] for i, v in enumerate(expected))
        ):
            raise CorruptObjectError(
                f"working copy of {table} does not match history (row {list(key)})"
            )
        return found

    def _read(self, table: str, key: Row) -> Row | None:
        sql = self._lookups.get(table)
        if sql is None:
            layout = sch.layout(self.conn, table)
            sql = self._lookups[table] = (
                f"SELECT {layout.select_list} FROM main.{quote_identifier(table)} "
                f"WHERE {layout.key_where()}"
            )
        row = self.conn.execute(sql, key).fetchone()
        return tuple(row) if row is not None else None


def _values(values: tuple[Any, ...] | None) -> Row:
    if values is None:
        raise CorruptObjectError("a changeset row has no values")
    return tuple(values)


def _key(item: apsw.TableChange) -> Row:
    values = item.old if item.old is not None else item.new
    row = _values(values)
    return tuple(row[i] for i in sorted(item.pk_columns))


# -- the commits -------------------------------------------------------------------------


def apply_change(tree: Tree, change: _Change) -> Tree:
    """The tree after a record, from the tree before it."""
    tables = {name: h.copy() for name, h in tree.tables.items()}
    for name, whole in change.whole.items():
        if whole is None:
            tables.pop(name, None)
        else:
            tables[name] = whole
    for name, delta in change.deltas.items():
        found = tables.get(name) or TableHash()
        tables[name] = TableHash((found.value + delta.value) % MODULUS, found.rows + delta.rows)
    if change.schema is None:
        return replace(tree, tables=tables)
    schema = dict(tree.schema)
    for entry in change.schema.before:
        schema.pop((entry[0], entry[1]), None)
    for entry in change.schema.after:
        schema[(entry[0], entry[1])] = entry
    for name in [n for n in tables if ("table", n) not in schema]:
        tables.pop(name)  # a table the schema no longer has
    return Tree(schema, tables)


def _commit_each(
    conn: apsw.Connection,
    head: cm.Commit,
    records: list[store.Record],
    changes: Sequence[_Change],
    cache: cm.ObjectCache | None,
) -> int:
    branch = cm.head_branch(conn)
    tree = cm.commit_tree(conn, head, cache)
    parent_id, made = head.id, 0
    # Nothing reads the new objects before the batch ends: they are written at once.
    objects: list[store.StoredObject] = []
    moves: list[tuple[str, str | None, str | None, str]] = []
    for record, change in zip(records, changes, strict=False):
        following = apply_change(tree, change)
        if record.owed is None:
            tree = following
            continue
        message = record.note or "transaction"
        commit, tree = cm.write_commit(
            conn, following, (parent_id,), record.owed, message, record,
            time_ms=record.time_ms, parent=tree, later=objects,
        )  # fmt: skip
        summary = message.splitlines()[0] if message else ""
        for ref in (branch, cm.HEAD) if branch else (cm.HEAD,):
            moves.append((ref, parent_id, commit.id, f"commit: {summary}"))
        if cache is not None:
            cache.add(commit, tree)
        parent_id, made = commit.id, made + 1
    store.put_objects(conn, objects)
    store.append_reflogs(conn, moves)
    store.set_ref(conn, branch or cm.HEAD, parent_id)
    return made
