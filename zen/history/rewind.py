"""Rewind: return the working copy to an earlier state, as a new, undoable commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from zen.engine.core import Engine
from zen.history import commits as cm
from zen.history import store
from zen.history.apply import apply_steps, path_steps, raw_apply_mode
from zen.history.capture import Capture
from zen.history.checkout import after_apply, row_count
from zen.history.refs import State
from zen.history.steps import RowsStep, Step, encode_steps


@dataclass(frozen=True)
class RewindResult:
    """What a rewind did.

    Attributes:
        target: The revision rewound to, as given.
        commit: The new commit recording the rewind (None when already there).
        rows: Row changes applied to the working copy.
        schema_steps: Schema steps applied.
    """

    target: str
    commit: cm.Commit | None
    rows: int
    schema_steps: int

    @property
    def changed(self) -> bool:
        """True when the working copy changed."""
        return self.commit is not None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "target": self.target,
            "commit": self.commit.to_json() if self.commit else None,
            "rows": self.rows,
            "schema_steps": self.schema_steps,
        }


@contextmanager
def paused(capture: Capture) -> Iterator[None]:
    """Capture off: the caller records what it applies itself."""
    capture.paused += 1
    try:
        yield
    finally:
        capture.paused -= 1


def rewind(
    engine: Engine, capture: Capture, target: State, *, author: str | None = None
) -> RewindResult:
    """Move the working copy to ``target``'s state in one transaction and record it.

    The applied steps become a ``rewind`` record and a commit "rewind to X" on
    HEAD, whose tree must equal the target commit's tree (checked).
    """
    conn = engine.conn
    with raw_apply_mode(conn), paused(capture), engine.transaction():
        last = store.last_record(conn)
        if (last.id if last else None) == target.record:
            return RewindResult(target.label, None, 0, 0)
        steps = path_steps(conn, last.id if last else None, target.record)
        apply_steps(conn, steps)
        after_apply(engine, capture, steps)
        message = f"rewind to {target.label}"
        store.append_record(conn, "rewind", encode_steps(steps), note=message)
        expect = (
            cm.commit_tree(conn, cm.load_commit(conn, target.commit)) if target.commit else None
        )
        commit = cm.make_commit(conn, message, author=author, allow_empty=True, expect_tree=expect)
        return RewindResult(target.label, commit, row_count(steps), _schema_count(steps))


def _schema_count(steps: list[Step]) -> int:
    return sum(1 for step in steps if not isinstance(step, RowsStep))
