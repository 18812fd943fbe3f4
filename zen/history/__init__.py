"""Git-style history for a plain SQLite file: commit, log, status, diff, show, rewind.

See docs/architecture.md (History) for the design. The entry point is
:class:`~zen.history.history.History`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zen.history.commits import Commit
    from zen.history.diff import CellChange, Diff, RowChange, SchemaChange, TableDiff
    from zen.history.fsck import FsckReport
    from zen.history.gc import GcReport
    from zen.history.history import History, LogEntry, ReflogEntry, Show, Status, TagInfo
    from zen.history.refs import State
    from zen.history.rewind import RewindResult

_EXPORTS = {
    "Commit": "zen.history.commits",
    "CellChange": "zen.history.diff",
    "Diff": "zen.history.diff",
    "RowChange": "zen.history.diff",
    "SchemaChange": "zen.history.diff",
    "TableDiff": "zen.history.diff",
    "FsckReport": "zen.history.fsck",
    "GcReport": "zen.history.gc",
    "History": "zen.history.history",
    "LogEntry": "zen.history.history",
    "ReflogEntry": "zen.history.history",
    "Show": "zen.history.history",
    "Status": "zen.history.history",
    "TagInfo": "zen.history.history",
    "State": "zen.history.refs",
    "RewindResult": "zen.history.rewind",
}


def __getattr__(name: str) -> Any:
    # Lazy exports: opening a database with history must not import all of it.
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zen.history' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "CellChange",
    "Commit",
    "Diff",
    "FsckReport",
    "GcReport",
    "History",
    "LogEntry",
    "ReflogEntry",
    "RewindResult",
    "RowChange",
    "SchemaChange",
    "Show",
    "State",
    "Status",
    "TableDiff",
    "TagInfo",
]
