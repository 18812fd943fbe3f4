"""``zen tui`` in a real 80x24 terminal (tmux), typed into and read as a new user would."""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmux import Screen as Terminal


@pytest.fixture
def terminal(shop_db: Path, tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    state = tmp_path / "state"
    env = {**os.environ, "ZEN_TUI_STATE": str(state), "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    command = shlex.join([sys.executable, "-m", "zen", "tui", str(shop_db)])
    # The shell stays after zen exits, so the test can see that it quit cleanly.
    running = Terminal(f"{command}; echo zen-exited-$?; sleep 30", env, width=80, height=24)
    try:
        yield running, state
    finally:
        running.close()


def _right(screen: str) -> list[list[str]]:
    """Each line's words beside the catalog."""
    return [line.split("│")[-1].split() for line in screen.splitlines()]


def test_a_new_user_types_a_query_and_reads_the_rows(terminal: tuple[Terminal, Path]) -> None:
    screen, state = terminal
    first = screen.wait(lambda s: "Tables (2)" in s and "Help" in s, "the catalog and keys")
    assert "Query F2" in first and "Ctrl+Enter" in first
    screen.type("select name, age from users order by age")
    screen.keys("F5")
    # The row count can paint a frame before the table does: wait for both.
    shown = screen.wait(lambda s: "3 rows" in s and ["name", "age"] in _right(s), "the rows")
    right = _right(shown)
    header = right.index(["name", "age"])
    cells = right[header + 1 : header + 4]
    assert cells == [["linus", "28"], ["ada", "36"], ["grace", "45"]]
    screen.keys("C-q")
    screen.wait(lambda s: "zen-exited-0" in s, "zen quitting")
    tabs = json.loads((state / "tabs.json").read_text())["tabs"]
    assert tabs == ["select name, age from users order by age"]
