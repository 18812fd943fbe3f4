"""What a database's documentation says: tables, columns, keys, indexes, comments.

Facts come from SQLite (``PRAGMA table_xinfo``, ``index_list``,
``foreign_key_list``, via :func:`zen.migrate.model.introspect`); comments and
CHECK texts from the CREATE statements (:mod:`zen_docs.comments`).

Example:
    >>> import zen
    >>> db = zen.open(":memory:")
    >>> db.script("create table t(id integer primary key, -- The key.\\n name text)")
    0
    >>> describe(db).tables[0].columns[0].comment
    'The key.'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zen.migrate.model import ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo, introspect
from zen_docs.comments import TableComments, table_comments

if TYPE_CHECKING:
    from zen.api import Database


@dataclass(frozen=True)
class ColumnDoc:
    """One column."""

    name: str
    type: str
    not_null: bool
    default: str | None
    pk: int
    unique: bool
    references: str | None
    generated: bool
    checks: tuple[str, ...]
    comment: str


@dataclass(frozen=True)
class IndexDoc:
    """One index, explicit or made by a PRIMARY KEY/UNIQUE constraint."""

    name: str
    unique: bool
    columns: tuple[str, ...]
    origin: str  # "index", "unique" or "primary key"
    partial: bool


@dataclass(frozen=True)
class ForeignKeyDoc:
    """One foreign key, with what the ER diagram needs to draw it."""

    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    on_delete: str
    on_update: str
    optional: bool  # a child may have no parent (a key column is nullable)
    one_to_one: bool  # the key columns are unique in the child
    identifying: bool  # the key columns are part of the child's primary key


@dataclass
class TableDoc:
    """One table."""

    name: str
    comment: str
    columns: list[ColumnDoc]
    constraints: list[str]
    indexes: list[IndexDoc]
    foreign_keys: list[ForeignKeyDoc]
    rows: int
    options: tuple[str, ...] = ()


@dataclass
class SchemaDoc:
    """Everything documented about one database."""

    title: str
    tables: list[TableDoc] = field(default_factory=list)
    views: list[tuple[str, str]] = field(default_factory=list)
    triggers: list[tuple[str, str]] = field(default_factory=list)


_ORIGINS = {"c": "index", "u": "unique", "pk": "primary key"}


def describe(
    db: Database, *, title: str | None = None, notes: dict[str, str] | None = None
) -> SchemaDoc:
    """The documentation model of ``db``.

    Args:
        db: The open database.
        title: The document's title (default: the file name).
        notes: Extra table comments (from the schema file), used when the
            CREATE text has none.
    """
    schema = introspect(db.engine.conn)
    doc = SchemaDoc(title or _title(db.path))
    for name in sorted(schema.tables, key=str.lower):
        info = schema.tables[name]
        if info.kind == "table":
            doc.tables.append(_table(db, info, schema.tables, (notes or {}).get(name, "")))
    doc.views = sorted((v.name, v.sql) for v in schema.views.values())
    doc.triggers = sorted((t.name, t.table) for t in schema.triggers.values())
    return doc


def _title(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1] or path


def _table(db: Database, info: TableInfo, tables: dict[str, TableInfo], note: str) -> TableDoc:
    text = table_comments(info.sql)
    indexes = [_index(ix) for ix in sorted(info.indexes.values(), key=lambda i: i.name)]
    unique = {
        ix.columns[0] for ix in indexes if ix.unique and len(ix.columns) == 1 and not ix.partial
    }
    if info.rowid_alias:
        unique.add(info.rowid_alias)
    keys = [_foreign_key(fk, info, tables, unique) for fk in info.foreign_keys]
    references = {
        c: f"{fk.parent}.{p}"
        for fk in keys
        for c, p in zip(fk.columns, fk.parent_columns, strict=True)
    }
    columns = [_column(c, text, unique, references) for c in info.columns]
    options = tuple(
        o for o, on in (("STRICT", info.strict), ("WITHOUT ROWID", info.without_rowid)) if on
    )
    return TableDoc(
        info.name,
        text.table or note,
        columns,
        text.constraints,
        indexes,
        keys,
        db.count(info.name),
        options,
    )


def _column(
    c: ColumnInfo, text: TableComments, unique: set[str], references: dict[str, str]
) -> ColumnDoc:
    return ColumnDoc(
        c.name,
        c.type,
        c.not_null or bool(c.pk and c.type.upper() == "INTEGER"),
        c.default,
        c.pk,
        c.name in unique,
        references.get(c.name),
        c.generated,
        tuple(text.checks.get(c.name, ())),
        text.columns.get(c.name, ""),
    )


def _index(ix: IndexInfo) -> IndexDoc:
    columns = tuple(col if col is not None else "<expression>" for col, _c, _d in ix.keys)
    return IndexDoc(ix.name, ix.unique, columns, _ORIGINS.get(ix.origin, ix.origin), ix.partial)


def _foreign_key(
    fk: ForeignKeyInfo, child: TableInfo, tables: dict[str, TableInfo], unique: set[str]
) -> ForeignKeyDoc:
    by_lower = {name.lower(): name for name in tables}
    parent_name = by_lower.get(fk.table.lower(), fk.table)
    parent = tables.get(parent_name)
    parent_columns = tuple(str(c) for c in fk.references) if all(fk.references) else _pk(parent)
    columns = {c.name: c for c in child.columns}
    pk = {c.name for c in child.columns if c.pk}
    optional = any(
        not columns[c].not_null and not columns[c].pk for c in fk.columns if c in columns
    )
    one_to_one = len(fk.columns) == 1 and fk.columns[0] in unique
    return ForeignKeyDoc(
        fk.columns,
        parent_name,
        parent_columns,
        fk.on_delete,
        fk.on_update,
        optional,
        one_to_one,
        bool(pk) and set(fk.columns) <= pk,
    )


def _pk(parent: TableInfo | None) -> tuple[str, ...]:
    if parent is None:
        return ("rowid",)
    pks = sorted((c for c in parent.columns if c.pk), key=lambda c: c.pk)
    return tuple(c.name for c in pks) or ("rowid",)
