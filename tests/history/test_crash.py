"""kill -9 at random moments during commits, rewinds and gc: the database always
opens, fsck is clean, no acknowledged commit is lost, history and working copy agree."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zen.engine.core import Engine
from zen.history import History

WORKER = Path(__file__).with_name("crash_worker.py")
ROOT = Path(__file__).parents[2]


def make_db(path: Path) -> None:
    engine = Engine(path)
    engine.script(
        "CREATE TABLE counter(n INTEGER); INSERT INTO counter VALUES (0);"
        "CREATE TABLE items(id INTEGER PRIMARY KEY, v INTEGER, pad BLOB);"
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)"
        " INSERT INTO items(v, pad) SELECT i, randomblob(200) FROM s"
    )
    History.init(engine).close()


def run_and_kill(path: Path, seed: int, delay: float) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(path), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    time.sleep(delay)
    proc.kill()
    out, err = proc.communicate()
    assert proc.returncode == -9, err
    return [line.split()[1] for line in out.splitlines() if line.startswith("ok ")]


def check(path: Path, acked: list[str], deep: bool) -> None:
    history = History.open(path)
    try:
        report = history.fsck(deep=deep)
        assert report.ok, report.problems
        head = history.log(n=2)
        if acked:
            # One operation at most was in flight: the last acknowledged commit is
            # HEAD or HEAD's parent.
            assert acked[-1] in [e.commit.id for e in head]
        assert history.status().clean
    finally:
        history.close()


def crash_loop(tmp_path: Path, iterations: int) -> None:
    path = tmp_path / "crash.db"
    make_db(path)
    rng = random.Random(20261120)
    total = 0
    for i in range(iterations):
        acked = run_and_kill(path, i, rng.uniform(0.4, 1.2))
        total += len(acked)
        check(path, acked, deep=i % 20 == 0 or i == iterations - 1)
    assert total > iterations  # the worker really got work done between kills


def test_kill_9_short(tmp_path: Path) -> None:
    crash_loop(tmp_path, 3)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_kill_9_200_times(tmp_path: Path) -> None:
    crash_loop(tmp_path, 200)


WRITER = """
import sys
from zen.history import History
history = History.open(sys.argv[1])
base = int(sys.argv[2]) * 1000
for i in range(int(sys.argv[3])):
    history.engine.query("INSERT INTO items(v) VALUES (?)", (base + i,)).drain()
history.close()
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    make_db(path)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(n), "40"], cwd=ROOT)
        for n in (1, 2)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    history = History.open(path)
    try:
        found = history.engine.query("SELECT count(*) FROM items WHERE v >= 1000").scalar()
        assert found == 80
        assert len(history.log()) == 81  # every transaction is a commit, none lost
        assert history.status().clean
        assert history.fsck().ok
    finally:
        history.close()
