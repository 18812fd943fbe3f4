"""Branches, merges, picks, tags and the reflog: the ref-moving half of :class:`History`.

A mixin, so ``history.py`` stays one concept per module; every method is thin
and calls the module that does the work (:mod:`branches`, :mod:`merge`,
:mod:`picks`, :mod:`conflicts`).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal

from zen.engine.errors import UsageError
from zen.history import branches as br
from zen.history import commits as cm
from zen.history import conflicts as cf
from zen.history import merge as mg
from zen.history import picks, store
from zen.history import refs as rf
from zen.history.conflicts import Conflict
from zen.history.errors import RefNotFoundError
from zen.history.hashing import canonical_json
from zen.history.results import ReflogEntry, TagInfo

if TYPE_CHECKING:
    import apsw

    from zen.engine.core import Engine
    from zen.history.capture import Capture

_BAD_NAME = re.compile(r"(^[-.]|[\s~^:?*\[\\]|\.\.|@\{|/$|\.lock$)")


class RefsMixin:
    """Branches, merge, revert, cherry-pick, reset, tags and reflog of a :class:`History`."""

    engine: Engine
    capture: Capture
    cache: cm.ObjectCache
    _author: str

    @property
    def conn(self) -> apsw.Connection:
        """The underlying APSW connection."""
        return self.engine.conn

    def sync(self) -> bool:
        """Fold outside writes and make owed commits (see :meth:`History.sync`)."""
        raise NotImplementedError  # History provides it

    # -- branches ------------------------------------------------------------------------

    @property
    def branch(self) -> str | None:
        """The current branch's name (None when HEAD is detached)."""
        return br.current(self.engine)

    def create_branch(
        self, name: str, start: str = "HEAD", *, force: bool = False
    ) -> br.BranchInfo:
        """Create branch ``name`` at ``start`` (O(1): one ref).

        Example:
            >>> history.create_branch("feature").name  # doctest: +SKIP
            'feature'
        """
        check_name(name, "branch")
        self.sync()
        return br.create(self.engine, name, start, force=force)

    def branches(self) -> list[br.BranchInfo]:
        """Every branch, sorted by name, the current one marked.

        Example:
            >>> [(b.name, b.current) for b in history.branches()]  # doctest: +SKIP
            [('feature', False), ('main', True)]
        """
        self.sync()
        return br.listing(self.engine)

    def delete_branch(self, name: str, *, force: bool = False) -> br.BranchInfo:
        """Delete a branch (unless ``force``, only when merged into HEAD)."""
        self.sync()
        return br.delete(self.engine, name, force=force)

    def switch(
        self,
        name: str,
        *,
        create: bool = False,
        start: str = "HEAD",
        pending: br.Pending = "refuse",
    ) -> br.SwitchResult:
        """Check out branch ``name`` (created at ``start`` when ``create``).

        Uncommitted changes block the switch unless ``pending`` is ``carry`` or ``discard``.

        Example:
            >>> history.switch("feature", create=True).branch  # doctest: +SKIP
            'feature'
        """
        if create:
            check_name(name, "branch")
        self.sync()
        return br.switch(
            self.engine, self.capture, name, pending=pending, create_from=start if create else None
        )

    # -- merging -----------------------------------------------------------------------

    def merge(
        self,
        ref: str,
        *,
        no_ff: bool = False,
        message: str | None = None,
        author: str | None = None,
    ) -> mg.MergeResult:
        """Merge ``ref`` into HEAD: fast-forward, or three-way with cell-level conflicts.

        Example:
            >>> history.merge("feature").outcome  # doctest: +SKIP
            'merged'
        """
        self.sync()
        return mg.merge(
            self.engine, self.capture, self.cache, ref, no_ff=no_ff, message=message,
            author=author or self._author,
        )  # fmt: skip

    def merge_continue(self, *, author: str | None = None) -> mg.MergeResult:
        """Finish a merge once every conflict has a resolution."""
        self.sync()
        return mg.merge_continue(self.engine, self.capture, self.cache, author=author)

    def merge_abort(self) -> str:
        """Forget the merge in progress (nothing of it was applied); returns its commit."""
        return mg.merge_abort(self.engine)

    def conflicts(self) -> list[Conflict]:
        """The conflicts of the merge in progress (also queryable as ``_zen_conflicts``)."""
        return cf.read(self.conn)

    def resolve_conflicts(
        self,
        how: Literal["ours", "theirs", "value"],
        *,
        table: str | None = None,
        key: str | None = None,
        column: str | None = None,
        value: Any = None,
    ) -> int:
        """Choose a side (or a value) for matching conflicts; returns how many.

        Example:
            >>> history.resolve_conflicts("theirs", table="users")  # doctest: +SKIP
            2
        """
        with self.engine.transaction():
            return cf.resolve(self.conn, how, table=table, key=key, column=column, value=value)

    def revert(self, ref: str, *, author: str | None = None) -> picks.PickResult:
        """Undo ``ref``'s changes in a new commit."""
        self.sync()
        return picks.revert(self.engine, self.capture, ref, author=author or self._author)

    def cherry_pick(self, ref: str, *, author: str | None = None) -> picks.PickResult:
        """Apply ``ref``'s changes as a new commit."""
        self.sync()
        return picks.cherry_pick(self.engine, self.capture, ref, author=author)

    def reset(self, ref: str) -> picks.PickResult:
        """``reset --hard``: point HEAD's branch at ``ref`` and make the working copy its state."""
        self.sync()
        return picks.reset_hard(self.engine, self.capture, ref)

    # -- tags and reflog ------------------------------------------------------------------

    def tag(
        self, name: str, ref: str = "HEAD", *, message: str | None = None, force: bool = False
    ) -> TagInfo:
        """Create a tag (annotated when ``message`` is given).

        Example:
            >>> history.tag("v1", message="first release").commit[:12]  # doctest: +SKIP
            '9c1f2a7b3d4e'

        Raises:
            UsageError: The name is not a valid tag name, or the tag exists (without force).
        """
        self.sync()
        check_name(name, "tag")
        full = cm.TAG_PREFIX + name
        with self.engine.transaction():
            if store.get_ref(self.conn, full) is not None and not force:
                raise UsageError(f"tag {name} already exists", hint="pass force=True to move it")
            commit = rf.resolve_commit(self.conn, ref)
            target = commit.id
            tagger = time_ms = None
            if message is not None:
                tagger, time_ms = cm.default_author(self.conn), store.now_ms()
                body = {"object": commit.id, "tag": name, "tagger": tagger, "time": time_ms,
                        "message": message}  # fmt: skip
                target = store.put_object(self.conn, "tag", canonical_json(body)).hex()
            store.set_ref(self.conn, full, target)
        return TagInfo(name, commit.id, message, tagger, time_ms)

    def tags(self) -> list[TagInfo]:
        """Every tag, sorted by name."""
        self.sync()
        found: list[TagInfo] = []
        for full, target in store.list_refs(self.conn, cm.TAG_PREFIX):
            stored = store.get_object(self.conn, bytes.fromhex(target))
            name = full[len(cm.TAG_PREFIX) :]
            if stored.kind == "tag":
                body = json.loads(stored.body)
                found.append(
                    TagInfo(name, body["object"], body["message"], body["tagger"], body["time"])
                )
            else:
                found.append(TagInfo(name, target))
        return found

    def delete_tag(self, name: str) -> None:
        """Delete a tag.

        Raises:
            RefNotFoundError: No such tag.
        """
        with self.engine.transaction():
            if store.get_ref(self.conn, cm.TAG_PREFIX + name) is None:
                raise RefNotFoundError(f"no such tag: {name}")
            store.delete_ref(self.conn, cm.TAG_PREFIX + name)

    def reflog(self, ref: str = "HEAD", n: int | None = None) -> list[ReflogEntry]:
        """Movements of ``ref`` (HEAD by default), newest first.

        Example:
            >>> [e.message for e in history.reflog(n=1)]  # doctest: +SKIP
            ['rewind to HEAD~2']
        """
        self.sync()
        name = ref if ref == cm.HEAD or ref.startswith("refs/") else cm.BRANCH_PREFIX + ref
        return [ReflogEntry(*row) for row in store.read_reflog(self.conn, name, n)]


def check_name(name: str, what: str) -> None:
    """Refuse a branch or tag name git would refuse (spaces, ``..``, ``~^:?*[``...)."""
    if not name or _BAD_NAME.search(name):
        raise UsageError(
            f"invalid {what} name: {name!r}",
            hint="use letters, digits, '-', '_', '/' and '.', without spaces or ~^:?*[",
        )
