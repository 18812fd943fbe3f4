"""``zen mock`` as a user runs it: a real subprocess over a real file."""

from __future__ import annotations

import json
from pathlib import Path

from mock_helpers import run_zen, schema_db
from zen_mock import fill

import zen


def test_cli_fills_every_table_and_reproduces_the_api_with_the_same_seed(tmp_path: Path) -> None:
    cli_db = schema_db(tmp_path / "cli.db", "shop.sql")
    api_db = schema_db(tmp_path / "api.db", "shop.sql")
    done = run_zen("mock", cli_db, "--rows", "40", "--seed", "9", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["total"], report["seed"]) == (400, 9)
    with zen.open(api_db) as db:
        fill(db, rows=40, seed=9)
        expected = list(db.dump())
    with zen.open(cli_db) as db:
        assert list(db.dump()) == expected


def test_cli_reports_rows_and_seed_on_stderr(tmp_path: Path) -> None:
    path = schema_db(tmp_path / "db.sqlite", "selfref.sql")
    done = run_zen("mock", path, "-n", "7", "-t", "categories", "--seed", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "added 7 rows to 1 table" in done.stderr and "seed 3" in done.stderr


def test_cli_errors_are_messages_with_exit_code_1(tmp_path: Path) -> None:
    path = schema_db(tmp_path / "db.sqlite", "shop.sql")
    for args, text, code in (
        (["--table", "nope"], "no such table: nope", 1),
        (["--table", "orders"], "needs rows in customers", 1),
        (["--rows", "-3"], "--rows must be 0 or more", 2),
    ):
        done = run_zen("mock", path, *args, cwd=tmp_path)
        assert done.returncode == code, done.stderr
        assert text in done.stderr and "Traceback" not in done.stderr
    with zen.open(path) as db:
        assert sum(db.count(t) for t in db.tables(views=False)) == 0


def test_cli_refuses_a_missing_database(tmp_path: Path) -> None:
    done = run_zen("mock", tmp_path / "missing.db", cwd=tmp_path)
    assert done.returncode == 1
    assert "missing.db" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "missing.db").exists()


def test_zen_plugins_lists_the_mock_command(tmp_path: Path) -> None:
    done = run_zen("plugins", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    plugins = {p["name"]: p for p in json.loads(done.stdout)["plugins"]}
    assert plugins["mock"]["commands"] == ["mock"]
    assert plugins["mock"]["package"] == "zen-mock"
    assert plugins["mock"]["hooks"] == ["zen_cli"]
