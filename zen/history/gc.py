"""gc: expire old reflog entries and delete what no ref, reflog entry or the
working copy can reach any more, all in one transaction.

History that leads to the working copy is never deleted (every old state is
reached by undoing records from the working copy), so in a single-branch
database gc only expires the reflog; abandoned branches and commits made
unreachable by reset are what it frees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import apsw

from zen.history import commits as cm
from zen.history import store


@dataclass(frozen=True)
class GcReport:
    """What gc removed."""

    reflog_entries: int
    commits: int
    objects: int
    records: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def gc(conn: apsw.Connection, keep_ms: int, now_ms: int | None = None) -> GcReport:
    """Remove unreachable history older than ``keep_ms`` (inside the caller's transaction).

    Example:
        >>> gc(conn, keep_ms=30 * 86_400_000)  # doctest: +SKIP
        GcReport(reflog_entries=0, commits=0, objects=0, records=0)
    """
    cutoff = (store.now_ms() if now_ms is None else now_ms) - keep_ms
    expired = conn.execute("DELETE FROM _zen_reflog WHERE time_ms < ? RETURNING id", (cutoff,))
    reflog = len(expired.fetchall())
    commits = _reachable_commits(conn)
    keep_objects = _kept_objects(conn, commits)
    dropped_commits, dropped_objects = _drop_objects(conn, keep_objects, cutoff)
    records = _drop_records(conn, cutoff)
    return GcReport(reflog, dropped_commits, dropped_objects, records)


def _roots(conn: apsw.Connection) -> set[str]:
    roots = {t for _, t in store.list_refs(conn) if not t.startswith(cm.SYMBOLIC)}
    for _id, _ref, old, new, _t, _m in store.read_reflog(conn):
        roots.update(x for x in (old, new) if x)
    return roots


def _reachable_commits(conn: apsw.Connection) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    todo = [_peel(conn, r) for r in _roots(conn)]
    while todo:
        cid = todo.pop()
        if cid in found:
            continue
        stored = store.get_object(conn, bytes.fromhex(cid), "commit")
        found[cid] = {**json.loads(stored.body), "record": stored.record}
        todo.extend(found[cid]["parents"])
    return found


def _peel(conn: apsw.Connection, oid: str) -> str:
    stored = store.get_object(conn, bytes.fromhex(oid))
    return str(json.loads(stored.body)["object"]) if stored.kind == "tag" else oid


def _kept_objects(conn: apsw.Connection, commits: dict[str, dict[str, Any]]) -> set[bytes]:
    keep = {bytes.fromhex(r) for r in _roots(conn)}  # tag objects
    for cid, body in commits.items():
        keep.add(bytes.fromhex(cid))
        tree_id = bytes.fromhex(body["tree"])
        keep.add(tree_id)
        tree = json.loads(store.get_object(conn, tree_id, "tree").body)
        keep.add(bytes.fromhex(tree["schema"]))
    return keep


def _drop_objects(conn: apsw.Connection, keep: set[bytes], cutoff: int) -> tuple[int, int]:
    commits = objects = 0
    for oid, kind, body, _record in list(store.iter_objects(conn)):
        if oid in keep:
            continue
        if kind == "commit" and int(json.loads(body).get("time", 0)) >= cutoff:
            continue  # recent unreachable commits stay for --keep (like git's prune expiry)
        conn.execute("DELETE FROM _zen_objects WHERE hash = ?", (oid,))
        commits += kind == "commit"
        objects += 1
    return commits, objects


def _drop_records(conn: apsw.Connection, cutoff: int) -> int:
    """Delete old records nothing needs: the kept set is closed under ``base``."""
    tips = {
        int(r) for (r,) in conn.execute("SELECT record FROM _zen_objects WHERE record IS NOT NULL")
    }
    last = store.last_record(conn)
    tips |= {last.id} if last else set()
    tips |= {
        int(r) for (r,) in conn.execute("SELECT id FROM _zen_changes WHERE time_ms >= ?", (cutoff,))
    }
    keep: set[int] = set()
    for tip in tips:
        rid: int | None = tip
        while rid is not None and rid not in keep:
            keep.add(rid)
            rid = store.get_record(conn, rid).base
    dropped = 0
    for record in list(store.iter_records(conn)):
        if record.id not in keep and record.time_ms < cutoff:
            conn.execute("DELETE FROM _zen_changes WHERE id = ?", (record.id,))
            dropped += 1
    return dropped
