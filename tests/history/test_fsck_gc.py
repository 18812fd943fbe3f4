"""fsck finds every kind of damage; gc frees only what nothing reaches."""

from __future__ import annotations

import pytest

from zen.history import History, store
from zen.history import commits as cm
from zen.history.errors import CorruptObjectError


@pytest.fixture
def busy(history: History) -> History:
    history.engine.script("UPDATE users SET age = age + 1")
    history.engine.script("ALTER TABLE notes ADD COLUMN n INT DEFAULT 0")
    history.engine.script("DELETE FROM kv")
    history.tag("v1", "HEAD~1", message="tagged")
    return history


def test_clean_history_passes(busy: History) -> None:
    report = busy.fsck()
    assert report.ok, report.problems
    assert report.states == 4 and report.records == 3 and report.refs == 3


def test_corrupt_object_is_reported_and_never_used(busy: History) -> None:
    head = busy.log(n=1)[0].commit
    busy.conn.execute(
        "UPDATE _zen_objects SET body = replace(body, 'DELETE', 'DELETX') WHERE hash = ?",
        (bytes.fromhex(head.id),),
    )
    report = busy.fsck()
    assert any(head.id in p and "hash" in p for p in report.problems)
    with pytest.raises(CorruptObjectError):
        busy.log()
    with pytest.raises(CorruptObjectError):
        busy.rewind("HEAD~1")


def test_corrupt_change_data_is_reported_and_never_applied(busy: History) -> None:
    busy.conn.execute("UPDATE _zen_changes SET data = data || x'00' WHERE id = 1")
    report = busy.fsck()
    assert any("change record 1" in p for p in report.problems)
    before = busy.engine.query("SELECT age FROM users ORDER BY id").fetchall()
    with pytest.raises(CorruptObjectError):
        busy.rewind("HEAD~3")
    assert busy.engine.query("SELECT age FROM users ORDER BY id").fetchall() == before


def test_dangling_ref_is_reported(busy: History) -> None:
    busy.conn.execute("UPDATE _zen_refs SET target = ? WHERE name = 'refs/tags/v1'", ("ab" * 32,))
    assert any("refs/tags/v1" in p for p in busy.fsck().problems)


def test_working_copy_changed_outside_history_is_reported(busy: History) -> None:
    busy.conn.execute("UPDATE users SET name = 'mallory' WHERE id = 2")
    report = busy.fsck(deep=False)
    assert report.problems == ["the working copy does not match history (changed outside zen?)"]


def test_gc_expires_reflog_and_unreachable_history(busy: History) -> None:
    reachable = busy.gc("0")
    assert (reachable.commits, reachable.records) == (0, 0)
    assert reachable.reflog_entries > 0
    # Make the newest commit unreachable (as a hard reset would) and collect it.
    head = busy.log(n=2)
    with busy.engine.transaction():
        store.set_ref(busy.conn, cm.BRANCH_PREFIX + "main", head[1].commit.id)
        store.set_ref(busy.conn, "refs/tags/v1", head[1].commit.id)
    kept = busy.gc("30d")
    assert kept.commits == 0  # too recent to prune
    freed = busy.gc("0")
    assert freed.commits == 1 and freed.objects >= 1
    assert freed.records == 0  # the working copy still needs every record
    with pytest.raises(CorruptObjectError):
        cm.load_commit(busy.conn, head[0].commit.id)
    assert busy.status().pending == 1  # its transaction is still history, now uncommitted
    assert busy.fsck().ok


def test_gc_rejects_bad_durations(busy: History) -> None:
    from zen.engine.errors import UsageError

    with pytest.raises(UsageError):
        busy.gc("soon")
