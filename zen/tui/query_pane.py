"""The query pane: catalog, editor tabs, results grid and a status line.

Every statement runs in a thread worker, and Escape interrupts it through the
engine (``Database.interrupt``), so the UI keeps drawing while SQLite works.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static, Tab, Tabs

from zen.engine.catalog import quote_identifier
from zen.engine.errors import ZenError
from zen.tui.catalog import Catalog
from zen.tui.editor import Completions, SqlEditor
from zen.tui.export import export_rows, export_suffixes
from zen.tui.grid import ResultsGrid
from zen.tui.rows import RowSource, View, db_lock, wrap

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from zen.api import Database
    from zen.shell.schema_cache import SchemaCache
    from zen.tui.state import StateStore

_DDL = re.compile(r"\s*(CREATE|DROP|ALTER)\b", re.IGNORECASE)
_clock = time.perf_counter  # a module attribute, so tests can freeze the timings shown


class TabState:
    """One editor tab: its text, the query behind its results, and how they are viewed."""

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.sql = ""
        self.view = View()
        self.source: RowSource | None = None
        self.status = ""


class QueryPane(Widget):
    """Write SQL, run it, browse the rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+enter,f5,ctrl+j", "run", "Run", key_display="^⏎/F5"),
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("ctrl+t", "new_tab", "New tab"),
        Binding("ctrl+w", "close_tab", "Close tab", show=False),
        Binding("ctrl+pagedown", "switch_tab(1)", "Next tab", show=False),
        Binding("ctrl+pageup", "switch_tab(-1)", "Previous tab", show=False),
        Binding("ctrl+down", "focus_results", "Results", show=False),
        Binding("ctrl+up", "focus_editor", "Editor", show=False),
    ]
    DEFAULT_CSS = """
    QueryPane { height: 1fr; }
    QueryPane #editor-tabs { height: 2; }
    QueryPane #editor { height: 40%; min-height: 4; border: none; }
    QueryPane #status { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(
        self, db: Database, store: StateStore, cache: SchemaCache, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.db, self.store, self.cache = db, store, cache
        self.tabs = [TabState(text) for text in store.load_tabs()] or [TabState()]
        self.active = 0
        self.running = False
        self._started = 0.0
        self._serial = 0

    def compose(self) -> ComposeResult:
        """Catalog on the left; tabs, editor, menu, grid and status on the right."""
        with Horizontal():
            yield Catalog(self.db, id="catalog")
            with Vertical():
                yield Tabs(*(self._tab(i) for i in range(len(self.tabs))), id="editor-tabs")
                yield SqlEditor(self.cache, self.tabs[0].text, id="editor")
                yield Completions(id="completions")
                yield ResultsGrid(id="grid")
                yield Static("", id="status")

    def on_mount(self) -> None:
        """Load the first tab into the editor."""
        editor = self.query_one(SqlEditor)
        editor.menu = self.query_one(Completions)
        self._set_status("Ctrl+Enter, F5 or Ctrl+J runs a statement · F1 help")

    def on_unmount(self) -> None:
        """Stop a running statement: its worker thread must not outlive the app."""
        if self.running:
            self.db.interrupt()

    def _tab(self, index: int) -> Tab:
        return Tab(f"query {index + 1}", id=f"tab-{index}")

    @property
    def tab(self) -> TabState:
        """The active tab."""
        return self.tabs[self.active]

    def save(self) -> None:
        """Keep the tabs' text in the state directory."""
        self.tab.text = self.query_one(SqlEditor).text
        self.store.save_tabs([t.text for t in self.tabs])

    # -- tabs ------------------------------------------------------------------------------

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        """Swap the editor text and the grid to the chosen tab."""
        event.stop()  # the views' TabbedContent must not take it for one of its own
        if event.tab is None or event.tab.id is None:
            return
        index = int(event.tab.id.removeprefix("tab-"))
        if index == self.active or index >= len(self.tabs):
            return
        self.tab.text = self.query_one(SqlEditor).text
        self.active = index
        self._load_tab()

    def _load_tab(self) -> None:
        editor = self.query_one(SqlEditor)
        editor.text = self.tab.text
        self.query_one(ResultsGrid).show(self.tab.source, self._marks(self.tab))
        self._set_status(self.tab.status)
        editor.focus()

    def action_new_tab(self, text: str = "") -> None:
        """Open an empty tab (or one holding ``text``)."""
        self.tab.text = self.query_one(SqlEditor).text
        self.tabs.append(TabState(text))
        tabs = self.query_one(Tabs)
        tabs.add_tab(self._tab(len(self.tabs) - 1))
        tabs.active = f"tab-{len(self.tabs) - 1}"
        self.active = len(self.tabs) - 1
        self._load_tab()

    def action_close_tab(self) -> None:
        """Close the active tab (the last one is emptied instead)."""
        closing = self.tabs.pop(self.active)
        if closing.source is not None:
            self.run_worker(closing.source.close, thread=True)  # it may wait for the DB
        if not self.tabs:
            self.tabs.append(TabState())
        self.active = min(self.active, len(self.tabs) - 1)
        tabs = self.query_one(Tabs)
        tabs.clear()
        for index in range(len(self.tabs)):
            tabs.add_tab(self._tab(index))
        tabs.active = f"tab-{self.active}"
        self._load_tab()

    def action_switch_tab(self, step: int) -> None:
        """Go to the next or previous tab."""
        index = (self.active + step) % len(self.tabs)
        self.query_one(Tabs).active = f"tab-{index}"

    def action_focus_results(self) -> None:
        """Focus the grid."""
        self.query_one(ResultsGrid).focus()

    def action_focus_editor(self) -> None:
        """Focus the editor."""
        self.query_one(SqlEditor).focus()

    # -- running ---------------------------------------------------------------------------

    def action_run(self) -> None:
        """Run the statement under the cursor, or the selection."""
        sql = self.query_one(SqlEditor).current_sql()
        if not sql.strip().strip(";").strip():
            self._set_status("nothing to run: type a statement first")
            return
        self.run_sql(sql)

    def run_sql(self, sql: str, view: View | None = None) -> None:
        """Run ``sql`` for the active tab (sorted and filtered by ``view``)."""
        if self.running:
            self.notify("a query is running: Escape cancels it", severity="warning")
            return
        self.save()
        self.running, self._started = True, _clock()
        self._serial += 1
        self._set_status("running… (Escape cancels)")
        tab, serial = self.tab, self._serial
        self.run_worker(lambda: self._execute(tab, sql, view or View(), serial), thread=True)

    def _execute(self, tab: TabState, sql: str, view: View, serial: int) -> None:
        from zen.engine.statements import split_statements

        statements = [s.text for s in split_statements(sql)]
        try:
            with db_lock(self.db):
                for other in self.tabs:
                    if other.source is not None:
                        other.source.detach()  # no open cursor while another statement runs
                for text in statements[:-1]:
                    self.db.sql(text).drain()
                wrapped, params = wrap(statements[-1], view)
                source = RowSource(self.db, wrapped, params)
        except ZenError as exc:
            self.app.call_from_thread(self._failed, tab, sql, exc)
            return
        base = statements[-1] if source.columns or not view.filters else tab.sql
        self.app.call_from_thread(self._finished, tab, sql, base, view, source)
        if any(_DDL.match(text) for text in statements):
            self.app.call_from_thread(self.query_one(Catalog).reload)

    def _finished(self, tab: TabState, sql: str, base: str, view: View, source: RowSource) -> None:
        self.running = False
        elapsed = _clock() - self._started
        if tab.source is not None and tab.source is not source:
            self.run_worker(tab.source.close, thread=True)
        tab.source, tab.sql, tab.view = source, base, view
        if source.columns:
            more = "" if source.complete else "+"
            tab.status = f"{source.known:,}{more} rows · {elapsed:.3f} s"
        else:
            tab.status = f"done: {source.changes:,} rows changed · {elapsed:.3f} s"
        self.store.record_query(sql, self.db.path, tab.status)
        if tab is self.tab:
            self.query_one(ResultsGrid).show(source, self._marks(tab))
            self._set_status(tab.status)

    def _failed(self, tab: TabState, sql: str, exc: ZenError) -> None:
        self.running = False
        tab.status = exc.render().replace("\n", " · ")
        self.store.record_query(sql, self.db.path, "error")
        if tab is self.tab:
            self._set_status(tab.status, error=True)

    def action_cancel(self) -> None:
        """Interrupt the running statement (or close the completion menu)."""
        if self.query_one(SqlEditor).close_menu():
            return
        if self.running:
            self.db.interrupt()
            self._set_status("cancelling…")

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.styles.color = "red" if error else None

    # -- sort, filter, export ----------------------------------------------------------------

    def _marks(self, tab: TabState) -> dict[int, str]:
        marks: dict[int, str] = {}
        source = tab.source
        if source is None:
            return marks
        filtered = {name for name, _ in tab.view.filters}
        for index, name in enumerate(source.columns):
            if name in filtered:
                marks[index] = " ⧩"
        if tab.view.sort is not None:
            index, descending = tab.view.sort
            marks[index] = marks.get(index, "") + (" ▼" if descending else " ▲")
        return marks

    def _rerunnable(self) -> bool:
        source = self.tab.source
        if source is None or not source.rerunnable:
            self.notify("sorting and filtering need a SELECT result", severity="warning")
            return False
        return True

    def on_results_grid_sort_requested(self, event: ResultsGrid.SortRequested) -> None:
        """Run the query again, ordered by the column."""
        if self._rerunnable():
            self.run_sql(self.tab.sql, self.tab.view.sorted_by(event.column))

    def on_results_grid_filter_requested(self, event: ResultsGrid.FilterRequested) -> None:
        """Ask for a filter, then run the query again with it."""
        from zen.tui.screens import PromptScreen

        if not self._rerunnable():
            return
        assert self.tab.source is not None
        column = self.tab.source.columns[event.column]
        current = dict(self.tab.view.filters).get(column, "")
        tab = self.tab

        def apply(text: str | None) -> None:
            if text is not None and tab is self.tab:
                self.run_sql(tab.sql, tab.view.filtered(column, text))

        title = f"Filter {column}: text to find, or = < > != value (empty removes it)"
        self.app.push_screen(PromptScreen(title, current), apply)

    def on_results_grid_export_requested(self) -> None:
        """Ask for a file name, then write the rows to it."""
        from zen.tui.screens import PromptScreen

        source = self.tab.source
        if source is None:
            return

        def export(name: str | None) -> None:
            if name and name.strip():
                path = Path(name.strip()).expanduser()
                self.run_worker(lambda: self._export(source, path), thread=True)

        kinds = " ".join(export_suffixes())
        self.app.push_screen(PromptScreen(f"Export the rows to ({kinds})", "results.csv"), export)

    def _export(self, source: RowSource, path: Path) -> None:
        try:
            count = export_rows(source, path)
        except (ZenError, OSError) as exc:
            message = exc.message if isinstance(exc, ZenError) else str(exc)
            self.app.call_from_thread(self.notify, message, severity="error")
            return
        self.app.call_from_thread(self.notify, f"{count:,} rows written to {path}")

    # -- catalog -----------------------------------------------------------------------------

    def on_catalog_preview(self, event: Catalog.Preview) -> None:
        """Open the table's rows in a new tab."""
        sql = f"SELECT * FROM {quote_identifier(event.name)};"
        self.action_new_tab(sql)
        self.run_sql(sql)

    def on_catalog_show_ddl(self, event: Catalog.ShowDdl) -> None:
        """Show the DDL."""
        from zen.tui.screens import TextScreen

        self.app.push_screen(TextScreen(event.name, event.sql + ";"))

    def insert_query(self, sql: str) -> None:
        """Put ``sql`` at the end of the editor and focus it."""
        editor = self.query_one(SqlEditor)
        editor.text = f"{editor.text.rstrip()}\n\n{sql}" if editor.text.strip() else sql
        editor.move_cursor(editor.document.end)
        editor.focus()
