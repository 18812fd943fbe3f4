"""``zen git follow``: the database branch follows the application repository's branch.

:func:`install_hook` writes a ``post-checkout`` hook into the application's Git
repository; on every branch checkout it runs ``zen git follow --run``, which is
:func:`follow`: switch the database to the branch of the same name, creating it
from the current database branch when it does not exist yet. As ``git checkout``
does with uncommitted files, uncommitted database changes are carried along
(when they do not apply on the target branch the switch is refused, and the
message says why).

Example:
    >>> install_hook(Path("."), Path("app.db"))               # doctest: +SKIP
    PosixPath('.git/hooks/post-checkout')
    >>> follow(history, Path(".")).branch                     # doctest: +SKIP
    'feature'
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen.engine.errors import UsageError
from zen.history.errors import HistoryError

if TYPE_CHECKING:
    from zen.history.history import History

MARKER = "# installed by: zen git follow"
HOOK = "post-checkout"


@dataclass(frozen=True)
class FollowResult:
    """What following did.

    Attributes:
        branch: The Git branch checked out (None: detached HEAD, nothing done).
        action: ``switched``, ``created``, ``unchanged`` or ``detached``.
        rows: Row changes applied to the working copy by the switch.
    """

    branch: str | None
    action: str
    rows: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )


def top_level(repo: Path) -> Path:
    """The working tree's top directory of the Git repository containing ``repo``.

    Raises:
        UsageError: ``repo`` is not inside a Git working tree.
    """
    done = _git(repo, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise UsageError(
            f"{repo} is not inside a Git working tree",
            hint="run it in your application's repository, or pass --repo DIR",
        )
    return Path(done.stdout.strip())


def git_branch(repo: Path) -> str | None:
    """The checked-out branch of ``repo`` (None when HEAD is detached)."""
    done = _git(repo, "symbolic-ref", "--short", "-q", "HEAD")
    return done.stdout.strip() or None if done.returncode == 0 else None


def hook_path(repo: Path) -> Path:
    """Where git looks for the ``post-checkout`` hook (honours ``core.hooksPath``)."""
    done = _git(repo, "rev-parse", "--git-path", f"hooks/{HOOK}")
    path = Path(done.stdout.strip())
    return path if path.is_absolute() else top_level(repo) / path


def hook_text(repo: Path, database: Path) -> str:
    """The hook script: runs ``zen git follow --run`` after branch checkouts only."""
    top = top_level(repo).resolve()
    db = database.resolve()
    shown = os.path.relpath(db, top) if db.is_relative_to(top) else str(db)
    command = " ".join(
        shlex.quote(part)
        for part in (sys.executable, "-m", "zen", "git", "follow", "--run", "--db", shown)
    )
    return (
        "#!/bin/sh\n"
        f"{MARKER}\n"
        "# The database branch follows the checked-out branch ($3 is 1 for branch checkouts).\n"
        '[ "$3" = "1" ] || exit 0\n'
        f'{command} || echo "zen: the database branch was not switched (see above)" >&2\n'
        "exit 0\n"
    )


def install_hook(repo: Path, database: Path, *, force: bool = False) -> Path:
    """Write the ``post-checkout`` hook into ``repo``; returns its path.

    Raises:
        HistoryError: Another (not zen's) post-checkout hook exists and not ``force``.
    """
    path = hook_path(repo)
    if path.exists() and MARKER not in path.read_text(errors="replace") and not force:
        raise HistoryError(
            f"{path} already exists and was not written by zen",
            hint="pass --force to replace it, or call `zen git follow --run` from your hook",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(hook_text(repo, database))
    path.chmod(0o755)
    return path


def remove_hook(repo: Path) -> Path | None:
    """Remove zen's hook (another program's hook is left alone); returns what was removed."""
    path = hook_path(repo)
    if path.exists() and MARKER in path.read_text(errors="replace"):
        path.unlink()
        return path
    return None


def follow(history: History, repo: Path) -> FollowResult:
    """Switch the database to the Git branch checked out in ``repo`` (created when new).

    Raises:
        WorkingCopyConflictError: Uncommitted changes do not apply on that branch.
    """
    name = git_branch(repo)
    if name is None:
        return FollowResult(None, "detached")
    if history.branch == name:
        return FollowResult(name, "unchanged")
    exists = any(b.name == name for b in history.branches())
    result = history.switch(name, create=not exists, pending="carry")
    return FollowResult(name, "switched" if exists else "created", result.rows)
