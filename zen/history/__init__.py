"""Git-style history for a plain SQLite file: commit, log, status, diff, show, rewind.

See docs/architecture.md (History) for the design. The entry point is
:class:`~zen.history.history.History`.
"""

from __future__ import annotations

from zen.history.commits import Commit
from zen.history.diff import CellChange, Diff, RowChange, SchemaChange, TableDiff
from zen.history.fsck import FsckReport
from zen.history.gc import GcReport
from zen.history.history import History, LogEntry, ReflogEntry, Show, Status, TagInfo
from zen.history.refs import State
from zen.history.rewind import RewindResult

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
