"""The history view: the commit graph on the left, the selected commit's diff on the right.

The graph is ``zen log --graph``'s (the layout in :mod:`zen.cli._history_render`),
one selectable line per commit; Enter shows that commit's diff, ``r`` rewinds the
database to it after a confirmation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from zen.engine.errors import ZenError
from zen.tui.rows import db_lock

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from zen.api import Database
    from zen.history.history import LogEntry

_LOG_LIMIT = 500  # commits drawn; older ones are one `zen log` away


def graph_rows(entries: list[LogEntry], branch: str | None) -> list[tuple[str, str | None]]:
    """``(line, commit id)`` per graph line (None for connector lines), plain text.

    Example:
        >>> graph_rows([], None)
        []
    """
    from zen.cli import _history_render as render

    nodes = [render.GraphNode(e.commit.id, e.commit.parents) for e in entries]
    laid = render.graph(nodes)
    width = max((len(prefix) for prefix, _ in laid), default=0)
    out: list[tuple[str, str | None]] = []
    for prefix, index in laid:
        if index is None:
            out.append((prefix.rstrip(), None))
        else:
            out.append(
                (
                    f"{prefix.ljust(width)}  {_label(entries[index], branch)}",
                    entries[index].commit.id,
                )
            )
    return out


def _label(entry: LogEntry, branch: str | None) -> str:
    """Short id, refs and message: what fits beside the graph (the diff pane has the rest)."""
    from zen.cli import _history_render as render

    commit = entry.commit
    refs = render.decorations(entry.refs, branch, False)
    return " ".join(p for p in (commit.short[:8], refs, render.first_line(commit.message)) if p)


class HistoryView(Widget):
    """Commits and their diffs; a message when the database has no history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rewind", "Rewind to commit"),
        Binding("g", "reload", "Reload"),
    ]
    DEFAULT_CSS = """
    HistoryView { height: 1fr; }
    HistoryView #commits { width: 1fr; min-width: 30; text-wrap: nowrap; text-overflow: ellipsis; }
    HistoryView #commit-diff { width: 1fr; border-left: solid $panel-lighten-2; }
    """

    def __init__(self, db: Database, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.db = db
        self.commit_ids: list[str | None] = []
        self.shown = Text("")
        self._loaded = False

    def compose(self) -> ComposeResult:
        """The commit list beside the diff."""
        with Horizontal():
            yield OptionList(id="commits")
            with VerticalScroll(id="commit-diff"):
                yield Static("", id="diff-text")

    def on_show(self) -> None:
        """Load the log the first time the view is shown (not at start-up)."""
        if not self._loaded:
            self._loaded = True
            self.action_reload()

    def action_reload(self) -> None:
        """Read the log again (in a worker)."""
        if not self.db.has_history:
            self._set_diff(
                Text("This database has no history. Start it with `zen init PATH`.", "yellow")
            )
            return
        self.run_worker(self._load, thread=True, exclusive=True, group="history")

    def _load(self) -> None:
        try:
            with db_lock(self.db):
                history = self.db.history
                entries = history.log(_LOG_LIMIT, all_parents=True)
                branch = history.status().branch
        except ZenError as exc:
            self.app.call_from_thread(self._set_diff, Text(exc.message, "red"))
            return
        self.app.call_from_thread(self._show_log, graph_rows(entries, branch))

    def _show_log(self, rows: list[tuple[str, str | None]]) -> None:
        commits = self.query_one("#commits", OptionList)
        commits.clear_options()
        self.commit_ids = [commit for _, commit in rows]
        commits.add_options(
            Option(Text(line, no_wrap=True, overflow="ellipsis"), disabled=commit is None)
            for line, commit in rows
        )
        if rows:
            commits.highlighted = 0
            self._show_commit(rows[0][1])
        else:
            self._set_diff(Text("No commits yet.", "dim"))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Show the highlighted commit's diff."""
        if event.option_list.id == "commits":
            self._show_commit(self.commit_ids[event.option_index])

    def _show_commit(self, commit: str | None) -> None:
        if commit is not None:
            self.run_worker(lambda: self._load_show(commit), thread=True, exclusive=True)

    def _load_show(self, commit: str) -> None:
        from zen.cli import _history_render as render

        try:
            with db_lock(self.db):
                show = self.db.history.show(commit)
        except ZenError as exc:
            self.app.call_from_thread(self._set_diff, Text(exc.message, "red"))
            return
        c = show.commit
        from zen.history.refs import format_time

        lines = [f"commit {c.id}", f"Author: {c.author}", f"Date:   {format_time(c.time_ms)}"]
        lines += ["", f"    {c.message}", ""]
        text = Text("\n".join(lines))
        if show.diff is None:
            text.append("(root commit)", "dim")
        else:
            text.append(Text.from_ansi("\n".join(render.diff_lines(show.diff, True)) or "(empty)"))
        self.app.call_from_thread(self._set_diff, text)

    def _set_diff(self, text: Text) -> None:
        self.shown = text
        self.query_one("#diff-text", Static).update(text)

    def selected_commit(self) -> str | None:
        """The highlighted commit's id."""
        index = self.query_one("#commits", OptionList).highlighted
        return None if index is None else self.commit_ids[index]

    def action_rewind(self) -> None:
        """Rewind the database to the highlighted commit, after asking."""
        from zen.tui.screens import ConfirmScreen

        commit = self.selected_commit()
        if commit is None:
            return
        question = (
            f"Rewind the database to {commit[:12]}? Every table returns to that state "
            "(recorded as a new commit, so it can be undone)."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(lambda: self._rewind(commit), thread=True, exclusive=True)

        self.app.push_screen(ConfirmScreen(question), answered)

    def _rewind(self, commit: str) -> None:
        try:
            with db_lock(self.db):
                result = self.db.history.rewind(commit)
        except ZenError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        done = f"new commit {result.commit.short}" if result.commit else "already there"
        self.app.call_from_thread(self.notify, f"rewound to {commit[:12]}: {done}")
        self.app.call_from_thread(self.action_reload)
