"""``zen sql``, ``tables``, ``schema``, ``init`` through the real command."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, ZenRunner, dump

FORMAT_QUERY = (
    "SELECT 1 AS id, 'ada' AS name, 2.5 AS score, NULL AS note "
    "UNION ALL SELECT 2, 'a,b \"q\" | c', -1.0, x'00ff'"
)
FORMATS = ["csv", "tsv", "json", "jsonl", "markdown", "table"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_formats_match_golden_files(run_zen: ZenRunner, fmt: str) -> None:
    done = run_zen("sql", ":memory:", FORMAT_QUERY, "--format", fmt)
    assert done.returncode == 0, done.stderr
    expected = (FIXTURES / "formats" / f"expected.{fmt}").read_text(encoding="utf-8")
    assert done.stdout == expected


def test_json_flag_is_parseable(run_zen: ZenRunner, users_db: Path) -> None:
    done = run_zen("sql", users_db, "SELECT name FROM users ORDER BY id", "--json")
    assert json.loads(done.stdout) == [{"name": "ada"}, {"name": "linus"}, {"name": "grace"}]


def test_piped_default_is_csv(run_zen: ZenRunner, users_db: Path) -> None:
    done = run_zen("sql", users_db, "SELECT id FROM users WHERE id < 3")
    assert done.stdout == "id\n1\n2\n"


def test_sql_from_stdin_and_file(run_zen: ZenRunner, users_db: Path, tmp_path: Path) -> None:
    assert run_zen("sql", users_db, input="SELECT count(*) AS n FROM users").stdout == "n\n3\n"
    script = tmp_path / "q.sql"
    script.write_text("SELECT 1 AS a;\nSELECT 2 AS b;\n")
    assert run_zen("sql", users_db, "-f", script).stdout == "a\n1\nb\n2\n"


def test_params(run_zen: ZenRunner, users_db: Path) -> None:
    named = run_zen("sql", users_db, "SELECT name FROM users WHERE id = :id", "-p", "id=2")
    assert named.stdout == "name\nlinus\n"
    positional = run_zen("sql", users_db, "SELECT ? || ?", "-p", "a", "-p", "b")
    assert positional.stdout.splitlines()[1] == "ab"
    missing = run_zen("sql", users_db, "SELECT :who")
    assert missing.returncode == 2 and "parameter" in missing.stderr


def test_dialect_option(run_zen: ZenRunner) -> None:
    done = run_zen("sql", ":memory:", "SELECT 'x' || 1::text AS v", "--dialect", "postgres")
    assert done.stdout == "v\nx1\n"
    bad = run_zen("sql", ":memory:", "SELECT 1 FOR UPDATE", "--dialect", "postgres")
    assert bad.returncode == 1 and "cannot translate" in bad.stderr


ERROR_CASES = [
    ("SELECT * FROM userz", "no such table: userz", "did you mean users?"),
    ("SELECT nmae FROM users", "no such column: nmae", "did you mean name?"),
    ("SELEC * FROM users", "syntax error", "^"),
    ("INSERT INTO users(id, name) VALUES (1, 'dup')", "UNIQUE constraint failed", ""),
]


@pytest.mark.parametrize(("sql", "message", "hint"), ERROR_CASES)
def test_sql_errors(run_zen: ZenRunner, users_db: Path, sql: str, message: str, hint: str) -> None:
    before = dump(users_db)
    done = run_zen("sql", users_db, sql)
    assert done.returncode == 1
    assert message in done.stderr and hint in done.stderr
    assert "Traceback" not in done.stderr
    assert dump(users_db) == before


def test_failed_script_changes_nothing(run_zen: ZenRunner, users_db: Path) -> None:
    before = dump(users_db)
    done = run_zen("sql", users_db, "DELETE FROM users; INSERT INTO nope VALUES (1)")
    assert done.returncode == 1
    assert dump(users_db) == before


def test_missing_database_gets_a_hint(run_zen: ZenRunner, users_db: Path) -> None:
    done = run_zen("sql", users_db.with_name("ap.db"), "SELECT 1")
    assert done.returncode == 1
    assert "no such database" in done.stderr and "did you mean app.db?" in done.stderr
    assert not users_db.with_name("ap.db").exists()


def test_directory_and_non_database(run_zen: ZenRunner, tmp_path: Path) -> None:
    assert "is a directory" in run_zen("sql", tmp_path, "SELECT 1").stderr
    text = tmp_path / "notes.txt"
    text.write_text("just some notes, not a database\n" * 10)
    before = text.read_bytes()
    done = run_zen("sql", text, "SELECT 1")
    assert done.returncode == 1 and "not a SQLite database" in done.stderr
    assert text.read_bytes() == before


def test_read_only_flag(run_zen: ZenRunner, users_db: Path) -> None:
    before = dump(users_db)
    done = run_zen("sql", users_db, "DELETE FROM users", "--read-only")
    assert done.returncode == 1 and "read-only" in done.stderr
    assert dump(users_db) == before


def test_locked_database(run_zen: ZenRunner, users_db: Path) -> None:
    holder = sqlite3.connect(users_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO users(name) VALUES ('held')")
    try:
        done = run_zen(
            "sql", users_db, "INSERT INTO users(name) VALUES ('x')", env={"ZEN_BUSY_TIMEOUT": "200"}
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 1
    assert "database is locked" in done.stderr
    assert [r for r in dump(users_db) if "'x'" in r] == []


def test_ctrl_c_cancels_and_rolls_back(users_db: Path) -> None:
    before = dump(users_db)
    sql = (
        "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 1000000000) "
        "INSERT INTO users(name) SELECT 'n' || x FROM r"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "zen", "sql", str(users_db), sql],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert dump(users_db) == before


def test_usage_errors_exit_2(run_zen: ZenRunner, users_db: Path) -> None:
    assert run_zen("sql", users_db, "SELECT 1", "--format", "yaml").returncode == 2
    assert run_zen("sql", users_db, "SELECT 1", "--no-such-flag").returncode == 2
    assert run_zen("frobnicate").returncode == 2


def test_tables_and_schema(run_zen: ZenRunner, users_db: Path) -> None:
    tables = json.loads(run_zen("tables", users_db, "--counts", "--json").stdout)
    assert tables == [{"name": "users", "type": "table", "columns": 3, "rows": 3}]
    schema = run_zen("schema", users_db, "users").stdout
    assert schema.startswith("CREATE TABLE users(")
    objects = json.loads(run_zen("schema", users_db, "--json").stdout)
    assert [c["name"] for c in objects[0]["columns"]] == ["id", "name", "age"]
    missing = run_zen("schema", users_db, "user")
    assert missing.returncode == 1 and "did you mean users?" in missing.stderr


def test_init_creates_project(run_zen: ZenRunner, tmp_path: Path) -> None:
    done = run_zen("init", "app.db", "--json")
    assert json.loads(done.stdout)["created"] is True
    assert (tmp_path / "zen.toml").read_text().strip().endswith('database = "app.db"')
    assert (tmp_path / "app.db").read_bytes()[:16] == b"SQLite format 3\x00"


def test_version(run_zen: ZenRunner) -> None:
    from zen import __version__

    assert run_zen("--version").stdout.strip() == f"zen {__version__}"


def test_every_command_has_help_with_an_example(run_zen: ZenRunner) -> None:
    from zen.cli.app import root_command

    def paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
        found = []
        for name, command in group.commands.items():
            found.append((*prefix, name))
            if hasattr(command, "commands"):  # a group: walk its subcommands too
                found.extend(paths(command, (*prefix, name)))
        return found

    commands = paths(root_command())
    assert commands, "no commands registered"
    for path in commands:
        done = run_zen(*path, "--help", env={"COLUMNS": "120"})
        assert done.returncode == 0, path
        assert "Example" in done.stdout, f"zen {' '.join(path)} --help has no example"


def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    from zen.cli.common import color_enabled

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert color_enabled(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not color_enabled(Tty())
