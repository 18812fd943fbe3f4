"""What the TUI keeps across restarts: the editor tabs and the query history.

Both live in the XDG state directory (``$XDG_STATE_HOME/zen/tui``), or in
``$ZEN_TUI_STATE`` when set (tests point it at a temporary folder). A file that
cannot be read is ignored rather than stopping the app from starting.

Example:
    >>> import tempfile
    >>> store = StateStore(Path(tempfile.mkdtemp()))
    >>> store.save_tabs(["select 1", "select 2"])
    >>> store.load_tabs()
    ['select 1', 'select 2']
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

STATE_ENV = "ZEN_TUI_STATE"
_HISTORY_KEEP = 2_000  # entries kept in the query history file


def state_dir() -> Path:
    """``$ZEN_TUI_STATE``, else ``<XDG state dir>/zen/tui``."""
    configured = os.environ.get(STATE_ENV)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_state_path

    return user_state_path("zen", appauthor=False) / "tui"


@dataclass(frozen=True)
class QueryRecord:
    """One query the user ran: when, on which database, and how it went."""

    sql: str
    database: str
    time: float
    outcome: str

    def matches(self, words: list[str]) -> bool:
        """True when every word appears in the SQL (case-insensitive)."""
        text = self.sql.lower()
        return all(word in text for word in words)


class StateStore:
    """Reads and writes the TUI's state files in ``root``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else state_dir()

    @property
    def tabs_file(self) -> Path:
        """The file holding the editor tabs' text."""
        return self.root / "tabs.json"

    @property
    def history_file(self) -> Path:
        """The file holding the query history, one JSON object per line."""
        return self.root / "queries.jsonl"

    def load_tabs(self) -> list[str]:
        """The saved tabs' text (empty when there is none or it cannot be read)."""
        try:
            data = json.loads(self.tabs_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        tabs = data.get("tabs") if isinstance(data, dict) else None
        return [t for t in tabs if isinstance(t, str)] if isinstance(tabs, list) else []

    def save_tabs(self, texts: list[str]) -> None:
        """Save the tabs' text (written to a temporary file, then renamed)."""
        self._write(self.tabs_file, json.dumps({"tabs": texts}, indent=1))

    @property
    def settings_file(self) -> Path:
        """The file holding settings such as the theme."""
        return self.root / "settings.json"

    def load_settings(self) -> dict[str, str]:
        """Saved settings (empty when there are none)."""
        try:
            data = json.loads(self.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, str)}

    def save_setting(self, name: str, value: str) -> None:
        """Save one setting."""
        settings = self.load_settings()
        settings[name] = value
        self._write(self.settings_file, json.dumps(settings, indent=1))

    def record_query(self, sql: str, database: str, outcome: str) -> None:
        """Append one query to the history; the file is trimmed when it grows long."""
        entry = {"sql": sql, "database": database, "time": time.time(), "outcome": outcome}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with self.history_file.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry) + "\n")
        except OSError:
            return  # a read-only home must not stop the query
        if self.history_file.stat().st_size > _HISTORY_KEEP * 400:
            self._trim()

    def queries(self, search: str = "") -> list[QueryRecord]:
        """The query history, newest first; ``search`` keeps entries holding all its words."""
        words = search.lower().split()
        found = [r for r in self._records() if r.matches(words)]
        return found[::-1]

    def _records(self) -> list[QueryRecord]:
        try:
            lines = self.history_file.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out: list[QueryRecord] = []
        for line in lines:
            try:
                item = json.loads(line)
                out.append(
                    QueryRecord(item["sql"], item["database"], item["time"], item["outcome"])
                )
            except (ValueError, KeyError, TypeError):
                continue  # one damaged line loses one entry, not the history
        return out

    def _trim(self) -> None:
        lines = self.history_file.read_text(encoding="utf-8").splitlines()[-_HISTORY_KEEP:]
        self._write(self.history_file, "\n".join(lines) + "\n")

    def _write(self, path: Path, text: str) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            temp = path.with_suffix(".tmp")
            temp.write_text(text, encoding="utf-8")
            temp.replace(path)
        except OSError:
            pass  # state is a convenience: failing to save it must not break the app
