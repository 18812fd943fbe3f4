"""The ``zen tui`` application: query, history, schema diff and data diff views.

Example:
    >>> import zen
    >>> from zen.tui.app import ZenApp
    >>> app = ZenApp(zen.open(":memory:"))  # doctest: +SKIP
    >>> app.run()  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import Footer, TabbedContent, TabPane

from zen.tui.diff_views import DataDiffView, SchemaDiffView
from zen.tui.history_view import HistoryView
from zen.tui.query_pane import QueryPane
from zen.tui.state import StateStore

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from zen.api import Database


class ZenApp(App[None]):
    """Explore a database: SQL with lazy results, its history, schema and data diffs.

    Args:
        db: The open database.
        store: Where tabs, settings and the query history are kept.
    """

    TITLE = "zen"
    AUTO_FOCUS = "#editor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("f2", "view('query')", "Query", show=False),
        Binding("f3", "view('history')", "History", show=False),
        Binding("f4", "view('schema')", "Schema diff", show=False),
        Binding("f6", "view('data')", "Data diff", show=False),
        Binding("ctrl+r", "query_history", "Query history"),
        Binding("ctrl+b", "toggle_catalog", "Catalog", show=False),
    ]
    CSS = """
    TabbedContent { height: 1fr; }
    TabPane { padding: 0; }
    """

    def __init__(self, db: Database, store: StateStore | None = None) -> None:
        super().__init__()
        self.db = db
        self.store = store or StateStore()
        saved = self.store.load_settings().get("theme")
        if saved in self.available_themes:
            self.theme = saved

    def compose(self) -> ComposeResult:
        """Four views in tabs, and the key footer."""
        from zen.shell.schema_cache import SchemaCache

        left = "HEAD" if self.db.has_history else _default_schema_file()
        with TabbedContent(id="views"):
            with TabPane("Query F2", id="query"):
                yield QueryPane(self.db, self.store, SchemaCache(self.db), id="query-pane")
            with TabPane("History F3", id="history"):
                yield HistoryView(self.db, id="history-view")
            with TabPane("Schema diff F4", id="schema"):
                yield SchemaDiffView(self.db, left, "live", id="schema-view")
            with TabPane("Data diff F6", id="data"):
                yield DataDiffView(
                    self.db, "HEAD" if self.db.has_history else "", "live", id="data-view"
                )
        yield Footer()

    def on_mount(self) -> None:
        """Name the window after the database."""
        self.sub_title = Path(self.db.path).name

    def watch_theme(self, theme: str) -> None:
        """Remember the chosen theme."""
        self.store.save_setting("theme", theme)

    def action_view(self, name: str) -> None:
        """Switch to a view."""
        self.query_one(TabbedContent).active = name
        if name == "query":
            self.query_one(QueryPane).action_focus_editor()
            return
        # Focus must move into the view: TabbedContent follows the focus back otherwise.
        pane = self.query_one(f"#{name}", TabPane)
        first = next((w for w in pane.query("*") if w.focusable), None)
        if first is not None:
            first.focus()

    def action_help(self) -> None:
        """Show the keys."""
        from zen.tui.screens import HelpScreen

        self.push_screen(HelpScreen())

    def action_query_history(self) -> None:
        """Search the queries run before; the chosen one goes into the editor."""
        from zen.tui.screens import QueryHistoryScreen

        def chosen(sql: str | None) -> None:
            if sql:
                self.action_view("query")
                self.query_one(QueryPane).insert_query(sql)

        self.push_screen(QueryHistoryScreen(self.store), chosen)

    def action_toggle_catalog(self) -> None:
        """Show or hide the catalog."""
        catalog = self.query_one("#catalog")
        catalog.display = not catalog.display

    async def action_quit(self) -> None:
        """Save the tabs, then quit."""
        self.query_one(QueryPane).save()
        self.exit()


def _default_schema_file() -> str:
    for name in ("schema.sql", "schema"):
        if Path(name).exists():
            return name
    return ""
