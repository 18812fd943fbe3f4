"""Commits, log and status, with both autocommit policies."""

from __future__ import annotations

from zen.history import History, store
from zen.history.hashing import object_id


def test_explicit_policy_keeps_transactions_pending_until_commit(explicit: History) -> None:
    engine = explicit.engine
    engine.query("UPDATE users SET age = 1 WHERE id = 1").drain()
    engine.query("INSERT INTO notes VALUES ('third')").drain()
    status = explicit.status()
    assert (status.pending, status.clean, status.branch) == (2, False, "main")
    counts = {t.table: (t.added, t.removed, t.changed) for t in status.changes.tables}
    assert counts == {"notes": (1, 0, 0), "users": (0, 0, 1)}
    commit = explicit.commit("two changes", author="ada")
    assert commit is not None and commit.author == "ada"
    assert explicit.status().clean and explicit.status().pending == 0
    assert explicit.commit("again") is None
    assert [e.commit.message for e in explicit.log()] == ["two changes", "initial state"]


def test_allow_empty_commit(explicit: History) -> None:
    commit = explicit.commit("marker", allow_empty=True)
    assert commit is not None
    assert commit.tree == explicit.log()[1].commit.tree


def test_equal_states_have_equal_trees_whatever_the_history(explicit: History) -> None:
    root_tree = explicit.log()[0].commit.tree
    engine = explicit.engine
    engine.query("INSERT INTO users(id, name) VALUES (9, 'tmp')").drain()
    engine.query("UPDATE users SET age = age + 1").drain()
    engine.query("UPDATE users SET age = age - 1").drain()
    engine.query("DELETE FROM users WHERE id = 9").drain()
    commit = explicit.commit("round trip")
    assert commit is not None and commit.tree == root_tree


def test_commit_ids_are_content_hashes(history: History) -> None:
    history.engine.query("DELETE FROM notes").drain()
    head = history.log(n=1)[0].commit
    stored = store.get_object(history.conn, bytes.fromhex(head.id), "commit")
    assert object_id("commit", stored.body).hex() == head.id


def test_log_limit_and_table_filter(history: History) -> None:
    engine = history.engine
    engine.query("INSERT INTO notes VALUES ('n1')").drain()
    engine.query("UPDATE users SET age = 0").drain()
    engine.query("INSERT INTO notes VALUES ('n2')").drain()
    engine.query("CREATE INDEX users_name ON users(name)").drain()
    assert [e.commit.message for e in history.log(n=2)] == [
        "CREATE INDEX users_name ON users(name)",
        "INSERT INTO notes VALUES ('n2')",
    ]
    assert [e.commit.message for e in history.log(table="users")][:2] == [
        "CREATE INDEX users_name ON users(name)",
        "UPDATE users SET age = 0",
    ]
    assert history.log(n=1)[0].refs == ("HEAD", "main")


def test_status_lists_schema_changes(explicit: History) -> None:
    explicit.engine.query("ALTER TABLE users ADD COLUMN email TEXT").drain()
    status = explicit.status()
    assert [(c.kind, c.name) for c in status.changes.schema] == [("changed", "users")]
    assert status.to_json()["clean"] is False


def test_policy_can_change(history: History) -> None:
    history.set_policy("explicit")
    history.engine.query("DELETE FROM kv").drain()
    assert history.status().pending == 1
    reopened = History.open(history.engine.path)
    try:
        assert reopened.policy == "explicit"
    finally:
        reopened.close()


def test_commit_json_is_plain(history: History) -> None:
    history.engine.query("DELETE FROM kv WHERE k = 'a'").drain()
    data = history.log(n=1)[0].to_json()
    assert set(data) >= {"id", "tree", "parents", "author", "time_ms", "message", "refs"}
    assert data["author"] == "tester"
