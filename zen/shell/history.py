"""The shell's persistent history: one file per user in the XDG data directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prompt_toolkit.history import History

HISTORY_ENV = "ZEN_HISTORY"  # a file path, or empty to keep no history


def history_path() -> Path | None:
    """Where the history lives: ``$ZEN_HISTORY``, else ``<XDG data dir>/zen/shell_history``.

    ``ZEN_HISTORY=""`` turns the history file off (None).
    """
    configured = os.environ.get(HISTORY_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured else None
    from platformdirs import user_data_path

    return user_data_path("zen", appauthor=False) / "shell_history"


def make_history(path: Path | None = None) -> History:
    """A history that loads in the background, so a long file does not delay the prompt.

    Falls back to an in-memory history when the file cannot be written.
    """
    from prompt_toolkit.history import FileHistory, InMemoryHistory, ThreadedHistory

    target = path if path is not None else history_path()
    if target is None:
        return InMemoryHistory()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(exist_ok=True)
        _trim(target, _history_size())
    except OSError:
        return InMemoryHistory()
    return ThreadedHistory(FileHistory(str(target)))


def _history_size() -> int:
    from zen import config

    size = config.get("shell.history_size")
    return size if isinstance(size, int) else 1000


def _trim(path: Path, keep: int) -> None:
    """Keep the newest ``keep`` entries of a prompt_toolkit history file.

    Each entry is a ``# <time>`` line followed by ``+``-prefixed lines.
    """
    text = path.read_text("utf-8", errors="replace")
    starts = [i for i, line in enumerate(text.split("\n")) if line.startswith("# ")]
    if len(starts) <= keep:
        return
    lines = text.split("\n")
    kept = "\n".join(lines[starts[len(starts) - keep] :]) if keep > 0 else ""
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n" + kept if kept else "", "utf-8")
    tmp.replace(path)
