"""The schema diff and data diff views: two refs in, coloured differences out.

Each view renders into one Rich renderable (a table of tables), not a widget per
table, so a 200-table comparison draws in one pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from zen.engine.errors import ZenError
from zen.tui.rows import db_lock

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from zen.api import Database
    from zen.history.diff import Diff
    from zen.tui.diffs import Line, Pair, SchemaComparison

STYLES = {"added": "green", "removed": "red", "changed": "yellow", "": ""}
MARKS = {"added": "+", "removed": "-", "changed": "~", "": " "}
_DATA_ROWS = 1_000  # rows shown per table; the rest are counted


class RefsDiffView(Widget):
    """Two ref inputs and a Compare button over a scrolling result."""

    DEFAULT_CSS = """
    RefsDiffView { height: 1fr; }
    RefsDiffView > Horizontal { height: 3; }
    RefsDiffView Input { width: 1fr; }
    RefsDiffView Button { min-width: 12; }
    RefsDiffView VerticalScroll { height: 1fr; }
    """
    prefix = "diff"

    def __init__(self, db: Database, left: str, right: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.db, self.left, self.right = db, left, right
        self.shown: RenderableType = ""

    def compose(self) -> ComposeResult:
        """The inputs, the button, the output."""
        with Horizontal():
            yield Input(
                self.left, placeholder="from (HEAD, file.sql, live)", id=f"{self.prefix}-from"
            )
            yield Input(self.right, placeholder="to", id=f"{self.prefix}-to")
            yield Button("Compare", id=f"{self.prefix}-go", variant="primary")
        with VerticalScroll():
            yield Static(Text("Type two refs and press Enter.", "dim"), id=f"{self.prefix}-out")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Compare."""
        event.stop()
        self.compare()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Compare."""
        event.stop()
        self.compare()

    def compare(self) -> None:
        """Compare the two refs in a worker."""
        left = self.query_one(f"#{self.prefix}-from", Input).value
        right = self.query_one(f"#{self.prefix}-to", Input).value
        self.show(Text(f"comparing {left} with {right}…", "dim"))
        self.run_worker(lambda: self._compare(left, right), thread=True, exclusive=True)

    def _compare(self, left: str, right: str) -> None:
        try:
            with db_lock(self.db):
                shown = self.render_diff(left, right)
        except ZenError as exc:
            shown = Text(exc.render(), "red")
        self.app.call_from_thread(self.show, shown)

    def render_diff(self, left: str, right: str) -> RenderableType:
        """What to show for the two refs (runs in a worker)."""
        raise NotImplementedError

    def show(self, renderable: RenderableType) -> None:
        """Replace the output."""
        self.shown = renderable
        self.query_one(f"#{self.prefix}-out", Static).update(renderable)


class SchemaDiffView(RefsDiffView):
    """Two schemas side by side, coloured, with the migration plan below."""

    prefix = "schema"

    def render_diff(self, left: str, right: str) -> RenderableType:
        """The comparison of the two refs' schemas."""
        from zen.tui.diffs import compare_schemas, schema_at

        comparison = compare_schemas(
            left or "live", schema_at(self.db, left), right or "live", schema_at(self.db, right)
        )
        return render_schema(comparison)


def render_schema(comparison: SchemaComparison) -> RenderableType:
    """The side-by-side tables, the other objects, then the plan."""
    if comparison.same:
        return Text("The schemas are the same.", "green")
    table = Table(expand=True, show_lines=False, box=None, padding=(0, 1))
    table.add_column(comparison.left_label, ratio=1, overflow="fold")
    table.add_column(comparison.right_label, ratio=1, overflow="fold")
    same = [p.name for p in comparison.tables if p.status == "same"]
    for pair in [*(p for p in comparison.tables if p.status != "same"), *comparison.objects]:
        _add_pair(table, pair)
    parts: list[RenderableType] = [table]
    if same:
        parts.append(Text(f"\nunchanged tables: {', '.join(same)}", "dim"))
    parts.append(Text("\nmigration plan (zen migrate):", "bold"))
    parts.append(Text(comparison.plan or "(nothing to do)"))
    for finding in comparison.findings:
        parts.append(Text(finding, "yellow"))
    return Group(*parts)


def _add_pair(table: Table, pair: Pair) -> None:
    style = STYLES[pair.status if pair.status != "same" else ""]
    title = Text(f"{MARKS[pair.status if pair.status != 'same' else '']} {pair.kind} {pair.name}")
    title.stylize(f"bold {style}")
    left_title = title if pair.left or pair.status != "added" else Text("")
    right_title = title if pair.right or pair.status != "removed" else Text("")
    table.add_row(left_title, right_title)
    for index in range(max(len(pair.left), len(pair.right))):
        table.add_row(_side(pair.left, index), _side(pair.right, index))
    table.add_row("", "")


def _side(lines: list[Line], index: int) -> Text:
    if index >= len(lines):
        return Text("")
    line = lines[index]
    return Text(f"  {MARKS[line.mark]} {line.text}", STYLES[line.mark])


class DataDiffView(RefsDiffView):
    """Rows added, removed and changed between two refs, changed cells highlighted."""

    prefix = "data"

    def render_diff(self, left: str, right: str) -> RenderableType:
        """Each table's row changes as a coloured grid."""
        if not self.db.has_history:
            raise ZenError("this database has no history", hint="start it with `zen init PATH`")
        diff = self.db.history.diff(left or None, None if right in {"", "live"} else right)
        return render_data(diff)


def render_data(diff: Diff) -> RenderableType:
    """One grid per changed table."""
    from zen.tui.diffs import data_rows

    if diff.empty:
        return Text(f"No differences between {diff.source} and {diff.target}.", "green")
    parts: list[RenderableType] = [Text(f"{diff.source} → {diff.target}", "bold")]
    for change in diff.schema:
        parts.append(Text(f"{MARKS[change.kind]} {change.type} {change.name}", STYLES[change.kind]))
    for table_diff in diff.tables:
        header = (
            f"\n{table_diff.table}: +{table_diff.added} -{table_diff.removed} ~{table_diff.changed}"
        )
        parts.append(Text(header, "bold"))
        columns, rows = data_rows(table_diff, _DATA_ROWS)
        grid = Table(box=None, padding=(0, 1), header_style="bold")
        grid.add_column("")
        for name in columns:
            grid.add_column(escape(name), overflow="fold")
        for row in rows:
            cells = [
                Text(text, "bold yellow reverse" if name in row.changed else STYLES[row.kind])
                for name, text in zip(columns, row.cells, strict=True)
            ]
            grid.add_row(Text(MARKS[row.kind], STYLES[row.kind]), *cells)
        parts.append(grid)
        hidden = len(table_diff.rows) - len(rows)
        if hidden > 0:
            parts.append(Text(f"… {hidden} more rows (zen diff shows them all)", "dim"))
    return Group(*parts)
