"""Commits: content-addressed snapshots of states, HEAD, and making new commits."""

from __future__ import annotations

import getpass
import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import apsw

from zen.history import store
from zen.history.errors import CorruptObjectError, HistoryError
from zen.history.hashing import canonical_json
from zen.history.schema import SchemaMap
from zen.history.steps import Step, decode_steps, encode_steps
from zen.history.trees import Tree, load_tree, same_tree, store_tree, working_tree

HEAD = "HEAD"
BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"
SYMBOLIC = "ref: "

_NOTHING = encode_steps([])  # the data of a record that changes nothing


@dataclass(frozen=True)
class Commit:
    """One commit.

    Attributes:
        id: The commit's hash (64 hex digits).
        tree: The tree's hash.
        parents: Parent commit hashes (first parent first; none for the root).
        author: Who made it.
        time_ms: When, in milliseconds since the epoch.
        message: The commit message.
        change: Hash of the change record whose state this commit names (None: the root state).
        record: Local id of that record (not part of the hash).
    """

    id: str
    tree: str
    parents: tuple[str, ...]
    author: str
    time_ms: int
    message: str
    change: str | None
    record: int | None

    @property
    def short(self) -> str:
        """The first 12 hex digits of the id."""
        return self.id[:12]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = asdict(self)
        out["parents"] = list(self.parents)
        return out


def _body(
    tree: str, parents: tuple[str, ...], author: str, time_ms: int, message: str, change: str | None
) -> bytes:
    return canonical_json(
        {
            "author": author,
            "change": change,
            "message": message,
            "parents": list(parents),
            "time": time_ms,
            "tree": tree,
        }
    )


def load_commit(conn: apsw.Connection, commit_id: str | bytes) -> Commit:
    """Read and verify a commit (its record's hash must match too).

    Raises:
        CorruptObjectError: The commit or its record is missing or damaged.
    """
    oid = bytes.fromhex(commit_id) if isinstance(commit_id, str) else commit_id
    stored = store.get_object(conn, oid, "commit")
    try:
        body = json.loads(stored.body)
        commit = Commit(
            oid.hex(),
            str(body["tree"]),
            tuple(str(p) for p in body["parents"]),
            str(body["author"]),
            int(body["time"]),
            str(body["message"]),
            body["change"],
            stored.record,
        )
    except (ValueError, KeyError, TypeError):
        raise CorruptObjectError(f"commit {oid.hex()} is malformed") from None
    _check_record(conn, commit)
    return commit


def _check_record(conn: apsw.Connection, commit: Commit) -> None:
    if (commit.change is None) != (commit.record is None):
        raise CorruptObjectError(f"commit {commit.id}: its change record is not linked")
    if (
        commit.record is not None
        and store.get_record(conn, commit.record).hash.hex() != commit.change
    ):
        raise CorruptObjectError(
            f"commit {commit.id}: change record {commit.record} does not match"
        )


def commit_tree(conn: apsw.Connection, commit: Commit, cache: ObjectCache | None = None) -> Tree:
    """The (verified) tree of a commit."""
    if cache is not None:
        return cache.tree(conn, commit.tree)
    return load_tree(conn, bytes.fromhex(commit.tree))


class ObjectCache:
    """Verified commits and trees by id.

    Objects are immutable and content-addressed, so a parse verified once stays
    valid; the cache saves the reads, JSON parsing and hashing on hot paths such
    as an autocommit per transaction.
    """

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._commits: OrderedDict[str, Commit] = OrderedDict()
        self._trees: OrderedDict[str, Tree] = OrderedDict()

    def commit(self, conn: apsw.Connection, commit_id: str) -> Commit:
        """The commit ``commit_id`` (loaded and verified on first use)."""
        found = self._commits.get(commit_id)
        if found is None:
            found = load_commit(conn, commit_id)
            self._remember(self._commits, commit_id, found)
        return found

    def tree(self, conn: apsw.Connection, tree_id: str) -> Tree:
        """The tree ``tree_id`` (loaded and verified on first use)."""
        found = self._trees.get(tree_id)
        if found is None:
            found = load_tree(conn, bytes.fromhex(tree_id))
            self._remember(self._trees, tree_id, found)
        return found

    def add(self, commit: Commit, tree: Tree) -> None:
        """Remember a commit just written, and its tree."""
        self._remember(self._commits, commit.id, commit)
        self._remember(self._trees, commit.tree, tree)

    def _remember(self, table: OrderedDict[str, Any], key: str, value: Any) -> None:
        table[key] = value
        if len(table) > self.size:
            table.popitem(last=False)


def write_commit(
    conn: apsw.Connection,
    tree: Tree,
    parents: tuple[str, ...],
    author: str,
    message: str,
    record: store.Record | None,
    time_ms: int | None = None,
    parent: Tree | None = None,
    later: list[store.StoredObject] | None = None,
) -> tuple[Commit, Tree]:
    """Store the tree and a commit object naming ``record``'s state.

    With ``later``, the objects are collected there instead (see ``store.put_object``).

    Returns:
        The commit, and the tree as stored (its schema id known).
    """
    stored_id, stored = store_tree(conn, tree, parent, later=later)
    tree_id = stored_id.hex()
    stamp = store.now_ms() if time_ms is None else time_ms
    change = record.hash.hex() if record else None
    body = _body(tree_id, parents, author, stamp, message, change)
    rid = record.id if record else None
    oid = store.put_object(conn, "commit", body, rid, later=later)
    return Commit(oid.hex(), tree_id, parents, author, stamp, message, change, rid), stored


# -- HEAD ------------------------------------------------------------------------


def head_branch(conn: apsw.Connection) -> str | None:
    """The ref HEAD points to (``refs/heads/main``), or None when detached."""
    target = store.get_ref(conn, HEAD)
    if target is not None and target.startswith(SYMBOLIC):
        return target[len(SYMBOLIC) :]
    return None


def head_id(conn: apsw.Connection) -> str | None:
    """The commit HEAD names (None on a branch with no commit yet)."""
    target = store.get_ref(conn, HEAD)
    if target is None:
        raise HistoryError("HEAD is missing", hint="run zen fsck")
    if target.startswith(SYMBOLIC):
        return store.get_ref(conn, target[len(SYMBOLIC) :])
    return target


def head_commit(conn: apsw.Connection, cache: ObjectCache | None = None) -> Commit | None:
    """HEAD's commit (verified), or None."""
    found = head_id(conn)
    if not found:
        return None
    return cache.commit(conn, found) if cache is not None else load_commit(conn, found)


def move_head(
    conn: apsw.Connection,
    new: str,
    message: str,
    known: tuple[str | None, str | None] | None = None,
) -> None:
    """Point HEAD's branch (or a detached HEAD) at commit ``new``, with reflog entries.

    ``known`` is ``(branch, old commit)`` when the caller has just read them.
    """
    branch, old = known if known is not None else (head_branch(conn), head_id(conn))
    store.set_ref(conn, branch or HEAD, new)
    store.append_reflog(conn, (branch, HEAD) if branch else HEAD, old, new, message)


# -- pending work and new commits -------------------------------------------------------


def pending_records(conn: apsw.Connection, base_record: int | None) -> list[store.Record]:
    """Records from ``base_record``'s state up to the working copy, oldest first.

    Raises:
        CorruptObjectError: ``base_record`` is not an ancestor of the working copy.
    """
    found: list[store.Record] = []
    record = store.last_record(conn)
    while record is not None and record.id != base_record:
        found.append(record)
        record = store.get_record(conn, record.base) if record.base is not None else None
    if record is None and base_record is not None:
        raise CorruptObjectError(f"HEAD's record {base_record} is not behind the working copy")
    found.reverse()
    return found


def record_steps(
    conn: apsw.Connection,
    records: list[store.Record],
    known: Mapping[int, Sequence[Step]] | None = None,
) -> list[Step]:
    """Every step of ``records`` in order (data verified against the hash chain).

    ``known`` supplies the steps of records just written (no need to read them back).
    """
    steps: list[Step] = []
    for record in records:
        if known is not None and record.id in known:
            steps.extend(known[record.id])
        else:
            steps.extend(decode_steps(store.record_data(conn, record)))
    return steps


def default_author(conn: apsw.Connection) -> str:
    """The configured author (``ZEN_AUTHOR``, zen.toml, user config), else the one
    stored in the database, else the login name."""
    from zen import config

    chosen = config.resolve("author")
    if chosen.value is not None and chosen.source.kind != "default":
        return str(chosen.value)
    stored = store.meta_get(conn, "author")
    if stored:
        return str(stored)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def make_commit(
    conn: apsw.Connection,
    message: str,
    *,
    author: str | None = None,
    allow_empty: bool = False,
    expect_tree: Tree | None = None,
    cache: ObjectCache | None = None,
    known: Mapping[int, Sequence[Step]] | None = None,
    schema: SchemaMap | None = None,
    newest: store.Record | None = None,
) -> Commit | None:
    """Commit the working copy on HEAD (inside the caller's transaction).

    Args:
        conn: The connection, inside a write transaction.
        message: The commit message.
        author: Who; defaults to :func:`default_author`.
        allow_empty: Make a commit even when nothing changed since HEAD.
        expect_tree: When given, the computed tree must equal it (used by rewind).
        cache: Parsed objects to reuse.
        known: Steps of records just written, by record id.
        schema: The working copy's schema, when the caller knows it.
        newest: The record just appended (the working copy's), when the caller has it.

    Returns:
        The new commit, or None when there was nothing to commit.
    """
    from zen.history.lazy import materialize  # lazy builds on this module

    materialize(conn, cache)
    branch = head_branch(conn)
    head_ref = store.get_ref(conn, branch) if branch else head_id(conn)
    head = None
    if head_ref:
        head = cache.commit(conn, head_ref) if cache is not None else load_commit(conn, head_ref)
    base = head.record if head else None
    if newest is not None and newest.base == base:
        records = [newest]  # the usual autocommit: one new record on top of HEAD's
    else:
        records = pending_records(conn, base)
    if not records and not allow_empty:
        return None
    if not allow_empty and all(store.record_data(conn, r) == _NOTHING for r in records):
        return None  # only switch/reset/fast-forward markers: nothing changed
    parent = commit_tree(conn, head, cache) if head else None
    tree = working_tree(conn, parent, record_steps(conn, records, known), schema)
    if expect_tree is not None and not same_tree(tree, expect_tree):
        raise CorruptObjectError("the working copy does not hash to the target commit's tree")
    last = (
        records[-1]
        if records
        else (store.get_record(conn, head.record) if head and head.record else None)
    )
    parents = (head.id,) if head else ()
    commit, tree = write_commit(
        conn, tree, parents, author or default_author(conn), message, last, parent=parent
    )
    summary = message.splitlines()[0] if message else ""
    move_head(conn, commit.id, f"commit: {summary}", (branch, head.id if head else None))
    if cache is not None:
        cache.add(commit, tree)
    return commit


def walk(
    conn: apsw.Connection, start: str | None, *, first_parent: bool = True
) -> Iterator[Commit]:
    """Commits reachable from ``start``, newest first (first parents only by default).

    With every parent, commits are ordered by time (newest first), each once.
    """
    if start is None:
        return
    if first_parent:
        current: str | None = start
        while current is not None:
            commit = load_commit(conn, current)
            yield commit
            current = commit.parents[0] if commit.parents else None
        return
    yield from _walk_all(conn, start)


def _walk_all(conn: apsw.Connection, start: str) -> Iterator[Commit]:
    import heapq

    seen = {start}
    first = load_commit(conn, start)
    queue: list[tuple[int, str, Commit]] = [(-first.time_ms, first.id, first)]
    while queue:
        _, _, commit = heapq.heappop(queue)
        yield commit
        for parent in commit.parents:
            if parent not in seen:
                seen.add(parent)
                loaded = load_commit(conn, parent)
                heapq.heappush(queue, (-loaded.time_ms, loaded.id, loaded))
