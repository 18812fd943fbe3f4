"""Branch commands (branch, switch, merge, conflicts, revert, cherry-pick, reset).

One real-subprocess flow per area; option handling in process.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import zen
from tests.conftest import ZenRunner
from zen.api import init as zen_init
from zen.cli.app import app
from zen.engine.errors import UsageError
from zen.history.errors import HistoryError, RefNotFoundError

runner = CliRunner()
SEED = "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b); INSERT INTO t VALUES (1, 'a', 'b');"


def _json(done: Any) -> Any:
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def _rows(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT * FROM t ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    zen_init(tmp_path / "app.db", author="tester")
    with zen.open(tmp_path / "app.db") as db:
        db.script(SEED)
    return tmp_path / "app.db"


def _write(path: Path, sql: str) -> None:
    with zen.open(path) as db:
        db.script(sql)


def test_branch_switch_merge_conflict_flow(run_zen: ZenRunner, project: Path) -> None:
    db = str(project)
    listed = _json(run_zen("branch", "--list", "--json", "--db", db))
    assert [(b["name"], b["current"]) for b in listed] == [("main", True)]
    assert runner.invoke(app, ["switch", "-c", "feature", "--db", db]).exit_code == 0
    _write(project, "UPDATE t SET a = 'F', b = 'FB'")
    assert runner.invoke(app, ["switch", "main", "--db", db]).exit_code == 0
    assert _rows(project) == [(1, "a", "b")]
    _write(project, "UPDATE t SET a = 'M'")
    done = run_zen("merge", "feature", "--db", db)
    assert done.returncode == 1, done.stderr
    assert "t [1] a: update/update  base 'a' | ours 'M' | theirs 'F'" in done.stdout
    assert "Traceback" not in done.stderr and "zen merge --continue" in done.stderr
    status = json.loads(runner.invoke(app, ["status", "--json", "--db", db]).stdout)
    assert status["merging"] and len(status["conflicts"]) == 1
    listed = json.loads(runner.invoke(app, ["conflicts", "--json", "--db", db]).stdout)
    assert [(c["table"], c["column"]) for c in listed] == [("t", "a")]
    stopped = runner.invoke(app, ["merge", "--continue", "--db", db])
    assert isinstance(stopped.exception, HistoryError)
    assert "still open" in stopped.exception.render()
    args = ["conflicts", "resolve", "t", "1", "--column", "a", "--value", "X", "--db", db]
    done = run_zen(*args)
    assert done.returncode == 0 and "0 open" in done.stderr
    merged = _json(run_zen("merge", "--continue", "--json", "--db", db))
    assert merged["outcome"] == "merged"
    assert _rows(project) == [(1, "X", "FB")]
    log = json.loads(runner.invoke(app, ["log", "-n", "1", "--json", "--db", db]).stdout)
    assert len(log[0]["parents"]) == 2
    assert runner.invoke(app, ["fsck", "--db", db]).exit_code == 0


def test_switch_blocks_uncommitted_then_carry(run_zen: ZenRunner, tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    zen_init(path, author="tester", policy="explicit")
    _write(path, SEED)
    db = str(path)
    assert runner.invoke(app, ["commit", "-m", "seed", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["branch", "feature", "--db", db]).exit_code == 0
    _write(path, "UPDATE t SET a = 'dirty'")
    blocked = run_zen("switch", "feature", "--db", db)  # a real process: exit code and message
    assert blocked.returncode == 1
    assert "uncommitted" in blocked.stderr and "--carry" in blocked.stderr
    assert "Traceback" not in blocked.stderr
    carried = _json(run_zen("switch", "feature", "--carry", "--json", "--db", db))
    assert carried["carried"] == 1 and _rows(path) == [(1, "dirty", "b")]
    gone = json.loads(
        runner.invoke(app, ["switch", "main", "--discard", "--json", "--db", db]).stdout
    )
    assert gone["discarded"] == 1 and _rows(path) == [(1, "a", "b")]


def test_revert_cherry_pick_reset(run_zen: ZenRunner, project: Path) -> None:
    db = str(project)
    _write(project, "UPDATE t SET a = 'one'")
    _write(project, "UPDATE t SET b = 'two'")
    reverted = _json(run_zen("revert", "HEAD~1", "--json", "--db", db))
    assert reverted["rows"] == 1 and _rows(project) == [(1, "a", "two")]
    reset = _json(run_zen("reset", "--hard", "HEAD~2", "--json", "--db", db))
    assert reset["commit"] and _rows(project) == [(1, "one", "b")]
    picked = run_zen("cherry-pick", "main@{1}", "--db", db)  # the revert, left behind by reset
    assert picked.returncode == 0, picked.stderr
    assert _rows(project) == [(1, "a", "b")]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["merge"], "one of them"),
        (["merge", "x", "--abort"], "one of them"),
        (["switch", "x", "--carry", "--discard"], "exclude each other"),
        (["reset", "HEAD"], "--hard"),
        (["conflicts", "resolve"], "choose one of"),
        (["conflicts", "resolve", "--ours", "--theirs"], "choose one of"),
        (["branch", "x", "-d", "y"], "either a branch"),
        (["branch", "x", "y", "--from", "z"], "start point once"),
        (["conflicts", "resolve", "--value", "[1]"], "one SQL value"),
    ],
)
def test_usage_errors(project: Path, args: list[str], needle: str) -> None:
    done = runner.invoke(app, [*args, "--db", str(project)])
    assert isinstance(done.exception, UsageError), done.output
    assert done.exception.exit_code == 2 and needle in done.exception.render()


def test_branch_create_delete_and_text_list(project: Path) -> None:
    db = str(project)
    done = runner.invoke(app, ["branch", "feature", "--db", db])
    assert done.exit_code == 0 and "created branch feature" in done.output
    listed = runner.invoke(app, ["branch", "--db", db])
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("  feature") and lines[1].startswith("* main")
    deleted = runner.invoke(app, ["branch", "-d", "feature", "--db", db])
    assert deleted.exit_code == 0 and "deleted branch feature" in deleted.output
    missing = runner.invoke(app, ["switch", "nope", "--db", db])
    assert isinstance(missing.exception, RefNotFoundError)
    assert "zen switch -c nope" in missing.exception.render()


def test_abort_and_nothing_to_abort(project: Path) -> None:
    db = str(project)
    runner.invoke(app, ["switch", "-c", "f", "--db", db])
    _write(project, "UPDATE t SET a = 'F'")
    runner.invoke(app, ["switch", "main", "--db", db])
    _write(project, "UPDATE t SET a = 'M'")
    assert runner.invoke(app, ["merge", "f", "--db", db]).exit_code == 1
    done = runner.invoke(app, ["merge", "--abort", "--db", db])
    assert done.exit_code == 0 and "aborted" in done.output
    again = runner.invoke(app, ["merge", "--abort", "--db", db])
    assert isinstance(again.exception, HistoryError)
    assert "no merge in progress" in again.exception.render()
    assert runner.invoke(app, ["conflicts", "--db", db]).output.strip() == "no conflicts"
