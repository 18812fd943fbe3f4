"""Revert, cherry-pick and reset --hard.

``revert C`` applies the inverse of C's changes (against its first parent) to
the working copy and commits it; ``cherry_pick C`` applies C's changes. Both
use the merge's cell-level check (:class:`zen.history.conflicts.Applier`): a
row changed since C only in other columns still takes C's cells; a cell
changed since C to something else is a conflict, and then nothing is applied.
``reset REF`` points the current branch (or detached HEAD) at REF and moves
the working copy there, discarding uncommitted changes; the commits left
behind stay reachable through the reflog until ``gc``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import apsw

from zen.engine.core import Engine
from zen.history import checkout, store
from zen.history import commits as cm
from zen.history import conflicts as cf
from zen.history import merge as mg
from zen.history import schema as sch
from zen.history.apply import path_steps, raw_apply_mode
from zen.history.capture import Capture
from zen.history.errors import HistoryError
from zen.history.refs import resolve_commit
from zen.history.rewind import paused
from zen.history.steps import Step, encode_steps


class PickConflictError(HistoryError):
    """The change does not apply on the working copy (nothing was applied)."""


@dataclass(frozen=True)
class PickResult:
    """What a revert, cherry-pick or reset did.

    Attributes:
        action: ``revert``, ``cherry-pick`` or ``reset``.
        source: The commit named (reverted, picked, or reset to).
        commit: The new HEAD commit (None when nothing changed).
        rows: Row changes applied to the working copy.
        schema_steps: Schema steps applied.
    """

    action: str
    source: str
    commit: str | None
    rows: int
    schema_steps: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def revert(engine: Engine, capture: Capture, spec: str, *, author: str | None = None) -> PickResult:
    """Undo commit ``spec``'s changes in a new commit ``Revert "<message>"``.

    Raises:
        HistoryError: Uncommitted changes, or ``spec`` is the root commit.
        PickConflictError: Rows it changed were changed again since (nothing applied).
    """
    with raw_apply_mode(engine.conn), paused(capture), engine.transaction():
        commit, parent = _with_parent(engine.conn, spec, "revert")
        steps = path_steps(engine.conn, commit.record, parent.record)
        message = f'Revert "{_summary(commit.message)}"\n\nThis reverts commit {commit.id}.'
        return _pick(engine, capture, "revert", commit, steps, message, author)


def cherry_pick(
    engine: Engine, capture: Capture, spec: str, *, author: str | None = None
) -> PickResult:
    """Apply commit ``spec``'s changes (against its first parent) as a new commit.

    The new commit keeps the original message and author (``author`` overrides it).

    Raises:
        HistoryError: Uncommitted changes, or ``spec`` is the root commit.
        PickConflictError: The changes do not apply here (nothing applied).
    """
    with raw_apply_mode(engine.conn), paused(capture), engine.transaction():
        commit, parent = _with_parent(engine.conn, spec, "cherry-pick")
        steps = path_steps(engine.conn, parent.record, commit.record)
        who = author or commit.author
        return _pick(engine, capture, "cherry-pick", commit, steps, commit.message, who)


def reset_hard(engine: Engine, capture: Capture, spec: str) -> PickResult:
    """Point HEAD's branch at ``spec`` and make the working copy its state.

    Uncommitted changes and a merge in progress are thrown away.
    """
    conn = engine.conn
    with raw_apply_mode(conn), paused(capture), engine.transaction():
        target = resolve_commit(conn, spec)
        last = store.last_record(conn)
        head = cm.head_id(conn)
        steps: list[Step] = []
        if (last.id if last else None) != target.record or head != target.id:
            _, steps = checkout.move(engine, capture, target.record, "reset", f"reset to {spec}")
        if head != target.id:
            cm.move_head(conn, target.id, f"reset: moving to {spec}")
        mg.forget(conn)
        return PickResult("reset", target.id, target.id, checkout.row_count(steps), _schema(steps))


def _summary(message: str) -> str:
    """The first line of a commit message."""
    return message.splitlines()[0] if message else ""


def _with_parent(conn: apsw.Connection, spec: str, what: str) -> tuple[cm.Commit, cm.Commit]:
    if mg.in_progress(conn):
        raise HistoryError(
            f"cannot {what} during a merge", hint="zen merge --continue or zen merge --abort"
        )
    checkout.require_clean(conn, what)
    commit = resolve_commit(conn, spec)
    if not commit.parents:
        raise HistoryError(f"cannot {what} the root commit {commit.short}: it has no parent")
    return commit, cm.load_commit(conn, commit.parents[0])


def _pick(
    engine: Engine,
    capture: Capture,
    action: str,
    source: cm.Commit,
    steps: list[Step],
    message: str,
    author: str | None,
) -> PickResult:
    conn = engine.conn
    checkout.check_schema_fits(conn, steps)
    applier = cf.Applier({}, lambda _t, _k: None, sch.snapshot(conn))
    applied = mg.apply_with(conn, steps, applier)
    if applier.found or applier.failures:
        raise PickConflictError(
            f"cannot {action} {source.short}: " + _describe(applier),
            hint="the rows were changed again since; change them back, or edit by hand",
        )
    if not applied:
        return PickResult(action, source.id, None, 0, 0)
    checkout.after_apply(engine, capture, applied)
    store.append_record(conn, action, encode_steps(applied), note=_summary(message))
    made = cm.make_commit(conn, message, author=author)
    return PickResult(
        action, source.id, made.id if made else None, checkout.row_count(applied), _schema(applied)
    )


def _describe(applier: cf.Applier) -> str:
    if applier.failures:
        return "; ".join(applier.failures[:3])
    parts = [f"{t} {k} {c or '(row)'}: {kind}" for t, k, c, kind, *_ in applier.found[:3]]
    more = len(applier.found) - 3
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def _schema(steps: list[Step]) -> int:
    from zen.history.steps import SchemaStep

    return sum(1 for s in steps if isinstance(s, SchemaStep))
