"""``zen shell`` without a terminal: scripts on stdin, as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import zen
from tests.conftest import ZenRunner
from tests.test_startup import imported_modules


def test_a_script_runs_statement_by_statement(run_zen: ZenRunner, shop_db: Path) -> None:
    script = "select name from users order by id;\n\nselect count(*)\n  from orders;\n"
    done = run_zen("shell", shop_db, input=script)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ada\nlinus\ngrace\n3\n"
    assert done.stderr == ""


def test_the_first_error_stops_the_script_with_exit_1(run_zen: ZenRunner, shop_db: Path) -> None:
    script = (
        "insert into users(name) values ('one');\n"
        "select * from nope;\n"
        "insert into users(name) values ('two');\n"
    )
    done = run_zen("shell", shop_db, input=script)
    assert done.returncode == 1
    assert done.stderr.startswith("stdin:2: error: no such table: nope\n")
    assert "Traceback" not in done.stderr
    with zen.open(shop_db) as db:
        names = [row[0] for row in db.sql("select name from users where name in ('one', 'two')")]
    assert names == ["one"]  # the statement before the error ran, the one after did not


def test_a_last_statement_without_semicolon_runs(run_zen: ZenRunner) -> None:
    done = run_zen("shell", input="select 6 * 7")
    assert (done.returncode, done.stdout) == (0, "42\n")


def test_dot_commands_work_in_scripts(run_zen: ZenRunner, shop_db: Path) -> None:
    script = ".mode csv\n.headers on\nselect id, name from users where id < 3;\n.tables\n"
    done = run_zen("shell", shop_db, input=script)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == ["id,name", "1,ada", "2,linus"]
    assert lines[3].split() == ["orders", "users", "big_spenders"]


def test_mode_option_and_a_failing_dot_command(run_zen: ZenRunner, shop_db: Path) -> None:
    done = run_zen("shell", shop_db, "--mode", "jsonl", input="select id from users limit 1;\n")
    assert done.stdout == '{"id": 1}\n'
    done = run_zen("shell", shop_db, input=".mode nope\nselect 1;\n")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("stdin:1: error: unknown mode: nope")


def test_read_only_option_denies_writes(run_zen: ZenRunner, shop_db: Path) -> None:
    done = run_zen("shell", shop_db, "--read-only", input="delete from users;\n")
    assert done.returncode == 1
    assert "read-only" in done.stderr


def test_a_missing_database_with_read_only_is_an_error(run_zen: ZenRunner, tmp_path: Path) -> None:
    done = run_zen("shell", tmp_path / "nope.db", "--read-only", input="select 1;")
    assert done.returncode == 1
    assert "no such database" in done.stderr
    assert not (tmp_path / "nope.db").exists()


def test_dialect_and_show_sql(run_zen: ZenRunner, shop_db: Path) -> None:
    script = ".show-sql on\nselect name::text from users where id = 1;\n"
    done = run_zen("shell", shop_db, "--dialect", "postgres", input=script)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ada\n"
    assert "CAST(name AS TEXT)" in done.stderr


def test_quit_sets_the_exit_code(run_zen: ZenRunner) -> None:
    done = run_zen("shell", input="select 1;\n.quit 4\nselect 2;\n")
    assert (done.returncode, done.stdout) == (4, "1\n")


def test_results_stream_before_the_input_ends(shop_db: Path) -> None:
    """Each statement runs as soon as it is complete: a pipe gets answers as it goes."""
    shell = subprocess.Popen(
        [sys.executable, "-m", "zen", "shell", str(shop_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert shell.stdin is not None and shell.stdout is not None
    try:
        shell.stdin.write("select 'first';\n")
        shell.stdin.flush()
        assert shell.stdout.readline() == "first\n"  # while stdin is still open
        shell.stdin.write("select 'second';\n")
        shell.stdin.close()
        assert shell.stdout.read() == "second\n"
    finally:
        shell.kill() if shell.poll() is None else None
        shell.wait(timeout=30)


def test_a_script_imports_no_heavy_package(shop_db: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "zen", "shell", str(shop_db)],
        input="select count(*) from users;\n.schema users\n.tables\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    modules = imported_modules(done.stderr)
    assert "zen.shell.session" in modules
    heavy = sorted(m for m in modules if m.split(".")[0] in {"prompt_toolkit", "rich", "sqlglot"})
    assert heavy == []
