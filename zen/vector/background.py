"""Sealing and compaction off the caller's path: one background thread per index.

A search that finds the buffer full (or had to resync the index from the rows)
answers from the state it has (segments + buffer, exact and complete) and asks
the :class:`Sealer` to do the slow part: the thread opens its own connection,
folds the change log, builds the Annoy segment, commits the new metadata in one
short ``BEGIN IMMEDIATE`` transaction and merges tiers that got full. Readers on
other connections are never blocked (WAL), and the caller's connection picks
the new segments up at its next refresh (``PRAGMA data_version`` moves).

Crash safety comes from the order of writes: segment files are written under
fresh names first, then one transaction records them; a process killed before
that commit leaves only unreferenced files (swept later by :func:`sweep`), one
killed after it leaves a complete index.

A short-lived program (``zen vector search``) prints its answer, then finishes
a seal it started before exiting (an ``atexit`` hook waits), so the work is not
lost; Ctrl-C during that wait abandons the seal quietly (the thread is a daemon),
which the write order above makes safe.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from pathlib import Path

from zen.engine.connection import MEMORY
from zen.vector import store

ORPHAN_AGE_S = 600.0  # unreferenced files younger than this may belong to a seal in progress

_LIVE: weakref.WeakSet[Sealer] = weakref.WeakSet()  # sealers whose thread may still run


@atexit.register
def _finish_at_exit() -> None:
    """Let running seals finish before the program ends; Ctrl-C abandons them."""
    try:
        for sealer in list(_LIVE):
            sealer.wait()
    except KeyboardInterrupt:
        return


class Sealer:
    """Runs :meth:`VectorIndex.maintain` for one index in a background thread.

    Example:
        >>> sealer = Sealer("app.db", spec)  # doctest: +SKIP
        >>> sealer.start(resync=False)
        True
        >>> sealer.wait()
    """

    def __init__(self, db_path: str, spec: store.IndexSpec) -> None:
        self.db_path, self.spec = db_path, spec
        self.runs = 0  # finished maintenance passes (for tests and stats)
        self.error: BaseException | None = None  # the last pass's failure, if any
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._resync = False

    @staticmethod
    def possible(db_path: str) -> bool:
        """False for an in-memory database: no second connection can see it."""
        return db_path not in {MEMORY, ""} and not db_path.startswith("file::memory:")

    @property
    def running(self) -> bool:
        """True while a pass is under way."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self, *, resync: bool) -> None:
        """Ask for a pass (a running thread does one more when it ends)."""
        with self._lock:
            self._resync = self._resync or resync
            if self.running:
                self._again = True
                return
            self._thread = threading.Thread(
                target=self._loop, name=f"zen-vector-seal-{self.spec.name}", daemon=True
            )
            _LIVE.add(self)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the thread (and any pass asked for meanwhile) has finished.

        Waits in short steps, so Ctrl-C (KeyboardInterrupt) gets through at once.
        """
        thread = self._thread
        deadline = None if timeout is None else time.monotonic() + timeout
        while thread is not None and thread.is_alive():
            left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if left <= 0:
                return
            thread.join(left)

    def _loop(self) -> None:
        while True:
            with self._lock:
                resync, self._resync, self._again = self._resync, False, False
            self._pass(resync)
            with self._lock:
                if not self._again:
                    return

    def _pass(self, resync: bool) -> None:
        from zen.engine.connection import open_connection
        from zen.vector.index import VectorIndex

        try:
            conn = open_connection(self.db_path, create=False)
        except Exception as exc:  # the file went away: nothing to maintain
            self.error = exc
            return
        try:
            index = VectorIndex(conn, self.db_path, self.spec)
            index.background = False  # this thread is the background
            index.maintain(resync_rows=resync)
            sweep(index.folder, index.referenced())
            self.error = None
        except Exception as exc:  # never let a failed seal kill the program; retried later
            self.error = exc
        finally:
            conn.close()
            self.runs += 1


def sweep(folder: Path, referenced: set[str], *, older_than: float = ORPHAN_AGE_S) -> int:
    """Delete segment files no metadata names (left by a killed seal); returns how many.

    Files younger than ``older_than`` seconds are kept: they may belong to a seal
    still running in another process, which records them when it commits.
    """
    from zen.vector.segment import SUFFIXES

    if not folder.is_dir():
        return 0
    now, removed = time.time(), 0
    for path in folder.iterdir():
        stem = next((path.name[: -len(s)] for s in SUFFIXES if path.name.endswith(s)), None)
        if stem is None or stem in referenced:
            continue
        try:
            if now - path.stat().st_mtime >= older_than:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another sweeper got there first
    return removed
