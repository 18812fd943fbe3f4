"""Branches: create, list, delete, and switch the working copy between them.

A branch is a ref ``refs/heads/NAME`` naming a commit; ``HEAD`` names the
current branch (``ref: refs/heads/main``). Creating one writes one ref row, so
it costs the same whatever the database size or the number of branches.
Switching moves the working copy (see :mod:`zen.history.checkout`) and points
``HEAD`` at the branch, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import apsw

from zen.engine.core import Engine
from zen.engine.errors import UsageError
from zen.history import ancestry, checkout, store
from zen.history import commits as cm
from zen.history import refs as rf
from zen.history.apply import raw_apply_mode
from zen.history.capture import Capture
from zen.history.errors import HistoryError, RefNotFoundError, WorkingCopyConflictError
from zen.history.rewind import paused
from zen.history.steps import SchemaStep, Step

Pending = Literal["refuse", "carry", "discard"]


@dataclass(frozen=True)
class BranchInfo:
    """A branch: its name, the commit it names, and whether HEAD is on it."""

    name: str
    commit: str
    current: bool
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class SwitchResult:
    """What a switch did.

    Attributes:
        branch: The branch now checked out.
        commit: Its commit.
        created: The branch was created by this switch (``switch -c``).
        rows: Row changes applied to the working copy.
        schema_steps: Schema steps applied.
        carried: Uncommitted transactions carried over (0 unless ``carry``).
        discarded: Uncommitted transactions thrown away (0 unless ``discard``).
    """

    branch: str
    commit: str
    created: bool
    rows: int
    schema_steps: int
    carried: int = 0
    discarded: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def full_name(name: str) -> str:
    """``refs/heads/NAME``."""
    return cm.BRANCH_PREFIX + name


def current(engine: Engine) -> str | None:
    """The checked-out branch's short name (None when HEAD is detached)."""
    ref = cm.head_branch(engine.conn)
    return ref.removeprefix(cm.BRANCH_PREFIX) if ref else None


def create(engine: Engine, name: str, start: str = "HEAD", *, force: bool = False) -> BranchInfo:
    """Create branch ``name`` at revision ``start`` (one ref row and a reflog entry).

    Raises:
        UsageError: The branch exists (without ``force``), or is the current one.
    """
    with engine.transaction():
        commit = _create_ref(engine.conn, name, start, force=force)
    return BranchInfo(name, commit.id, False, commit.message)


def _create_ref(conn: apsw.Connection, name: str, start: str, *, force: bool = False) -> cm.Commit:
    ref = full_name(name)
    old = store.get_ref(conn, ref)
    if old is not None and not force:
        raise UsageError(f"a branch named {name} already exists", hint=f"zen switch {name}")
    if old is not None and cm.head_branch(conn) == ref:
        raise UsageError(f"cannot force-move the current branch {name}")
    commit = rf.resolve_commit(conn, start)
    store.set_ref(conn, ref, commit.id)
    store.append_reflog(conn, ref, old, commit.id, f"branch: created from {start}")
    return commit


def listing(engine: Engine) -> list[BranchInfo]:
    """Every branch, sorted by name, the current one marked."""
    conn = engine.conn
    with engine.transaction(write=False):
        here = cm.head_branch(conn)
        found = []
        for ref, target in store.list_refs(conn, cm.BRANCH_PREFIX):
            message = cm.load_commit(conn, target).message
            name = ref.removeprefix(cm.BRANCH_PREFIX)
            found.append(BranchInfo(name, target, ref == here, message))
    return found


def delete(engine: Engine, name: str, *, force: bool = False) -> BranchInfo:
    """Delete a branch; unless ``force``, only when HEAD contains its commits.

    Raises:
        RefNotFoundError: No such branch.
        UsageError: It is the current branch.
        HistoryError: It is not merged into HEAD (without ``force``).
    """
    conn = engine.conn
    ref = full_name(name)
    with engine.transaction():
        target = store.get_ref(conn, ref)
        if target is None:
            raise RefNotFoundError(f"unknown branch: {name}", hint="zen branch lists branches")
        if cm.head_branch(conn) == ref:
            raise UsageError(
                f"cannot delete the current branch {name}", hint="zen switch to another one first"
            )
        head = cm.head_id(conn)
        if not force and (head is None or not ancestry.is_ancestor(conn, target, head)):
            raise HistoryError(
                f"branch {name} is not merged into HEAD: its commits would become unreachable",
                hint=f"merge it first (zen merge {name}), or delete anyway with -D",
            )
        store.delete_ref(conn, ref)
        store.append_reflog(conn, ref, target, None, "branch: deleted")
    return BranchInfo(name, target, False)


def switch(
    engine: Engine,
    capture: Capture,
    name: str,
    *,
    pending: Pending = "refuse",
    create_from: str | None = None,
) -> SwitchResult:
    """Make branch ``name`` current and the working copy its state, in one transaction.

    Args:
        engine: The engine.
        capture: The history capture (paused while applying).
        name: The branch.
        pending: What to do with uncommitted changes: refuse the switch, carry them
            onto the branch (they must apply cleanly), or discard them.
        create_from: Create the branch at this revision first (``switch -c``).

    Raises:
        HistoryError: Uncommitted changes and ``pending="refuse"``.
        WorkingCopyConflictError: Carried changes do not apply on the branch.
    """
    conn = engine.conn
    ref = full_name(name)
    with raw_apply_mode(conn), paused(capture), engine.transaction():
        if create_from is not None:
            _create_ref(conn, name, create_from)
        target = store.get_ref(conn, ref)
        if target is None:
            raise RefNotFoundError(
                f"unknown branch: {name}", hint=f"create it with: zen switch -c {name}"
            )
        result = _switch_to(engine, capture, name, cm.load_commit(conn, target), pending)
        return SwitchResult(**{**result.__dict__, "created": create_from is not None})


def _switch_to(
    engine: Engine, capture: Capture, name: str, target: cm.Commit, pending: Pending
) -> SwitchResult:
    conn = engine.conn
    dirty = checkout.uncommitted(conn)
    if dirty and pending == "refuse":
        raise HistoryError(
            f"cannot switch to {name}: the working copy has {len(dirty)} uncommitted "
            "transaction(s)",
            hint="commit them (zen commit -m ...), bring them along with --carry, "
            "or throw them away with --discard",
        )
    old_branch, old_head = cm.head_branch(conn), cm.head_id(conn)
    head = cm.head_commit(conn)
    carried: list[Step] = checkout.pending_steps(conn) if dirty and pending == "carry" else []
    steps: list[Step] = []
    same_state = head is not None and head.record == target.record
    if not same_state or (pending == "discard" and dirty):
        _, steps = _move(engine, capture, target, name, carried)
    store.set_ref(conn, cm.HEAD, cm.SYMBOLIC + full_name(name))
    old = old_branch.removeprefix(cm.BRANCH_PREFIX) if old_branch else old_head
    store.append_reflog(conn, cm.HEAD, old_head, target.id, f"switch: moving from {old} to {name}")
    return SwitchResult(
        name,
        target.id,
        False,
        checkout.row_count(steps),
        sum(1 for s in steps if isinstance(s, SchemaStep)),
        len(dirty) if pending == "carry" else 0,
        len(dirty) if pending == "discard" else 0,
    )


def _move(
    engine: Engine, capture: Capture, target: cm.Commit, name: str, carried: list[Step]
) -> tuple[store.Record, list[Step]]:
    try:
        return checkout.move(engine, capture, target.record, "switch", f"switch to {name}", carried)
    except WorkingCopyConflictError as exc:
        if not carried:
            raise
        raise WorkingCopyConflictError(
            f"your uncommitted changes do not apply on {name}: {exc.message}",
            hint="commit them first, or switch with --discard to throw them away",
        ) from None
