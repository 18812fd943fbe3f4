"""A real terminal for tests: one command in a tmux session on a private server."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable


class Screen:
    """One tmux session on a private server, running ``command`` in a ``width`` x ``height``
    terminal; typed into and read off the screen as a user would."""

    def __init__(
        self, command: str, env: dict[str, str], width: int = 120, height: int = 40
    ) -> None:
        self.socket = f"zen-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = env
        size = ("-x", str(width), "-y", str(height))
        self._tmux("new-session", "-d", *size, "-s", "main", command)

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
        # tmux reads an argument ending in ";" as a command separator unless escaped.
        literal = text[:-1] + "\\;" if text.endswith(";") else text
        self._tmux("send-keys", "-t", "main", "-l", literal)

    def text(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main").stdout

    def alive(self) -> bool:
        return self._tmux("has-session", "-t", "main").returncode == 0

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
