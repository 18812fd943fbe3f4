"""The models behind the diff views: schemas at two refs side by side, and row changes.

A *ref* is what the user types: ``live`` (the database as it is now), a path to a
``.sql`` schema file or folder, or any history revision (``HEAD``, ``HEAD~2``, a
branch, a tag, a commit id). Plain Python, no Textual.

Example:
    >>> comparison = compare_schemas(
    ...     "a", "create table t(id integer primary key, name text)",
    ...     "b", "create table t(id integer primary key, name text, email text)",
    ... )
    >>> [(line.text, line.mark) for line in comparison.tables[0].right][-1]
    ('email TEXT', 'added')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen.engine.errors import UsageError

if TYPE_CHECKING:
    from zen.api import Database
    from zen.history.diff import TableDiff
    from zen.migrate.model import ColumnInfo, Schema, TableInfo

LIVE = "live"
_KINDS = ("table", "index", "view", "trigger")


def schema_at(db: Database, ref: str) -> str:
    """The DDL of ``ref``: ``live``, a schema file or folder, or a history revision.

    Raises:
        UsageError: ``ref`` is neither a file nor a revision (or history is off).
    """
    ref = ref.strip()
    if not ref or ref.lower() in {LIVE, "working"}:
        return db.schema()
    path = Path(ref).expanduser()
    if ref.endswith(".sql") or path.is_dir():
        from zen.migrate.load import read_schema_text

        if not path.exists():
            raise UsageError(f"no such schema file: {ref}")
        return read_schema_text(path)
    if not db.has_history:
        raise UsageError(
            f"{ref} is not a schema file, and this database has no history",
            hint="compare 'live' with a .sql file, or run `zen init` to start history",
        )
    return _revision_schema(db, ref)


def _revision_schema(db: Database, ref: str) -> str:
    """The live schema with the changes since ``ref`` undone (public history API only)."""
    objects = {(o.type, o.name): o.sql for o in db.objects() if o.sql}
    for change in db.history.diff(ref, None, schema_only=True).schema:
        key = (change.type, change.name)
        if change.kind == "added":
            objects.pop(key, None)
        else:
            objects[key] = change.old_sql or ""
    ordered = sorted(objects.items(), key=lambda item: (_KINDS.index(item[0][0]), item[0][1]))
    return "\n".join(f"{sql};" for _, sql in ordered if sql)


# -- schema comparison -----------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of one side: its text and its mark (``added``, ``removed``, ``changed``, "")."""

    text: str
    mark: str = ""


@dataclass
class Pair:
    """One object shown on both sides."""

    kind: str
    name: str
    status: str
    left: list[Line] = field(default_factory=list)
    right: list[Line] = field(default_factory=list)


@dataclass
class SchemaComparison:
    """Two schemas side by side, and the plan ``zen migrate`` would run from left to right.

    Attributes:
        tables: Every table of either side, changed ones first.
        objects: Indexes, views and triggers that differ.
        plan: The migration plan's SQL (empty when the schemas agree).
        findings: The plan's lint findings, one line each.
    """

    left_label: str
    right_label: str
    tables: list[Pair]
    objects: list[Pair]
    plan: str
    findings: list[str]

    @property
    def same(self) -> bool:
        """True when nothing differs."""
        return not self.plan and all(p.status == "same" for p in self.tables)


def compare_schemas(
    left_label: str, left_sql: str, right_label: str, right_sql: str
) -> SchemaComparison:
    """Compare two schema texts: table by table, column by column, plus the plan.

    Raises:
        SqlError: One of the texts is not valid DDL.
    """
    from zen.migrate.declarative import plan_schemas
    from zen.migrate.load import load_sql

    left = load_sql(left_sql, origin=left_label)
    right = load_sql(right_sql, origin=right_label)
    plan = plan_schemas(left.schema, right)
    tables = _table_pairs(left.schema, right.schema)
    findings = [f"{f.level}: {f.target}: {f.message}" for f in plan.findings]
    objects = _object_pairs(left.schema, right.schema)
    return SchemaComparison(left_label, right_label, tables, objects, plan.sql(), findings)


def _table_pairs(left: Schema, right: Schema) -> list[Pair]:
    names = {n.lower(): n for n in [*left.tables, *right.tables]}
    pairs = [_table_pair(name, left.table(name), right.table(name)) for name in names.values()]
    order = {"changed": 0, "added": 1, "removed": 2, "same": 3}
    return sorted(pairs, key=lambda p: (order[p.status], p.name.lower()))


def _table_pair(name: str, old: TableInfo | None, new: TableInfo | None) -> Pair:
    if old is None or new is None:
        status = "added" if old is None else "removed"
        table = new if new is not None else old
        assert table is not None
        lines = [Line(_column_text(c), status) for c in table.columns]
        return Pair(
            "table", name, status, [] if old is None else lines, [] if new is None else lines
        )
    left, right = _column_lines(old, new)
    constraints = _constraint_lines(old, new)
    changed = constraints or any(line.mark for line in left + right)
    if not changed and old.signature() != new.signature():
        constraints = [
            (Line("(definition changed)", "changed"), Line("(definition changed)", "changed"))
        ]
        changed = True
    left += [pair[0] for pair in constraints]
    right += [pair[1] for pair in constraints]
    return Pair("table", name, "changed" if changed else "same", left, right)


def _column_lines(old: TableInfo, new: TableInfo) -> tuple[list[Line], list[Line]]:
    left: list[Line] = []
    right: list[Line] = []
    for column in old.columns:
        other = new.column(column.name)
        if other is None:
            left.append(Line(_column_text(column), "removed"))
        else:
            mark = "" if _column_text(column) == _column_text(other) else "changed"
            left.append(Line(_column_text(column), mark))
    for column in new.columns:
        other = old.column(column.name)
        if other is None:
            right.append(Line(_column_text(column), "added"))
        else:
            mark = "" if _column_text(column) == _column_text(other) else "changed"
            right.append(Line(_column_text(column), mark))
    return left, right


def _column_text(column: ColumnInfo) -> str:
    parts = [column.name, column.type or ""]
    if column.pk:
        parts.append("PRIMARY KEY")
    if column.not_null:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    return " ".join(p for p in parts if p)


def _constraint_lines(old: TableInfo, new: TableInfo) -> list[tuple[Line, Line]]:
    """Foreign keys and indexes of the table that differ, as (left, right) lines."""
    out: list[tuple[Line, Line]] = []
    old_fk = {_fk_text(fk) for fk in old.foreign_keys}
    new_fk = {_fk_text(fk) for fk in new.foreign_keys}
    for text in sorted(old_fk - new_fk):
        out.append((Line(text, "removed"), Line("")))
    for text in sorted(new_fk - old_fk):
        out.append((Line(""), Line(text, "added")))
    old_ix = {i.name: i.signature for i in old.indexes.values() if i.sql}
    new_ix = {i.name: i.signature for i in new.indexes.values() if i.sql}
    for name in sorted(set(old_ix) | set(new_ix)):
        if old_ix.get(name) != new_ix.get(name):
            out.append(_index_pair(name, name in old_ix, name in new_ix))
    return out


def _index_pair(name: str, before: bool, after: bool) -> tuple[Line, Line]:
    if before and after:
        return Line(f"index {name}", "changed"), Line(f"index {name}", "changed")
    if before:
        return Line(f"index {name}", "removed"), Line("")
    return Line(""), Line(f"index {name}", "added")


def _fk_text(fk: Any) -> str:
    references = ", ".join(c or "" for c in fk.references)
    return f"FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {fk.table}({references})"


def _object_pairs(left: Schema, right: Schema) -> list[Pair]:
    out: list[Pair] = []
    for kind, old, new in (
        (
            "index",
            {k: i.sql or "" for k, i in left.indexes().items()},
            {k: i.sql or "" for k, i in right.indexes().items()},
        ),
        (
            "view",
            {k: v.sql for k, v in left.views.items()},
            {k: v.sql for k, v in right.views.items()},
        ),
        (
            "trigger",
            {k: t.sql for k, t in left.triggers.items()},
            {k: t.sql for k, t in right.triggers.items()},
        ),
    ):
        for name in sorted(set(old) | set(new)):
            if " ".join(old.get(name, "").split()) == " ".join(new.get(name, "").split()):
                continue
            status = "added" if name not in old else "removed" if name not in new else "changed"
            out.append(
                Pair(
                    kind,
                    name,
                    status,
                    _sql_lines(old.get(name), status),
                    _sql_lines(new.get(name), status),
                )
            )
    return out


def _sql_lines(sql: str | None, mark: str) -> list[Line]:
    return [Line(line, mark) for line in sql.splitlines()] if sql else []


# -- data diff ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DataRow:
    """One row of a data diff as the grid shows it.

    Attributes:
        kind: ``added``, ``removed`` or ``changed``.
        cells: Text per column ("" where the diff holds no value).
        changed: Names of the columns whose value changed.
    """

    kind: str
    cells: tuple[str, ...]
    changed: frozenset[str]


def data_rows(table: TableDiff, limit: int = 1_000) -> tuple[list[str], list[DataRow]]:
    """The columns and rows of one table's data diff (changed cells as ``old → new``)."""
    from zen.cli._history_render import literal

    columns: list[str] = []
    for row in table.rows[:limit]:
        for name in [*row.key, *(row.old or {}), *(row.new or {}), *(c.column for c in row.cells)]:
            if name not in columns:
                columns.append(name)
    out: list[DataRow] = []
    for row in table.rows[:limit]:
        values: dict[str, str] = {k: literal(v) for k, v in (row.old or row.new or {}).items()}
        values.update({k: literal(v) for k, v in row.key.items()})
        for cell in row.cells:
            values[cell.column] = f"{literal(cell.old)} → {literal(cell.new)}"
        changed = frozenset(c.column for c in row.cells)
        out.append(DataRow(row.kind, tuple(values.get(c, "") for c in columns), changed))
    return columns, out
