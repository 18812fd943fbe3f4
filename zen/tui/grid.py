"""The results grid: a virtualised table over a :class:`~zen.tui.rows.RowSource`.

Only the visible lines are drawn (Textual's line API), and a line whose page is not
in memory shows a placeholder while a thread worker fetches it, so scrolling a
10M-row result never blocks the UI and memory holds a few pages at most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from zen.engine.errors import ZenError
from zen.tui.rows import cell_text, row_text

if TYPE_CHECKING:
    from textual import events

    from zen.tui.rows import Row, RowSource

_MAX_WIDTH = 40
_GAP = 2


class ResultsGrid(ScrollView, can_focus=True):
    """Rows of a query: arrows move the cell cursor; ``s`` sorts, ``f`` filters."""

    DEFAULT_CSS = """
    ResultsGrid { height: 1fr; background: $surface; padding: 0 0 0 1; }
    ResultsGrid:focus { background-tint: $foreground 3%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1, 0)", "Up", show=False),
        Binding("down", "move(1, 0)", "Down", show=False),
        Binding("left", "move(0, -1)", "Left", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
        Binding("pageup", "move(-20, 0)", "Page up", show=False),
        Binding("pagedown", "move(20, 0)", "Page down", show=False),
        Binding("home", "first", "First row", show=False),
        Binding("end", "last", "Last row", show=False),
        Binding("s", "sort", "Sort"),
        Binding("f", "filter", "Filter"),
        Binding("c", "copy_cell", "Copy cell"),
        Binding("y", "copy_row", "Copy row"),
        Binding("e", "export", "Export"),
    ]

    class SortRequested(Message):
        """The user asked to sort by the column under the cursor."""

        def __init__(self, column: int) -> None:
            super().__init__()
            self.column = column

    class FilterRequested(Message):
        """The user asked to filter the column under the cursor."""

        def __init__(self, column: int) -> None:
            super().__init__()
            self.column = column

    class ExportRequested(Message):
        """The user asked to export the rows."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source: RowSource | None = None
        self.cursor = (0, 0)
        self.widths: list[int] = []
        self.sort_marks: dict[int, str] = {}
        self._pending: set[int] = set()
        self._wanted: int | None = None  # a row asked for before it was fetched

    # -- data --------------------------------------------------------------------------

    def show(self, source: RowSource | None, sort_marks: dict[int, str] | None = None) -> None:
        """Show ``source``'s rows (None clears the grid)."""
        same_shape = (
            source is not None and self.source is not None and source.columns == self.source.columns
        )
        self.source = source
        self.sort_marks = sort_marks or {}
        self._pending.clear()
        self._wanted = None
        self.cursor = (0, self.cursor[1] if same_shape else 0)
        self.widths = self._measure(source) if source is not None else []
        self.scroll_to(0, 0, animate=False)
        self._resize()

    def _measure(self, source: RowSource) -> list[int]:
        sample = [source.cached_row(i) for i in range(min(source.known, 100))]
        widths = [len(name) + 2 for name in source.columns]
        for row in sample:
            for i, value in enumerate(row or ()):
                widths[i] = max(widths[i], min(len(cell_text(value)), _MAX_WIDTH))
        return [min(w, _MAX_WIDTH) for w in widths]

    def _resize(self) -> None:
        source = self.source
        rows = 0 if source is None else source.known + (0 if source.complete else 1)
        width = sum(w + _GAP for w in self.widths)
        self.virtual_size = Size(width, rows + 1)
        self.refresh()

    def refresh_rows(self) -> None:
        """Redraw after rows arrived (the row count may have grown)."""
        self._resize()

    # -- drawing -----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """One screen line: the header on the first, rows below it."""
        width = self.scrollable_content_region.width
        if self.source is None:
            return Strip.blank(width, Style())
        if y == 0:
            return self._crop(self._header(), width)
        index = self.scroll_offset.y + y - 1
        if index >= self.source.known + (0 if self.source.complete else 1):
            return Strip.blank(width, Style())
        row = self.source.cached_row(index)
        if row is None:
            self._request(index // self.source.page_size)
            return self._crop(Strip([Segment("…", self._style("dim"))]), width)
        return self._crop(self._row(index, row), width)

    def _crop(self, strip: Strip, width: int) -> Strip:
        x = self.scroll_offset.x
        return strip.crop(x, x + width).extend_cell_length(width, Style())

    def _header(self) -> Strip:
        assert self.source is not None
        style = self._style("bold underline")
        segments = []
        for i, (name, width) in enumerate(zip(self.source.columns, self.widths, strict=False)):
            text = f"{name}{self.sort_marks.get(i, '')}"
            segments.append(Segment(_fit(text, width), style))
            segments.append(Segment(" " * _GAP, Style()))
        return Strip(segments)

    def _row(self, index: int, row: Row) -> Strip:
        segments = []
        for i, value in enumerate(row):
            width = self.widths[i] if i < len(self.widths) else _MAX_WIDTH
            selected = (index, i) == self.cursor
            style = self._style("reverse" if selected else "dim" if value is None else "")
            text = cell_text(value, _MAX_WIDTH)
            aligned = text.rjust(width) if isinstance(value, int | float) else _fit(text, width)
            segments.append(Segment(aligned[:width], style))
            segments.append(Segment(" " * _GAP, Style()))
        return Strip(segments)

    def _style(self, name: str) -> Style:
        return Style.parse(name) if name else Style()

    # -- fetching ------------------------------------------------------------------------

    def _request(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        self.run_worker(lambda: self._fetch(page), thread=True, group="pages")

    def _fetch(self, page: int) -> None:
        source = self.source
        if source is None:
            return
        try:
            source.page(page)
        except ZenError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
        if source is self.source:
            self.app.call_from_thread(self._fetched, page)

    def _fetched(self, page: int) -> None:
        self._pending.discard(page)
        self._resize()
        wanted, self._wanted = self._wanted, None
        if wanted is not None and wanted > self.cursor[0]:
            self.action_move(wanted - self.cursor[0], 0)

    # -- actions -------------------------------------------------------------------------

    def action_move(self, rows: int, columns: int) -> None:
        """Move the cell cursor, scrolling to keep it in view."""
        if self.source is None:
            return
        source = self.source
        wanted = max(self.cursor[0] + rows, 0)
        if wanted > source.known - 1 and not source.complete:
            # Past the rows known so far: fetch the next page and move once it is in.
            self._wanted = wanted
            self._request(source.known // source.page_size)
        row = min(wanted, max(source.known - 1, 0))
        column = min(max(self.cursor[1] + columns, 0), max(len(source.columns) - 1, 0))
        self._place(row, column)

    def action_first(self) -> None:
        """Go to the first row."""
        self._place(0, self.cursor[1])

    def action_last(self) -> None:
        """Go to the last row (counting the rows first when they are not all known)."""
        source = self.source
        if source is None:
            return
        if source.complete:
            self._place(max(source.known - 1, 0), self.cursor[1])
            return
        self.run_worker(self._count_then_last, thread=True, group="pages")

    def _count_then_last(self) -> None:
        source = self.source
        if source is None:
            return
        try:
            source.count()
        except ZenError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.app.call_from_thread(self._after_count)

    def _after_count(self) -> None:
        self._resize()
        self.action_last()

    def _place(self, row: int, column: int) -> None:
        self.cursor = (row, column)
        height = max(self.scrollable_content_region.height - 1, 1)
        top = self.scroll_offset.y
        if row < top:
            top = row
        elif row >= top + height:
            top = row - height + 1
        left = sum(w + _GAP for w in self.widths[:column])
        x = self.scroll_offset.x
        view = self.scrollable_content_region.width
        right = left + (self.widths[column] if column < len(self.widths) else 0)
        if left < x or right > x + view:
            x = left if left < x or right - left > view else right - view
        self.scroll_to(x, top, animate=False)
        self.refresh()

    def current_value(self) -> tuple[bool, Any]:
        """``(found, value)`` of the cell under the cursor."""
        if self.source is None:
            return False, None
        row = self.source.cached_row(self.cursor[0])
        if row is None or self.cursor[1] >= len(row):
            return False, None
        return True, row[self.cursor[1]]

    def action_copy_cell(self) -> None:
        """Copy the cell under the cursor."""
        found, value = self.current_value()
        if found:
            self.app.copy_to_clipboard(cell_text(value, 1_000_000))
            self.notify("cell copied")

    def action_copy_row(self) -> None:
        """Copy the row under the cursor, tab-separated."""
        if self.source is None:
            return
        row = self.source.cached_row(self.cursor[0])
        if row is not None:
            self.app.copy_to_clipboard(row_text(self.source.columns, row))
            self.notify("row copied")

    def action_sort(self) -> None:
        """Ask to sort by the current column (ascending, descending, off)."""
        if self.source is not None and self.source.columns:
            self.post_message(self.SortRequested(self.cursor[1]))

    def action_filter(self) -> None:
        """Ask to filter the current column."""
        if self.source is not None and self.source.columns:
            self.post_message(self.FilterRequested(self.cursor[1]))

    def action_export(self) -> None:
        """Ask to export the rows."""
        if self.source is not None and self.source.columns:
            self.post_message(self.ExportRequested())

    def on_click(self, event: events.Click) -> None:
        """Put the cell cursor where the user clicked."""
        if self.source is None or event.y < 1:
            return
        x = event.x + self.scroll_offset.x
        column, edge = 0, 0
        for i, width in enumerate(self.widths):
            edge += width + _GAP
            if x < edge:
                column = i
                break
        row = self.scroll_offset.y + event.y - 1
        if row < self.source.known:
            self._place(row, column)


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
