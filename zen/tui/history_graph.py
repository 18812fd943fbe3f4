"""The history view's model: every branch's commits in one graph (no Textual).

``zen log --graph`` walks back from HEAD; the view walks back from HEAD *and*
every branch, merges the walks, and orders the commits so each comes before its
parents (newest first among those ready), which is what the graph layout in
:mod:`zen.cli._history_render` needs.

Example:
    >>> graph_rows([], None)
    []
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zen.history.branches import BranchInfo
    from zen.history.history import History, LogEntry


@dataclass(frozen=True)
class BranchGraph:
    """What the history view draws.

    Attributes:
        entries: Commits of every branch, children before parents, newest first.
        branches: Every branch (the current one marked).
        current: The checked-out branch (None when HEAD is detached).
    """

    entries: list[LogEntry]
    branches: list[BranchInfo]
    current: str | None

    def branches_at(self, commit: str) -> list[str]:
        """Names of the branches pointing at ``commit``.

        Example:
            >>> BranchGraph([], [], None).branches_at("abc")
            []
        """
        return [b.name for b in self.branches if b.commit == commit]


def load_graph(history: History, limit: int) -> BranchGraph:
    """Up to ``limit`` commits reachable from HEAD or any branch, with the branches.

    Example:
        >>> load_graph(db.history, 100).current  # doctest: +SKIP
        'main'
    """
    branches = history.branches()
    starts = dict.fromkeys(["HEAD", *(b.commit for b in branches)])
    found: dict[str, LogEntry] = {}
    for start in starts:
        for entry in history.log(limit, start=start, all_parents=True):
            found.setdefault(entry.commit.id, entry)
    current = next((b.name for b in branches if b.current), None)
    return BranchGraph(topological(found.values())[:limit], branches, current)


def topological(entries: Iterable[LogEntry]) -> list[LogEntry]:
    """``entries`` with every commit before its parents; newest first among the ready ones.

    Example:
        >>> topological([])
        []
    """
    by_id = {e.commit.id: e for e in entries}
    children = dict.fromkeys(by_id, 0)
    for entry in by_id.values():
        for parent in entry.commit.parents:
            if parent in children:
                children[parent] += 1
    ready = [_key(by_id[c]) for c, n in children.items() if n == 0]
    heapq.heapify(ready)
    ordered: list[LogEntry] = []
    while ready:
        entry = by_id[heapq.heappop(ready)[1]]
        ordered.append(entry)
        for parent in entry.commit.parents:
            if parent in children:
                children[parent] -= 1
                if children[parent] == 0:
                    heapq.heappush(ready, _key(by_id[parent]))
    return ordered


def _key(entry: LogEntry) -> tuple[int, str]:
    return (-entry.commit.time_ms, entry.commit.id)


def graph_rows(entries: list[LogEntry], branch: str | None) -> list[tuple[str, str | None]]:
    """``(line, commit id)`` per graph line (None for connector lines), plain text.

    Example:
        >>> graph_rows([], None)
        []
    """
    from zen.cli import _history_render as render

    nodes = [render.GraphNode(e.commit.id, e.commit.parents) for e in entries]
    laid = render.graph(nodes)
    width = max((len(prefix) for prefix, _ in laid), default=0)
    out: list[tuple[str, str | None]] = []
    for prefix, index in laid:
        if index is None:
            out.append((prefix.rstrip(), None))
        else:
            line = f"{prefix.ljust(width)}  {_label(entries[index], branch)}"
            out.append((line, entries[index].commit.id))
    return out


def _label(entry: LogEntry, branch: str | None) -> str:
    """Short id, refs and message: what fits beside the graph (the diff pane has the rest)."""
    from zen.cli import _history_render as render

    commit = entry.commit
    refs = render.decorations(entry.refs, branch, False)
    return " ".join(p for p in (commit.short[:8], refs, render.first_line(commit.message)) if p)
