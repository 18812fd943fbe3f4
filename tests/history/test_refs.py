"""Revision names: HEAD~N, ^N, hash prefixes, tags, branches, reflog entries and times."""

from __future__ import annotations

import pytest

from zen.engine.errors import UsageError
from zen.history import History, store
from zen.history import refs as rf
from zen.history.errors import AmbiguousRefError, RefNotFoundError


@pytest.fixture
def three(history: History) -> History:
    for i in range(3):
        history.engine.query("INSERT INTO notes VALUES (?)", (f"n{i}",)).drain()
    return history


def ids(history: History) -> list[str]:
    return [e.commit.id for e in history.log()]


def test_head_ancestors(three: History) -> None:
    chain = ids(three)
    assert three.resolve("HEAD").commit == chain[0]
    assert three.resolve("@").commit == chain[0]
    assert three.resolve("HEAD~").commit == chain[1]
    assert three.resolve("HEAD~3").commit == chain[3]
    assert three.resolve("HEAD^").commit == chain[1]
    assert three.resolve("HEAD^1~1").commit == chain[2]
    assert three.resolve("HEAD^0").commit == chain[0]
    assert three.resolve("main~2").commit == chain[2]


def test_missing_parents_and_names(three: History) -> None:
    with pytest.raises(RefNotFoundError):
        three.resolve("HEAD~4")
    with pytest.raises(RefNotFoundError):
        three.resolve("HEAD^2")
    with pytest.raises(RefNotFoundError):
        three.resolve("nosuchbranch")
    with pytest.raises(UsageError):
        three.resolve("HEAD~x")


def test_hash_prefixes(three: History) -> None:
    target = ids(three)[2]
    assert three.resolve(target[:8]).commit == target
    assert three.resolve(target.upper()[:10]).commit == target
    with pytest.raises(RefNotFoundError):
        three.resolve("0000000000000000")


def test_ambiguous_prefix(three: History) -> None:
    # Two (fake) commit ids sharing a prefix: the lookup must refuse to guess.
    with three.engine.transaction():
        for tail in ("0", "1"):
            three.conn.execute(
                "INSERT INTO _zen_objects(hash, kind, body) VALUES (?, 'commit', x'')",
                (bytes.fromhex("abcdef" + tail * 58),),
            )
    with pytest.raises(AmbiguousRefError):
        three.resolve("abcdef")


def test_tags(three: History) -> None:
    chain = ids(three)
    three.tag("light", "HEAD~1")
    info = three.tag("v1", "HEAD~2", message="release")
    assert three.resolve("light").commit == chain[1]
    assert three.resolve("v1").commit == chain[2]
    assert three.resolve("refs/tags/v1~1").commit == chain[3]
    assert [(t.name, t.commit, t.message) for t in three.tags()] == [
        ("light", chain[1], None),
        ("v1", chain[2], "release"),
    ]
    assert info.tagger == "tester"
    with pytest.raises(UsageError):
        three.tag("v1")
    three.tag("v1", force=True)
    assert three.resolve("v1").commit == chain[0]
    three.delete_tag("v1")
    with pytest.raises(RefNotFoundError):
        three.resolve("v1")
    with pytest.raises(UsageError):
        three.tag("bad name")


def test_reflog_entries(three: History) -> None:
    chain = ids(three)
    assert three.resolve("HEAD@{0}").commit == chain[0]
    assert three.resolve("HEAD@{2}").commit == chain[2]
    assert three.resolve("main@{1}").commit == chain[1]
    entries = three.reflog(n=2)
    assert [e.new for e in entries] == chain[:2]
    with pytest.raises(RefNotFoundError):
        three.resolve("HEAD@{99}")


def test_times_resolve_to_transaction_boundaries(history: History, monkeypatch) -> None:
    clock = [10_000_000]
    monkeypatch.setattr(store.time, "time_ns", lambda: clock[0] * 1_000_000)
    history.set_policy("explicit")
    with history.engine.transaction():
        store.meta_set(history.conn, "started_ms", clock[0])
    for i in range(3):
        clock[0] += 60_000
        history.engine.query("INSERT INTO notes VALUES (?)", (f"t{i}",)).drain()
    now = clock[0]
    last = store.last_record(history.conn)
    assert last is not None
    assert rf.resolve(history.conn, "now", now_ms=now).record == last.id
    assert rf.resolve(history.conn, "1 minute ago", now_ms=now).record == last.id - 1
    assert rf.resolve(history.conn, "@{90 seconds ago}", now_ms=now).record == last.id - 2
    assert rf.resolve(history.conn, "2.5 minutes ago", now_ms=now).record is None
    with pytest.raises(RefNotFoundError):
        rf.resolve(history.conn, "1 hour ago", now_ms=now)


def test_parse_time_forms() -> None:
    now = 1_000_000_000_000
    assert rf.parse_time("10 minutes ago", now) == now - 600_000
    assert rf.parse_time("2 hours ago", now) == now - 7_200_000
    assert rf.parse_time("3 days ago", now) == now - 3 * 86_400_000
    assert rf.parse_time("1 week ago", now) == now - 604_800_000
    assert rf.parse_time("@1700000000", now) == 1_700_000_000_000
    assert rf.parse_time("2026-11-20T10:42:00+00:00", now) == 1_795_171_320_000
    assert rf.parse_time("now", now) == now
    with pytest.raises(UsageError):
        rf.parse_time("whenever", now)
