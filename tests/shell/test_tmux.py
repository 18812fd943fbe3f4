"""``zen shell`` in a real terminal (tmux), typed into and read off the screen as a user would."""

from __future__ import annotations

import os
import re
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmux import Screen


@pytest.fixture
def screen(shop_db: Path, tmp_path: Path) -> Iterator[Screen]:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("ZEN_HISTORY", None)
    env["ZEN_PAGER"] = "less"
    command = shlex.join([sys.executable, "-m", "zen", "shell", str(shop_db)])
    running = Screen(f"cd {shlex.quote(str(tmp_path))} && {command}", env)
    try:
        yield running
    finally:
        running.close()


def _last_line(screen: str) -> str:
    lines = [line for line in screen.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def test_a_session_in_a_real_terminal(screen: Screen, tmp_path: Path) -> None:
    screen.wait(lambda s: _last_line(s) == "zen>", "the prompt")
    # Completion: Tab turns "us" into "users".
    screen.type("select name, age from us")
    screen.wait(lambda s: "users" in s.split("from us")[-1], "the completion menu")
    screen.keys("Tab")
    screen.wait(lambda s: "from users" in s, "the completed table name")
    screen.type(" order by id;")
    screen.keys("Enter")
    shown = screen.wait(lambda s: "│ grace │" in s, "the result table")
    assert "│ name  │ age │" in shown
    assert "│ ada   │  36 │" in shown

    # A result longer than the screen goes to the pager; q comes back to the prompt.
    screen.type("with recursive n(x) as (select 1 union all select x + 1 from n) ")
    screen.type("select x from n limit 500;")
    screen.keys("Enter")
    paged = screen.wait(lambda s: _last_line(s) == ":", "the pager's prompt")
    shown = [int(n) for n in re.findall(r"│ +(\d+) │", paged)]
    assert shown == list(range(1, 37))  # a screenful: 40 lines less 3 of header, 1 of prompt
    screen.keys("q")
    screen.wait(lambda s: _last_line(s) == "zen>", "the prompt after the pager")

    # Ctrl-C cancels a query that would never end; the session goes on.
    screen.type("with recursive n(x) as (select 1 union all select x + 1 from n) ")
    screen.type("select count(*) from n;")
    screen.keys("Enter")
    time.sleep(0.5)
    screen.keys("C-c")
    screen.wait(lambda s: "interrupted" in s and _last_line(s) == "zen>", "the interruption")

    # Multi-line input, then Ctrl-D leaves and the history file holds what was typed.
    screen.type("select 40")
    screen.keys("Enter")
    screen.wait(lambda s: "...>" in s, "the continuation prompt")
    screen.type("+ 2 as answer;")
    screen.keys("Enter")
    screen.wait(lambda s: "│     42 │" in s, "the multi-line result")
    screen.keys("C-d")
    deadline = time.monotonic() + 10
    while screen.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not screen.alive()
    history = (tmp_path / "data" / "zen" / "shell_history").read_text()
    assert "select name, age from users order by id;" in history
    assert "+select 40\n++ 2 as answer;\n" in history  # one entry: prompt_toolkit marks lines "+"
