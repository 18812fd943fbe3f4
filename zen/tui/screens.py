"""Modal screens: key help (F1), confirmations, choices, prompts, text, query history."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from rich.syntax import Syntax
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from zen.tui.state import QueryRecord, StateStore

HELP = """\
[b]zen tui[/b]: keys

[b]Anywhere[/b]
  F1                  this help
  F2 F3 F4 F6         query, history, schema diff, data diff
  Ctrl+R              search the query history
  Ctrl+B              show or hide the catalog
  Ctrl+P              commands (themes...)
  Ctrl+Q              quit

[b]Editor[/b]
  Ctrl+Enter F5 Ctrl+J  run the statement under the cursor or the selection
  Escape              cancel the running query
  Tab, Ctrl+Space     complete the word at the cursor
  Ctrl+T, Ctrl+W      new tab, close tab
  Ctrl+PgUp/PgDn      previous, next tab
  Ctrl+Down, Ctrl+Up  go to the results, back to the editor

[b]Results[/b]
  arrows PgUp PgDn Home End   move
  s                   sort by the column (ascending, descending, off)
  f                   filter the column (text, or = < > != value)
  c, y                copy the cell, the row
  e                   export (.csv .tsv .json .jsonl; .parquet with pyarrow)

[b]Catalog[/b]
  Enter               open a group, or a table's columns
  p, d, n             preview rows, show DDL, copy the name

[b]History[/b]
  up, down            show a commit's diff
  r                   rewind the database to the commit (asks first)
  s                   switch to a branch (asks; offers to carry or discard
                      uncommitted changes)
  b                   create a branch at the commit (asks first)
  g                   reload the graph

[b]Diffs[/b]
  Type two refs and press Enter: live, a .sql file, HEAD, HEAD~1, a tag or a
  commit id.
"""


class HelpScreen(ModalScreen[None]):
    """The key bindings."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 96; height: 90%; border: round $accent;
        background: $surface; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        """The help text in a scrollable box."""
        with VerticalScroll():
            yield Static(HELP, id="help-text")


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; returns True for yes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 70; height: auto; border: thick $warning;
        background: $surface; padding: 1 2; }
    ConfirmScreen Label { width: 1fr; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmScreen Button { margin-right: 2; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """The question and two buttons."""
        with Vertical():
            yield Label(escape(self.question))
            with Horizontal():
                yield Button("Yes (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the button pressed."""
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        """Answer from the keyboard."""
        self.dismiss(yes)


class ChoiceScreen(ModalScreen[str | None]):
    """A message and a list of choices; returns the chosen key, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical { width: 76; height: auto; max-height: 90%; border: thick $warning;
        background: $surface; padding: 1 2; }
    ChoiceScreen Label { width: 1fr; }
    ChoiceScreen OptionList { height: auto; max-height: 16; margin-top: 1; }
    """

    def __init__(self, message: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.message, self.choices = message, choices

    def compose(self) -> ComposeResult:
        """The message over the choices (``(key, label)`` pairs)."""
        with Vertical():
            yield Label(escape(self.message))
            yield OptionList(*(Option(label) for _, label in self.choices), id="choices")

    def on_mount(self) -> None:
        """Choose with the arrows and Enter."""
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Return the chosen key."""
        self.dismiss(self.choices[event.option_index][0])

    def action_cancel(self) -> None:
        """Return None."""
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """One line of input; returns the text, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 70; height: auto; border: round $accent;
        background: $surface; padding: 0 1; }
    """

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text, self.value, self.placeholder = title, value, placeholder

    def compose(self) -> ComposeResult:
        """A label over an input."""
        with Vertical():
            yield Label(escape(self.title_text))
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")

    def on_mount(self) -> None:
        """Type straight into the input."""
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Return the text."""
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Return None."""
        self.dismiss(None)


class TextScreen(ModalScreen[None]):
    """Read-only text, SQL highlighted (DDL, a statement)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("n", "copy", "Copy"),
    ]
    DEFAULT_CSS = """
    TextScreen { align: center middle; }
    TextScreen > VerticalScroll { width: 90%; height: 80%; border: round $accent;
        background: $surface; }
    """

    def __init__(self, title: str, sql: str) -> None:
        super().__init__()
        self.title_text, self.sql = title, sql

    def compose(self) -> ComposeResult:
        """The title and the text."""
        with VerticalScroll() as box:
            box.border_title = self.title_text
            yield Static(Syntax(self.sql, "sql", word_wrap=True, theme="ansi_dark"), id="text")

    def action_copy(self) -> None:
        """Copy the text."""
        self.app.copy_to_clipboard(self.sql)
        self.notify("copied")


class QueryHistoryScreen(ModalScreen[str | None]):
    """The queries run before (newest first), filtered as the user types."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "focus_list", "List", show=False),
    ]
    DEFAULT_CSS = """
    QueryHistoryScreen { align: center middle; }
    QueryHistoryScreen > Vertical { width: 95%; height: 90%; border: round $accent;
        background: $surface; }
    QueryHistoryScreen OptionList { height: 1fr; }
    """

    def __init__(self, store: StateStore) -> None:
        super().__init__()
        self.store = store
        self.records: list[QueryRecord] = []

    def compose(self) -> ComposeResult:
        """A search box over the list."""
        with Vertical():
            yield Input(placeholder="search the query history", id="history-search")
            yield OptionList(id="history-list")

    def on_mount(self) -> None:
        """Show every query; the search box has focus."""
        self._show("")
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as the user types."""
        self._show(event.value)

    def _show(self, search: str) -> None:
        self.records = self.store.queries(search)[:500]
        options = self.query_one("#history-list", OptionList)
        options.clear_options()
        options.add_options(Option(_record_label(r)) for r in self.records)
        if self.records:
            options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Take the first match."""
        if self.records:
            self.dismiss(self.records[0].sql)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Take the chosen query."""
        self.dismiss(self.records[event.option_index].sql)

    def action_focus_list(self) -> None:
        """Move from the search box to the list."""
        self.query_one("#history-list", OptionList).focus()

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)


def _record_label(record: QueryRecord) -> Text:
    import time

    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.time))
    sql = " ".join(record.sql.split())
    text = Text(f"{when}  ", style="dim")
    text.append(sql[:200])
    text.append(f"  {record.outcome}", style="dim")
    return text
