"""Sealing runs off the caller's path, and a seal killed half-way leaves a usable index."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import zen
import zen.vector
from tests.vector.conftest import brute_force, clustered, fill
from zen.vector.background import sweep
from zen.vector.segment import build_annoy


def exact_ids(index: Any, query: np.ndarray, k: int = 10) -> list[int]:
    return [h.rowid for h in index.search(query, k=k, exact=True)]


def test_searches_during_a_seal_see_every_committed_row(docs, monkeypatch) -> None:
    db, layer = docs
    index = layer.index("docs")
    release, building = threading.Event(), threading.Event()

    def slow_build(*args: Any) -> Any:
        building.set()
        assert release.wait(20), "the test never released the seal"
        return build_annoy(*args)

    monkeypatch.setattr("zen.vector.index.build_annoy", slow_build)
    fill(db, clustered(300, seed=3), start=600)  # past SEAL_AT (200)
    query = clustered(1, seed=4)[0]
    try:
        # The search returns while the seal it started is still blocked in the build.
        assert exact_ids(index, query) == brute_force(db, query, 10)
        assert building.wait(20) and index.sealer.running
        db.sql("DELETE FROM docs WHERE id % 3 = 0")
        fill(db, clustered(50, seed=5), start=2000)
        assert exact_ids(index, query) == brute_force(db, query, 10)
        assert len(index.view().buffer) == 300 - 100 + 50  # unsealed, searched exactly
    finally:
        release.set()
        index.wait()
    assert index.sealer.error is None and index.sealer.runs >= 1
    assert len(index.view().buffer) < 200  # the 300 rows were sealed behind the search
    assert exact_ids(index, query) == brute_force(db, query, 10)
    other = zen.vector.layer(zen.open(db.path).engine).index("docs")
    assert exact_ids(other, query) == brute_force(db, query, 10)


# A program that fills the index past SEAL_AT, searches (starting a background seal)
# and stops forever at one point of the seal, where the test kills it with SIGKILL.
CHILD = """
import sys, time
import numpy as np
import zen, zen.vector, zen.vector.index as ix, zen.vector.segment as seg
from tests.vector.conftest import clustered, fill

ix.SEAL_AT, ix.EXACT_BELOW, ix.TIER_FANOUT = 200, 100, 2
point = sys.argv[2]

def stop(name, real):
    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs) if point != "build" else None
        if name == point:
            print("STOPPED", flush=True)
            time.sleep(120)
        return result if point != "build" else real(*args, **kwargs)
    return wrapper

ix.build_annoy = stop("build", ix.build_annoy)
ix.write_segment = stop("written", ix.write_segment)
ix.remove_segment_files = stop("recorded", ix.remove_segment_files)
db = zen.open(sys.argv[1])
fill(db, clustered(300, seed=31), start=600)
db.vector("docs").search(clustered(1)[0], k=3)
time.sleep(120)
"""


@pytest.mark.parametrize("point", ["build", "written", "recorded"])
def test_a_seal_killed_half_way_leaves_a_usable_index(docs, docs_path: Path, point: str) -> None:
    _, layer = docs
    layer.index("docs").compact()  # one segment: a later seal makes two, merged (fan-out 2)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(docs_path), point],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
        start_new_session=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "STOPPED"
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    fresh = zen.open(docs_path)
    index = zen.vector.layer(fresh.engine).index("docs")
    assert fresh.count("docs") == 900
    for seed in (1, 2):
        query = clustered(1, seed=seed)[0]
        assert exact_ids(index, query) == brute_force(fresh, query, 10)
    index.wait()  # a full buffer left by the killed seal is sealed again here
    index.maintain()
    stats = zen.vector.layer(fresh.engine).stats("docs")
    assert stats.rows == 900 and stats.buffer < 200
    folder = index.folder
    referenced = index.referenced()
    orphans = {p.name.split(".")[0] for p in folder.iterdir()} - referenced
    assert bool(orphans) == (point != "build")  # files written, then the process died
    assert sweep(folder, referenced) == 0  # too young: they could be another seal's
    sweep(folder, referenced, older_than=0)
    left = {p.name.split(".")[0] for p in folder.iterdir()}
    assert left == referenced  # orphans of the killed seal are gone, live files kept
    again = zen.vector.layer(zen.open(docs_path).engine).index("docs")
    query = clustered(1, seed=3)[0]
    assert exact_ids(again, query) == brute_force(fresh, query, 10)
    assert again.rebuilds == 0


# A program that leaves a full buffer behind and ends: its seal must finish first.
EXITING = """
import atexit, sys, time
import zen, zen.vector.index as ix
from tests.vector.conftest import clustered, fill

atexit.register(print, "EXITING", flush=True)  # runs just before zen's wait for the seal

ix.SEAL_AT, ix.EXACT_BELOW = 200, 100
if sys.argv[2] == "slow":
    real = ix.build_annoy
    ix.build_annoy = lambda *a: (time.sleep(60), real(*a))[1]
db = zen.open(sys.argv[1])
fill(db, clustered(300, seed=41), start=600)
print(db.vector("docs").search(clustered(1)[0], k=1)[0].rowid > 0, flush=True)
"""


def _exiting(docs_path: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", EXITING, str(docs_path), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )


def test_a_program_finishes_its_seal_before_exiting(docs, docs_path: Path) -> None:
    child = _exiting(docs_path, "fast")
    out, err = child.communicate(timeout=60)
    assert (child.returncode, out.split(), err) == (0, ["True", "EXITING"], "")
    stats = zen.vector.layer(zen.open(docs_path).engine).stats("docs")
    assert stats.rows == 900 and stats.buffer == 0  # sealed by the program, before it ended


def test_ctrl_c_while_a_seal_finishes_abandons_it_quietly(docs, docs_path: Path) -> None:
    child = _exiting(docs_path, "slow")
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "True"  # answered
    assert child.stdout.readline().strip() == "EXITING"  # now waiting for the seal
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert "Traceback" not in err
    fresh = zen.open(docs_path)
    index = zen.vector.layer(fresh.engine).index("docs")
    query = clustered(1, seed=6)[0]
    assert exact_ids(index, query) == brute_force(fresh, query, 10)
    assert len(index.view().buffer) == 300  # nothing was recorded: the rows are still buffered
