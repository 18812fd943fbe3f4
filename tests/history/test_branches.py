"""Branches: create, list, delete, switch (with uncommitted changes refused, carried, discarded)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_bench_quick
from tests.history.helpers import dump
from zen.engine.errors import UsageError
from zen.history import History
from zen.history.errors import HistoryError, RefNotFoundError, WorkingCopyConflictError


def _ages(history: History) -> list[tuple[int, int]]:
    return [tuple(r) for r in history.conn.execute("SELECT id, age FROM users ORDER BY id")]


def test_new_database_is_on_main(history: History) -> None:
    assert history.branch == "main"
    listed = history.branches()
    assert [(b.name, b.current) for b in listed] == [("main", True)]
    assert listed[0].commit == history.status().head


def test_create_list_and_json(history: History) -> None:
    made = history.create_branch("feature")
    assert made.commit == history.status().head
    history.create_branch("old", "HEAD")
    history.engine.script("UPDATE users SET age = 1 WHERE id = 1")
    history.create_branch("fresh")
    listed = {b.name: b for b in history.branches()}
    assert sorted(listed) == ["feature", "fresh", "main", "old"]
    assert listed["main"].current and not listed["feature"].current
    assert listed["fresh"].commit == history.status().head != listed["old"].commit
    assert listed["feature"].to_json()["name"] == "feature"
    assert history.branch == "main"  # creating does not switch


@pytest.mark.parametrize("name", ["", "-x", "a b", "a..b", "x~1", "x^", "a:b", "end/", "x.lock"])
def test_invalid_names(history: History, name: str) -> None:
    with pytest.raises(UsageError, match="invalid branch name"):
        history.create_branch(name)


def test_existing_and_unknown(history: History) -> None:
    history.create_branch("feature")
    with pytest.raises(UsageError, match="already exists"):
        history.create_branch("feature")
    with pytest.raises(RefNotFoundError):
        history.create_branch("x", "nope")
    with pytest.raises(RefNotFoundError, match="unknown branch"):
        history.switch("nope")
    with pytest.raises(RefNotFoundError, match="unknown branch"):
        history.delete_branch("nope")


def test_switch_moves_rows_and_schema(history: History) -> None:
    start = dump(history.conn)
    history.switch("feature", create=True)
    assert history.branch == "feature"
    history.engine.script(
        "ALTER TABLE users ADD COLUMN email TEXT; UPDATE users SET email = 'x'; "
        "CREATE TABLE extra(id INTEGER PRIMARY KEY); INSERT INTO extra VALUES (1)"
    )
    on_feature = dump(history.conn)
    result = history.switch("main")
    assert result.schema_steps >= 1 and result.rows > 0
    assert dump(history.conn) == start
    history.switch("feature")
    assert dump(history.conn) == on_feature
    status = history.status()
    assert status.pending == 0 and status.clean and status.branch == "feature"
    assert history.fsck().ok


def test_switch_records_are_undoable_by_rewind(history: History) -> None:
    history.switch("feature", create=True)
    history.engine.script("UPDATE users SET age = 0")
    history.switch("main")
    history.engine.script("UPDATE users SET age = age + 1")
    assert _ages(history) == [(1, 37), (2, 29), (3, 46)]
    history.rewind("HEAD~1")
    assert _ages(history) == [(1, 36), (2, 28), (3, 45)]
    history.switch("feature")
    assert _ages(history) == [(1, 0), (2, 0), (3, 0)]
    assert history.fsck().ok


def test_uncommitted_changes_block_switch(explicit: History) -> None:
    explicit.create_branch("feature")
    explicit.engine.script("UPDATE users SET age = 1 WHERE id = 1")
    before = dump(explicit.conn)
    with pytest.raises(HistoryError, match="uncommitted"):
        explicit.switch("feature")
    assert dump(explicit.conn) == before and explicit.branch == "main"


def test_carry_brings_changes_along(explicit: History) -> None:
    explicit.create_branch("feature")
    explicit.engine.script("UPDATE users SET age = 1 WHERE id = 1; INSERT INTO kv VALUES ('z', 9)")
    result = explicit.switch("feature", pending="carry")
    assert result.carried == 1
    assert _ages(explicit)[0] == (1, 1)
    status = explicit.status()
    assert status.pending == 1 and not status.clean
    explicit.commit("on feature")
    explicit.switch("main")
    assert _ages(explicit)[0] == (1, 36)
    assert explicit.fsck().ok


def test_carry_onto_a_branch_that_changed_the_rows(explicit: History) -> None:
    explicit.switch("feature", create=True)
    explicit.engine.script("UPDATE users SET age = 50 WHERE id = 1")
    explicit.commit("feature age")
    explicit.switch("main")
    explicit.engine.script("UPDATE users SET age = 60 WHERE id = 1")
    before = dump(explicit.conn)
    with pytest.raises(WorkingCopyConflictError, match="do not apply on feature"):
        explicit.switch("feature", pending="carry")
    assert dump(explicit.conn) == before and explicit.branch == "main"


def test_discard_throws_changes_away(explicit: History) -> None:
    explicit.create_branch("feature")
    explicit.engine.script("UPDATE users SET age = 1 WHERE id = 1")
    result = explicit.switch("feature", pending="discard")
    assert result.discarded == 1
    assert _ages(explicit)[0] == (1, 36)
    assert explicit.status().clean and explicit.status().pending == 0
    assert explicit.fsck().ok


def test_delete_merged_and_unmerged(history: History) -> None:
    history.create_branch("merged")
    history.switch("side", create=True)
    history.engine.script("UPDATE users SET age = 2")
    with pytest.raises(UsageError, match="current branch"):
        history.delete_branch("side")
    history.switch("main")
    history.delete_branch("merged")
    with pytest.raises(HistoryError, match="not merged"):
        history.delete_branch("side")
    gone = history.delete_branch("side", force=True)
    assert [b.name for b in history.branches()] == ["main"]
    assert history.resolve(gone.commit[:12]).commit == gone.commit  # still in the store


def test_switch_from_detached_head(history: History) -> None:
    from zen.history import commits as cm
    from zen.history import store

    history.engine.script("UPDATE users SET age = 5")
    first = history.status().head
    with history.engine.transaction():
        store.set_ref(history.conn, cm.HEAD, str(first))
    assert history.branch is None
    history.switch("main")
    assert history.branch == "main"


@pytest.mark.slow
def test_bench_branches_quick(tmp_path: Path) -> None:
    """The branches benchmarks still run (a smoke run; timings are never asserted here)."""
    _, data = run_bench_quick("branches", tmp_path, timeout=600)
    names = [c["name"] for c in data["cases"]]
    assert names == ["branches.branch-create", "branches.switch", "branches.merge"]
