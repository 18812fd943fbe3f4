"""revert, cherry-pick and reset --hard."""

from __future__ import annotations

import pytest

from tests.history.helpers import dump
from zen.history import History
from zen.history.errors import HistoryError
from zen.history.picks import PickConflictError


def _ages(history: History) -> list[int]:
    return [r[0] for r in history.conn.execute("SELECT age FROM users ORDER BY id")]


def test_revert_undoes_one_commit(history: History) -> None:
    history.engine.script("UPDATE users SET age = 1 WHERE id = 1")
    history.engine.script("UPDATE users SET name = 'G' WHERE id = 3")
    result = history.revert("HEAD~1")
    assert result.commit is not None and result.rows == 1
    assert _ages(history) == [36, 28, 45]
    assert history.conn.execute("SELECT name FROM users WHERE id = 3").get == "G"
    commit = history.log(1)[0].commit
    assert commit.message.startswith('Revert "UPDATE users SET age = 1')
    assert history.fsck().ok


def test_revert_cell_level_and_conflict(history: History) -> None:
    history.engine.script("UPDATE users SET age = 1 WHERE id = 1")
    history.engine.script("UPDATE users SET name = 'A' WHERE id = 1")  # another cell: fine
    history.revert("HEAD~1")
    assert history.conn.execute("SELECT name, age FROM users WHERE id = 1").fetchone() == ("A", 36)
    history.engine.script("UPDATE users SET age = 2 WHERE id = 2")
    history.engine.script("UPDATE users SET age = 3 WHERE id = 2")
    before = dump(history.conn)
    with pytest.raises(PickConflictError, match="update/update"):
        history.revert("HEAD~1")
    assert dump(history.conn) == before


def test_revert_schema_change(history: History) -> None:
    history.engine.script("ALTER TABLE users ADD COLUMN email TEXT")
    before = history.log(2)[1].commit
    history.revert("HEAD")
    assert "email" not in [r[1] for r in history.conn.execute("PRAGMA table_info(users)")]
    assert history.diff(before.id, "HEAD").empty
    assert history.fsck().ok


def test_cherry_pick_from_a_branch(history: History) -> None:
    history.switch("feature", create=True)
    history.engine.script("UPDATE users SET age = 70 WHERE id = 2")
    history.engine.script("INSERT INTO kv VALUES ('new', 1)")
    pick = history.log(2)[1].commit
    history.switch("main")
    history.engine.script("UPDATE users SET name = 'L' WHERE id = 2")
    result = history.cherry_pick(pick.id)
    assert result.commit is not None
    assert _ages(history) == [36, 70, 45]
    assert history.conn.execute("SELECT count(*) FROM kv WHERE k = 'new'").get == 0
    made = history.log(1)[0].commit
    assert made.message == pick.message and made.author == pick.author
    assert made.parents != pick.parents and made.id != pick.id
    assert history.conn.execute("SELECT name FROM users WHERE id = 2").get == "L"
    assert history.cherry_pick(pick.id).commit is None  # already there: nothing to pick
    assert history.fsck().ok


def test_pick_refusals(explicit: History) -> None:
    with pytest.raises(HistoryError, match="root commit"):
        explicit.revert("HEAD")
    explicit.engine.script("UPDATE users SET age = 1")
    with pytest.raises(HistoryError, match="uncommitted"):
        explicit.cherry_pick("HEAD")


def test_reset_hard_moves_branch_and_working_copy(history: History) -> None:
    start = dump(history.conn)
    root = history.status().head
    history.engine.script("UPDATE users SET age = 1")
    history.engine.script("DELETE FROM notes")
    tip = history.status().head
    result = history.reset("HEAD~2")
    assert result.commit == root
    assert dump(history.conn) == start
    assert history.status().head == root and history.status().clean
    assert history.log(1)[0].commit.id == root
    history.reset(tip)  # the reflog keeps the way back
    assert _ages(history) == [1, 1, 1]
    assert history.fsck().ok


def test_reset_discards_uncommitted_and_merge_state(explicit: History) -> None:
    start = dump(explicit.conn)
    explicit.engine.script("UPDATE users SET age = 1")
    explicit.reset("HEAD")
    assert dump(explicit.conn) == start and explicit.status().pending == 0
    assert explicit.status().clean
