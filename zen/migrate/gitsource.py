"""Schema files as they were at a Git revision (``--from-git REV``), via GitPython.

GitPython is imported only here, inside the function: it costs start-up time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zen.engine.errors import NotFoundError, UsageError, ZenError


def read_at_revision(path: Path, rev: str) -> str:
    """The text of schema file or folder ``path`` at Git revision ``rev``.

    A folder's .sql files are joined in name order, as :func:`zen.migrate.load.read_schema_text`
    does for the working copy.

    Raises:
        UsageError: ``path`` is not inside a Git repository, or ``rev`` is unknown.
        NotFoundError: ``path`` did not exist at ``rev``.

    Example:
        >>> read_at_revision(Path("schema.sql"), "HEAD~1")  # doctest: +SKIP
        'CREATE TABLE users(...);'
    """
    try:
        import git
    except ImportError:  # pragma: no cover - gitpython is a declared dependency
        raise ZenError("--from-git needs GitPython", hint="pip install gitpython") from None
    try:
        repo = git.Repo(path.resolve().parent, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UsageError(f"{path} is not inside a Git repository") from None
    try:
        commit = repo.commit(rev)
    except (git.BadName, ValueError):
        raise UsageError(f"unknown Git revision: {rev}") from None
    relative = path.resolve().relative_to(Path(str(repo.working_tree_dir)).resolve()).as_posix()
    try:
        entry = commit.tree / relative
    except KeyError:
        raise NotFoundError(f"{relative} does not exist at {rev}") from None
    if isinstance(entry, git.Blob):
        return _text(entry)
    blobs = [
        b for b in entry.traverse() if isinstance(b, git.Blob) and str(b.path).endswith(".sql")
    ]
    return "\n;\n".join(_text(b) for b in sorted(blobs, key=lambda b: str(b.path)))


def _text(blob: Any) -> str:
    return bytes(blob.data_stream.read()).decode("utf-8")
