"""The query editor: a SQL-highlighting text area with zen shell's completion.

Completion uses :func:`zen.shell.completion.complete_sql`, the engine ``zen shell``
uses, so both front ends offer the same names for the same clause. Candidates are
computed in a thread worker (they may read the schema, which waits while a query
runs) and shown in a small list under the editor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList, TextArea
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from zen.shell.completion import Candidate
    from zen.shell.schema_cache import SchemaCache


def statement_at(text: str, offset: int) -> str:
    """The statement the cursor at ``offset`` is in (the last one when it is past the end).

    Example:
        >>> statement_at("select 1;\\nselect 2;", 12)
        'select 2;'
    """
    from zen.shell.sqlcontext import statement_bounds

    start, end = statement_bounds(text, offset)
    found = text[start:end].strip()
    if found.strip(";").strip() or start == 0:
        return found
    # The cursor sits after the last semicolon: run the statement before it.
    start, end = statement_bounds(text, max(start - 1, 0))
    return text[start:end].strip()


def location_index(text: str, location: tuple[int, int]) -> int:
    """The offset of ``(row, column)`` in ``text``.

    Example:
        >>> location_index("ab\ncd", (1, 1))
        4
    """
    row, column = location
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[:row]) + column


def index_location(text: str, index: int) -> tuple[int, int]:
    """The ``(row, column)`` of offset ``index`` in ``text``.

    Example:
        >>> index_location("ab\ncd", 4)
        (1, 1)
    """
    before = text[:index]
    return before.count("\n"), index - (before.rfind("\n") + 1)


class Completions(OptionList):
    """The completion menu (hidden until there are candidates)."""

    DEFAULT_CSS = """
    Completions { display: none; height: auto; max-height: 8; border: none; }
    Completions.-open { display: block; }
    """


class SqlEditor(TextArea):
    """A SQL editor; Tab or Ctrl+Space completes the word at the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+space", "complete", "Complete", show=False),
    ]

    class CompletionsReady(Message):
        """Candidates for the word at the cursor were found."""

        def __init__(self, word: str, candidates: list[Candidate]) -> None:
            super().__init__()
            self.word = word
            self.candidates = candidates

    def __init__(self, cache: SchemaCache | None, text: str = "", *, id: str | None = None) -> None:
        # Plain text until the first frame is painted: preparing the SQL highlight
        # query costs ~50 ms, and Textual prepares it again on every document load.
        super().__init__(text, id=id, show_line_numbers=True, tab_behavior="indent")
        self.cache = cache
        self.menu: Completions | None = None
        self._word = ""
        self._candidates: list[Candidate] = []

    def on_mount(self) -> None:
        """Turn on SQL highlighting once the first frame is on screen."""
        self.call_after_refresh(self._highlight)

    def _highlight(self) -> None:
        # A new document moves the cursor home: keep what the user did meanwhile.
        selection = self.selection
        self.language = "sql"
        self.selection = selection

    def cursor_offset(self) -> int:
        """The cursor as an offset into the text."""
        return location_index(self.text, self.cursor_location)

    def current_sql(self) -> str:
        """The selection when there is one, else the statement under the cursor."""
        if self.selected_text.strip():
            return self.selected_text
        return statement_at(self.text, self.cursor_offset())

    # -- completion ----------------------------------------------------------------------

    def action_complete(self) -> None:
        """Find candidates for the word at the cursor (in a worker)."""
        if self.cache is None:
            return
        text, offset, cache = self.text, self.cursor_offset(), self.cache

        def find() -> None:
            from zen.shell.completion import complete_sql
            from zen.tui.rows import db_lock

            with db_lock(cache.db):
                word, candidates = complete_sql(text, offset, cache)
            self.post_message(self.CompletionsReady(word, candidates[:50]))

        self.run_worker(find, thread=True, exclusive=True, group="complete")

    def on_sql_editor_completions_ready(self, message: CompletionsReady) -> None:
        """Insert the only candidate, or open the menu on several."""
        self._word, self._candidates = message.word, message.candidates
        if len(message.candidates) == 1:
            self._accept(0)
        elif message.candidates and self.menu is not None:
            self.menu.clear_options()
            self.menu.add_options(
                Option(f"{c.display or c.text}  [dim]{c.meta}[/]") for c in message.candidates
            )
            self.menu.highlighted = 0
            self.menu.add_class("-open")
        elif not message.candidates:
            self.notify("no completion here", timeout=1.5)

    def _accept(self, index: int) -> None:
        candidate = self._candidates[index]
        end = self.cursor_location
        start = index_location(self.text, self.cursor_offset() - len(self._word))
        self.replace(candidate.text, start, end)
        self.close_menu()

    def close_menu(self) -> bool:
        """Close the completion menu; True when it was open."""
        if self.menu is not None and self.menu.has_class("-open"):
            self.menu.remove_class("-open")
            return True
        return False

    async def _on_key(self, event: events.Key) -> None:
        if self.menu is not None and self.menu.has_class("-open") and self._menu_key(event.key):
            event.stop()
            event.prevent_default()
            return
        if event.key == "escape":
            # Not TextArea's "focus next": Escape goes on to the pane (it cancels a query).
            event.prevent_default()
            return
        if event.key == "tab" and self._word_before_cursor():
            event.stop()
            event.prevent_default()
            self.action_complete()
        # Other keys: Textual calls TextArea's own handler next (it walks the MRO).

    def _menu_key(self, key: str) -> bool:
        assert self.menu is not None
        highlighted = self.menu.highlighted or 0
        if key in {"down", "up"}:
            step = 1 if key == "down" else -1
            self.menu.highlighted = (highlighted + step) % max(self.menu.option_count, 1)
            return True
        if key in {"enter", "tab"}:
            self._accept(highlighted)
            return True
        if key == "escape":
            self.close_menu()
            return True
        self.close_menu()
        return False

    def _word_before_cursor(self) -> bool:
        offset = self.cursor_offset()
        before = self.text[max(offset - 1, 0) : offset]
        return bool(before) and (before.isalnum() or before in '_."')
