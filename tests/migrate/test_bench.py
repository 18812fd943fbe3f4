"""The migrate benchmarks still run (a smoke run; timings are never asserted here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_bench_quick


@pytest.mark.slow
def test_bench_migrate_quick(tmp_path: Path) -> None:
    _, data = run_bench_quick("migrate", tmp_path)
    assert [c["name"] for c in data["cases"]] == ["migrate.plan", "migrate.rebuild"]
