"""Commit ancestry: the merge base of two commits, and "is A an ancestor of B"."""

from __future__ import annotations

import heapq

import apsw

from zen.history import commits as cm
from zen.history.errors import HistoryError

MAX_WALK = 1_000_000
"""Commits a merge-base walk may visit before giving up (a corrupt cycle, or a huge history)."""

_OURS, _THEIRS = 1, 2


def merge_base(
    conn: apsw.Connection, ours: str, theirs: str, cache: cm.ObjectCache | None = None
) -> str | None:
    """The newest common ancestor of two commits (None when they share no history).

    Walks both histories newest first (by commit time), painting each commit with
    the side(s) that reach it; the first commit reached from both sides is the
    nearest common ancestor. Only the commits since the fork are read.

    Example:
        >>> merge_base(conn, head_id, feature_id)  # doctest: +SKIP
        '5f0c...'
    """
    if ours == theirs:
        return ours
    flags: dict[str, int] = {ours: _OURS, theirs: _THEIRS}
    queue: list[tuple[int, str]] = []
    for cid in (ours, theirs):
        heapq.heappush(queue, (-_load(conn, cid, cache).time_ms, cid))
    seen = 0
    while queue:
        _, cid = heapq.heappop(queue)
        mark = flags[cid]
        if mark == _OURS | _THEIRS:
            return cid
        seen += 1
        if seen > MAX_WALK:
            raise HistoryError(f"no merge base found within {MAX_WALK} commits")
        for parent in _load(conn, cid, cache).parents:
            before = flags.get(parent, 0)
            flags[parent] = before | mark
            if before == 0 or (flags[parent] != before and flags[parent] == _OURS | _THEIRS):
                heapq.heappush(queue, (-_load(conn, parent, cache).time_ms, parent))
    return None


def is_ancestor(
    conn: apsw.Connection, ancestor: str, commit: str, cache: cm.ObjectCache | None = None
) -> bool:
    """True when ``ancestor`` is ``commit`` or one of its ancestors."""
    return merge_base(conn, ancestor, commit, cache) == ancestor


def _load(conn: apsw.Connection, cid: str, cache: cm.ObjectCache | None) -> cm.Commit:
    return cache.commit(conn, cid) if cache is not None else cm.load_commit(conn, cid)
