"""Fixtures for ``zen migrate`` tests: the real command in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Runs the zen CLI as the console script does.
_MAIN = "import sys; sys.argv[0] = 'zen'\nfrom zen.cli import main\nmain()\n"

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def zen_migrate(tmp_path: Path) -> Runner:
    """Run ``zen migrate ARGS`` in ``tmp_path`` (no ZEN_DB from the caller's environment)."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        import os

        clean = {k: v for k, v in os.environ.items() if k not in {"ZEN_DB", "NO_COLOR"}}
        clean.update(env or {})
        return subprocess.run(
            [sys.executable, "-c", _MAIN, "migrate", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=clean,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )

    return run
