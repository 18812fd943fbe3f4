"""Diffs between states: data-driven cases plus show, stat and filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zen.history import History

CASES = json.loads((Path(__file__).parents[1] / "fixtures/history/diff_cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_diff_cases(history: History, case: dict) -> None:
    for sql in case["changes"]:
        history.engine.script(sql)
    found = history.diff(case["source"], case["target"]).to_json()
    assert {k: found[k] for k in ("schema", "tables")} == case["expected"]


def test_diff_defaults_to_head_and_working_copy(explicit: History) -> None:
    explicit.engine.query("DELETE FROM users WHERE id = 3").drain()
    diff = explicit.diff()
    assert (diff.source, diff.target) == ("HEAD", "working copy")
    assert [(t.table, t.removed) for t in diff.tables] == [("users", 1)]
    explicit.commit("drop grace")
    assert explicit.diff().empty
    assert not explicit.diff("HEAD~1").empty


def test_stat_filters_and_schema_only(history: History) -> None:
    history.engine.script(
        "UPDATE users SET age = 0; INSERT INTO notes VALUES ('n'); CREATE INDEX i ON kv(v)"
    )
    stat = history.diff("HEAD~1", stat=True)
    assert [(t.table, t.changed, t.added, len(t.rows)) for t in stat.tables] == [
        ("notes", 0, 1, 0),
        ("users", 3, 0, 0),
    ]
    only = history.diff("HEAD~1", tables=["notes"])
    assert [t.table for t in only.tables] == ["notes"]
    schema = history.diff("HEAD~1", schema_only=True)
    assert schema.tables == [] and [c.name for c in schema.schema] == ["i"]


def test_show(history: History) -> None:
    history.engine.query("UPDATE users SET name = 'Ada' WHERE id = 1").drain()
    shown = history.show("HEAD")
    assert shown.commit.message.startswith("UPDATE users")
    assert shown.diff is not None
    (table,) = shown.diff.tables
    assert table.rows[0].cells[0].old == "ada" and table.rows[0].cells[0].new == "Ada"
    root = history.show("HEAD~1")
    assert root.diff is None and root.to_json()["diff"] is None


def test_diff_to_a_time_between_commits(explicit: History, monkeypatch) -> None:
    from zen.history import store

    clock = [explicit.log()[0].commit.time_ms + 1000]
    monkeypatch.setattr(store.time, "time_ns", lambda: clock[0] * 1_000_000)
    for i in range(2):
        clock[0] += 10_000
        explicit.engine.query("INSERT INTO notes VALUES (?)", (f"x{i}",)).drain()
    diff = explicit.diff("HEAD", "@{5 seconds ago}")
    assert [(t.table, t.added) for t in diff.tables] == [("notes", 1)]
