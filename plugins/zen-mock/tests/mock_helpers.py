"""Helpers for zen-mock's tests: fixture schemas and a runner for the real ``zen`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import zen

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"


def schema_db(path: Path, schema: str) -> Path:
    """A database at ``path`` with the fixture schema ``schema`` (a file name in SCHEMAS)."""
    with zen.open(path) as db:
        db.script((SCHEMAS / schema).read_text())
    return path


def run_zen(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m zen ARGS`` as a user runs it."""
    env = {k: v for k, v in os.environ.items() if k not in {"ZEN_DB", "ZEN_NO_PLUGINS"}}
    return subprocess.run(
        [sys.executable, "-m", "zen", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
