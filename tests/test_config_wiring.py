"""Settings from ``zen config`` reach the commands that use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import zen
from tests.conftest import ZenRunner


def test_format_from_project_config(tmp_path: Path, run_zen: ZenRunner) -> None:
    assert run_zen("init", "app.db").returncode == 0
    assert run_zen("config", "set", "format", "json", "--project").returncode == 0
    done = run_zen("sql", "app.db", "select 1 as one")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"one": 1}]
    flag = run_zen("sql", "app.db", "select 1 as one", "--format", "csv")
    assert flag.stdout.splitlines() == ["one", "1"]  # a flag beats the config


def test_autocommit_policy_and_author_from_environment(tmp_path: Path, run_zen: ZenRunner) -> None:
    env = {"ZEN_AUTOCOMMIT": "explicit", "ZEN_AUTHOR": "Ada <ada@example.com>"}
    created = run_zen("init", "app.db", env=env)
    assert created.returncode == 0, created.stderr
    assert "autocommit: explicit" in created.stderr + created.stdout
    run_zen("sql", "app.db", "create table t(x)", env=env)
    with zen.open(tmp_path / "app.db") as db:
        assert db.history.policy == "explicit"
        assert db.history.status().pending == 1
    committed = run_zen("commit", "--db", "app.db", "-m", "first", "--json", env=env)
    assert committed.returncode == 0, committed.stderr
    with zen.open(tmp_path / "app.db") as db:
        assert db.history.log(n=1)[0].commit.author == "Ada <ada@example.com>"


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_color_setting_overrides_the_terminal_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zen.cli.common import color_enabled

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert color_enabled(_Terminal()) is True
    (tmp_path / "zen.toml").write_text('color = "never"\n')
    assert color_enabled(_Terminal()) is False


def test_autocommit_setting_overrides_the_stored_policy(tmp_path: Path, run_zen: ZenRunner) -> None:
    assert run_zen("init", "app.db").returncode == 0  # stored policy: transaction
    run_zen("sql", "app.db", "create table t(x)")
    explicit = {"ZEN_AUTOCOMMIT": "explicit"}
    run_zen("sql", "app.db", "insert into t values (1)", env=explicit)
    status = run_zen("status", "--db", "app.db", "--json", env=explicit)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["pending"] == 1
    run_zen("sql", "app.db", "insert into t values (2)")  # back to the stored policy
    status = run_zen("status", "--db", "app.db", "--json")
    assert json.loads(status.stdout)["pending"] == 0
    log = run_zen("log", "--db", "app.db", "--json")
    assert json.loads(log.stdout)[0]["message"] == "insert into t values (2)"
