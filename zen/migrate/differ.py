"""Comparing two schema models: what was added, dropped, renamed or changed.

Tables are matched by name (case-insensitive), or through a rename hint
(``-- zen: renamed from old``). A table without a hint whose columns match a
dropped one is *not* treated as a rename: it stays a drop plus a create, and
the linter reports it as destructive with a hint to add the comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zen.migrate.load import Hints
from zen.migrate.model import ObjectInfo, Schema, TableInfo


@dataclass
class TableDiff:
    """A table present on both sides whose definition or name changed.

    Attributes:
        name: The desired name.
        old_name: The current name (differs when the table is renamed).
        renamed_columns: ``{new name: old name}`` for hinted column renames.
        added: Desired columns with no current counterpart.
        dropped: Current columns with no desired counterpart.
    """

    name: str
    old_name: str
    old: TableInfo
    new: TableInfo
    renamed_columns: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def same_shape(self) -> bool:
        """True when only the name changed (no column or constraint change)."""
        return (
            not self.renamed_columns
            and not self.added
            and not self.dropped
            and self.old.signature() == self.new.signature()
        )

    def source_of(self, column: str) -> str | None:
        """The current column that feeds desired ``column`` (None for a new one)."""
        old = self.renamed_columns.get(column, column)
        found = self.old.column(old)
        if found is None or column in self.added:
            return None
        return found.name


@dataclass
class ObjectDiff:
    """Names of views, triggers or explicit indexes created and dropped (a change is both)."""

    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


@dataclass
class SchemaDiff:
    """Everything that differs between the current and the desired schema."""

    current: Schema
    desired: Schema
    created_tables: list[str] = field(default_factory=list)
    dropped_tables: list[str] = field(default_factory=list)
    changed_tables: list[TableDiff] = field(default_factory=list)
    indexes: ObjectDiff = field(default_factory=ObjectDiff)
    views: ObjectDiff = field(default_factory=ObjectDiff)
    triggers: ObjectDiff = field(default_factory=ObjectDiff)

    @property
    def empty(self) -> bool:
        """True when both schemas are the same."""
        parts = (self.created_tables, self.dropped_tables, self.changed_tables)
        objects = (self.indexes, self.views, self.triggers)
        return not any(parts) and not any(o.created or o.dropped for o in objects)

    def changed(self, name: str) -> TableDiff | None:
        """The change to desired table ``name``, if it changed."""
        return next((t for t in self.changed_tables if t.name == name), None)


def diff(current: Schema, desired: Schema, hints: Hints | None = None) -> SchemaDiff:
    """Compare ``current`` with ``desired``.

    Example:
        >>> from zen.migrate.load import load_sql
        >>> a, b = load_sql("create table t(a)"), load_sql("create table t(a, b)")
        >>> diff(a.schema, b.schema).changed_tables[0].added
        ['b']
    """
    hints = hints or Hints()
    out = SchemaDiff(current, desired)
    matched: set[str] = set()
    for name, new in desired.tables.items():
        old = _match(current, desired, name, hints)
        if old is None:
            out.created_tables.append(name)
            continue
        matched.add(old.name)
        change = _table_diff(old, new, hints.columns.get(name, {}))
        if change is not None:
            out.changed_tables.append(change)
    out.dropped_tables = [n for n in current.tables if n not in matched]
    out.indexes = _objects(
        {k: i.signature for k, i in current.indexes().items()},
        {k: i.signature for k, i in desired.indexes().items()},
    )
    out.views = _objects(_signatures(current.views), _signatures(desired.views))
    out.triggers = _objects(_signatures(current.triggers), _signatures(desired.triggers))
    return out


def _match(current: Schema, desired: Schema, name: str, hints: Hints) -> TableInfo | None:
    found = current.table(name)
    if found is not None:
        return found
    old = hints.tables.get(name)
    if old is None or desired.table(old) is not None:
        return None
    return current.table(old)


def _table_diff(old: TableInfo, new: TableInfo, renames: dict[str, str]) -> TableDiff | None:
    if old.sql == new.sql and old.name == new.name:
        return None  # the same text builds the same table: no need to compare further
    old_names = {c.name.lower() for c in old.columns}
    valid = {
        n: o
        for n, o in renames.items()
        if o.lower() in old_names and n.lower() not in old_names and new.column(n)
    }
    change = TableDiff(new.name, old.name, old, new, valid)
    sources = {o.lower() for o in valid.values()}
    change.added = [
        c.name for c in new.columns if c.name.lower() not in old_names and c.name not in valid
    ]
    new_names = {c.name.lower() for c in new.columns}
    change.dropped = [c.name for c in old.columns if c.name.lower() not in new_names | sources]
    if old.name == new.name and change.same_shape:
        return None
    return change


def _signatures(objects: dict[str, ObjectInfo]) -> dict[str, str]:
    return {k: v.signature for k, v in objects.items()}


def _objects(current: dict[str, str], desired: dict[str, str]) -> ObjectDiff:
    lower = {k.lower(): v for k, v in current.items()}
    out = ObjectDiff()
    for name, signature in desired.items():
        if lower.get(name.lower()) != signature:
            out.created.append(name)
    wanted = {k.lower(): v for k, v in desired.items()}
    for name, signature in current.items():
        if wanted.get(name.lower()) != signature:
            out.dropped.append(name)
    return out
