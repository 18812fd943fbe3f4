"""The history view: the commit graph on the left, the selected commit's diff on the right.

The graph is ``zen log --graph``'s (the layout in :mod:`zen.cli._history_render`)
across every branch (:mod:`zen.tui.history_graph`), one selectable line per commit;
moving onto a commit shows its diff. Actions, each after a confirmation: ``r``
rewinds the database to the commit, ``s`` switches to a branch (offering to carry or
discard uncommitted changes, like ``zen switch --carry/--discard``), ``b`` creates
a branch at the commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from zen.engine.errors import ZenError
from zen.tui.history_graph import BranchGraph, graph_rows, load_graph
from zen.tui.rows import db_lock

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from zen.api import Database
    from zen.history.branches import Pending, SwitchResult

_LOG_LIMIT = 500  # commits drawn; older ones are one `zen log` away
_PENDING: dict[str, Pending] = {"carry": "carry", "discard": "discard"}


class HistoryView(Widget):
    """Commits and their diffs; a message when the database has no history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rewind", "Rewind to commit"),
        Binding("s", "switch", "Switch branch"),
        Binding("b", "branch", "New branch here"),
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
        self.graph = BranchGraph([], [], None)
        self.shown = Text("")
        self._loaded = False

    class Moved(Message):
        """The working copy changed (rewind or switch): views showing it should reload."""

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
                graph = load_graph(self.db.history, _LOG_LIMIT)
        except ZenError as exc:
            self.app.call_from_thread(self._set_diff, Text(exc.message, "red"))
            return
        rows = graph_rows(graph.entries, graph.current)
        self.app.call_from_thread(self._show_log, graph, rows)

    def _show_log(self, graph: BranchGraph, rows: list[tuple[str, str | None]]) -> None:
        self.graph = graph
        commits = self.query_one("#commits", OptionList)
        where = f"on {graph.current}" if graph.current else "HEAD detached"
        commits.border_title = f"{where} · {len(graph.branches)} branch(es)"
        before = self.selected_commit()  # kept across reloads, so actions can follow
        commits.clear_options()
        self.commit_ids = [commit for _, commit in rows]
        commits.add_options(
            Option(Text(line, no_wrap=True, overflow="ellipsis"), disabled=commit is None)
            for line, commit in rows
        )
        if rows:
            index = self.commit_ids.index(before) if before and before in self.commit_ids else 0
            commits.highlighted = index
            self._show_commit(rows[index][1])
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
        return None if index is None or index >= len(self.commit_ids) else self.commit_ids[index]

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
                self.run_worker(lambda: self._rewind(commit), thread=True, group="action")

        self.app.push_screen(ConfirmScreen(question), answered)

    def _rewind(self, commit: str) -> None:
        try:
            with db_lock(self.db):
                result = self.db.history.rewind(commit)
        except ZenError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        done = f"new commit {result.commit.short}" if result.commit else "already there"
        self.app.call_from_thread(self._moved, f"rewound to {commit[:12]}: {done}")

    def _moved(self, note: str) -> None:
        self.notify(note)
        self.post_message(self.Moved())
        self.action_reload()

    # -- branches ------------------------------------------------------------------------

    def action_switch(self) -> None:
        """Switch to the branch at the highlighted commit (or one picked from a list)."""
        from zen.tui.screens import ChoiceScreen

        commit = self.selected_commit()
        if commit is None or not self.graph.branches:
            return
        here = self.graph.branches_at(commit)
        if len(here) == 1:
            self._confirm_switch(here[0])
            return
        # Branches at the commit first, then the rest.
        names = here + [b.name for b in self.graph.branches if b.name not in here]
        choices = [(n, f"{n}{'  (current)' if n == self.graph.current else ''}") for n in names]
        title = "Switch to which branch?"
        if not here:
            title = f"No branch points at {commit[:12]}. Switch to which branch?"

        def picked(name: str | None) -> None:
            if name:
                self._confirm_switch(name)

        self.app.push_screen(ChoiceScreen(title, choices), picked)

    def _confirm_switch(self, name: str) -> None:
        from zen.tui.screens import ConfirmScreen

        if name == self.graph.current:
            self.notify(f"already on branch {name}")
            return
        target = next(b.commit for b in self.graph.branches if b.name == name)
        question = (
            f"Switch to branch {name} ({target[:12]})? The working copy (rows and schema) "
            "becomes that branch's state."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_switch(name, "refuse")

        self.app.push_screen(ConfirmScreen(question), answered)

    def _start_switch(self, name: str, pending: Pending) -> None:
        self.run_worker(lambda: self._switch(name, pending), thread=True, group="action")

    def _switch(self, name: str, pending: Pending) -> None:
        try:
            with db_lock(self.db):
                result = self.db.history.switch(name, pending=pending)
        except ZenError as exc:
            blocked = pending == "refuse" and self._uncommitted() > 0
            if blocked:
                self.app.call_from_thread(self._offer_pending, name, exc.message)
            else:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.app.call_from_thread(self._moved, switched(result))

    def _uncommitted(self) -> int:
        try:
            with db_lock(self.db):
                return self.db.history.status().pending
        except ZenError:
            return 0

    def _offer_pending(self, name: str, problem: str) -> None:
        """Ask what to do with uncommitted changes: ``zen switch --carry`` or ``--discard``."""
        from zen.tui.screens import ChoiceScreen

        choices = [
            ("carry", f"Carry them onto {name} (they must apply cleanly)"),
            ("discard", "Discard them, then switch"),
            ("cancel", "Cancel: stay here"),
        ]

        def picked(choice: str | None) -> None:
            pending = _PENDING.get(choice or "")
            if pending is not None:
                self._start_switch(name, pending)

        self.app.push_screen(ChoiceScreen(problem, choices), picked)

    def action_branch(self) -> None:
        """Create a branch at the highlighted commit: ask its name, then confirm."""
        from zen.tui.screens import ConfirmScreen, PromptScreen

        commit = self.selected_commit()
        if commit is None or not self.db.has_history:
            return

        def named(name: str | None) -> None:
            name = (name or "").strip()
            if not name:
                return
            question = f"Create branch {name} at {commit[:12]}? (s then switches to it)"

            def answered(yes: bool | None) -> None:
                if yes:
                    self._start_branch(name, commit)

            self.app.push_screen(ConfirmScreen(question), answered)

        title = f"New branch at {commit[:12]}: its name"
        self.app.push_screen(PromptScreen(title, placeholder="feature"), named)

    def _start_branch(self, name: str, commit: str) -> None:
        self.run_worker(lambda: self._branch(name, commit), thread=True, group="action")

    def _branch(self, name: str, commit: str) -> None:
        try:
            with db_lock(self.db):
                info = self.db.history.create_branch(name, commit)
        except ZenError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.app.call_from_thread(self.notify, f"created branch {info.name} at {commit[:12]}")
        self.app.call_from_thread(self.action_reload)


def switched(result: SwitchResult) -> str:
    """What a switch did, as ``zen switch`` says it.

    Example:
        >>> from zen.history.branches import SwitchResult
        >>> switched(SwitchResult("dev", "ab" * 32, False, 2, 0, discarded=1)).split("; ")[1]
        'discarded 1 uncommitted transaction(s)'
    """
    parts = [
        f"switched to branch {result.branch} ({result.commit[:12]}): "
        f"{result.rows} row change(s), {result.schema_steps} schema step(s)"
    ]
    if result.carried:
        parts.append(f"carried {result.carried} uncommitted transaction(s) along")
    if result.discarded:
        parts.append(f"discarded {result.discarded} uncommitted transaction(s)")
    return "; ".join(parts)
