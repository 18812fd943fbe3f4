"""Shared fixtures: temporary databases and a runner for the real ``zen`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import zen

FIXTURES = Path(__file__).parent / "fixtures"

ZenRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def users_db(tmp_path: Path) -> Path:
    """A database with a small ``users`` table."""
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.script(
            "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER);"
            "INSERT INTO users(name, age) VALUES ('ada', 36), ('linus', 28), ('grace', 45);"
        )
    return path


_CONFIG_ENV = {"ZEN_DB", "NO_COLOR", "ZEN_FORMAT", "ZEN_AUTOCOMMIT", "ZEN_AUTHOR", "ZEN_COLOR",
               "ZEN_SCHEMA", "ZEN_MIGRATIONS", "ZEN_SHELL_HISTORY_SIZE"}  # fmt: skip


@pytest.fixture(autouse=True)
def _isolated_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A developer's own ~/.config/zen and ZEN_* settings never change a test's result."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    for name in _CONFIG_ENV - {"NO_COLOR"}:
        monkeypatch.delenv(name, raising=False)


def _clean_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CONFIG_ENV}
    env.update(extra or {})
    return env


@pytest.fixture
def run_zen(tmp_path: Path) -> ZenRunner:
    """Run ``python -m zen ARGS`` as a user would; returns the completed process."""

    def run(
        *args: str | os.PathLike[str],
        input: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "zen", *map(str, args)],
            input=input,
            capture_output=True,
            text=True,
            env=_clean_env(env),
            cwd=cwd or tmp_path,
            timeout=timeout,
        )

    return run


def dump(path: Path) -> list[str]:
    """The database's content as ``.dump``-style lines, for before/after comparisons."""
    with zen.open(path, read_only=True) as db:
        lines = [db.schema()]
        for table in db.tables(views=False):
            for row in db.sql(f'SELECT * FROM "{table}" ORDER BY rowid'):
                lines.append(f"{table}: {row!r}")
    return lines


def run_bench_quick(suite: str, tmp_path: Path, *, timeout: float = 300) -> tuple[str, Any]:
    """Run ``python -m bench SUITE --quick --repeat 1``; returns its stdout and JSON results.

    Asserts the run succeeded and that no contender errored or ran a wrong number of
    times (a skipped peer, one not installed here, is allowed).
    """
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench", suite, "--quick", "--repeat", "1",
         "--out", str(out), "--data-dir", str(tmp_path / "data")],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads((out / f"{suite}.quick.json").read_text())
    for case in data["cases"]:
        for name, contender in case["contenders"].items():
            assert contender["error"] is None, (case["name"], name, contender["error"])
            assert contender["skipped"] or len(contender["samples"]) == 1
    return done.stdout, data
