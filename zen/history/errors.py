"""Errors raised by the history layer (all :class:`~zen.engine.errors.ZenError`)."""

from __future__ import annotations

from zen.engine.errors import NotFoundError, UsageError, ZenError


class HistoryError(ZenError):
    """History could not do what was asked (the message says why)."""


class NotInitializedError(HistoryError):
    """The database has no history yet."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"history is not enabled for {path}",
            hint=f"enable it with: zen init {path}",
        )


class CorruptObjectError(HistoryError):
    """A stored object or change record does not match its hash: never used."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"corrupt history object: {what}",
            hint="run zen fsck to list every damaged object; restore app.db from a backup",
        )


class UnsealedError(HistoryError):
    """The newest record still names a bulk insert's rows by range (not sealed yet)."""

    def __init__(self) -> None:
        super().__init__(
            "the last bulk insert is not fully recorded in history yet",
            hint="open the database once without --read-only (any zen command that "
            "writes or reads history finishes it)",
        )


class RefNotFoundError(NotFoundError):
    """A ref, commit hash, tag, branch or time does not name a commit."""


class AmbiguousRefError(UsageError):
    """A hash prefix matches several commits."""


class WorkingCopyConflictError(HistoryError):
    """The working copy is not in the state history records, so changes cannot be applied."""


class UncapturedChangeError(HistoryError):
    """The schema changed by a path history could not see (raw connection DDL)."""
