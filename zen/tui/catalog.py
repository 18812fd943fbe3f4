"""The catalog tree: tables, views, indexes, triggers and vector indexes, loaded lazily.

The schema is read once, in a worker, as one query; a group's nodes are created when
the group opens and a table's columns when the table opens, so a database with
thousands of tables paints at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree

from zen.engine.errors import ZenError
from zen.tui.rows import db_lock

if TYPE_CHECKING:
    from textual.widgets.tree import TreeNode

    from zen.api import Database

GROUPS = (("table", "Tables"), ("view", "Views"), ("index", "Indexes"), ("trigger", "Triggers"))
VECTOR = "vector"
_OPEN_AT_START = 200  # more tables than this: the group stays closed until asked


@dataclass(frozen=True)
class Item:
    """What a tree node stands for."""

    kind: str  # "group", "table", "view", "index", "trigger", "vector", "column"
    name: str
    table: str = ""
    sql: str = ""
    loaded: bool = False


class Catalog(Tree[Item]):
    """The schema as a tree; Enter previews rows, ``d`` shows DDL, ``n`` copies the name."""

    DEFAULT_CSS = """
    Catalog { width: 24; border-right: solid $panel-lighten-2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "preview", "Preview"),
        Binding("d", "ddl", "DDL"),
        Binding("n", "copy_name", "Copy name"),
    ]

    class Preview(Message):
        """Show the rows of a table or view."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class ShowDdl(Message):
        """Show an object's DDL."""

        def __init__(self, name: str, sql: str) -> None:
            super().__init__()
            self.name = name
            self.sql = sql

    def __init__(self, db: Database, *, id: str | None = None) -> None:
        super().__init__("schema", Item("group", "schema"), id=id)
        self.db = db
        self.show_root = False
        self.groups: dict[str, list[Item]] = {}

    def on_mount(self) -> None:
        """Read the schema in a worker."""
        self.reload()

    def reload(self) -> None:
        """Read the schema again (after DDL ran)."""
        self.run_worker(self._load, thread=True, exclusive=True, group="catalog")

    def _load(self) -> None:
        try:
            found: dict[str, list[Item]] = defaultdict(list)
            with db_lock(self.db):
                for obj in self.db.objects():
                    found[obj.type].append(Item(obj.type, obj.name, obj.table, obj.sql or ""))
                found[VECTOR] = self._vector_items()
        except ZenError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.app.call_from_thread(self._fill, dict(found))

    def _vector_items(self) -> list[Item]:
        from zen.vector import has_indexes

        # db.vectors registers the vector layer: only for a database that has indexes.
        if not has_indexes(self.db.engine.conn):
            return []
        return [Item(VECTOR, s.name, s.table, "") for s in self.db.vectors.specs()]

    def _fill(self, found: dict[str, list[Item]]) -> None:
        self.groups = found
        self.clear()
        for kind, title in (*GROUPS, (VECTOR, "Vector indexes")):
            items = found.get(kind, [])
            node = self.root.add(f"{title} ({len(items)})", Item("group", kind))
            node.allow_expand = bool(items)
        first = self.root.children[0] if self.root.children else None
        if first is not None and 0 < len(found.get("table", [])) <= _OPEN_AT_START:
            first.expand()

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[Item]) -> None:
        """Create a group's nodes, or load a table's columns, on first opening."""
        node = event.node
        item = node.data
        if item is None or item.loaded or node.children:
            return
        node.data = Item(item.kind, item.name, item.table, item.sql, True)
        if item.kind == "group":
            self._add_objects(node, self.groups.get(item.name, []))
        elif item.kind in {"table", "view"}:
            self.run_worker(lambda: self._load_columns(node, item.name), thread=True)

    def _add_objects(self, node: TreeNode[Item], items: list[Item]) -> None:
        for item in items:
            expandable = item.kind in {"table", "view"}
            label = escape(item.name if expandable else f"{item.name} ({item.table})")
            node.add(label, item, allow_expand=expandable)

    def _load_columns(self, node: TreeNode[Item], table: str) -> None:
        try:
            with db_lock(self.db):
                columns = self.db.columns(table)
        except ZenError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return

        def add() -> None:
            for column in columns:
                label = f"{escape(column.name)} [dim]{escape(column.type or 'ANY')}[/]"
                if column.primary_key:
                    label += " [b]PK[/]"
                node.add_leaf(label, Item("column", column.name, table))

        self.app.call_from_thread(add)

    # -- actions ----------------------------------------------------------------------------

    def _selected(self) -> Item | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def action_preview(self) -> None:
        """Preview the rows of the selected table or view."""
        item = self._selected()
        if item is not None and item.kind in {"table", "view", "vector"}:
            self.post_message(self.Preview(item.table if item.kind == VECTOR else item.name))

    def action_ddl(self) -> None:
        """Show the selected object's DDL."""
        item = self._selected()
        if item is not None and item.sql:
            self.post_message(self.ShowDdl(item.name, item.sql))

    def action_copy_name(self) -> None:
        """Copy the selected name to the clipboard."""
        item = self._selected()
        if item is not None and item.kind != "group":
            self.app.copy_to_clipboard(item.name)
            self.notify(f"copied {item.name}")
