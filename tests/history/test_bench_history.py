"""The history benchmarks still run against their peers (a smoke run; no timing asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_bench_quick


@pytest.mark.slow
def test_bench_history_quick_prints_ratios(tmp_path: Path) -> None:
    stdout, data = run_bench_quick("history", tmp_path, timeout=600)
    assert "doltlite+commit/zen" in stdout and "zen/plain" in stdout
    names = {c["name"] for c in data["cases"]}
    assert {"history.tx-full", "history.storage", "history.asof", "history.bulk"} <= names
