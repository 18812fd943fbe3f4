"""``zen tui`` in a real 80x24 terminal (tmux), typed into and read as a new user would."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class Terminal:
    """A private tmux server running one command in an 80x24 window."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.socket = f"zen-tui-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = env
        self._tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "main", command)

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=10,
        )

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def text(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main").stdout

    def wait(self, check: Callable[[str], bool], what: str, seconds: float = 20) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            screen = self.text()
            if check(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"the screen never showed {what}:\n{self.text()}")

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def terminal(shop_db: Path, tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    state = tmp_path / "state"
    env = {**os.environ, "ZEN_TUI_STATE": str(state), "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    command = shlex.join([sys.executable, "-m", "zen", "tui", str(shop_db)])
    # The shell stays after zen exits, so the test can see that it quit cleanly.
    running = Terminal(f"{command}; echo zen-exited-$?; sleep 30", env)
    try:
        yield running, state
    finally:
        running.close()


def test_a_new_user_types_a_query_and_reads_the_rows(terminal: tuple[Terminal, Path]) -> None:
    screen, state = terminal
    first = screen.wait(lambda s: "Tables (2)" in s and "Help" in s, "the catalog and keys")
    assert "Query F2" in first and "Ctrl+Enter" in first
    screen.type("select name, age from users order by age")
    screen.keys("F5")
    shown = screen.wait(lambda s: "3 rows" in s, "the row count")
    right = [line.split("│")[-1].split() for line in shown.splitlines()]  # beside the catalog
    header = right.index(["name", "age"])
    cells = right[header + 1 : header + 4]
    assert cells == [["linus", "28"], ["ada", "36"], ["grace", "45"]]
    screen.keys("C-q")
    screen.wait(lambda s: "zen-exited-0" in s, "zen quitting")
    tabs = json.loads((state / "tabs.json").read_text())["tabs"]
    assert tabs == ["select name, age from users order by age"]
