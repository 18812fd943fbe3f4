"""Start-up guards: the ``zen sql`` path stays light, and the benchmarks still run.

Timings are never asserted here (they live in ``bench/``); these tests check what
start-up time depends on: which packages a plain query imports.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_bench_quick

REPO = Path(__file__).resolve().parent.parent

# Packages that cost start-up time and that a plain query does not need.
HEAVY = frozenset({"textual", "numpy", "annoy", "git", "prompt_toolkit", "sqlglot", "rich"})

# (arguments after `zen sql DB`, stdin, expected exit code)
SQL_PATHS = [
    pytest.param(["select 1 as one"], None, 0, id="default-format"),
    *(
        pytest.param(["select 1 as one", "--format", fmt], None, 0, id=f"format-{fmt}")
        for fmt in ("csv", "tsv", "json", "jsonl", "markdown", "table")
    ),
    pytest.param(["select 1 as one", "--json"], None, 0, id="json-flag"),
    pytest.param([], "select 1 as one;", 0, id="stdin"),
    pytest.param(["select * from userz"], None, 1, id="user-error"),
]


def imported_modules(importtime_log: str) -> set[str]:
    """Module names from ``python -X importtime`` output (``import time: a | b | name``)."""
    names = set()
    for line in importtime_log.splitlines():
        # The header line reads "import time: self [us] | cumulative | imported package".
        if line.startswith("import time:") and line.count("|") == 2 and "[us]" not in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_imported_modules_parses_importtime_lines() -> None:
    log = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       120 |        120 |   zen.cli.sql\n"
        "import time:        80 |        200 | rich.console\n"
        "error: something else\n"
    )
    assert imported_modules(log) == {"zen.cli.sql", "rich.console"}


@pytest.mark.parametrize(("args", "stdin", "code"), SQL_PATHS)
def test_zen_sql_imports_no_heavy_package(users_db: Path, args, stdin, code) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "zen", "sql", str(users_db), *args],
        input=stdin or "",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code, done.stderr[-2000:]
    if code == 0:
        assert "1" in done.stdout
    else:
        assert "userz" in done.stderr and "Traceback" not in done.stderr
    modules = imported_modules(done.stderr)
    assert "zen.cli.sql" in modules  # the log was parsed and the sql command loaded
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], f"`zen sql {' '.join(args)}` imported {heavy}"


_RATIO = re.compile(r"^  (zen/[\w-]+) = (\d+\.\d+)x", re.MULTILINE)


def test_bench_foundation_quick_prints_ratios(tmp_path: Path) -> None:
    stdout, data = run_bench_quick("foundation", tmp_path, timeout=120)
    ratios = dict(_RATIO.findall(stdout))
    assert float(ratios["zen/apsw"]) > 0
    if shutil.which("sqlite3"):
        assert float(ratios["zen/sqlite3-CLI"]) > 0
    assert re.search(r"bar zen <= 150\.0 ms: \d+\.\d ms  (PASS|FAIL)", stdout)
    names = [case["name"] for case in data["cases"]]
    assert names == [f"foundation.{n}" for n in ("startup", "query", "export", "import")]
