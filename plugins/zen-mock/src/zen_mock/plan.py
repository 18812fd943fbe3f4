"""What to fill and in which order: tables, their keys and constraints, parents first.

Example:
    >>> import apsw
    >>> conn = apsw.Connection(":memory:")
    >>> _ = conn.execute(
    ...     "create table a(id integer primary key);"
    ...     "create table b(id integer primary key, a_id int not null references a)"
    ... )
    >>> [t.name for t in plan_tables(conn, None)]
    ['a', 'b']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import apsw

from zen.engine.errors import NotFoundError, ZenError
from zen.migrate.model import ColumnInfo, ForeignKeyInfo, TableInfo, introspect
from zen.migrate.sqltext import parse_table
from zen_mock.values import Hints


class MockError(ZenError):
    """The schema's constraints cannot be met by generated rows (nothing is written)."""


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key to fill: child columns, parent table, parent key columns."""

    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    nullable: bool
    cyclic: bool = False  # part of a cycle between tables: filled with NULL
    self_reference: bool = False


@dataclass
class TablePlan:
    """One table to fill."""

    name: str
    columns: list[ColumnInfo]
    rowid_alias: str | None
    unique: list[tuple[str, ...]]
    foreign_keys: list[ForeignKey]
    hints: dict[str, Hints] = field(default_factory=dict)

    @property
    def fk_columns(self) -> set[str]:
        """Columns that a foreign key fills."""
        return {c for fk in self.foreign_keys for c in fk.columns}


def plan_tables(conn: apsw.Connection, only: list[str] | None) -> list[TablePlan]:
    """The tables to fill (all, or ``only``), parents before children.

    Raises:
        NotFoundError: An unknown table.
        MockError: Foreign keys in a cycle that NULL cannot break.
    """
    schema = introspect(conn)
    tables = {name: info for name, info in schema.tables.items() if info.kind == "table"}
    chosen = _chosen(tables, only)
    order = _order(tables, chosen)
    return [_plan(tables[name], tables, cyclic) for name, cyclic in order]


def _chosen(tables: dict[str, TableInfo], only: list[str] | None) -> list[str]:
    if not only:
        return list(tables)
    by_lower = {name.lower(): name for name in tables}
    out = []
    for wanted in only:
        if wanted.lower() not in by_lower:
            known = ", ".join(sorted(tables)) or "none"
            raise NotFoundError(f"no such table: {wanted}", hint=f"tables: {known}")
        out.append(by_lower[wanted.lower()])
    return list(dict.fromkeys(out))


def _order(tables: dict[str, TableInfo], chosen: list[str]) -> list[tuple[str, set[str]]]:
    """Topological order of ``chosen``; each with the parents whose keys are cyclic."""
    pending = {name: _parents(tables[name], tables) for name in chosen}
    done: list[tuple[str, set[str]]] = []
    while pending:
        ready = [n for n, parents in pending.items() if not (parents - {n}) & set(pending)]
        if not ready:
            name, cut = _break_cycle(tables, pending)
            done.append((name, cut))
            del pending[name]
            continue
        for name in ready:
            done.append((name, set()))
            del pending[name]
    return done


def _parents(table: TableInfo, tables: dict[str, TableInfo]) -> set[str]:
    by_lower = {name.lower(): name for name in tables}
    return {by_lower.get(fk.table.lower(), fk.table) for fk in table.foreign_keys}


def _break_cycle(
    tables: dict[str, TableInfo], pending: dict[str, set[str]]
) -> tuple[str, set[str]]:
    """A table of the cycle whose keys into it are all nullable: they get NULL."""
    for name in pending:
        cut = {p for p in pending[name] if p in pending and p != name}
        columns = {c.name: c for c in tables[name].columns}
        keys = [fk for fk in tables[name].foreign_keys if _parent_name(fk, tables) in cut]
        if all(not columns[c].not_null for fk in keys for c in fk.columns):
            return name, cut
    names = ", ".join(sorted(pending))
    raise MockError(
        f"foreign keys form a cycle of NOT NULL columns between {names}",
        hint="make one of those foreign-key columns nullable, or fill one table yourself first",
    )


def _parent_name(fk: ForeignKeyInfo, tables: dict[str, TableInfo]) -> str:
    by_lower = {name.lower(): name for name in tables}
    return by_lower.get(fk.table.lower(), fk.table)


def _plan(table: TableInfo, tables: dict[str, TableInfo], cyclic: set[str]) -> TablePlan:
    columns = [c for c in table.columns if not c.generated]
    # A primary key is never NULL here (for the rowid alias NULL would mean "assign one").
    not_null = {c.name for c in columns if c.not_null or c.pk}
    keys = []
    for fk in table.foreign_keys:
        parent = tables.get(_parent_name(fk, tables))
        if parent is None:
            raise MockError(
                f"table {table.name} references {fk.table}, which does not exist",
                hint="create the parent table (or drop the foreign key) before filling",
            )
        keys.append(
            ForeignKey(
                fk.columns,
                parent.name,
                _parent_key(fk, parent),
                not any(c in not_null for c in fk.columns),
                parent.name in cyclic,
                parent.name == table.name,
            )
        )
    return TablePlan(
        table.name, columns, table.rowid_alias, _unique_sets(table), keys, _hints(table)
    )


def _parent_key(fk: ForeignKeyInfo, parent: TableInfo) -> tuple[str, ...]:
    if all(fk.references):
        return tuple(str(c) for c in fk.references)
    pks = sorted((c for c in parent.columns if c.pk), key=lambda c: c.pk)
    # No declared key: SQLite's default is the parent's PRIMARY KEY (or its rowid).
    return tuple(c.name for c in pks) or ("rowid",)


def _unique_sets(table: TableInfo) -> list[tuple[str, ...]]:
    sets = []
    for index in table.indexes.values():
        names = tuple(str(col) for col, _coll, _desc in index.keys if col is not None)
        if index.unique and not index.partial and len(names) == len(index.keys):
            sets.append(names)
    pk = tuple(c.name for c in sorted(table.columns, key=lambda c: c.pk) if c.pk)
    if pk and pk != ((table.rowid_alias,) if table.rowid_alias else ()):
        sets.append(pk)
    return list(dict.fromkeys(sets))


# -- CHECK hints -------------------------------------------------------------------

_IDENT = r'(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|\w+)'
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_IN = re.compile(rf"^\s*({_IDENT})\s+IN\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_BETWEEN = re.compile(rf"^\s*({_IDENT})\s+BETWEEN\s+({_NUMBER})\s+AND\s+({_NUMBER})\s*$", re.I)
_COMPARE = re.compile(rf"^\s*({_IDENT})\s*(>=|>|<=|<)\s*({_NUMBER})\s*$")
_LENGTH = re.compile(rf"^\s*length\s*\(\s*({_IDENT})\s*\)\s*(<=|<)\s*(\d+)\s*$", re.IGNORECASE)
_LITERAL = re.compile(rf"\s*('(?:[^']|'')*'|{_NUMBER})\s*(?:,|$)")


def _hints(table: TableInfo) -> dict[str, Hints]:
    """Hints from simple CHECKs; others are still enforced (SQLite checks every row)."""
    out: dict[str, Hints] = {}
    for check in parse_table(table.sql).checks:
        for part in _conjuncts(check):
            _apply(part, out)
    return out


def _conjuncts(check: str) -> list[str]:
    """``a AND b AND c`` cut at its top-level ANDs (the AND of a BETWEEN stays)."""
    parts: list[str] = []
    for piece in re.split(r"\s+AND\s+(?![^(]*\))", check, flags=re.IGNORECASE):
        if parts and re.search(r"\bBETWEEN\s+\S+\s*$", parts[-1], re.IGNORECASE):
            parts[-1] += " AND " + piece
        else:
            parts.append(piece)
    return parts


def _apply(text: str, out: dict[str, Hints]) -> None:
    if match := _IN.match(text):
        values = _literals(match.group(2))
        if values:
            _hint(out, match.group(1)).choices = tuple(values)
    elif match := _BETWEEN.match(text):
        hint = _hint(out, match.group(1))
        hint.low, hint.high = float(match.group(2)), float(match.group(3))
    elif match := _COMPARE.match(text):
        hint, op, value = _hint(out, match.group(1)), match.group(2), float(match.group(3))
        if op.startswith(">"):
            hint.low = value if op == ">=" else value + 1
        else:
            hint.high = value if op == "<=" else value - 1
    elif match := _LENGTH.match(text):
        limit = int(match.group(3))
        _hint(out, match.group(1)).max_length = limit if match.group(2) == "<=" else limit - 1


def _hint(out: dict[str, Hints], ident: str) -> Hints:
    name = ident[1:-1] if ident[0] in '"`[' else ident
    return out.setdefault(name.lower(), Hints())


def _literals(text: str) -> list[object]:
    values: list[object] = []
    position = 0
    while position < len(text):
        match = _LITERAL.match(text, position)
        if not match:
            return []  # not a plain list of literals: leave it to SQLite
        token = match.group(1)
        if token.startswith("'"):
            values.append(token[1:-1].replace("''", "'"))
        else:
            values.append(float(token) if "." in token else int(token))
        position = match.end()
    return values
