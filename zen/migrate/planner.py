"""Turning a schema diff into SQL steps.

A changed table gets plain ``ALTER TABLE`` statements (RENAME, RENAME COLUMN,
ADD COLUMN, DROP COLUMN) when those reach the desired table exactly: this is
tried on a scratch copy with no rows. Otherwise it is rebuilt with SQLite's
documented 12-step procedure: create the new table under a temporary name,
copy the rows (rowids, and the AUTOINCREMENT counter, kept), drop the old one,
rename, then recreate its indexes and triggers and the views that depend on it.
Objects that did not change are not touched. The runner disables foreign keys
around the whole plan, so no ``ON DELETE CASCADE`` fires during a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier as q
from zen.migrate.differ import SchemaDiff, TableDiff, diff
from zen.migrate.load import Hints, scratch_copy
from zen.migrate.model import Schema, introspect
from zen.migrate.sqltext import column_sql, identifiers, replace_table_name

TEMP_PREFIX = "_zen_new_"


@dataclass(frozen=True)
class Step:
    """One SQL statement of a plan.

    Attributes:
        sql: The statement.
        action: What it does, e.g. ``create table``, ``rebuild table``.
        target: The object it acts on.
        legacy_alter: Run with ``PRAGMA legacy_alter_table=ON`` (the rebuild's
            final rename must not rewrite references to the table being replaced).
    """

    sql: str
    action: str
    target: str
    legacy_alter: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {"action": self.action, "target": self.target, "sql": self.sql}


@dataclass
class Steps:
    """The ordered steps of a plan, and the tables it rebuilds."""

    steps: list[Step] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)

    def add(self, sql: str, action: str, target: str, *, legacy: bool = False) -> None:
        """Append one step."""
        self.steps.append(Step(sql, action, target, legacy))


def plan_steps(
    current: Schema, desired: Schema, hints: Hints | None = None, change: SchemaDiff | None = None
) -> Steps:
    """The steps that turn ``current`` into ``desired``.

    Hinted renames run first, as plain ``ALTER TABLE ... RENAME`` (SQLite rewrites
    the indexes, triggers, views and foreign keys that name them); everything
    else is planned from the renamed schema. ``change`` is ``diff(current,
    desired, hints)`` when the caller has it already.

    Example:
        >>> from zen.migrate.load import load_sql
        >>> a, b = load_sql("create table t(a)").schema, load_sql("create table t(a, b)").schema
        >>> [s.sql for s in plan_steps(a, b).steps]
        ['ALTER TABLE "t" ADD COLUMN b']
    """
    out = Steps()
    hinted = change or diff(current, desired, hints)
    for sql, target in _rename_steps(hinted):
        out.add(sql, "rename", target)
    if not out.steps:
        _plan_rest(out, hinted)  # no rename: the hints changed nothing
        return out
    conn = scratch_copy(current)
    try:
        conn.execute("BEGIN")
        for step in out.steps:
            conn.execute(step.sql)
        conn.execute("COMMIT")
        renamed = introspect(conn)
    finally:
        conn.close()
    _plan_rest(out, diff(renamed, desired))
    return out


def _rename_steps(change: SchemaDiff) -> list[tuple[str, str]]:
    steps = []
    for table in change.changed_tables:
        if table.old_name != table.name:
            sql = f"ALTER TABLE {q(table.old_name)} RENAME TO {q(table.name)}"
            steps.append((sql, table.old_name))
        for new, old in table.renamed_columns.items():
            sql = f"ALTER TABLE {q(table.name)} RENAME COLUMN {q(old)} TO {q(new)}"
            steps.append((sql, table.name))
    return steps


def _plan_rest(out: Steps, change: SchemaDiff) -> None:
    altered: dict[str, list[str]] = {}
    for table in change.changed_tables:
        alters = _alter_steps(table)
        if alters is None:
            out.rebuilt.append(table.name)
        else:
            altered[table.name] = alters
    touched = _touched_tables(change, altered)
    views = _affected_views(change, touched)
    triggers = _affected_triggers(change, touched, views)
    _drop_triggers(out, change.current, triggers)
    _drop_views(out, change.current, views)
    _drop_indexes(out, change, out.rebuilt)
    for table in change.changed_tables:
        for sql in altered.get(table.name, []):
            out.add(sql, "alter table", table.name)
    for name in change.dropped_tables:
        out.add(f"DROP TABLE {q(name)}", "drop table", name)
    for name in _parents_first(change.desired, change.created_tables):
        out.add(change.desired.tables[name].sql, "create table", name)
    for table in change.changed_tables:
        if table.name in out.rebuilt:
            _rebuild(out, table)
    _create_indexes(out, change, out.rebuilt)
    _create_views(out, change.desired, views)
    for name in sorted(triggers & set(change.desired.triggers)):
        out.add(change.desired.triggers[name].sql, "create trigger", name)


# -- ALTER TABLE where SQLite allows it ------------------------------------------------


def _alter_steps(table: TableDiff) -> list[str] | None:
    """Plain ALTER statements for ``table``, or None when only a rebuild gets there."""
    if table.old.kind == "virtual" or table.new.kind == "virtual":
        return None
    name = table.name
    steps = [f"ALTER TABLE {q(name)} DROP COLUMN {q(c)}" for c in table.dropped]
    for column in table.added:
        definition = column_sql(table.new.sql, column)
        if definition is None or not _addable(table, column):
            return None
        steps.append(f"ALTER TABLE {q(name)} ADD COLUMN {definition}")
    return steps if _reaches(table, steps) else None


def _addable(table: TableDiff, name: str) -> bool:
    """Whether ADD COLUMN can add ``name`` to a table that has rows.

    SQLite refuses STORED generated columns and non-constant defaults only when
    the table has rows, so the empty scratch copy cannot tell: decide here.
    """
    column = table.new.column(name)
    if column is None or column.hidden == 3:
        return False
    default = (column.default or "").strip().lower()
    return not (default.startswith("(") or default.startswith("current_"))


def _reaches(table: TableDiff, steps: list[str]) -> bool:
    """Whether ``steps`` turn the old table into the new one (tried with no rows)."""
    conn = apsw.Connection(":memory:")
    try:
        conn.execute(table.old.sql)
        for sql in steps:
            conn.execute(sql)
        result = introspect(conn).table(table.name)
    except apsw.Error:
        return False
    finally:
        conn.close()
    return result is not None and result.signature() == table.new.signature()


# -- what depends on what ---------------------------------------------------------------


def _touched_tables(change: SchemaDiff, altered: dict[str, list[str]]) -> set[str]:
    """Lower-cased names whose views/triggers must be dropped and recreated."""
    names = {n.lower() for n in change.dropped_tables}
    for table in change.changed_tables:
        only_adds = not table.dropped and not table.renamed_columns
        if table.name in altered and table.old_name == table.name and only_adds:
            continue
        names |= {table.name.lower(), table.old_name.lower()}
    return names


def _affected_views(change: SchemaDiff, touched: set[str]) -> set[str]:
    """Views to drop and recreate: changed ones and all that depend on a touched object."""
    affected = {v.lower() for v in change.views.dropped + change.views.created}
    current = {k.lower(): identifiers(v.sql) for k, v in change.current.views.items()}
    grew = True
    while grew:
        hit = {n for n, refs in current.items() if refs & (touched | affected)}
        grew = not hit <= affected
        affected |= hit
    return {n for n in (*change.current.views, *change.desired.views) if n.lower() in affected}


def _affected_triggers(change: SchemaDiff, touched: set[str], views: set[str]) -> set[str]:
    names = touched | {v.lower() for v in views}
    affected = set(change.triggers.created + change.triggers.dropped)
    for side in (change.current.triggers, change.desired.triggers):
        for name, trigger in side.items():
            if identifiers(trigger.sql) & names or trigger.table.lower() in names:
                affected.add(name)
    return affected


def _view_order(schema: Schema, names: set[str]) -> list[str]:
    """``names`` with every view after the views it reads from."""
    refs = {n: identifiers(schema.views[n].sql) for n in names if n in schema.views}
    done: list[str] = []
    pending = sorted(refs)
    while pending:
        ready = [n for n in pending if not (refs[n] - {n.lower()}) & {p.lower() for p in pending}]
        ready = ready or pending[:1]  # a cycle cannot be created anyway; keep going
        done += ready
        pending = [n for n in pending if n not in ready]
    return done


def _parents_first(schema: Schema, names: list[str]) -> list[str]:
    order: list[str] = []
    pending = list(names)
    while pending:
        lower = {p.lower() for p in pending}
        ready = [
            n
            for n in pending
            if not ({fk.table for fk in schema.tables[n].foreign_keys} - {n.lower()}) & lower
        ]
        ready = ready or pending[:1]
        order += ready
        pending = [n for n in pending if n not in ready]
    return order


# -- drops and creates --------------------------------------------------------------------


def _drop_triggers(out: Steps, current: Schema, names: set[str]) -> None:
    for name in sorted(names & set(current.triggers)):
        out.add(f"DROP TRIGGER {q(name)}", "drop trigger", name)


def _drop_views(out: Steps, current: Schema, names: set[str]) -> None:
    for name in reversed(_view_order(current, names)):
        out.add(f"DROP VIEW {q(name)}", "drop view", name)


def _create_views(out: Steps, desired: Schema, names: set[str]) -> None:
    for name in _view_order(desired, names):
        out.add(desired.views[name].sql, "create view", name)


def _drop_indexes(out: Steps, change: SchemaDiff, rebuilt: list[str]) -> None:
    gone = {n.lower() for n in change.dropped_tables}
    gone |= {t.old_name.lower() for t in change.changed_tables if t.name in rebuilt}
    current = change.current.indexes()
    for name in change.indexes.dropped:
        if current[name].table.lower() not in gone:
            out.add(f"DROP INDEX {q(name)}", "drop index", name)


def _create_indexes(out: Steps, change: SchemaDiff, rebuilt: list[str]) -> None:
    desired = change.desired.indexes()
    wanted = set(change.indexes.created)
    wanted |= {n for n, i in desired.items() if i.table in rebuilt}
    for name in sorted(wanted):
        out.add(desired[name].sql or "", "create index", name)


# -- the 12-step rebuild --------------------------------------------------------------------


def _rebuild(out: Steps, table: TableDiff) -> None:
    name, old = table.name, table.old_name
    temp = TEMP_PREFIX + name
    if table.old.kind == "virtual" or table.new.kind == "virtual":
        out.add(f"DROP TABLE {q(old)}", "drop table", old)
        out.add(table.new.sql, "create table", name)
        return
    out.add(replace_table_name(table.new.sql, temp), "rebuild table", name)
    targets, sources = _copy_columns(table)
    if targets:
        out.add(
            f"INSERT INTO {q(temp)} ({', '.join(targets)}) "
            f"SELECT {', '.join(sources)} FROM {q(old)}",
            "copy rows",
            name,
        )
    if table.old.autoincrement and table.new.autoincrement:
        counter = "keep autoincrement counter"
        out.add(f"DELETE FROM sqlite_sequence WHERE name = {_literal(temp)}", counter, name)
        out.add(
            f"INSERT INTO sqlite_sequence(name, seq) SELECT {_literal(temp)}, seq "
            f"FROM sqlite_sequence WHERE name = {_literal(old)}",
            counter,
            name,
        )
    out.add(f"DROP TABLE {q(old)}", "drop old table", old)
    out.add(f"ALTER TABLE {q(temp)} RENAME TO {q(name)}", "rename new table", name, legacy=True)


def _copy_columns(table: TableDiff) -> tuple[list[str], list[str]]:
    """Target and source expressions for the INSERT ... SELECT of a rebuild."""
    targets: list[str] = []
    sources: list[str] = []
    for column in table.new.columns:
        source = table.source_of(column.name)
        old = table.old.column(source) if source else None
        if column.generated or old is None or old.generated:
            continue
        targets.append(q(column.name))
        sources.append(q(old.name))
    alias = table.new.rowid_alias
    keeps_rowid = not table.old.without_rowid and not table.new.without_rowid
    if keeps_rowid and (alias is None or q(alias) not in targets):
        targets.insert(0, "rowid")
        sources.insert(0, "rowid")
    return targets, sources


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def verify(current: Schema, steps: list[Step], desired: Schema) -> list[str]:
    """Run ``steps`` on an empty copy of ``current``; the names that differ from ``desired``.

    An empty list means the plan reaches the desired schema exactly.
    """
    conn = scratch_copy(current)
    try:
        conn.execute("BEGIN")
        for step in steps:
            conn.execute(f"PRAGMA legacy_alter_table = {int(step.legacy_alter)}")
            conn.execute(step.sql)
        conn.execute("COMMIT")
        reached = introspect(conn)
    finally:
        conn.close()
    return differences(reached, desired)


def differences(a: Schema, b: Schema) -> list[str]:
    """Names of the objects that differ between two schemas (empty when equal)."""
    change = diff(a, b)
    names = change.created_tables + change.dropped_tables
    names += [t.name for t in change.changed_tables]
    for part in (change.indexes, change.views, change.triggers):
        names += part.created + part.dropped
    return sorted(set(names))
