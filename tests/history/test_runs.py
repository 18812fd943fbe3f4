"""Skip deltas: far jumps give exactly the states a record-by-record walk gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.history.helpers import dump
from zen.history import History, runs
from zen.history.apply import path, path_steps
from zen.history.net import normalize
from zen.history.steps import decode_steps, invert_steps


def _linear(history: History, src: int | None, dst: int | None) -> list:
    conn = history.conn
    up, down = path(conn, src, dst)
    steps = []
    for record in up:
        steps.extend(invert_steps(decode_steps(history_data(conn, record))))
    for record in down:
        steps.extend(decode_steps(history_data(conn, record)))
    return normalize(steps)


def history_data(conn, record):
    from zen.history import store

    return store.record_data(conn, record)


def _write(history: History, rng: random.Random, i: int) -> None:
    engine = history.engine
    choice = rng.random()
    if i == 70:
        engine.query("ALTER TABLE users ADD COLUMN score REAL").drain()
    elif i == 110:
        engine.query("CREATE TABLE extra(id INTEGER PRIMARY KEY, v)").drain()
    elif choice < 0.4:
        engine.query(
            "INSERT INTO users(name, age) VALUES (?, ?)", (f"u{i}", rng.randint(1, 90))
        ).drain()
    elif choice < 0.7:
        engine.query(
            "UPDATE users SET age = ? WHERE id = ?", (rng.randint(1, 90), rng.randint(1, 40))
        ).drain()
    elif choice < 0.85:
        engine.query("DELETE FROM users WHERE id = ?", (rng.randint(1, 40),)).drain()
    else:
        engine.query("INSERT INTO notes VALUES (?)", (f"n{i}",)).drain()
    if i > 110 and choice < 0.3:
        engine.query("INSERT INTO extra(v) VALUES (?)", (i,)).drain()


@pytest.mark.parametrize("seed", [1, 2])
def test_far_rewinds_and_as_of_match_the_states_seen(history: History, seed: int) -> None:
    rng = random.Random(seed)
    states: list[tuple[str, dict]] = [(history.log(n=1)[0].commit.id, dump(history.conn))]
    for i in range(160):
        _write(history, rng, i)
        history.flush()
        states.append((history.log(n=1)[0].commit.id, dump(history.conn)))
    last = history.conn.execute("SELECT max(id) FROM _zen_changes").get
    conn = history.conn
    far_ones = 0
    for target in [0, 1, 5, 33, 64, 100, 129]:
        commit = history.resolve(states[target][0])
        far_ones += abs(last - (commit.record or 0)) > runs.FAR
        far = path_steps(conn, last, commit.record)
        assert far == _linear(history, last, commit.record)
        back = path_steps(conn, commit.record, last)
        assert back == _linear(history, commit.record, last)
    assert far_ones >= 4  # the runs were used, not only the record-by-record walk
    for target in [0, 3, 40]:  # rewinds through runs land on exactly that state
        history.rewind(states[target][0])
        assert dump(history.conn) == states[target][1]
    assert history.fsck().ok


def test_runs_are_kept_beside_the_database(history: History, db_path: Path) -> None:
    for i in range(120):
        history.engine.query("INSERT INTO notes VALUES (?)", (f"n{i}",)).drain()
    root = history.log()[-1].commit.id
    from zen.history.sqlext import prepare

    sql = prepare(history, f"SELECT count(*) FROM notes AS OF '{root}'")
    rows = history.engine.query(sql).scalar()
    assert rows == 2
    cache = db_path.parent / f"{db_path.name}.zen" / "history" / "runs.db"
    assert cache.exists()
