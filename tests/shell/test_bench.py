"""The shell benchmarks still run (a smoke run; timings are judged in bench/, not here)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_bench_quick


def test_bench_shell_quick_runs_every_case(tmp_path: Path) -> None:
    stdout, data = run_bench_quick("shell", tmp_path)
    assert re.search(r"bar zen <= 300\.0 ms: \d+\.\d ms  (PASS|FAIL)", stdout)
    assert re.search(r"bar zen <= 100\.0 ms: \d+\.\d ms  (PASS|FAIL)", stdout)
    names = [case["name"] for case in data["cases"]]
    assert names == [f"shell.{n}" for n in ("startup", "complete", "first-rows", "stream")]
