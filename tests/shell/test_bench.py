"""The shell benchmarks still run (a smoke run; timings are judged in bench/, not here)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_shell_quick_runs_every_case(tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "shell", "--quick", "--repeat", "1",
         "--out", str(out), "--data-dir", str(tmp_path / "data")],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"bar zen <= 300\.0 ms: \d+\.\d ms  (PASS|FAIL)", done.stdout)
    assert re.search(r"bar zen <= 100\.0 ms: \d+\.\d ms  (PASS|FAIL)", done.stdout)
    data = json.loads((out / "shell.quick.json").read_text())
    names = [case["name"] for case in data["cases"]]
    assert names == [f"shell.{n}" for n in ("startup", "complete", "first-rows", "stream")]
    for case in data["cases"]:
        for name, contender in case["contenders"].items():
            assert contender["error"] is None, (case["name"], name, contender["error"])
            assert len(contender["samples"]) == 1
