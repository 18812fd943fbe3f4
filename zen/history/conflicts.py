"""Merge conflicts: detecting them cell by cell, the ``_zen_conflicts`` table, resolving.

Theirs' changes (base -> theirs, one net changeset) are applied to the working
copy (ours) by SQLite's changeset apply, which already compares, for every
row theirs changed, the *old* values of the changed columns with the row now
in ours. Only mismatches reach Python (:class:`Applier`), so a clean merge
runs in C, and two sides changing different columns of one row merge cleanly.

``_zen_conflicts`` (one row per conflicting cell, or per row when one side
deleted it)::

    id          INTEGER PRIMARY KEY
    tbl         TEXT    the table
    key         TEXT    the row's primary-key values as a JSON array ([rowid] for rowid tables)
    column      TEXT    the column (NULL: the whole row: one side deleted it)
    kind        TEXT    update/update, insert/insert, update/delete (ours updated,
                        theirs deleted) or delete/update
    base        ANY     the value before both sides (row conflicts: the row as JSON)
    ours        ANY     ours' value (row conflicts: the row as JSON, NULL when deleted)
    theirs      ANY     theirs' value (likewise)
    resolution  TEXT    NULL (open), 'ours', 'theirs' or 'value'
    value       ANY     the chosen value when resolution = 'value'

Query it like any table: ``SELECT tbl, key, "column", ours, theirs FROM _zen_conflicts``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.errors import UsageError
from zen.history import schema as sch
from zen.history.diff import jsonable
from zen.history.errors import HistoryError
from zen.history.steps import SchemaEntry

TABLE = "_zen_conflicts"
DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE}(
    id INTEGER PRIMARY KEY,
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    "column" TEXT,
    kind TEXT NOT NULL,
    base, ours, theirs,
    resolution TEXT CHECK (resolution IN ('ours', 'theirs', 'value')),
    value
)"""
_COLUMNS = 'id, tbl, key, "column", kind, base, ours, theirs, resolution, value'

Slot = tuple[str, str, str | None]
"""``(table, key JSON, column or None)``: one conflict's place."""


@dataclass(frozen=True)
class Conflict:
    """One conflicting cell (or row, when ``column`` is None)."""

    id: int
    table: str
    key: list[Any]
    column: str | None
    kind: str
    base: Any
    ours: Any
    theirs: Any
    resolution: str | None = None
    value: Any = None

    @property
    def resolved(self) -> bool:
        """True once a side or a value was chosen."""
        return self.resolution is not None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = {k: jsonable(v) for k, v in self.__dict__.items()}
        out["resolved"] = self.resolved
        return out


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


def key_json(values: Any) -> str:
    """The stored form of a primary key (a JSON array)."""
    if all(type(v) is int for v in values):
        return "[" + ",".join(map(str, values)) + "]"  # the usual key, without the encoder
    return _ENCODE([jsonable(v) for v in values])


def _row_json(columns: tuple[str, ...], row: Any) -> str | None:
    if row is None:
        return None
    out = {c: jsonable(v) for c, v in zip(columns, row, strict=False) if v is not apsw.no_change}
    return json.dumps(out, separators=(",", ":"), sort_keys=True)


def same(a: Any, b: Any) -> bool:
    """SQLite value equality (an integer and a float of the same value are one value)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bytes) != isinstance(b, bytes) or isinstance(a, str) != isinstance(b, str):
        return False
    return bool(a == b)


# -- applying theirs' rows with conflict detection -------------------------------------------


@dataclass
class Applier:
    """The conflict handler for applying theirs' net changeset onto ours.

    Attributes:
        resolutions: Chosen resolutions by slot (from ``_zen_conflicts``).
        base_row: Looks up a row's full base values (for "theirs" on delete/update).
        found: Conflicts without a resolution, as rows for ``_zen_conflicts``.
        fixups: Cell values and rows to write after the apply (resolutions).
        calls: How often SQLite asked (0: every change applied as it was).
    """

    resolutions: Mapping[Slot, tuple[str, Any]]
    base_row: Callable[[str, tuple[Any, ...]], tuple[Any, ...] | None]
    schema: Mapping[tuple[str, str], SchemaEntry]
    found: list[tuple[Any, ...]] = field(default_factory=list)
    fixups: list[tuple[str, tuple[Any, ...], int | None, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    calls: int = 0
    _layouts: dict[str, sch.Layout] = field(default_factory=dict)

    def __call__(self, reason: int, change: apsw.TableChange) -> int:
        self.calls += 1
        if reason == apsw.SQLITE_CHANGESET_FOREIGN_KEY:
            return apsw.SQLITE_CHANGESET_OMIT  # the merged state's keys are the user's business
        if reason == apsw.SQLITE_CHANGESET_CONSTRAINT:
            key = change.old if change.old is not None else change.new
            self.failures.append(f"{change.name}: {change.op} {key} breaks a constraint")
            return apsw.SQLITE_CHANGESET_OMIT
        if change.op == "UPDATE":
            return self._update(reason, change)
        if change.op == "DELETE":
            return self._delete(reason, change)
        return self._insert(change)

    def columns(self, table: str) -> tuple[str, ...]:
        """The table's columns in changeset order."""
        return self.layout(table).columns

    def layout(self, table: str) -> sch.Layout:
        """The table's changeset layout (ours' schema)."""
        found = self._layouts.get(table)
        if found is None:
            sql = sch.tables(self.schema).get(table, "")
            found = self._layouts[table] = sch.layout_from_sql(sql, table)
        return found

    def _key(self, change: apsw.TableChange) -> tuple[Any, ...]:
        row = change.old if change.old is not None else change.new
        assert row is not None
        return tuple(row[i] for i in sorted(change.pk_columns))

    def _update(self, reason: int, change: apsw.TableChange) -> int:
        table, key = change.name, self._key(change)
        old, new = change.old, change.new
        assert old is not None and new is not None
        if reason == apsw.SQLITE_CHANGESET_NOTFOUND:
            return self._row_conflict(change, "delete/update", old, None, new)
        current = change.conflict
        assert current is not None
        columns = self.columns(table)
        before = len(self.found)
        for i, value in enumerate(new):
            if value is apsw.no_change or same(current[i], value) or same(current[i], old[i]):
                continue
            self._cell(table, key, i, "update/update", (old[i], current[i], value), columns)
        if len(self.found) > before:
            return apsw.SQLITE_CHANGESET_OMIT  # an open conflict: the merge stops anyway
        return apsw.SQLITE_CHANGESET_REPLACE  # theirs' cells; resolutions are fixed up after

    def _delete(self, reason: int, change: apsw.TableChange) -> int:
        if reason == apsw.SQLITE_CHANGESET_NOTFOUND:
            return apsw.SQLITE_CHANGESET_OMIT  # deleted on both sides
        assert change.old is not None
        return self._row_conflict(change, "update/delete", change.old, change.conflict, None)

    def _insert(self, change: apsw.TableChange) -> int:
        table, key = change.name, self._key(change)
        current, new = change.conflict, change.new
        assert current is not None and new is not None
        columns = self.columns(table)
        for i, value in enumerate(new):
            if not same(current[i], value):
                self._cell(table, key, i, "insert/insert", (None, current[i], value), columns)
        return apsw.SQLITE_CHANGESET_OMIT  # keep ours; resolutions are fixed up after

    def _cell(
        self,
        table: str,
        key: tuple[Any, ...],
        index: int,
        kind: str,
        values: tuple[Any, Any, Any],
        columns: tuple[str, ...],
    ) -> None:
        column = columns[index]
        text = key_json(key)
        chosen = self.resolutions.get((table, text, column)) if self.resolutions else None
        if chosen is None:
            self.found.append((table, text, column, kind, *values))
            return
        how, value = chosen
        pick = {"ours": values[1], "theirs": values[2]}.get(how, value)
        self.fixups.append((table, key, index, pick))

    def _row_conflict(
        self, change: apsw.TableChange, kind: str, base: Any, ours: Any, theirs: Any
    ) -> int:
        table, key = change.name, self._key(change)
        chosen = self.resolutions.get((table, key_json(key), None))
        if chosen is None:
            columns = self.columns(table)
            rows = (_row_json(columns, base), _row_json(columns, ours), _row_json(columns, theirs))
            self.found.append((table, key_json(key), None, kind, *rows))
            return apsw.SQLITE_CHANGESET_OMIT
        if chosen[0] == "ours":
            return apsw.SQLITE_CHANGESET_OMIT
        if kind == "update/delete":
            return apsw.SQLITE_CHANGESET_REPLACE  # theirs: delete the row
        full = self.base_row(table, key)
        if full is None:
            raise HistoryError(f"cannot rebuild theirs' row {key_json(key)} of {table}")
        row = tuple(full[i] if v is apsw.no_change else v for i, v in enumerate(theirs))
        self.fixups.append((table, key, None, row))
        return apsw.SQLITE_CHANGESET_OMIT

    def use_schema(self, schema: Mapping[tuple[str, str], SchemaEntry]) -> None:
        """Read table layouts from ``schema`` from now on (a table was just altered)."""
        self.schema = schema
        self._layouts.clear()

    def write_fixups(self, conn: apsw.Connection) -> None:
        """Write resolved cells and rows into the working copy (none while some are open).

        Each is written once: the list is emptied.
        """
        if self.found:
            return  # the merge stops and is rolled back: no need
        fixups, self.fixups = self.fixups, []
        for table, key, index, value in fixups:
            try:
                self._write_fixup(conn, table, key, index, value)
            except apsw.ConstraintError as exc:
                self.failures.append(f"{table}: the resolution of {key_json(key)} {exc}")

    def _write_fixup(
        self, conn: apsw.Connection, table: str, key: tuple[Any, ...], index: int | None, value: Any
    ) -> None:
        # OR ABORT: a table's ON CONFLICT REPLACE (or IGNORE) must not decide for the user.
        layout = self.layout(table)
        name = f"main.{quote_identifier(table)}"
        if index is None:
            marks = ", ".join("?" * len(value))
            conn.execute(
                f"INSERT OR ABORT INTO {name}({layout.select_list}) VALUES ({marks})", value
            )
            return
        column = "rowid" if layout.implicit_rowid and index == 0 else layout.columns[index]
        column = column if column == "rowid" else quote_identifier(column)
        conn.execute(
            f"UPDATE OR ABORT {name} SET {column} = ? WHERE {layout.key_where()}", (value, *key)
        )


# -- the table ----------------------------------------------------------------------------


def install(conn: apsw.Connection) -> None:
    """Create ``_zen_conflicts`` when missing (inside the caller's transaction)."""
    conn.execute(DDL)


def exists(conn: apsw.Connection) -> bool:
    """True when the table exists."""
    return bool(
        conn.execute(
            "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?", (TABLE,)
        ).get
    )


def read(conn: apsw.Connection) -> list[Conflict]:
    """Every recorded conflict, in order."""
    if not exists(conn):
        return []
    rows = conn.execute(f"SELECT {_COLUMNS} FROM {TABLE} ORDER BY id")
    return [Conflict(r[0], r[1], json.loads(r[2]), *r[3:]) for r in rows]


def open_count(conn: apsw.Connection) -> int:
    """Conflicts still without a resolution."""
    if not exists(conn):
        return 0
    return int(conn.execute(f"SELECT count(*) FROM {TABLE} WHERE resolution IS NULL").get)


def resolutions(conn: apsw.Connection) -> dict[Slot, tuple[str, Any]]:
    """Chosen resolutions by slot."""
    if not exists(conn):
        return {}
    rows = conn.execute(
        f'SELECT tbl, key, "column", resolution, value FROM {TABLE} WHERE resolution IS NOT NULL'
    )
    return {(t, k, c): (r, v) for t, k, c, r, v in rows}


def replace_all(conn: apsw.Connection, found: list[tuple[Any, ...]]) -> None:
    """Store the open conflicts of the latest merge attempt (resolved ones are kept)."""
    install(conn)
    conn.execute(f"DELETE FROM {TABLE} WHERE resolution IS NULL")
    conn.executemany(
        f'INSERT INTO {TABLE}(tbl, key, "column", kind, base, ours, theirs) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        found,
    )


def clear(conn: apsw.Connection) -> None:
    """Forget every conflict (merge finished or aborted)."""
    if exists(conn):
        conn.execute(f"DELETE FROM {TABLE}")


def resolve(
    conn: apsw.Connection,
    how: str,
    *,
    table: str | None = None,
    key: str | None = None,
    column: str | None = None,
    value: Any = None,
) -> int:
    """Choose ``ours``, ``theirs`` or a ``value`` for the matching conflicts.

    ``table`` and ``key`` narrow the choice (both optional for ours/theirs;
    ``value`` needs one cell: table, key and, when the row has several, column).
    Only open conflicts are chosen when some match (so ``--theirs`` after a few
    specific choices settles the rest); else the matching resolved ones change.
    Returns how many conflicts were resolved.

    Raises:
        UsageError: Nothing matches, or a value was given for several cells or a row.
    """
    matches = _matching(read(conn), table, key, column)
    if not matches:
        raise UsageError("no conflict matches", hint="zen conflicts lists them")
    still_open = [m for m in matches if not m.resolved]
    matches = still_open or matches  # re-resolving is allowed once nothing open matches
    if how == "value":
        if len(matches) != 1:
            raise UsageError(
                f"--value needs exactly one conflicting cell, {len(matches)} match",
                hint="name the table, key and --column",
            )
        if matches[0].column is None:
            raise UsageError(
                "a deleted row has no cell to set", hint="choose --ours or --theirs for it"
            )
    for found in matches:
        conn.execute(
            f"UPDATE {TABLE} SET resolution = ?, value = ? WHERE id = ?",
            (how, value if how == "value" else None, found.id),
        )
    return len(matches)


def parse_key(text: str) -> list[Any]:
    """A key as typed: a JSON array, a JSON scalar, or plain text."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return [text]
    return parsed if isinstance(parsed, list) else [parsed]


def _matching(
    found: list[Conflict], table: str | None, key: str | None, column: str | None
) -> list[Conflict]:
    wanted = parse_key(key) if key is not None else None
    out = []
    for conflict in found:
        if table is not None and conflict.table != table:
            continue
        if wanted is not None and not _same_key(conflict.key, wanted):
            continue
        if column is not None and conflict.column != column:
            continue
        out.append(conflict)
    return out


def _same_key(stored: list[Any], wanted: list[Any]) -> bool:
    if stored == wanted:
        return True
    return len(stored) == len(wanted) and all(
        str(a) == str(b) for a, b in zip(stored, wanted, strict=True)
    )
