"""Tabs, settings and the query history, kept across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from zen.tui.state import STATE_ENV, StateStore, state_dir


def test_tabs_round_trip(tmp_path: Path) -> None:
    StateStore(tmp_path).save_tabs(["select 1;", "", "select\n2"])
    assert StateStore(tmp_path).load_tabs() == ["select 1;", "", "select\n2"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [("", []), ("{", []), ('{"tabs": 3}', []), ('["x"]', []), ('{"tabs": ["a", 1]}', ["a"])],
)
def test_a_damaged_tabs_file_is_ignored(tmp_path: Path, content: str, expected: list[str]) -> None:
    (tmp_path / "tabs.json").write_text(content)
    assert StateStore(tmp_path).load_tabs() == expected


def test_history_search_keeps_entries_with_every_word(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    for sql in ["select * from users", "select * from orders", "delete from users"]:
        store.record_query(sql, "app.db", "ok")
    with store.history_file.open("a") as out:
        out.write("not json\n")
    assert [r.sql for r in store.queries()] == [
        "delete from users",
        "select * from orders",
        "select * from users",
    ]
    assert [r.sql for r in store.queries("USERS select")] == ["select * from users"]


def test_settings(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.save_setting("theme", "nord")
    assert StateStore(tmp_path).load_settings() == {"theme": "nord"}


def test_state_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "s"))
    assert state_dir() == tmp_path / "s"
    monkeypatch.delenv(STATE_ENV)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "xdg" / "zen" / "tui"


def test_an_unwritable_state_folder_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = StateStore(blocker / "state")
    store.save_tabs(["x"])
    store.record_query("select 1", "db", "ok")
    assert store.load_tabs() == []
