"""What the history API returns: plain dataclasses, each with ``to_json()``.

Re-exported by :mod:`zen.history.history` and :mod:`zen.history`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zen.history import commits as cm
from zen.history import diff as df
from zen.history.conflicts import Conflict


@dataclass(frozen=True)
class LogEntry:
    """A commit in ``log`` output, with the refs that point at it."""

    commit: cm.Commit
    refs: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**self.commit.to_json(), "refs": list(self.refs)}


@dataclass(frozen=True)
class Status:
    """Where the working copy stands.

    Attributes:
        branch: The current branch (None when HEAD is detached).
        head: HEAD's commit id.
        policy: The autocommit policy.
        pending: Transactions recorded since HEAD's commit (uncommitted).
        changes: The differences between HEAD and the working copy (counts only).
        merging: The commit being merged while a merge waits for resolutions.
        conflicts: The merge's conflicts (open and resolved; see ``_zen_conflicts``).
    """

    branch: str | None
    head: str | None
    policy: str
    pending: int
    changes: df.Diff
    merging: str | None = None
    conflicts: tuple[Conflict, ...] = ()

    @property
    def open_conflicts(self) -> int:
        """Conflicts still without a resolution."""
        return sum(1 for c in self.conflicts if not c.resolved)

    @property
    def clean(self) -> bool:
        """True when the working copy equals HEAD."""
        return self.changes.empty

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "branch": self.branch,
            "head": self.head,
            "policy": self.policy,
            "pending": self.pending,
            "clean": self.clean,
            "changes": self.changes.to_json(),
            "merging": self.merging,
            "conflicts": [c.to_json() for c in self.conflicts],
        }


@dataclass(frozen=True)
class Show:
    """A commit and its changes against its first parent (None for the root commit)."""

    commit: cm.Commit
    diff: df.Diff | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"commit": self.commit.to_json(), "diff": self.diff.to_json() if self.diff else None}


@dataclass(frozen=True)
class TagInfo:
    """A tag: its name, commit, and for annotated tags the message, tagger and time."""

    name: str
    commit: str
    message: str | None = None
    tagger: str | None = None
    time_ms: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class ReflogEntry:
    """One movement of a ref."""

    id: int
    ref: str
    old: str | None
    new: str | None
    time_ms: int
    message: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)
