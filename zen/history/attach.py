"""Attach history to an open engine without importing it until a write needs it.

``zen sql "select ..."`` on a database with history must stay as fast as on one
without, so opening checks one catalog row and registers a small observer; the
history package is imported on the first write transaction (or the first use of
:attr:`zen.Database.history`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zen.engine.core import Engine
    from zen.history.history import History

_ATTR = "_zen_history"
_INSTALLED = "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = '_zen_changes'"


class LazyHistory:
    """The engine's transaction observer: loads :class:`History` on the first event.

    Engine events are forwarded to the history's capture, so a write transaction
    is recorded exactly as if the history had been loaded at open.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._history: History | None = None
        self._observer: Any = self  # what is registered on the engine

    @property
    def observer(self) -> Any:
        """What is registered on the engine: this object, then the history's capture."""
        return self._observer

    @property
    def loaded(self) -> bool:
        """True once the history package has been imported and opened."""
        return self._history is not None

    def get(self) -> History:
        """The engine's :class:`History`, opened now if needed."""
        if self._history is None:
            from zen.history.history import History

            self._history = History(self._engine, observe=False)
            # From now on the engine talks to the capture directly (no forwarding).
            self._engine.replace_transaction_observer(self, self._history.capture)
            self._observer = self._history.capture
        return self._history

    def __getattr__(self, event: str) -> Any:
        # Engine._notify calls observer.<event>(engine, ...): forward to the capture.
        if event.startswith("_"):
            raise AttributeError(event)
        return getattr(self.get().capture, event)


def installed(engine: Engine) -> bool:
    """True when ``engine``'s database has history enabled."""
    return engine.conn.execute(_INSTALLED).get is not None


def attach(engine: Engine) -> LazyHistory | None:
    """Start capturing ``engine``'s write transactions when its history is enabled.

    Returns:
        The observer (its :meth:`LazyHistory.get` gives the History), or None when
        the database has no history.

    Example:
        >>> attach(db.engine).get().log(n=1)  # doctest: +SKIP
    """
    existing: LazyHistory | None = getattr(engine, _ATTR, None)
    if existing is not None:
        return existing
    if not installed(engine):
        return None
    lazy = LazyHistory(engine)
    engine.add_transaction_observer(lazy)
    setattr(engine, _ATTR, lazy)
    return lazy


@contextmanager
def recording(engine: Engine, message: str) -> Iterator[None]:
    """:meth:`History.recording` when ``engine`` has history, else nothing.

    Example:
        >>> with recording(engine, "migrate: 2 steps"):  # doctest: +SKIP
        ...     apply(engine)
    """
    lazy: LazyHistory | None = getattr(engine, _ATTR, None)
    if lazy is None:
        yield
        return
    with lazy.get().recording(message):
        yield


def detach(engine: Engine) -> None:
    """Stop capturing (the history tables stay)."""
    lazy: LazyHistory | None = getattr(engine, _ATTR, None)
    if lazy is not None:
        engine.remove_transaction_observer(lazy.observer)
        delattr(engine, _ATTR)
