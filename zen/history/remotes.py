"""Sharing history through Git remotes: remote add/list/remove, push, fetch, pull.

Each zen commit maps to one Git commit whose tree is the state as files
(:mod:`zen.history.gitstore`); parents map to parents and author, time and
message are kept. The mapping (zen commit id ⇄ Git sha) lives in
``_zen_git_map``, so a push exports only commits not exported before, each
from its neighbour's files plus the rows that changed (O(changed rows)), and
the first export streams the working copy's rows once.

The Git objects live in a bare repository next to the database (``app.db.git``);
the network side is the real ``git`` (through GitPython), so every URL git
understands works. Credentials in URLs are never printed: every message and
error goes through :func:`redact`.

Pull applies each new remote commit as one zen commit with its message and
author (a fast-forward), or, when both sides moved, imports them onto branch
``REMOTE/BRANCH`` and merges that (:meth:`History.merge`). Clone is
:mod:`zen.history.gitclone`.

Example:
    >>> add_remote(history, "origin", "file:///srv/app.git")   # doctest: +SKIP
    >>> push(history).sha[:12]                                  # doctest: +SKIP
    '3f2a9c0d1e4b'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen.engine.errors import NotFoundError, UsageError
from zen.history import commits as cm
from zen.history import gitstore as gs
from zen.history import store
from zen.history.apply import path_steps
from zen.history.errors import HistoryError
from zen.history.gitapply import apply_snapshot

if TYPE_CHECKING:
    import apsw

    from zen.history.history import History

_TABLES = (
    "CREATE TABLE IF NOT EXISTS _zen_git_remotes(name TEXT PRIMARY KEY, url TEXT NOT NULL)"
    " WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS _zen_git_map(commit_id TEXT PRIMARY KEY, sha TEXT NOT NULL)"
    " WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS _zen_git_map_sha ON _zen_git_map(sha)",
)
_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@")
_REMOTE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_AUTHOR = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>]*)>\s*$")
DEFAULT_REMOTE = "origin"
_MANY_OBJECTS = 256


def redact(text: str) -> str:
    """``text`` with the user and password of every URL replaced by ``***``.

    Example:
        >>> redact("fatal: https://ada:s3cret@example.com/app.git not found")
        'fatal: https://***@example.com/app.git not found'
    """
    return _CREDENTIALS.sub(lambda m: m.group("scheme") + "***@", text)


@dataclass(frozen=True)
class Remote:
    """A named remote (``url`` as given; :meth:`to_json` and ``shown`` redact it)."""

    name: str
    url: str

    @property
    def shown(self) -> str:
        """The URL without credentials, for messages."""
        return redact(self.url)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (credentials redacted)."""
        return {"name": self.name, "url": self.shown}


@dataclass(frozen=True)
class PushResult:
    """What a push did: the branch, the Git sha pushed and how many commits were exported."""

    remote: str
    branch: str
    sha: str
    exported: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class PullResult:
    """What a pull did: the remote branch tip, the commits applied, and the outcome.

    ``status`` is ``up to date``, ``fast-forward``, or a merge's outcome (``merged``,
    ``conflicts``: the merge waits for resolutions, see ``zen conflicts``).
    """

    remote: str
    branch: str
    sha: str | None
    applied: int
    status: str
    conflicts: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


# -- tables and the local Git repository ------------------------------------------------------


def install_tables(conn: apsw.Connection) -> None:
    """Create ``_zen_git_remotes`` and ``_zen_git_map`` (idempotent; in a transaction)."""
    for statement in _TABLES:
        conn.execute(statement)


def _installed(conn: apsw.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_schema WHERE name = '_zen_git_map'").get
    return row is not None


def git_dir(history: History) -> Path:
    """The bare repository holding the database's Git objects (``app.db.git``)."""
    return Path(history.engine.path + ".git")


def open_repo(path: Path) -> Any:
    """The bare repository at ``path`` (a ``git.Repo``), created when missing."""
    import git

    if not (path / "objects").is_dir():
        return git.Repo.init(path, bare=True)
    return git.Repo(path)


def run_git(repo: Any, *args: str, config: Sequence[str] = ()) -> str:
    """Run ``git [-c CONFIG]... ARGS`` in ``repo``; a failure becomes a HistoryError
    (credentials redacted)."""
    import git

    options = [part for item in config for part in ("-c", item)]
    try:
        return str(repo.git.execute(["git", *options, *args]))
    except git.GitCommandError as exc:
        detail = redact(str(exc.stderr or exc).strip()).replace("stderr: ", "").strip("' \n")
        raise HistoryError(
            f"git {redact(args[0])} failed: {detail}",
            hint="check the remote's URL (zen remote list) and your access to it",
        ) from None


@contextmanager
def _local(history: History) -> Iterator[tuple[Any, gs.GitObjects]]:
    repo = open_repo(git_dir(history))
    objects = gs.GitObjects(git_dir(history))
    try:
        yield repo, objects
    finally:
        objects.close()
        repo.close()


# -- remotes --------------------------------------------------------------------------------------


def add_remote(history: History, name: str, url: str) -> Remote:
    """Add a remote.

    Example:
        >>> add_remote(history, "origin", "file:///srv/app.git").name  # doctest: +SKIP
        'origin'

    Raises:
        UsageError: The name is invalid or taken, or the URL is empty.
    """
    if not _REMOTE_NAME.match(name):
        raise UsageError(f"invalid remote name: {name!r}", hint="use letters, digits, . _ -")
    if not url.strip():
        raise UsageError("empty remote URL", hint="give a URL or path git understands")
    with history.engine.transaction():
        install_tables(history.conn)
        if _find_remote(history.conn, name) is not None:
            raise UsageError(f"remote {name} already exists", hint=f"zen remote remove {name}")
        history.conn.execute("INSERT INTO _zen_git_remotes(name, url) VALUES (?, ?)", (name, url))
    return Remote(name, url)


def remotes(history: History) -> list[Remote]:
    """Every remote, by name."""
    if not _installed(history.conn):
        return []
    rows = history.conn.execute("SELECT name, url FROM _zen_git_remotes ORDER BY name")
    return [Remote(str(n), str(u)) for n, u in rows]


def remove_remote(history: History, name: str) -> None:
    """Remove a remote (the commits it received stay mapped).

    Raises:
        NotFoundError: No such remote.
    """
    with history.engine.transaction():
        if not _installed(history.conn) or _find_remote(history.conn, name) is None:
            raise NotFoundError(f"no such remote: {name}", hint="zen remote list shows them")
        history.conn.execute("DELETE FROM _zen_git_remotes WHERE name = ?", (name,))


def _find_remote(conn: apsw.Connection, name: str) -> Remote | None:
    url = conn.execute("SELECT url FROM _zen_git_remotes WHERE name = ?", (name,)).get
    return Remote(name, str(url)) if url is not None else None


def _choose_remote(history: History, name: str | None) -> Remote:
    known = remotes(history)
    if name is None:
        if len(known) == 1:
            return known[0]
        name = DEFAULT_REMOTE
    for remote in known:
        if remote.name == name:
            return remote
    raise NotFoundError(f"no such remote: {name}", hint="add one with: zen remote add NAME URL")


def _current_branch(history: History, branch: str | None) -> str:
    if branch:
        return branch.removeprefix(cm.BRANCH_PREFIX)
    current = cm.head_branch(history.conn)
    if current is None:
        raise UsageError("HEAD is detached", hint="name the branch: zen push REMOTE BRANCH")
    return current.removeprefix(cm.BRANCH_PREFIX)


# -- the mapping --------------------------------------------------------------------------------


def mapped_sha(conn: apsw.Connection, objects: gs.GitObjects, commit_id: str) -> str | None:
    """The Git sha a zen commit was exported as (None when not, or when the object is gone)."""
    if not _installed(conn):
        return None
    sha = conn.execute("SELECT sha FROM _zen_git_map WHERE commit_id = ?", (commit_id,)).get
    if sha is None or not _has_object(objects, str(sha)):
        return None
    return str(sha)


def _has_object(objects: gs.GitObjects, sha: str) -> bool:
    try:
        objects.read(sha)
    except Exception:  # any lookup failure means "not here": it is exported again
        return False
    return True


def record_mapping(conn: apsw.Connection, commit_id: str, sha: str) -> None:
    """Remember that zen commit ``commit_id`` is Git commit ``sha``."""
    conn.execute(
        "INSERT OR REPLACE INTO _zen_git_map(commit_id, sha) VALUES (?, ?)", (commit_id, sha)
    )


# -- export ---------------------------------------------------------------------------------------


def export(history: History, objects: gs.GitObjects, tip: str) -> tuple[str, int]:
    """Export commit ``tip`` and its unexported ancestors; returns (Git sha, commits written)."""
    conn = history.conn
    history.sync()  # owed autocommits and other programs' writes become commits first
    with history.engine.transaction():
        install_tables(conn)
        todo = _unexported(conn, objects, tip)
        if todo:
            trees = _trees(conn, objects, todo)
            for commit in todo:
                parents = [mapped_sha(conn, objects, p) or "" for p in commit.parents]
                body = _commit_body(trees[commit.id], parents, commit)
                record_mapping(conn, commit.id, objects.write("commit", body))
        sha = mapped_sha(conn, objects, tip)
    assert sha is not None
    return sha, len(todo)


def _unexported(conn: apsw.Connection, objects: gs.GitObjects, tip: str) -> list[cm.Commit]:
    """Commits reachable from ``tip`` and not exported yet, parents first."""
    order: list[cm.Commit] = []
    seen: set[str] = set()
    stack: list[tuple[str, cm.Commit | None]] = [(tip, None)]
    while stack:
        commit_id, ready = stack.pop()
        if ready is not None:
            order.append(ready)
            continue
        if commit_id in seen or mapped_sha(conn, objects, commit_id):
            continue
        seen.add(commit_id)
        commit = cm.load_commit(conn, commit_id)
        stack.append((commit_id, commit))
        stack.extend((p, None) for p in reversed(commit.parents))
    return order


def _trees(conn: apsw.Connection, objects: gs.GitObjects, todo: list[cm.Commit]) -> dict[str, str]:
    """Root tree sha of each commit, each derived from the one before by its steps.

    Starting from an exported parent, commits go oldest first; with nothing exported
    yet, the working copy is streamed once and commits go newest first from it.
    """
    first = todo[0]
    base = mapped_sha(conn, objects, first.parents[0]) if first.parents else None
    if base is not None:
        snap = gs.Snapshot.load(objects, tree_of(objects, base))
        record = cm.load_commit(conn, first.parents[0]).record
        order = todo
    else:
        snap = gs.export_working(conn, objects)
        last = store.last_record(conn)
        record = last.id if last else None
        order = list(reversed(todo))
    trees: dict[str, str] = {}
    for commit in order:
        if commit.record != record:
            snap.apply_steps(objects, path_steps(conn, record, commit.record))
            record = commit.record
        trees[commit.id] = snap.write(objects)
    return trees


def _commit_body(tree: str, parents: list[str], commit: cm.Commit) -> bytes:
    person = _person(commit.author) + f" {commit.time_ms // 1000} +0000"
    lines = [f"tree {tree}", *(f"parent {p}" for p in parents if p)]
    lines += [f"author {person}", f"committer {person}", "", commit.message]
    return ("\n".join(lines) + ("" if commit.message.endswith("\n") else "\n")).encode("utf-8")


def _person(author: str) -> str:
    clean = re.sub(r"[\n<>]", " ", author).strip() or "unknown"
    match = _AUTHOR.match(author.replace("\n", " "))
    if match and match.group("name").strip():
        return f"{re.sub(r'[<>]', ' ', match.group('name')).strip()} <{match.group('email')}>"
    return f"{clean} <>"


def tree_of(objects: gs.GitObjects, sha: str) -> str:
    """The root tree sha of Git commit ``sha``."""
    head = objects.read(sha).split(b"\n", 1)[0].decode("ascii")
    if not head.startswith("tree "):
        raise HistoryError(f"Git object {sha[:12]} is not a commit")
    return head[5:]


# -- push, fetch, pull -----------------------------------------------------------------------------


def push(history: History, remote: str | None = None, branch: str | None = None) -> PushResult:
    """Export the branch's new commits and push them to ``remote``'s branch of the same name.

    Example:
        >>> push(history, "origin", "main").exported  # doctest: +SKIP
        1

    Raises:
        HistoryError: git refused (e.g. the remote has commits this database lacks).
    """
    chosen = _choose_remote(history, remote)
    name = _current_branch(history, branch)
    history.sync()  # so the branch tip includes the autocommits still owed
    tip = store.get_ref(history.conn, cm.BRANCH_PREFIX + name)
    if tip is None:
        raise NotFoundError(f"no such branch: {name}")
    with _local(history) as (repo, objects):
        sha, count = export(history, objects, tip)
        try:
            refspec = f"{sha}:refs/heads/{name}"
            run_git(repo, "push", "--quiet", chosen.url, refspec, config=_pack_config(objects))
        except HistoryError as exc:
            if "rejected" in exc.message or "fetch first" in exc.message:
                raise HistoryError(
                    f"{chosen.name}/{name} has commits this database does not have",
                    hint=f"run zen pull {chosen.name} {name} first",
                ) from None
            raise
        _track(git_dir(history), f"refs/remotes/{chosen.name}/{name}", sha)
    return PushResult(chosen.name, name, sha, count)


def _track(repo_dir: Path, ref: str, sha: str) -> None:
    """Point a remote-tracking ref at what was pushed (keeps those objects reachable).

    Written as a loose ref file, which git reads before packed refs: no process to start.
    """
    target = repo_dir / ref
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(sha + "\n")
    temp.replace(target)


def _pack_config(objects: gs.GitObjects) -> list[str]:
    """Git settings for a push: no delta search when many new objects go out.

    Chunks of different keys share nothing to delta against, and the search made a
    first push of 1M rows 3x slower; small pushes keep it (a changed chunk is a
    tiny delta of its previous version).
    """
    return ["pack.window=0"] if objects.written > _MANY_OBJECTS else []


def fetch(history: History, remote: str | None = None) -> dict[str, str]:
    """Fetch every branch of ``remote``; returns ``{branch: sha}``."""
    chosen = _choose_remote(history, remote)
    with _local(history) as (repo, _objects):
        return fetch_refs(repo, chosen)


def fetch_refs(repo: Any, remote: Remote) -> dict[str, str]:
    """Fetch every branch of ``remote`` into ``refs/remotes/NAME/``; ``{branch: sha}``."""
    spec = f"+refs/heads/*:refs/remotes/{remote.name}/*"
    run_git(repo, "fetch", "--quiet", "--prune", remote.url, spec)
    prefix = f"refs/remotes/{remote.name}/"
    listed = run_git(repo, "for-each-ref", "--format=%(objectname) %(refname)", prefix)
    return {
        ref[len(prefix) :]: sha for sha, ref in (line.split(" ", 1) for line in listed.splitlines())
    }


def pull(history: History, remote: str | None = None, branch: str | None = None) -> PullResult:
    """Fetch, then bring the remote branch's commits into the current branch.

    When the current branch is behind, it fast-forwards: each new remote commit
    (first parents) becomes one zen commit with its message and author. When both
    sides have new commits, the remote's are imported that way onto the branch
    ``REMOTE/BRANCH`` (from the shared commit) and merged into the current branch
    (:meth:`History.merge`: conflicts stop the merge, see ``zen conflicts``).
    The working copy must be clean.

    Example:
        >>> pull(history, "origin").status  # doctest: +SKIP
        'fast-forward'

    Raises:
        HistoryError: Uncommitted changes, or histories with no shared commit.
    """
    chosen = _choose_remote(history, remote)
    name = _current_branch(history, None)
    wanted = _current_branch(history, branch)
    history.sync()
    with _local(history) as (repo, objects):
        tips = fetch_refs(repo, chosen)
        if wanted not in tips:
            raise NotFoundError(f"{chosen.name} has no branch {wanted}")
        target = tips[wanted]
        head = cm.head_id(history.conn)
        assert head is not None
        mine, _count = export(history, objects, head)  # local commits get a Git sha too
        if mine == target or _is_ancestor(repo, target, mine):
            return PullResult(chosen.name, wanted, target, 0, "up to date")
        if not history.status().clean:
            raise HistoryError(
                "the working copy has uncommitted changes",
                hint="commit them (zen commit -m ...) or rewind, then pull",
            )
        if _is_ancestor(repo, mine, target):
            chain = run_git(repo, "rev-list", "--reverse", "--first-parent", f"{mine}..{target}")
            applied = _fast_forward(history, objects, mine, chain.split())
            return PullResult(chosen.name, name, target, applied, "fast-forward")
        return _pull_merge(history, repo, objects, f"{chosen.name}/{wanted}", mine, target)


def _pull_merge(
    history: History, repo: Any, objects: gs.GitObjects, track: str, mine: str, target: str
) -> PullResult:
    """Import the remote's new commits onto branch ``track``, then merge it into HEAD."""
    start_sha = _merge_base(repo, track, mine, target)
    start = _commit_for_sha(history.conn, start_sha)
    if start is None:
        raise HistoryError(
            f"the commit shared with {track} ({start_sha[:12]}) is not in this history",
            hint="clone the remote again, or push to another branch",
        )
    known = store.get_ref(history.conn, cm.BRANCH_PREFIX + track)
    known_sha = mapped_sha(history.conn, objects, known) if known else None
    # commits imported by an earlier pull are not imported again: go on from there
    resumable = known_sha is not None and _is_ancestor(repo, start_sha, known_sha)
    if known and known_sha and resumable and _is_ancestor(repo, known_sha, target):
        start, start_sha = known, known_sha
    current = history.branch
    assert current is not None
    history.create_branch(track, start, force=True)
    try:
        history.switch(track)
        chain = run_git(repo, "rev-list", "--reverse", "--first-parent", f"{start_sha}..{target}")
        applied = _fast_forward(history, objects, start_sha, chain.split())
    finally:
        if history.branch != current:
            history.switch(current)
    merged = history.merge(track, message=f"merge {track}")
    remote, _, branch = track.partition("/")
    return PullResult(remote, branch, target, applied, merged.outcome, merged.conflicts)


def _merge_base(repo: Any, track: str, mine: str, target: str) -> str:
    import git

    try:
        return str(repo.git.execute(["git", "merge-base", mine, target])).strip()
    except git.GitCommandError:
        raise HistoryError(
            f"{track} and this database's history share no commit",
            hint=f"push to a new branch (zen push REMOTE NEW-BRANCH), or clone {track} afresh",
        ) from None


def _commit_for_sha(conn: apsw.Connection, sha: str) -> str | None:
    found = conn.execute("SELECT commit_id FROM _zen_git_map WHERE sha = ? LIMIT 1", (sha,)).get
    return str(found) if found is not None else None


def _is_ancestor(repo: Any, old: str, new: str) -> bool:
    import git

    try:
        repo.git.execute(["git", "merge-base", "--is-ancestor", old, new])
    except git.GitCommandError:
        return False
    return True


def _fast_forward(history: History, objects: gs.GitObjects, start: str, chain: list[str]) -> int:
    current = gs.Snapshot.load(objects, tree_of(objects, start))
    for sha in chain:
        target = gs.Snapshot.load(objects, tree_of(objects, sha))
        author, _time_ms, message = read_commit(objects, sha)
        commit = apply_snapshot(history, objects, current, target, message, author)
        with history.engine.transaction():
            record_mapping(history.conn, commit, sha)
        current = target
    return len(chain)


def read_commit(objects: gs.GitObjects, sha: str) -> tuple[str, int, str]:
    """(author, time in ms, message) of a Git commit."""
    text = objects.read(sha).decode("utf-8", "replace")
    head, _, message = text.partition("\n\n")
    author, stamp = "unknown", 0
    for line in head.splitlines():
        if line.startswith("author "):
            match = re.match(r"author (?P<who>.*) (?P<time>\d+) [+-]\d{4}$", line)
            if match:
                author, stamp = match.group("who"), int(match.group("time"))
    return author.removesuffix(" <>"), stamp * 1000, message.removesuffix("\n")
