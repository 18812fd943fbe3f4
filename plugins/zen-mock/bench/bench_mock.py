"""Throughput of ``zen mock`` on a 10-table schema: ``python bench/bench_mock.py [ROWS]``.

Prints rows per second (the bar is 50,000). Not a test: timings are never asserted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from zen_mock import fill

import zen

# The 10-table schema of the tests (one copy, kept in the fixtures).
SCHEMA = Path(__file__).parents[1] / "tests" / "fixtures" / "schemas" / "shop.sql"


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as tmp, zen.open(Path(tmp) / "bench.db") as db:
        db.script(SCHEMA.read_text())
        started = time.perf_counter()
        report = fill(db, rows=rows, seed=1)
        seconds = time.perf_counter() - started
    rate = report.total / seconds
    verdict = "PASS" if rate >= 50_000 else "FAIL"
    print(f"{report.total:,} rows in {seconds:.2f} s: {rate:,.0f} rows/s (bar 50,000: {verdict})")


if __name__ == "__main__":
    main()
