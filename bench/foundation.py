"""Foundation benchmarks: the zen CLI against the sqlite3 CLI, APSW and sqlite-utils.

Bars (from the foundation issue):

* ``zen sql DB "select 1"``: at most 150 ms wall time.
* ``zen export DB t --format csv`` of 1M rows: within 3x of ``sqlite3 -csv``, peak RSS < 150 MB.
* ``zen import`` of a 1M-row CSV: at least 2x faster than ``sqlite-utils insert --csv``.

Query throughput and ``sqlite3 .import`` are informational (no bar).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from bench._data import count_lines, count_rows
from bench._harness import Bar, BenchError, Case, Command, Context, Suite

SUITE = Suite("foundation", "the zen CLI against the sqlite3 CLI, APSW and sqlite-utils")

FULL_ROWS = 1_000_000
QUICK_ROWS = 2_000
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"

_APSW_SELECT_1 = "import apsw, sys; print(apsw.Connection(sys.argv[1]).execute('select 1').get)"
# A plain APSW loop writing CSV: the floor for any Python tool that prints rows.
_APSW_CSV = """\
import apsw, csv, sys
cursor = apsw.Connection(sys.argv[1]).execute(sys.argv[2])
writer = csv.writer(sys.stdout, lineterminator="\\n")
writer.writerow([d[0] for d in cursor.getdescription()])
writer.writerows(cursor)
"""


@functools.cache
def _zen_lacks(zen: Path, command: str) -> str | None:
    """None when ``zen COMMAND --help`` works, else why the command cannot be timed."""
    try:
        done = subprocess.run(
            [zen, command, "--help"], capture_output=True, timeout=60, check=False
        )
    except OSError as exc:
        return f"cannot run {zen}: {exc}"
    return None if done.returncode == 0 else f"`zen {command}` is not in this build"


def _expect_lines(count: int) -> Callable[[Path], None]:
    """A check that the captured output has ``count`` lines (header + rows)."""

    def check(out: Path) -> None:
        got = count_lines(out)
        if got != count:
            raise BenchError(f"expected {count} output lines, got {got}")

    return check


def _expect_table(db: Path, rows: int) -> Callable[[Path], None]:
    """A check that ``db`` now holds table ``t`` with ``rows`` rows."""

    def check(_out: Path) -> None:
        got = count_rows(db)
        if got != rows:
            raise BenchError(f"{db.name}: expected {rows} rows in t, got {got}")

    return check


def _expect_one(out: Path) -> None:
    if b"1" not in out.read_bytes():
        raise BenchError("`select 1` printed no 1")


def _fresh(db: Path) -> Callable[[], None]:
    """A setup step that deletes ``db`` and its WAL files, so each import starts empty."""

    def setup() -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    return setup


@SUITE.case("startup")
def startup(ctx: Context) -> Case:
    """Wall time of a trivial query: start-up cost of the whole CLI."""
    db = ctx.copy(ctx.data.people_db(10), "startup.db")
    return Case(
        title='`zen sql DB "select 1"`: process wall time (start-up)',
        contenders={
            "zen": Command([ctx.zen, "sql", db, "select 1"], check=_expect_one),
            "sqlite3-CLI": Command([SQLITE3, db, "select 1"], check=_expect_one),
            "apsw": Command([ctx.python, "-c", _APSW_SELECT_1, db], check=_expect_one),
        },
        bars=[Bar("zen", "<=", 0.150)],
        repeat=ctx.repeats(20, quick=3),
        notes=["apsw = `python -c` with APSW: the floor for any Python CLI"],
    )


@SUITE.case("query")
def query(ctx: Context) -> Case:
    """Throughput of printing a whole table as CSV (to /dev/null)."""
    rows = ctx.size(FULL_ROWS, QUICK_ROWS)
    db = ctx.copy(ctx.data.people_db(rows), "query.db")
    sql = "select * from t"
    check = _expect_lines(rows + 1)
    return Case(
        title=f'`zen sql DB "{sql}" --format csv > /dev/null`, {rows:,} rows',
        contenders={
            "zen": Command([ctx.zen, "sql", db, sql, "--format", "csv"], check=check),
            "sqlite3-CLI": Command([SQLITE3, "-csv", "-header", db, sql], check=check),
            "apsw": Command([ctx.python, "-c", _APSW_CSV, db, sql], check=check),
        },
        repeat=ctx.repeats(5),
        notes=["informational: no bar; apsw = a stock APSW loop with csv.writer"],
    )


@SUITE.case("export")
def export(ctx: Context) -> Case:
    """``zen export`` of a whole table to a CSV file, and the peak RSS it needs."""
    rows = ctx.size(FULL_ROWS, QUICK_ROWS)
    db = ctx.copy(ctx.data.people_db(rows), "export.db")
    check = _expect_lines(rows + 1)
    zen: list[str | Path] = [ctx.zen, "export", db, "t", "--format", "csv"]
    return Case(
        title=f"`zen export DB t --format csv > FILE`, {rows:,} rows",
        contenders={
            "zen": Command(
                zen,
                stdout=ctx.path("export-zen.csv"),
                check=check,
                requires=lambda: _zen_lacks(ctx.zen, "export"),
            ),
            "sqlite3-CLI": Command(
                [SQLITE3, "-csv", "-header", db, "select * from t"],
                stdout=ctx.path("export-sqlite3.csv"),
                check=check,
            ),
        },
        bars=[Bar("zen", "<=", 3.0, peer="sqlite3-CLI"), Bar("zen", "<", 150e6, metric="peak_rss")],
        repeat=ctx.repeats(5),
    )


@SUITE.case("import")
def import_csv(ctx: Context) -> Case:
    """``zen import`` of a CSV file into a new table of a new database."""
    rows = ctx.size(FULL_ROWS, QUICK_ROWS)
    csv_file = ctx.data.people_csv(rows)
    targets = {name: ctx.path(f"import-{name}.db") for name in ("zen", "sqlite-utils", "sqlite3")}
    zen, utils, cli = targets["zen"], targets["sqlite-utils"], targets["sqlite3"]
    return Case(
        title=f"`zen import DB t FILE --format csv`, {rows:,} rows into a new database",
        contenders={
            "zen": Command(
                [ctx.zen, "import", zen, "t", csv_file, "--format", "csv"],
                setup=_fresh(zen),
                check=_expect_table(zen, rows),
                requires=lambda: _zen_lacks(ctx.zen, "import"),
            ),
            "sqlite-utils": Command(
                [ctx.tool("sqlite-utils"), "insert", utils, "t", csv_file, "--csv"],
                setup=_fresh(utils),
                check=_expect_table(utils, rows),
            ),
            "sqlite3-CLI": Command(
                [SQLITE3, cli, f".import --csv {csv_file} t"],
                setup=_fresh(cli),
                check=_expect_table(cli, rows),
            ),
        },
        bars=[Bar("sqlite-utils", ">=", 2.0, peer="zen")],
        repeat=ctx.repeats(3),
        notes=["sqlite3-CLI is informational: .import stores every column as TEXT"],
    )
