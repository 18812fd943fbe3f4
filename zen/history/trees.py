"""Trees: the schema and per-table multiset hashes of a state, and how to update them.

A tree is recomputed from its parent's tree in O(changed rows): the net
changeset of the steps in between is applied to the parent's table hashes,
with the working copy supplying the full rows of updated rows (a changeset
update carries only the changed columns). Tables whose schema changed are
rehashed in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.history import schema as sch
from zen.history import store
from zen.history.errors import CorruptObjectError
from zen.history.hashing import TableHash, canonical_json
from zen.history.steps import RowsStep, SchemaEntry, SchemaStep, Step, concat


@dataclass(frozen=True)
class Tree:
    """The content hashes of one state.

    Attributes:
        schema: The user schema entries, keyed by ``(type, name)``.
        tables: ``{table: TableHash}`` for every user table.
    """

    schema: Mapping[tuple[str, str], SchemaEntry]
    tables: Mapping[str, TableHash]
    schema_id: bytes | None = field(default=None, compare=False)

    def table_hex(self, table: str) -> str | None:
        """The table's hash as hex, or None when the table does not exist."""
        found = self.tables.get(table)
        return found.hex if found is not None else None


def same_tree(a: Tree, b: Tree) -> bool:
    """True when two trees describe the same state."""
    return dict(a.schema) == dict(b.schema) and dict(a.tables) == dict(b.tables)


def store_tree(
    conn: apsw.Connection,
    tree: Tree,
    parent: Tree | None = None,
    *,
    later: list[store.StoredObject] | None = None,
) -> tuple[bytes, Tree]:
    """Write the tree's schema and tree objects; returns the tree id and the tree
    with its schema id filled in.

    The schema object is reused from ``parent`` when the schema did not change.
    """
    if parent is not None and parent.schema_id is not None and parent.schema == tree.schema:
        schema_id = parent.schema_id
    else:
        schema_body = canonical_json(sch.entries(tree.schema))
        schema_id = store.put_object(conn, "schema", schema_body, later=later)
    body = {
        "schema": schema_id.hex(),
        "tables": {name: [h.hex, h.rows] for name, h in sorted(tree.tables.items())},
    }
    tree_id = store.put_object(conn, "tree", canonical_json(body), later=later)
    return tree_id, replace(tree, schema_id=schema_id)


def load_tree(conn: apsw.Connection, tree_id: bytes) -> Tree:
    """Read (and verify) a tree and its schema object."""
    body = _json(store.get_object(conn, tree_id, "tree").body, tree_id)
    schema_id = bytes.fromhex(body["schema"])
    entries = _json(store.get_object(conn, schema_id, "schema").body, schema_id)
    tables = {name: TableHash.from_hex(h, int(rows)) for name, (h, rows) in body["tables"].items()}
    return Tree(sch.from_entries(entries), tables, schema_id)


def _json(body: bytes, oid: bytes) -> Any:
    import json

    try:
        return json.loads(body)
    except ValueError:
        raise CorruptObjectError(f"object {oid.hex()} is not valid JSON") from None


# -- computing trees -----------------------------------------------------------


def scan_tree(conn: apsw.Connection) -> Tree:
    """The tree of the working copy, from a full scan (O(data): init and fsck)."""
    schema = sch.snapshot(conn)
    tables = {name: scan_table(conn, name) for name in sch.tables(schema)}
    return Tree(schema, tables)


def scan_table(conn: apsw.Connection, table: str) -> TableHash:
    """The hash of one table of the working copy, from a full scan."""
    layout = sch.layout(conn, table)
    rows = conn.execute(f"SELECT {layout.select_list} FROM main.{quote_identifier(table)}")
    return TableHash.of(rows)


def working_tree(
    conn: apsw.Connection,
    parent: Tree | None,
    steps: Sequence[Step],
    schema: sch.SchemaMap | None = None,
) -> Tree:
    """The working copy's tree, from ``parent`` plus the ``steps`` since it.

    Args:
        conn: The connection (its working copy is the state after ``steps``).
        parent: The tree of the state the steps start from (None: scan everything).
        steps: Every step from the parent's state to the working copy, in order.
        schema: The working copy's schema, when the caller already knows it.
    """
    if schema is None:
        schema = sch.snapshot(conn)
    if parent is None:
        return scan_tree(conn)
    current = sch.tables(schema)
    rehash = _rehashed(parent, current, steps)
    tables = {n: h.copy() for n, h in parent.tables.items() if n in current and n not in rehash}
    for name in rehash & current.keys():
        tables[name] = scan_table(conn, name)
    net = net_rows(steps, rehash)
    if net:
        apply_delta(conn, tables, net, current)
    return Tree(schema, tables)


def _rehashed(parent: Tree, current: Mapping[str, str], steps: Iterable[Step]) -> set[str]:
    names = set(current.keys() ^ parent.tables.keys())
    for step in steps:
        if isinstance(step, SchemaStep):
            names |= step.tables()
    return names


def net_rows(steps: Sequence[Step], skip: set[str]) -> bytes:
    """The net changeset of the rows steps, leaving out the tables in ``skip``."""
    changesets = [s.changeset for s in steps if isinstance(s, RowsStep) and s.changeset]
    if not changesets:
        return b""
    if not skip:
        return concat(changesets)
    builder = apsw.ChangesetBuilder()  # type: ignore[no-untyped-call]
    for changeset in changesets:
        for change in apsw.Changeset.iter(changeset):
            if change.name not in skip:
                builder.add_change(change)
    return bytes(builder.output())


def apply_delta(
    conn: apsw.Connection, tables: dict[str, TableHash], net: bytes, sqls: Mapping[str, str]
) -> None:
    """Update ``tables`` with a net changeset whose new side is the working copy.

    ``sqls`` maps each table to its current CREATE statement.
    """
    lookups: dict[str, str] = {}
    for change in apsw.Changeset.iter(net):
        name = change.name
        found = tables.get(name)
        if found is None:
            found = tables[name] = TableHash()
        if change.op == "INSERT":
            found.add(_row(change.new))
        elif change.op == "DELETE":
            found.remove(_row(change.old))
        else:
            old, new = full_update(conn, lookups, change, sqls)
            found.remove(old)
            found.add(new)


def full_update(
    conn: apsw.Connection,
    lookups: dict[str, str],
    change: apsw.TableChange,
    sqls: Mapping[str, str],
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The full old and new rows of a changeset update (the new one is the working copy's)."""
    name = change.name
    sql = lookups.get(name)
    if sql is None:
        layout = sch.cached_layout(conn, name, sqls.get(name, ""))
        table = quote_identifier(name)
        sql = f"SELECT {layout.select_list} FROM main.{table} WHERE {layout.key_where()}"
        lookups[name] = sql
    old, new = _row(change.old), _row(change.new)
    key = [old[i] for i in sorted(change.pk_columns)]
    current = conn.execute(sql, key).fetchone()
    if current is None or len(current) != len(old):
        raise CorruptObjectError(f"working copy of {name} does not match history (row {key})")
    for i, value in enumerate(new):
        if value is not apsw.no_change and value != current[i]:
            raise CorruptObjectError(f"working copy of {name} does not match history (row {key})")
    full_old = tuple(current[i] if old[i] is apsw.no_change else old[i] for i in range(len(old)))
    return full_old, tuple(current)


def _row(values: tuple[Any, ...] | None) -> tuple[Any, ...]:
    if values is None:
        raise CorruptObjectError("a changeset row has no values")
    return values
