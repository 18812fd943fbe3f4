"""The plugin system through the real ``zen`` command, with fake plugin distributions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.helpers import EXPECTED, fake_site, plugin_env
from tests.test_startup import imported_modules


def zen(*args: str | Path, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zen", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


@pytest.fixture(scope="module")
def listing(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("plugins")
    done = zen("plugins", "--json", env=plugin_env(fake_site(root)), cwd=root)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_zen_plugins_reports_each_plugin_as_expected(listing: dict, name: str) -> None:
    spec = EXPECTED[name]
    loaded = {p["name"]: p for p in listing["plugins"]}
    if spec["hooks"] is None:
        assert name not in loaded
    else:
        assert loaded[name]["hooks"] == spec["hooks"]
        assert loaded[name]["commands"] == spec["commands"]
        assert loaded[name]["provides"] == spec["provides"]
        assert (loaded[name]["package"], loaded[name]["module"]) == (
            "zen-fake-plugins",
            spec["module"],
        )
    failures = [(f["stage"], f["error"]) for f in listing["failed"] if f["name"] == name]
    assert len(failures) == len(spec["failures"])
    for (stage, error), (want_stage, want_text) in zip(failures, spec["failures"], strict=True):
        assert stage == want_stage and want_text in error


def test_plugin_commands_run_and_broken_plugins_only_warn(tmp_path: Path) -> None:
    env = plugin_env(fake_site(tmp_path))
    done = zen("hello", "ada", env=env, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "hello ada\n")
    assert "Traceback" not in done.stderr
    warned = {line.split("'")[1] for line in done.stderr.splitlines() if "failed" in line}
    assert warned == {"broken-import", "broken-hook", "typo", "clash"}
    other = zen("clash-ok", env=env, cwd=tmp_path)
    assert other.returncode == 0 and "other command works" in other.stdout


def test_a_plugin_cannot_replace_a_builtin_command(tmp_path: Path, users_db: Path) -> None:
    done = zen("sql", users_db, "select 40 + 2", env=plugin_env(fake_site(tmp_path)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "42" in done.stdout and "hijacked" not in done.stdout


def test_help_lists_plugin_commands(tmp_path: Path) -> None:
    done = zen("--help", env=plugin_env(fake_site(tmp_path), COLUMNS="200"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "hello" in done.stdout and "Say hello." in done.stdout


def test_unknown_commands_stay_usage_errors(tmp_path: Path) -> None:
    done = zen("nosuchcommand", env=plugin_env(fake_site(tmp_path, ["hello"])), cwd=tmp_path)
    assert done.returncode == 2
    assert "No such command" in done.stderr and "Traceback" not in done.stderr


def test_zen_no_plugins_skips_discovery(tmp_path: Path) -> None:
    env = plugin_env(fake_site(tmp_path, ["hello"]), ZEN_NO_PLUGINS="1")
    assert zen("hello", env=env, cwd=tmp_path).returncode == 2
    listing = json.loads(zen("plugins", "--json", env=env, cwd=tmp_path).stdout)
    assert listing == {"plugins": [], "failed": []}


def test_human_listing_names_hooks_commands_and_failures(tmp_path: Path) -> None:
    env = plugin_env(fake_site(tmp_path, ["hello", "broken-import"]))
    done = zen("plugins", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "hello  (zen-fake-plugins 1.0)" in done.stdout
    assert "commands: hello" in done.stdout
    assert "sql:      reverse_text" in done.stdout and "panels:   tables" in done.stdout
    assert "failed: broken-import (load): ImportError" in done.stdout
    assert done.stderr == ""  # listed on stdout, not warned about twice


def test_zen_sql_does_not_discover_plugins(tmp_path: Path, users_db: Path) -> None:
    env = plugin_env(fake_site(tmp_path))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "zen", "sql", str(users_db), "select 1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules = imported_modules(done.stderr)
    assert "zen.cli.sql" in modules
    assert not modules & {"pluggy", "zen.plugins", "hello_plugin", "importlib.metadata"}


def test_plugin_sql_function_works_in_zen_sql(tmp_path: Path, users_db: Path) -> None:
    env = plugin_env(fake_site(tmp_path, ["hello"]))
    done = zen("sql", str(users_db), "select reverse_text('abc') as r", "--format", "csv",
               env=env, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["r", "cba"]
    unknown = zen("sql", str(users_db), "select nope_fn(1)", env=env, cwd=tmp_path)
    assert unknown.returncode == 1 and "no such function: nope_fn" in unknown.stderr
