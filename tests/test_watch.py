"""zen watch: re-run on a change by any writer, and only then."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import zen
from tests.conftest import ZenRunner, dump
from zen.engine.errors import NotFoundError, UsageError
from zen.watch import Update, Watcher

QUERY = "SELECT name, age FROM users ORDER BY id"


def test_first_poll_reports_the_current_rows(users_db: Path) -> None:
    with Watcher(users_db, QUERY) as watcher:
        update = watcher.poll()
        assert update is not None
        assert (update.seq, update.columns) == (1, ["name", "age"])
        assert update.rows == [("ada", 36), ("linus", 28), ("grace", 45)]


def test_no_change_means_no_rerun(users_db: Path) -> None:
    with Watcher(users_db, QUERY) as watcher:
        watcher.poll()
        assert [watcher.poll() for _ in range(5)] == [None] * 5
        assert watcher.runs == 1


@pytest.mark.parametrize("writer", ["zen", "sqlite3 module"])
def test_a_commit_by_another_connection_is_seen(users_db: Path, writer: str) -> None:
    with Watcher(users_db, QUERY) as watcher:
        watcher.poll()
        if writer == "zen":
            with zen.open(users_db) as db:
                db.sql("UPDATE users SET age = 37 WHERE name = 'ada'")
        else:  # not zen at all: SQLite's own module, its own connection
            conn = sqlite3.connect(users_db)
            with conn:
                conn.execute("UPDATE users SET age = 37 WHERE name = 'ada'")
            conn.close()
        update = watcher.poll()
        assert update is not None
        assert (update.seq, update.rows[0]) == (2, ("ada", 37))
        assert watcher.poll() is None


def test_a_change_elsewhere_reruns_but_reports_nothing(users_db: Path) -> None:
    with Watcher(users_db, QUERY) as watcher:
        watcher.poll()
        with zen.open(users_db) as db:
            db.script("CREATE TABLE other(x); INSERT INTO other VALUES (1)")
        assert watcher.poll() is None  # same rows: no update
        assert watcher.runs == 2  # but the signal did fire


def test_a_replaced_file_is_reopened(users_db: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    with zen.open(fresh) as db:
        db.script("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, age INTEGER);"
                  "INSERT INTO users(name, age) VALUES ('edsger', 72)")  # fmt: skip
    with Watcher(users_db, QUERY) as watcher:
        watcher.poll()
        fresh.replace(users_db)
        update = watcher.poll()
        assert update is not None
        assert update.rows == [("edsger", 72)]


def test_updates_stop_after_count(users_db: Path) -> None:
    ages = iter(range(50, 60))

    def sleep_and_write(_: float) -> None:  # each wait, another process would write
        with zen.open(users_db) as db:
            db.sql("UPDATE users SET age = ? WHERE name = 'ada'", [next(ages)])

    with Watcher(users_db, "SELECT age FROM users WHERE name = 'ada'") as watcher:
        got = [u.rows for u in watcher.updates(interval=0, count=3, sleep=sleep_and_write)]
    assert got == [[(36,)], [(50,)], [(51,)]]


def test_update_json_is_lossless_for_blobs() -> None:
    data = Update(4, ["id", "blob"], [(1, b"\x00\xff")]).to_json()
    assert data["update"] == 4
    assert data["rows"] == [[1, {"$base64": True, "encoded": "AP8="}]]
    assert data["at"].endswith("Z")


@pytest.mark.parametrize(
    "sql", ["DELETE FROM users", "CREATE TABLE t(x)", "INSERT INTO users(name) VALUES ('x')"]
)
def test_a_statement_that_writes_is_refused(users_db: Path, sql: str) -> None:
    before = dump(users_db)
    with Watcher(users_db, sql) as watcher, pytest.raises(UsageError, match="read-only query"):
        watcher.poll()
    assert dump(users_db) == before


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"no such database file"):
        Watcher(tmp_path / "nope.db", "SELECT 1")
    assert not (tmp_path / "nope.db").exists()


# -- the command, as a real process ------------------------------------------------------------


def start_watch(path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "zen", "watch", str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in {"ZEN_DB", "NO_COLOR"}},
    )


def test_json_lines_follow_writes_from_another_process(users_db: Path) -> None:
    sql = "SELECT count(*) AS n FROM users"
    proc = start_watch(users_db, sql, "--json", "--count", "3", "--interval", "0.05")
    assert proc.stdout is not None
    seen = [json.loads(proc.stdout.readline())]
    for name in ("alan", "barbara"):
        with zen.open(users_db) as db:
            db.sql("INSERT INTO users(name) VALUES (?)", [name])
        seen.append(json.loads(proc.stdout.readline()))
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    assert [line["rows"] for line in seen] == [[[3]], [[4]], [[5]]]
    assert [line["update"] for line in seen] == [1, 2, 3]
    assert {tuple(line["columns"]) for line in seen} == {("n",)}


def test_ctrl_c_exits_cleanly(users_db: Path) -> None:
    proc = start_watch(users_db, QUERY, "--json", "--interval", "0.05")
    assert proc.stdout is not None and proc.stderr is not None
    assert json.loads(proc.stdout.readline())["update"] == 1
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert proc.stderr.read() == ""


def test_piped_output_is_csv_per_update(run_zen: ZenRunner, users_db: Path) -> None:
    done = run_zen("watch", users_db, QUERY, "--count", "1")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "name,age\nada,36\nlinus,28\ngrace,45\n"


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (("UPDATE users SET age = 1",), 2, "read-only query"),
        (("SELECT * FROM userz",), 1, "no such table: userz"),
        (("SELECT 1", "--interval", "0"), 2, "--interval"),
        (("SELECT 1", "--format", "xml"), 2, "unknown format"),
    ],
)
def test_mistakes(
    run_zen: ZenRunner, users_db: Path, args: tuple[str, ...], code: int, match: str
) -> None:
    done = run_zen("watch", users_db, *args, "--count", "1")
    assert done.returncode == code
    assert match in done.stderr
    assert "Traceback" not in done.stderr


def test_live_table_on_a_terminal(users_db: Path) -> None:
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: zen on a terminal
        os.environ.pop("NO_COLOR", None)
        os.execv(sys.executable, [sys.executable, "-m", "zen", "watch", str(users_db),
                                  QUERY, "--count", "1"])  # fmt: skip
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    for cell in ("name", "grace", "45", "3 rows", "update 1"):
        assert cell in text
