"""TUI benchmarks: start to first paint, memory while scrolling, first rows, schema diff.

Bars (from the TUI issue):

* ``zen tui DB`` on a 1,000-table database: the catalog is painted within 1.0 s of
  the process starting (in a pty).
* Scrolling a 1M-row result from top to bottom: peak memory stays within 100 MB of
  the same app that ran the query and did not scroll.
* The first rows of a 10M-row result within 200 ms (the grid's first page).
* The schema diff of two 200-table refs (history commits) renders within 1 s.
* Exporting a 1M-row result to Parquet: peak memory within 100 MB of reading its first page.

The scroll case runs this module as a script (``python -m bench.tui scroll DB N``):
a headless app that runs ``select * from t`` and moves the cursor down page by page.
"""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench._harness import Bar, BenchError, Call, Case, Command, Context, Suite, spawn
from bench.shell import PromptTimer, _rows_db

SUITE = Suite(
    "tui", "zen tui: first paint, scrolling memory, Parquet export, first rows, schema diff"
)

_TABLES = 1_000
_SCROLL_ROWS, _QUICK_SCROLL = 1_000_000, 20_000
_BIG_ROWS, _QUICK_ROWS = 10_000_000, 20_000
_DIFF_TABLES, _QUICK_DIFF = 200, 20
_MEMORY_HEADROOM = 100e6


def _tables_db(ctx: Context, tables: int) -> Path:
    """``tables`` tables of 8 columns each, with an index on every tenth."""

    def build(path: Path) -> None:
        conn = sqlite3.connect(path)
        try:
            for t in range(tables):
                cols = ", ".join(f"c{c} TEXT" for c in range(7))
                conn.execute(f"CREATE TABLE t_{t:04d}(id INTEGER PRIMARY KEY, {cols})")
                if t % 10 == 0:
                    conn.execute(f"CREATE INDEX t_{t:04d}_c0 ON t_{t:04d}(c0)")
            conn.commit()
        finally:
            conn.close()

    return ctx.data.cached(f"tui-tables-{tables}-v1.db", build)


# -- start to first paint -----------------------------------------------------------------


@SUITE.case("startup")
def startup(ctx: Context) -> Case:
    """Spawn of ``zen tui DB`` in a 120x40 pty until the catalog's table group is drawn."""
    tables = ctx.size(_TABLES, quick=100)
    db = ctx.copy(_tables_db(ctx, tables), "startup.db")
    env = {**os.environ, "ZEN_TUI_STATE": str(ctx.path("state"))}
    marker = f"Tables ({tables})".encode()
    return Case(
        title=f"`zen tui DB` ({tables:,} tables) in a 120x40 pty: spawn to the catalog painted",
        contenders={"zen": PromptTimer([ctx.zen, "tui", db], marker, env)},
        bars=[Bar("zen", "<=", 1.0)],
        repeat=ctx.repeats(10, quick=2),
        notes=["the editor is focused and typeable from the same frame"],
    )


# -- scrolling memory ----------------------------------------------------------------------


def _scroll_command(ctx: Context, db: Path, rows: int, scroll: bool) -> list[str | Path]:
    return [ctx.python, "-m", "bench.tui", "scroll" if scroll else "open", db, str(rows)]


@SUITE.case("scroll")
def scroll(ctx: Context) -> Case:
    """Peak RSS of scrolling a whole result, against the same app that did not scroll."""
    rows = ctx.size(_SCROLL_ROWS, _QUICK_SCROLL)
    db = _rows_db(ctx, rows)
    return _memory_case(
        title=f"headless `zen tui`: `select * from t` ({rows:,} rows), cursor to the last row",
        subject=("scroll", _scroll_command(ctx, db, rows, True)),
        baseline=("no-scroll", _scroll_command(ctx, db, rows, False)),
        repeat=ctx.repeats(2, quick=1),
        note="the cursor moves four pages at a time; every row is still read from SQLite",
    )


def _memory_case(
    *,
    title: str,
    subject: tuple[str, list[str | Path]],
    baseline: tuple[str, list[str | Path]],
    repeat: int,
    note: str,
) -> Case:
    """Peak RSS of ``subject`` against ``baseline``'s peak + 100 MB (both run as processes)."""
    repo = Path(__file__).resolve().parent.parent
    floor = spawn(baseline[1], cwd=repo).peak_rss
    if floor is None:
        raise BenchError(f"could not measure the memory of the {baseline[0]} run")
    return Case(
        title=title,
        contenders={
            subject[0]: Command(subject[1], cwd=repo),
            baseline[0]: Command(baseline[1], cwd=repo),
        },
        bars=[Bar(subject[0], "<", floor + _MEMORY_HEADROOM, metric="peak_rss")],
        repeat=repeat,
        notes=[f"the bar is the {baseline[0]} run's peak ({floor / 1e6:.1f} MB) + 100 MB", note],
    )


async def _drive(db_path: str, rows: int, scroll: bool) -> None:
    """Run the query in a headless app; with ``scroll``, walk the cursor to the last row."""
    import tempfile

    import zen
    from zen.tui.app import ZenApp
    from zen.tui.grid import ResultsGrid
    from zen.tui.query_pane import QueryPane
    from zen.tui.state import StateStore

    with zen.open(db_path, read_only=True) as db:
        app = ZenApp(db, StateStore(Path(tempfile.mkdtemp(prefix="zen-bench-tui-"))))
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(QueryPane)
            pane.run_sql("select * from t")
            await _until(lambda: pane.tab.source is not None and not pane.running)
            if scroll:
                await _walk(app.query_one(ResultsGrid), pilot, rows)


async def _walk(grid: object, pilot: object, rows: int) -> None:
    from textual.pilot import Pilot

    from zen.tui.grid import ResultsGrid

    assert isinstance(grid, ResultsGrid) and isinstance(pilot, Pilot)
    source = grid.source
    assert source is not None
    step = 0
    while grid.cursor[0] < rows - 1:
        before = grid.cursor[0]
        # Four pages at a time: the rows in between still come through the cursor.
        grid.action_move(4 * source.page_size, 0)
        await _until(partial(_moved_past, grid, before))
        await _until(lambda: source.cached_row(grid.cursor[0]) is not None)
        step += 1
        if step % 10 == 0:
            await pilot.pause()  # let the grid draw
    if source.cached_row(rows - 1) is None:
        raise SystemExit(f"the grid never showed row {rows}")


def _moved_past(grid: Any, start: int) -> bool:
    return bool(grid.cursor[0] > start)


async def _until(check: Callable[[], bool], seconds: float = 60) -> None:
    for _ in range(int(seconds / 0.001)):
        if check():
            return
        await asyncio.sleep(0.001)
    raise SystemExit("the app never got there")


# -- Parquet export memory -------------------------------------------------------------------


def _export_command(ctx: Context, db: Path, rows: int, out: Path | None) -> list[str | Path]:
    tail: list[str | Path] = ["parquet", db, str(rows), out] if out else ["first", db, str(rows)]
    return [ctx.python, "-m", "bench.tui", *tail]


@SUITE.case("parquet-export")
def parquet_export(ctx: Context) -> Case:
    """Peak RSS of exporting a whole result to Parquet, against reading its first page.

    Both runs import pyarrow, so the difference is what the rows cost.
    """
    rows = ctx.size(_SCROLL_ROWS, _QUICK_SCROLL)
    db = _rows_db(ctx, rows)
    out = ctx.path("export.parquet")
    return _memory_case(
        title=f"the grid's export: `select * from t` ({rows:,} rows) to a Parquet file",
        subject=("parquet", _export_command(ctx, db, rows, out)),
        baseline=("first-page", _export_command(ctx, db, rows, None)),
        repeat=ctx.repeats(2, quick=1),
        note="row groups of 32,768 rows; the subject checks the file's row count",
    )


def _export(db_path: str, rows: int, out: str | None) -> None:
    """Read ``select * from t``'s first page; with ``out``, export every row to Parquet."""
    # Both runs load pyarrow (tens of MB of libraries): the difference is the rows' memory.
    import pyarrow.parquet as pq

    import zen
    from zen.tui.export import export_rows
    from zen.tui.rows import RowSource

    with zen.open(db_path, read_only=True) as db:
        source = RowSource(db, "select * from t")
        if out is None:
            return
        written = export_rows(source, Path(out))
    if written != rows:
        raise SystemExit(f"{written} rows written, expected {rows}")
    if pq.ParquetFile(out).metadata.num_rows != rows:
        raise SystemExit("the Parquet file does not hold every row")


# -- first rows ---------------------------------------------------------------------------


@SUITE.case("first-rows")
def first_rows(ctx: Context) -> Case:
    """From running ``select * from t`` to the grid's first page, on a 10M-row table."""
    import zen
    from zen.tui.rows import RowSource

    rows = ctx.size(_BIG_ROWS, _QUICK_ROWS)
    db = zen.open(_rows_db(ctx, rows), read_only=True)

    def first_page() -> object:
        source = RowSource(db, "select * from t")
        shown = source.cached_row(0)
        source.close()
        return shown

    def check(row: object) -> None:
        if not isinstance(row, tuple) or row[0] != 1:
            raise BenchError(f"the first row was {row!r}")

    return Case(
        title=f"`select * from t` ({rows:,} rows): statement to the grid's first 200 rows",
        contenders={"zen": Call(first_page, check=check)},
        bars=[Bar("zen", "<=", 0.200)],
        repeat=ctx.repeats(20, quick=3),
    )


# -- schema diff --------------------------------------------------------------------------


def _diff_db(ctx: Context, tables: int) -> Path:
    """A history database with two commits of ``tables`` tables: a quarter changed."""

    def build(path: Path) -> None:
        from zen.api import init
        from zen.api import open as zen_open

        init(path, project=False, author="bench")
        with zen_open(path) as db:
            db.script(
                "".join(
                    f"CREATE TABLE t_{t:03d}(id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c REAL);"
                    f"CREATE INDEX t_{t:03d}_a ON t_{t:03d}(a);"
                    for t in range(tables)
                )
            )
            changes = []
            for t in range(0, tables, 4):
                changes.append(f"ALTER TABLE t_{t:03d} ADD COLUMN d TEXT DEFAULT 'x';")
                changes.append(f"DROP INDEX t_{t:03d}_a;")
            db.script("".join(changes) + "CREATE TABLE extra(id INTEGER PRIMARY KEY);")

    return ctx.data.cached(f"tui-diff-{tables}-v1.db", build)


@SUITE.case("schema-diff")
def schema_diff(ctx: Context) -> Case:
    """Both refs' schemas, the side-by-side comparison and plan, drawn to an 80-column screen."""
    from rich.console import Console

    import zen
    from zen.tui.diff_views import render_schema
    from zen.tui.diffs import compare_schemas, schema_at

    tables = ctx.size(_DIFF_TABLES, _QUICK_DIFF)
    db = zen.open(ctx.copy(_diff_db(ctx, tables), "diff.db"))

    def render() -> object:
        left, right = schema_at(db, "HEAD~1"), schema_at(db, "HEAD")
        comparison = compare_schemas("HEAD~1", left, "HEAD", right)
        console = Console(width=80, file=io.StringIO(), color_system="truecolor")
        console.print(render_schema(comparison))
        return comparison

    def check(value: object) -> None:
        from zen.tui.diffs import SchemaComparison

        if not isinstance(value, SchemaComparison):
            raise BenchError("no comparison")
        changed = sum(1 for p in value.tables if p.status != "same")
        if changed != (tables + 3) // 4 + 1:
            raise BenchError(f"{changed} tables differ")

    return Case(
        title=f"schema diff HEAD~1 -> HEAD, {tables} tables: read, compare, plan, draw",
        contenders={"zen": Call(render, check=check)},
        bars=[Bar("zen", "<=", 1.0)],
        repeat=ctx.repeats(5, quick=2),
    )


def main(argv: list[str]) -> None:
    """``python -m bench.tui (scroll|open|first|parquet) DB ROWS [OUT]``: cases' subjects."""
    mode, db, rows, *out = argv
    if mode in ("first", "parquet"):
        _export(db, int(rows), out[0] if mode == "parquet" else None)
        return
    asyncio.run(_drive(db, int(rows), mode == "scroll"))


if __name__ == "__main__":
    main(sys.argv[1:])
