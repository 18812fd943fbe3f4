"""``zen clone``: a new database from the tip of a remote branch.

The tip's files (:mod:`zen.history.gitstore`) are loaded into a new database,
then history is enabled with that state as its root commit (carrying the tip's
message) mapped to the tip's Git sha, so the clone pushes and pulls
incrementally. The older commits stay in Git (``git log`` shows them); they are
not replayed into the clone's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen.engine.errors import NotFoundError
from zen.history import commits as cm
from zen.history import gitstore as gs
from zen.history import store
from zen.history.errors import HistoryError
from zen.history.gitapply import load_into
from zen.history.remotes import (
    DEFAULT_REMOTE,
    Remote,
    fetch_refs,
    install_tables,
    open_repo,
    read_commit,
    record_mapping,
    run_git,
    tree_of,
)

if TYPE_CHECKING:
    from zen.history.history import History


# -- clone --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloneResult:
    """A new database built from a remote branch's tip."""

    path: str
    remote: str
    branch: str
    sha: str
    tables: int
    rows: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def clone(url: str, path: str, *, branch: str | None = None) -> CloneResult:
    """Build a database at ``path`` from the tip of a remote branch, history enabled.

    The tip becomes the root commit (with the tip's message), mapped to the tip's
    Git sha; ``origin`` names the remote and HEAD the branch cloned.

    Example:
        >>> clone("file:///srv/app.git", "copy.db").branch  # doctest: +SKIP
        'main'

    Raises:
        UsageError: ``path`` (or ``path.git``) already exists.
        NotFoundError: The remote has no such branch (or no branch at all).
    """
    from zen.engine.core import Engine
    from zen.history.history import History

    target, local = Path(path), Path(path + ".git")
    for taken in (target, local):
        if taken.exists():
            raise HistoryError(f"{taken} already exists", hint="choose a new path to clone into")
    remote = Remote(DEFAULT_REMOTE, url)
    repo = open_repo(local)
    objects = gs.GitObjects(local)
    try:
        tips = fetch_refs(repo, remote)
        name = _clone_branch(repo, remote, tips, branch)
        snap = gs.Snapshot.load(objects, tree_of(objects, tips[name]))
        _author, _time, message = read_commit(objects, tips[name])
        engine = Engine(target)
        with engine.transaction():
            load_into(engine.conn, objects, snap)
        with History.init(engine, message=message or f"clone of {remote.shown}") as history:
            _finish_clone(history, remote, name, tips[name])
    except BaseException:
        _remove(target, local)
        raise
    finally:
        objects.close()
        repo.close()
    rows = sum(f.row_count for f in snap.tables.values())
    return CloneResult(str(target), remote.name, name, tips[name], len(snap.tables), rows)


def _remove(*paths: Path) -> None:
    """Remove what a failed clone created (the database, its journal, the Git directory)."""
    import shutil

    for found in paths:
        if found.is_dir():
            shutil.rmtree(found, ignore_errors=True)
        for extra in (found, Path(f"{found}-journal"), Path(f"{found}-wal"), Path(f"{found}-shm")):
            if extra.is_file():
                extra.unlink()


def _clone_branch(repo: Any, remote: Remote, tips: dict[str, str], branch: str | None) -> str:
    if not tips:
        raise NotFoundError(f"{remote.shown} has no branches", hint="push to it first")
    if branch is not None:
        if branch not in tips:
            raise NotFoundError(f"{remote.shown} has no branch {branch}")
        return branch
    listed = run_git(repo, "ls-remote", "--symref", remote.url, "HEAD")
    match = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", listed, re.MULTILINE)
    if match and match.group(1) in tips:
        return match.group(1)
    return "main" if "main" in tips else sorted(tips)[0]


def _finish_clone(history: History, remote: Remote, branch: str, sha: str) -> None:
    conn = history.conn
    with history.engine.transaction():
        install_tables(conn)
        root = cm.head_id(conn)
        assert root is not None
        record_mapping(conn, root, sha)
        conn.execute(
            "INSERT INTO _zen_git_remotes(name, url) VALUES (?, ?)", (remote.name, remote.url)
        )
        if branch != "main":
            store.set_ref(conn, cm.BRANCH_PREFIX + branch, root)
            store.delete_ref(conn, cm.BRANCH_PREFIX + "main")
            store.set_ref(conn, cm.HEAD, cm.SYMBOLIC + cm.BRANCH_PREFIX + branch)
            store.append_reflog(
                conn, cm.BRANCH_PREFIX + branch, None, root, f"clone: {remote.shown}"
            )
