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

from zen.tui.query_pane import QueryPane
from zen.tui.state import StateStore

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.widget import Widget

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
        # Priority: the editor (a TextArea) binds F6 to "select line" otherwise.
        Binding("f2", "view('query')", "Query", show=False, priority=True),
        Binding("f3", "view('history')", "History", show=False, priority=True),
        Binding("f4", "view('schema')", "Schema diff", show=False, priority=True),
        Binding("f6", "view('data')", "Data diff", show=False, priority=True),
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
        """Four views in tabs, and the key footer.

        Only the query view is built at start: the others are mounted the first
        time they are shown (start-up time is a feature).
        """
        from zen.shell.schema_cache import SchemaCache

        with TabbedContent(id="views"):
            with TabPane("Query F2", id="query"):
                yield QueryPane(self.db, self.store, SchemaCache(self.db), id="query-pane")
            yield TabPane("History F3", id="history")
            yield TabPane("Schema diff F4", id="schema")
            yield TabPane("Data diff F6", id="data")
        yield Footer()

    def _build_view(self, name: str) -> Widget:
        from zen.tui.diff_views import DataDiffView, SchemaDiffView
        from zen.tui.history_view import HistoryView

        head = "HEAD" if self.db.has_history else ""
        if name == "history":
            return HistoryView(self.db, id="history-view")
        if name == "schema":
            left = head or _default_schema_file()
            return SchemaDiffView(self.db, left, "live", id="schema-view")
        return DataDiffView(self.db, head, "live", id="data-view")

    async def _ensure_view(self, name: str) -> TabPane:
        """The view's pane, its view mounted on first use."""
        pane = self.query_one(f"#{name}", TabPane)
        if name != "query" and not pane.children:
            await pane.mount(self._build_view(name))
        return pane

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A view chosen with the mouse is built like one chosen with its key."""
        if event.pane.id is not None:
            await self._ensure_view(event.pane.id)

    def on_mount(self) -> None:
        """Name the window after the database."""
        self.sub_title = Path(self.db.path).name

    def watch_theme(self, theme: str) -> None:
        """Remember the chosen theme."""
        self.store.save_setting("theme", theme)

    async def action_view(self, name: str) -> None:
        """Switch to a view."""
        pane = await self._ensure_view(name)
        self.query_one(TabbedContent).active = name
        if name == "query":
            self.query_one(QueryPane).action_focus_editor()
            return
        # Focus must move into the view: TabbedContent follows the focus back otherwise.
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
                self.query_one(TabbedContent).active = "query"
                self.query_one(QueryPane).insert_query(sql)  # focuses the editor

        self.push_screen(QueryHistoryScreen(self.store), chosen)

    def on_history_view_moved(self) -> None:
        """The working copy changed under the catalog: read it again."""
        from zen.tui.catalog import Catalog

        self.query_one(Catalog).reload()

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
