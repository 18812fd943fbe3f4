"""Ctrl-C that cancels the running SQLite statement instead of killing zen.

Python runs signal handlers only between bytecodes, so a SIGINT that arrives
while the main thread is inside ``sqlite3_step`` would wait for the statement to
end. The signal's wake-up byte goes to a pipe instead, and a watcher thread
calls ``interrupt()`` on the connection at once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType


class InterruptGuard:
    """While active, Ctrl-C calls ``on_interrupt`` (e.g. ``Connection.interrupt``).

    Does nothing outside the main thread, where signals cannot be caught.

    Example:
        >>> with InterruptGuard(conn.interrupt):  # doctest: +SKIP
        ...     conn.execute("select ...")
    """

    def __init__(self, on_interrupt: Callable[[], object]) -> None:
        self._on_interrupt = on_interrupt
        self.interrupted = False
        self._active = False
        self._pipe: tuple[int, int] = (-1, -1)
        self._old_fd = -1
        self._old_handler: object = None

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is not threading.main_thread():
            return self
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        self._pipe = (read_fd, write_fd)
        self._old_fd = signal.set_wakeup_fd(write_fd)
        self._old_handler = signal.signal(signal.SIGINT, self._note)
        self._active = True
        threading.Thread(target=self._watch, args=(read_fd,), daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._active:
            return
        signal.set_wakeup_fd(self._old_fd)
        signal.signal(signal.SIGINT, self._old_handler)  # type: ignore[arg-type]
        os.close(self._pipe[1])  # the watcher sees EOF and ends
        self._active = False

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.interrupted = True
        self._on_interrupt()

    def _interrupt_quietly(self) -> None:
        # The watcher can wake after the connection closed (Ctrl-C right at the end):
        # there is nothing left to cancel then, and no reason to print a traceback.
        try:
            self._on_interrupt()
        except Exception:
            pass

    def _watch(self, read_fd: int) -> None:
        try:
            while data := os.read(read_fd, 64):
                if signal.SIGINT in data:
                    self.interrupted = True
                    self._interrupt_quietly()
        finally:
            os.close(read_fd)
