"""The history API: :class:`History` over a :class:`Engine`.

Every method returns plain dataclasses (each with ``to_json()``) so a CLI can
render them or dump them as JSON.

Example:
    >>> from zen.history import History
    >>> history = History.init("app.db")                      # doctest: +SKIP
    >>> history.engine.script("insert into t values (1, 'a')")  # captured, autocommitted
    >>> [c.message for c in history.log(n=2)]                 # doctest: +SKIP
    ['insert into t values (1, \\'a\\')', 'initial state']
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import apsw

from zen.engine.core import Engine
from zen.engine.errors import UsageError
from zen.history import bulk, checkout, external, lazy, store
from zen.history import commits as cm
from zen.history import conflicts as cf
from zen.history import diff as df
from zen.history import merge as mg
from zen.history import refs as rf
from zen.history import schema as sch
from zen.history.apply import path_steps
from zen.history.capture import Capture
from zen.history.errors import CorruptObjectError, HistoryError
from zen.history.fsck import FsckReport, fsck
from zen.history.gc import GcReport, gc
from zen.history.refs_api import RefsMixin
from zen.history.results import LogEntry, ReflogEntry, Show, Status, TagInfo
from zen.history.rewind import RewindResult, rewind
from zen.history.trees import scan_tree

__all__ = ["History", "LogEntry", "Policy", "ReflogEntry", "Show", "Status", "TagInfo"]

Policy = Literal["transaction", "explicit"]
POLICIES: tuple[Policy, ...] = ("transaction", "explicit")
DEFAULT_BRANCH = "main"
_KEEP = re.compile(r"^(\d+)\s*([smhdw]?)$")
_KEEP_MS = {
    "": 86_400_000,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}


class History(RefsMixin):
    """Git-style history of one database.

    Args:
        engine: A :class:`Engine` on a database whose history is enabled
            (see :meth:`init`); capture starts at once.
        observe: Register the capture on the engine (False when the caller forwards
            the engine's events itself, as :mod:`zen.history.attach` does).

    Raises:
        NotInitializedError: History was never enabled for this database.
    """

    def __init__(self, engine: Engine, *, observe: bool = True) -> None:
        store.require(engine.conn, engine.path)
        self.engine = engine
        if int(store.meta_get(engine.conn, "format", 1)) < store.FORMAT_VERSION:
            self._upgrade()
        self.capture = Capture()
        self.cache = cm.ObjectCache()
        self._policy = _configured_policy() or str(
            store.meta_get(engine.conn, "policy", "transaction")
        )
        self._author = cm.default_author(engine.conn)
        self._owe_commits()
        self._observing = observe
        if observe:
            engine.add_transaction_observer(self.capture)

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> History:
        """Open a database whose history is enabled.

        Example:
            >>> history = History.open("app.db")  # doctest: +SKIP
        """
        return cls(Engine(path, create=False))

    @classmethod
    def init(
        cls,
        target: Engine | str | os.PathLike[str],
        *,
        policy: Policy = "transaction",
        author: str | None = None,
        message: str = "initial state",
        observe: bool = True,
    ) -> History:
        """Enable history: create the tables and a root commit of the current state.

        The rows already there are not copied; the root commit records their hash.

        Example:
            >>> history = History.init("app.db", policy="explicit")  # doctest: +SKIP

        Raises:
            HistoryError: History is already enabled.
        """
        engine = target if isinstance(target, Engine) else Engine(target)
        check_policy(policy)
        conn = engine.conn
        if store.installed(conn):
            raise HistoryError(f"history is already enabled for {engine.path}")
        with engine.transaction():
            store.install(conn)
            external.install_tables(conn)
            store.meta_set(conn, "policy", policy)
            store.meta_set(conn, "started_ms", store.now_ms())
            if author:
                store.meta_set(conn, "author", author)
            for table, sql in sch.tables(sch.snapshot(conn)).items():
                sch.check_null_keys(conn, table, sql)
            tree = scan_tree(conn)
            who = author or cm.default_author(conn)
            root, _ = cm.write_commit(conn, tree, (), who, message, None)
            branch = cm.BRANCH_PREFIX + DEFAULT_BRANCH
            store.set_ref(conn, cm.HEAD, cm.SYMBOLIC + branch)
            store.set_ref(conn, branch, root.id)
            store.append_reflog(conn, branch, None, root.id, f"init: {message}")
            store.append_reflog(conn, cm.HEAD, None, root.id, f"init: {message}")
            current = sch.snapshot(conn)
            external.sync(conn, current)
            external.store_schema(conn, int(conn.execute("PRAGMA schema_version").get), current)
        return cls(engine, observe=observe)

    def flush(self) -> int:
        """Make the autocommits still owed now (also done by every history command).

        Returns:
            How many commits were made.

        Example:
            >>> history.flush()  # doctest: +SKIP
            12
        """
        if self.engine.read_only or self.engine.in_transaction or not lazy.owed(self.conn):
            return 0
        with self.engine.transaction():
            return self._materialize()

    def close(self) -> None:
        """Make owed autocommits, stop capturing and close the engine."""
        self.flush()
        if self._observing:
            self.engine.remove_transaction_observer(self.capture)
        self.engine.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> apsw.Connection:
        """The underlying APSW connection."""
        return self.engine.conn

    # -- policy ------------------------------------------------------------------

    @property
    def policy(self) -> str:
        """``transaction`` (every write transaction is a commit) or ``explicit``."""
        return self._policy

    def set_policy(self, policy: Policy) -> None:
        """Change the autocommit policy (stored in the database).

        Example:
            >>> history.set_policy("explicit")  # doctest: +SKIP

        A ``history.autocommit`` setting (``ZEN_AUTOCOMMIT``, zen.toml, user config)
        overrides the stored policy whenever the database is opened.
        """
        check_policy(policy)
        with self.engine.transaction():
            store.meta_set(self.conn, "policy", policy)
        self._policy = policy
        self._owe_commits()

    def _owe_commits(self) -> None:
        # Under the transaction policy each record owes a commit, made on the next
        # read of history (zen.history.lazy): the write path stays cheap.
        self.capture.autocommit_author = self._author if self._policy == "transaction" else None

    def _upgrade(self) -> None:
        if self.engine.read_only:
            raise HistoryError(
                "this database's history was written by an older zen",
                hint="open it once without --read-only to upgrade it",
            )
        with self.engine.transaction():
            store.upgrade(self.conn)
            external.install_tables(self.conn)

    # -- other programs' writes ------------------------------------------------------

    def sync(self) -> bool:
        """Record writes other programs made since zen last looked (see ``external``).

        Every history command calls it first, so ``status`` shows those writes and
        the next commit includes them. Returns True when something was recorded.

        Example:
            >>> history.sync()  # after the app's sqlite3 module wrote rows  # doctest: +SKIP
            True
        """
        if self.engine.read_only or self.engine.in_transaction:
            return False
        if not (self._outside_pending() or lazy.owed(self.conn) or bulk.unsealed(self.conn)):
            return False
        before = store.last_record(self.conn)
        with self.engine.transaction():  # its start folds outside writes into a record
            made = self._materialize()
        after = store.last_record(self.conn)
        return made > 0 or (after.id if after else None) != (before.id if before else None)

    def _materialize(self) -> int:
        # A working copy changed behind zen's back (a raw connection write) cannot
        # give the owed commits their hashes: they stay owed (status shows them as
        # pending, fsck reports the mismatch) and reading history still works.
        try:
            with self.engine.transaction():
                return lazy.materialize(self.conn, self.cache)
        except CorruptObjectError:
            return 0

    def _outside_pending(self) -> bool:
        conn = self.conn
        if not external.installed(conn):
            return False
        if external.pending_rows(conn):
            return True
        cookie, _ = external.stored_schema(conn)
        return cookie != int(conn.execute("PRAGMA schema_version").get)

    @contextmanager
    def recording(self, message: str) -> Iterator[None]:
        """Make what runs inside one commit named ``message``, on top of the prior state.

        Pending changes (uncommitted work, other programs' writes) are committed
        first as "state before: MESSAGE", so ``rewind HEAD~1`` undoes exactly what
        ran inside, whatever the autocommit policy. Used by ``zen migrate``.

        Example:
            >>> with history.recording("migrate: add users.email"):  # doctest: +SKIP
            ...     db.script("ALTER TABLE users ADD COLUMN email TEXT")
        """
        self.sync()
        head = cm.head_commit(self.conn)
        if cm.pending_records(self.conn, head.record if head else None):
            self.commit(f"state before: {message}")
        with self.labelled(message):
            yield
        if self._policy == "explicit":
            self.commit(message)

    @contextmanager
    def labelled(self, message: str) -> Iterator[None]:
        """Transactions recorded inside get ``message`` (their commit message).

        Example:
            >>> with history.labelled("import books.csv into books"):  # doctest: +SKIP
            ...     db.import_file("books", "books.csv")
        """
        previous, self.capture.label = self.capture.label, message
        try:
            yield
        finally:
            self.capture.label = previous

    # -- commits -----------------------------------------------------------------

    def commit(
        self, message: str, *, author: str | None = None, allow_empty: bool = False
    ) -> cm.Commit | None:
        """Commit the working copy; returns None when nothing changed since HEAD.

        Example:
            >>> history.commit("load customers", author="ada")  # doctest: +SKIP
            Commit(id='9c1f...', ...)
        """
        self.sync()
        if not message.strip():
            raise UsageError("empty commit message", hint='say what changed: -m "..."')
        with self.engine.transaction():
            return cm.make_commit(
                self.conn,
                message,
                author=author or self._author,
                allow_empty=allow_empty,
                cache=self.cache,
            )

    def log(
        self,
        n: int | None = None,
        *,
        start: str = "HEAD",
        table: str | None = None,
        all_parents: bool = False,
    ) -> list[LogEntry]:
        """Commits from ``start`` back, newest first.

        Args:
            n: At most this many commits.
            start: Where to start (any revision).
            table: Only commits that changed this table's rows or schema.
            all_parents: Follow every parent (merges), not only the first.

        Example:
            >>> [e.commit.message for e in history.log(n=1)]  # doctest: +SKIP
            ['load customers']
        """
        self.sync()
        first = rf.resolve_commit(self.conn, start).id
        decorations = self._decorations()
        found: list[LogEntry] = []
        for commit in cm.walk(self.conn, first, first_parent=not all_parents):
            if n is not None and len(found) >= n:
                break
            if table is None or self._touches(commit, table):
                found.append(LogEntry(commit, tuple(decorations.get(commit.id, ()))))
        return found

    def _decorations(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        head = cm.head_id(self.conn)
        if head:
            out.setdefault(head, []).append(cm.HEAD)
        for name, target in store.list_refs(self.conn, "refs/"):
            commit = (
                rf.resolve(self.conn, name).commit if name.startswith(cm.TAG_PREFIX) else target
            )
            short = name.removeprefix(cm.BRANCH_PREFIX).removeprefix("refs/")
            out.setdefault(commit or target, []).append(short)
        return out

    def _touches(self, commit: cm.Commit, table: str) -> bool:
        tree = cm.commit_tree(self.conn, commit)
        if not commit.parents:
            return table in tree.tables
        parent = cm.commit_tree(self.conn, cm.load_commit(self.conn, commit.parents[0]))
        return tree.table_hex(table) != parent.table_hex(table) or _table_schema(
            tree.schema, table
        ) != _table_schema(parent.schema, table)

    # -- looking ----------------------------------------------------------------------

    def resolve(self, ref: str) -> rf.State:
        """Resolve a revision (see :mod:`zen.history.refs`)."""
        self.sync()
        return rf.resolve(self.conn, ref)

    def status(self) -> Status:
        """The working copy against HEAD: pending transactions and changes per table.

        Example:
            >>> history.status().clean  # doctest: +SKIP
            True
        """
        self.sync()
        with self.engine.transaction(write=False):
            head = cm.head_commit(self.conn)
            pending = len(checkout.uncommitted(self.conn))
            changes = self._diff_states(self._head_state(), self._working_state(), keep_rows=False)
            return Status(
                _branch_name(cm.head_branch(self.conn)),
                head.id if head else None,
                self._policy,
                pending,
                changes,
                mg.in_progress(self.conn),
                tuple(cf.read(self.conn)),
            )

    def diff(
        self,
        source: str | None = None,
        target: str | None = None,
        *,
        tables: Collection[str] | None = None,
        schema_only: bool = False,
        stat: bool = False,
    ) -> df.Diff:
        """Differences between two revisions (default: HEAD and the working copy).

        Args:
            source: The old side; default HEAD.
            target: The new side; default the working copy.
            tables: Only these tables' rows.
            schema_only: Only the schema differences.
            stat: Counts only (no rows kept).

        Example:
            >>> d = history.diff("HEAD~1", "HEAD")  # doctest: +SKIP
            >>> [(t.table, t.added, t.removed, t.changed) for t in d.tables]
            [('users', 1, 0, 2)]
        """
        self.sync()
        with self.engine.transaction(write=False):
            src = self.resolve(source) if source else self._head_state()
            dst = self.resolve(target) if target else self._working_state()
            return self._diff_states(
                src, dst, tables=tables, schema_only=schema_only, keep_rows=not stat
            )

    def show(self, ref: str = "HEAD") -> Show:
        """A commit and its diff against its first parent.

        Example:
            >>> history.show("HEAD").commit.message  # doctest: +SKIP
            'load customers'
        """
        self.sync()
        with self.engine.transaction(write=False):
            commit = rf.resolve_commit(self.conn, ref)
            if not commit.parents:
                return Show(commit, None)
            parent = cm.load_commit(self.conn, commit.parents[0])
            src = rf.State(parent.record, parent.id, parent.short)
            dst = rf.State(commit.record, commit.id, commit.short)
            return Show(commit, self._diff_states(src, dst))

    def _head_state(self) -> rf.State:
        head = cm.head_commit(self.conn)
        if head is None:
            raise HistoryError("HEAD has no commit")
        return rf.State(head.record, head.id, "HEAD")

    def _working_state(self) -> rf.State:
        last = store.last_record(self.conn)
        return rf.State(last.id if last else None, None, "working copy")

    def _schema_at(self, state: rf.State) -> sch.SchemaMap:
        if state.commit is not None:
            return dict(cm.commit_tree(self.conn, cm.load_commit(self.conn, state.commit)).schema)
        current = sch.snapshot(self.conn)
        last = store.last_record(self.conn)
        return df.schema_after(
            current, path_steps(self.conn, last.id if last else None, state.record)
        )

    def _diff_states(
        self,
        src: rf.State,
        dst: rf.State,
        *,
        tables: Collection[str] | None = None,
        schema_only: bool = False,
        keep_rows: bool = True,
    ) -> df.Diff:
        return df.compute(
            self.conn,
            src.record,
            dst.record,
            self._schema_at(src),
            (src.label, dst.label),
            tables=tables,
            schema_only=schema_only,
            keep_rows=keep_rows,
        )

    # -- moving ------------------------------------------------------------------------

    def rewind(self, ref: str, *, author: str | None = None) -> RewindResult:
        """Return the working copy to ``ref``'s state; recorded as a new commit.

        ``ref`` is any revision, including times (``"10 minutes ago"``,
        ``"@{2026-11-20 10:42}"``), which land on a transaction boundary.
        ``rewind("HEAD~1")`` right after a rewind undoes it.

        Example:
            >>> history.rewind("HEAD~2").commit.message  # doctest: +SKIP
            'rewind to HEAD~2'
        """
        self.sync()
        state = self.resolve(ref)
        return rewind(self.engine, self.capture, state, author=author)

    # -- maintenance -----------------------------------------------------------------

    def fsck(self, *, deep: bool = True) -> FsckReport:
        """Verify every object, record and ref, and (deep) replay history against each tree.

        Example:
            >>> history.fsck().ok  # doctest: +SKIP
            True
        """
        self.sync()
        return fsck(self.conn, deep=deep)

    def gc(self, keep: str = "30d") -> GcReport:
        """Expire reflog entries and unreachable history older than ``keep`` (``30d``, ``12h``).

        Example:
            >>> history.gc("0").records  # doctest: +SKIP
            0
        """
        self.sync()
        match = _KEEP.match(keep.strip())
        if not match:
            raise UsageError(f"not a duration: {keep!r}", hint="use e.g. 30d, 2w, 12h, 0")
        keep_ms = int(match.group(1)) * _KEEP_MS[match.group(2)]
        with self.engine.transaction():
            return gc(self.conn, keep_ms)


def _configured_policy() -> str | None:
    """The ``history.autocommit`` setting when one is made (not the default)."""
    from zen import config

    chosen = config.resolve("history.autocommit")
    if chosen.source.kind == "default" or chosen.value is None:
        return None
    return str(chosen.value)


def check_policy(policy: str) -> Policy:
    """``policy`` as a :data:`Policy`, or a UsageError naming the choices."""
    for known in POLICIES:
        if policy == known:
            return known
    raise UsageError(f"unknown autocommit policy {policy!r}", hint="use transaction or explicit")


def _branch_name(ref: str | None) -> str | None:
    return ref.removeprefix(cm.BRANCH_PREFIX) if ref else None


def _table_schema(schema: Any, table: str) -> list[Any]:
    return sorted(e for e in schema.values() if e[2] == table)
