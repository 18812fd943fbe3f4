"""fsck: verify every object's hash, every record's chain hash, every ref, and that
the history reproduces each commit's tree and the working copy.

The deep check walks back from the working copy, undoing one record at a time
inside a transaction that is always rolled back, and compares the state reached
with the tree of every commit naming it. Nothing is ever written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import apsw

from zen.engine.errors import ZenError
from zen.history import commits as cm
from zen.history import store
from zen.history.apply import apply_steps, raw_apply_mode
from zen.history.errors import CorruptObjectError
from zen.history.hashing import object_id
from zen.history.steps import decode_steps, invert_steps, merge_rows
from zen.history.trees import Tree, load_tree, same_tree, scan_tree, working_tree


@dataclass
class FsckReport:
    """What fsck found.

    Attributes:
        problems: One line per problem (empty when all is well).
        objects: Objects checked.
        records: Change records checked.
        refs: Refs checked.
        states: Commit states reproduced from the working copy (deep check).
    """

    problems: list[str] = field(default_factory=list)
    objects: int = 0
    records: int = 0
    refs: int = 0
    states: int = 0

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**self.__dict__, "ok": self.ok}


def fsck(conn: apsw.Connection, *, deep: bool = True) -> FsckReport:
    """Check the history stored in ``conn`` (call outside any transaction).

    Always: every object's hash and links, every record's chain hash, every ref,
    and the working copy against HEAD plus the pending records (a full scan).
    ``deep`` also replays the whole history back from the working copy and
    compares each commit's state with its tree (O(history)).

    Example:
        >>> fsck(history.engine.conn).ok  # doctest: +SKIP
        True
    """
    report = FsckReport()
    commits = _check_objects(conn, report)
    _check_records(conn, report)
    _check_refs(conn, report)
    _check_commit_links(conn, commits, report)
    if report.ok:
        _check_working_copy(conn, report)
    if deep and report.ok:
        _check_states(conn, commits, report)
    return report


def _check_working_copy(conn: apsw.Connection, report: FsckReport) -> None:
    """The working copy must hash to HEAD's tree plus the pending records."""
    conn.execute("BEGIN")
    try:
        head = cm.head_commit(conn)
        if head is None:
            report.problems.append("HEAD names no commit")
            return
        records = cm.pending_records(conn, head.record)
        expected = working_tree(conn, cm.commit_tree(conn, head), cm.record_steps(conn, records))
        if not same_tree(expected, scan_tree(conn)):
            report.problems.append("the working copy does not match history (changed outside zen?)")
    except ZenError as exc:
        report.problems.append(f"the working copy does not match history: {exc.message}")
    finally:
        conn.execute("ROLLBACK")


def _check_objects(conn: apsw.Connection, report: FsckReport) -> dict[str, dict[str, Any]]:
    commits: dict[str, dict[str, Any]] = {}
    for oid, kind, body, record in store.iter_objects(conn):
        report.objects += 1
        if object_id(kind, body) != oid:
            report.problems.append(f"{kind} {oid.hex()}: content does not match its hash")
            continue
        try:
            parsed = json.loads(body)
        except ValueError:
            report.problems.append(f"{kind} {oid.hex()}: not valid JSON")
            continue
        if kind == "commit":
            commits[oid.hex()] = {**parsed, "record": record}
        for ref_kind, ref in _links(kind, parsed):
            if not store.object_exists(conn, bytes.fromhex(ref)):
                report.problems.append(f"{kind} {oid.hex()}: missing {ref_kind} {ref}")
    return commits


def _links(kind: str, parsed: Any) -> list[tuple[str, str]]:
    if kind == "commit":
        return [("tree", parsed["tree"])] + [("parent", p) for p in parsed["parents"]]
    if kind == "tree":
        return [("schema", parsed["schema"])]
    if kind == "tag":
        return [("object", parsed["object"])]
    return []


def _check_records(conn: apsw.Connection, report: FsckReport) -> None:
    depths: dict[int, int] = {}
    for record in store.iter_records(conn):
        report.records += 1
        try:
            decode_steps(store.record_data(conn, record))
        except CorruptObjectError as exc:
            report.problems.append(exc.message)
        expected = depths.get(record.base, 0) + 1 if record.base is not None else 1
        if record.base is not None and record.base not in depths:
            report.problems.append(f"change record {record.id}: base {record.base} is missing")
        elif record.depth != expected:
            report.problems.append(f"change record {record.id}: wrong depth {record.depth}")
        depths[record.id] = record.depth


def _check_refs(conn: apsw.Connection, report: FsckReport) -> None:
    refs = dict(store.list_refs(conn))
    if cm.HEAD not in refs:
        report.problems.append("HEAD is missing")
    for name, target in refs.items():
        report.refs += 1
        if target.startswith(cm.SYMBOLIC):
            if not target[len(cm.SYMBOLIC) :].startswith(cm.BRANCH_PREFIX):
                report.problems.append(f"ref {name}: points to {target}, not a branch")
            continue
        try:
            kind = store.get_object(conn, bytes.fromhex(target)).kind
        except (CorruptObjectError, ValueError):
            report.problems.append(f"ref {name}: target {target} is missing or corrupt")
            continue
        if kind not in ("commit", "tag"):
            report.problems.append(f"ref {name}: points to a {kind}")


def _check_commit_links(
    conn: apsw.Connection, commits: dict[str, dict[str, Any]], report: FsckReport
) -> None:
    for cid in commits:
        try:
            cm.load_commit(conn, cid)
        except ZenError as exc:
            report.problems.append(exc.message)


def _check_states(
    conn: apsw.Connection, commits: dict[str, dict[str, Any]], report: FsckReport
) -> None:
    """Walk back from the working copy, comparing each commit's state with its tree."""
    by_record: dict[int | None, list[str]] = {}
    for cid, body in commits.items():
        by_record.setdefault(body["record"], []).append(cid)
    with raw_apply_mode(conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            _walk_back(conn, by_record, report)
        except ZenError as exc:
            report.problems.append(f"replaying history failed: {exc.message}")
        finally:
            conn.execute("ROLLBACK")


def _walk_back(
    conn: apsw.Connection, by_record: dict[int | None, list[str]], report: FsckReport
) -> None:
    record = store.last_record(conn)
    tree = scan_tree(conn)
    while True:
        rid = record.id if record else None
        for cid in by_record.get(rid, []):
            report.states += 1
            expected = load_tree(conn, bytes.fromhex(cm.load_commit(conn, cid).tree))
            if not same_tree(tree, expected):
                report.problems.append(f"commit {cid}: its state does not hash to its tree")
        if record is None:
            return
        steps = merge_rows(invert_steps(decode_steps(store.record_data(conn, record))))
        apply_steps(conn, steps)
        tree = _step_tree(conn, tree, steps)
        record = store.get_record(conn, record.base) if record.base is not None else None


def _step_tree(conn: apsw.Connection, tree: Tree, steps: list[Any]) -> Tree:
    return working_tree(conn, tree, steps)
