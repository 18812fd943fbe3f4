"""The shell history file keeps the newest ``shell.history_size`` entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from zen.shell.history import make_history


def _entries(n: int) -> str:
    return "".join(f"\n# 2026-11-23 10:00:{i:02d}.000000\n+select {i};\n" for i in range(n))


@pytest.mark.parametrize(("written", "size", "kept"), [(5, 3, [2, 3, 4]), (2, 3, [0, 1])])
def test_history_is_trimmed_to_the_configured_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: int, size: int, kept: list[int]
) -> None:
    monkeypatch.setenv("ZEN_SHELL_HISTORY_SIZE", str(size))
    path = tmp_path / "history"
    path.write_text(_entries(written))
    history = make_history(path)
    loaded = list(history.load_history_strings())  # newest first
    assert loaded == [f"select {i};" for i in reversed(kept)]
