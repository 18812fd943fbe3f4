"""Fixtures for ``zen migrate`` tests: the real command in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Runs the zen CLI with the migrate group registered (it may not be in zen.cli.app yet).
_MAIN = (
    "from zen.cli import main, migrate\n"
    "from zen.cli.app import app\n"
    "if not any(g.name == 'migrate' for g in app.registered_groups):\n"
    "    migrate.register(app)\n"
    "import sys; sys.argv[0] = 'zen'\n"
    "main()\n"
)

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
