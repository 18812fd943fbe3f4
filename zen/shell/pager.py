"""Paging long results: text is held back until it overflows the screen, then piped.

A result that fits on the screen prints directly. One that does not starts the
pager (``$ZEN_PAGER``, ``$PAGER``, else ``less -FRSX``) and streams the rest
into it, so the first screen shows at once and a 10M-row result never sits in
memory: the pipe fills and SQLite waits. Quitting the pager raises
:class:`PagerClosed`, on which the caller stops reading the query.

Example:
    >>> import io
    >>> screen = io.StringIO()
    >>> stream = PagedStream(screen, rows=24, command="less")
    >>> _ = stream.write("short\\n")
    >>> stream.close()
    >>> screen.getvalue()
    'short\\n'
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zen.shell.render import TextSink

DEFAULT_PAGER = "less -FRSX"


class PagerClosed(Exception):
    """The pager exited (the user quit it) before the result was all written."""


def pager_command(configured: str | None = None) -> str:
    """The pager to run: the ``.pager`` setting, ``$ZEN_PAGER``, ``$PAGER``, ``less``."""
    return configured or os.environ.get("ZEN_PAGER") or os.environ.get("PAGER") or DEFAULT_PAGER


class PagedStream:
    """A text sink that pages itself once the text overflows ``rows`` lines.

    Args:
        sink: The terminal stream, used while the text still fits.
        rows: Lines on the screen; a line of prompt is kept free.
        command: The pager command line (run through the shell).
        columns: Screen width, to count long lines as the rows they wrap to.
    """

    def __init__(self, sink: TextSink, *, rows: int, command: str, columns: int = 0) -> None:
        self._sink = sink
        self._limit = max(rows - 1, 1)
        self._columns = columns
        self._command = command
        self._held: list[str] = []
        self._lines = 0
        self._pager: subprocess.Popen[str] | None = None
        self._direct = False  # no pager could start: text goes straight to the sink

    @property
    def paging(self) -> bool:
        """True once the pager has been started."""
        return self._pager is not None

    def write(self, text: str, /) -> int:
        """Hold ``text``, or send it to the pager once the screen is full."""
        if self._pager is not None:
            self._send(text)
            return len(text)
        if self._direct:
            return self._sink.write(text)
        self._held.append(text)
        self._lines += self._count_lines(text)
        if self._lines > self._limit:
            self._start()
        return len(text)

    def close(self) -> None:
        """Print what was held, or let the pager finish and wait for the user to quit it."""
        if self._pager is None:
            self._sink.write("".join(self._held))
            self._held.clear()
            return
        pager = self._pager
        try:
            if pager.stdin:
                pager.stdin.close()
        except BrokenPipeError:
            pass
        _wait(pager)

    def _count_lines(self, text: str) -> int:
        newlines = text.count("\n")
        if not self._columns or len(text) <= self._columns:
            return newlines
        return sum(max(1, -(-len(line) // self._columns)) for line in text.split("\n")[:-1])

    def _start(self) -> None:
        env = dict(os.environ)
        env.setdefault("LESS", "FRSX")
        env.setdefault("LESSCHARSET", "utf-8")
        try:
            self._pager = subprocess.Popen(
                self._command,
                shell=True,
                stdin=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=env,
            )
        except OSError:
            self._direct = True
            self._sink.write("".join(self._held))
            self._held.clear()
            return
        held, self._held = "".join(self._held), []
        self._send(held)

    def _send(self, text: str) -> None:
        pager = self._pager
        assert pager is not None and pager.stdin is not None
        try:
            pager.stdin.write(text)
        except (BrokenPipeError, ValueError):
            _wait(pager)
            raise PagerClosed() from None


def _wait(pager: subprocess.Popen[str]) -> None:
    """Wait for the pager; Ctrl-C goes to the pager too, so keep waiting."""
    while True:
        try:
            pager.wait()
            return
        except KeyboardInterrupt:
            continue
