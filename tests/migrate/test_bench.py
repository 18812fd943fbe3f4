"""The migrate benchmarks still run (a smoke run; timings are never asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_migrate_quick(tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "migrate", "--quick", "--repeat", "1",
         "--out", str(out), "--data-dir", str(tmp_path / "data")],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads((out / "migrate.quick.json").read_text())
    assert [c["name"] for c in data["cases"]] == ["migrate.plan", "migrate.rebuild"]
    for case in data["cases"]:
        for name, contender in case["contenders"].items():
            assert contender["error"] is None, (case["name"], name, contender["error"])
