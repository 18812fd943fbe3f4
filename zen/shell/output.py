"""Where results go: the terminal (paged when long), a ``.output`` file, or ``.once``.

Messages and errors never come here: they go to stderr, so a redirected result
file holds data only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from zen.engine.errors import UsageError
from zen.shell.render import TextSink


@dataclass(frozen=True)
class Terminal:
    """The screen, when stdout is one.

    Attributes:
        size: Returns the screen's (columns, rows) now (it may be resized).
        color: Whether results may use ANSI styles.
    """

    size: Callable[[], tuple[int, int]]
    color: bool = True


@dataclass(frozen=True)
class ResultStream:
    """Where one result is written, and how it may look there."""

    sink: TextSink
    width: int | None = None
    color: bool = False


class Output:
    """The current destination of results.

    Args:
        stdout: The standard output stream.
        terminal: The screen, when ``stdout`` is a terminal (enables width, colour, paging).
    """

    def __init__(self, stdout: IO[str], terminal: Terminal | None = None) -> None:
        self.stdout = stdout
        self.terminal = terminal
        self._file: IO[str] | None = None
        self._file_name: str | None = None
        self._once: str | None = None

    @property
    def destination(self) -> str:
        """``stdout`` or the file results are written to."""
        return self._file_name or "stdout"

    def redirect(self, path: str | None) -> None:
        """Send results to ``path`` (truncated) until redirected again; None: stdout."""
        self.close()
        if path is not None and path not in ("stdout", "-"):
            self._file = _open(path)
            self._file_name = path

    def once(self, path: str) -> None:
        """Send only the next result to ``path``."""
        self._once = path

    @contextmanager
    def results(self, *, page: bool = False, pager: str | None = None) -> Iterator[ResultStream]:
        """A stream for one statement's result; paged on a terminal when ``page``.

        Args:
            page: Page the result if it overflows the screen.
            pager: The pager command (None: see :func:`zen.shell.pager.pager_command`).
        """
        if self._once is not None:
            path, self._once = self._once, None
            with _open(path) as handle:
                yield ResultStream(handle)
        elif self._file is not None:
            yield ResultStream(self._file)
            self._file.flush()
        elif self.terminal is not None:
            with self._terminal_stream(page, pager) as stream:
                yield stream
        else:
            yield ResultStream(self.stdout)
            self.stdout.flush()

    @contextmanager
    def _terminal_stream(self, page: bool, pager: str | None) -> Iterator[ResultStream]:
        from zen.shell.pager import PagedStream, pager_command

        assert self.terminal is not None
        columns, rows = self.terminal.size()
        if not page:
            yield ResultStream(self.stdout, columns, self.terminal.color)
            self.stdout.flush()
            return
        command = pager_command(pager)
        paged = PagedStream(self.stdout, rows=rows, columns=columns, command=command)
        try:
            yield ResultStream(paged, columns, self.terminal.color)
        finally:
            paged.close()
            self.stdout.flush()

    def close(self) -> None:
        """Close a ``.output`` file; results go to stdout again."""
        if self._file is not None:
            self._file.close()
        self._file = None
        self._file_name = None


def _open(path: str) -> IO[str]:
    try:
        return Path(path).expanduser().open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
