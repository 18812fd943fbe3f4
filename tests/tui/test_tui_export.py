"""Exporting the grid's rows to Parquet: types, batches, round trips through pyarrow."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from textual.widgets import Input

import zen
from tests.tui.helpers import COUNTER, sync, until
from zen.engine.errors import ZenError
from zen.tui.app import ZenApp
from zen.tui.editor import SqlEditor
from zen.tui.export import export_rows, export_suffixes, write_parquet
from zen.tui.grid import ResultsGrid
from zen.tui.query_pane import QueryPane
from zen.tui.rows import RowSource
from zen.tui.screens import PromptScreen

MakeApp = Callable[[Path], ZenApp]

# (declared type, values, Arrow type chosen): SQLite is dynamically typed, so the
# values decide; the declared type decides only for a column of NULLs.
TYPE_CASES = [
    ("INTEGER", [1, None, 2**62], pa.int64()),
    ("REAL", [1.5, None, 2.0], pa.float64()),
    ("REAL", [1, 2], pa.float64()),
    ("", [1, 2.5], pa.float64()),
    ("TEXT", ["a", None, "é"], pa.string()),
    ("BLOB", [b"\x00\x01", None], pa.binary()),
    ("", ["a", 1, 2.5], pa.string()),
    ("INTEGER", [None, None], pa.int64()),
    ("REAL", [None], pa.float64()),
    ("BLOB", [None], pa.binary()),
    (None, [None], pa.string()),
]


def table_of(declared: str | None, values: list[Any], tmp_path: Path) -> pa.Table:
    path = tmp_path / "t.parquet"
    assert write_parquet(["v"], [declared], [(v,) for v in values], path) == len(values)
    return pq.read_table(path)


@pytest.mark.parametrize(("declared", "values", "arrow"), TYPE_CASES)
def test_column_types(
    declared: str | None, values: list[Any], arrow: pa.DataType, tmp_path: Path
) -> None:
    table = table_of(declared, values, tmp_path)
    assert table.schema.field("v").type == arrow
    expected = [v if arrow != pa.string() or v is None else str(v) for v in values]
    assert table.column("v").to_pylist() == expected


def test_batches_are_row_groups_and_later_values_convert(tmp_path: Path) -> None:
    rows = [(i, "x" if i < 3 else i, float(i)) for i in range(9)] + [(9, b"\x01", 9.0)]
    path = tmp_path / "b.parquet"
    assert write_parquet(["n", "s", "n"], [None, None, None], rows, path, batch=3) == 10
    file = pq.ParquetFile(path)
    assert file.metadata.num_row_groups == 4
    table = file.read()
    assert table.column_names == ["n", "s", "n_2"]
    # Text keeps every later value as `zen export` writes it (blobs in hex).
    assert table.column("s").to_pylist() == ["x"] * 3 + [str(i) for i in range(3, 9)] + ["01"]
    assert table.column("n_2").to_pylist() == [float(i) for i in range(10)]


@pytest.mark.parametrize("late", [2.5, "text"])
def test_a_value_that_does_not_fit_is_an_error(late: object, tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    with pytest.raises(ZenError, match="column v holds") as caught:
        write_parquet(["v"], ["INTEGER"], [(1,), (2,), (late,)], path, batch=2)
    assert "CAST(v AS TEXT)" in (caught.value.hint or "")
    assert not path.exists()  # no half-written file is left behind


def test_export_rows_round_trips_a_query(tmp_path: Path) -> None:
    with zen.open(tmp_path / "q.db") as db:
        db.script(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);"
            "INSERT INTO t VALUES (1, 'ada', 1.5, x'00ff'), (2, NULL, NULL, NULL),"
            " (3, 'bo', 2, x'');"
        )
        source = RowSource(db, "select * from t order by id")
        target = tmp_path / "t.parquet"
        assert export_rows(source, target) == 3
        expected = list(db.sql("select * from t order by id"))
        source.close()
    table = pq.read_table(target)
    assert table.column_names == ["id", "name", "score", "data"]
    assert [tuple(r.values()) for r in table.to_pylist()] == expected


def test_parquet_is_absent_without_pyarrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ".parquet" in export_suffixes()
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` now fails
    assert ".parquet" not in export_suffixes()
    with zen.open(":memory:") as db:
        source = RowSource(db, "select 1 as a")
        with pytest.raises(ZenError, match="unknown export format"):
            export_rows(source, tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


async def open_export_prompt(app: ZenApp, pilot: Any, sql: str) -> PromptScreen:
    pane = app.query_one(QueryPane)
    app.query_one(SqlEditor).text = sql
    await pilot.press("f5")
    await until(lambda: not pane.running and pane.tab.source is not None)
    app.query_one(ResultsGrid).focus()
    await pilot.press("e")
    await until(lambda: isinstance(app.screen, PromptScreen))
    assert isinstance(app.screen, PromptScreen)
    return app.screen


@sync
async def test_the_grid_exports_parquet(tmp_path: Path, make_app: MakeApp) -> None:
    app = make_app(tmp_path / "big.db")
    target = tmp_path / "out.parquet"
    sql = f"{COUNTER.format(n=70_000)} select x, x * 0.5 AS half, 'r' || x AS label from c"
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = await open_export_prompt(app, pilot, sql)
        assert ".parquet" in prompt.title_text
        prompt.query_one(Input).value = str(target)
        await pilot.press("enter")
        await until(lambda: any("70,000 rows written" in n.message for n in app._notifications))
    file = pq.ParquetFile(target)
    assert file.metadata.num_row_groups == 3  # 32,768 rows at a time
    table = file.read()
    assert table.num_rows == 70_000
    assert table.slice(69_999).to_pylist() == [{"x": 70_000, "half": 35_000.0, "label": "r70000"}]
    assert table.column("x").to_pylist() == list(range(1, 70_001))


@sync
async def test_the_grid_offers_no_parquet_without_pyarrow(
    shop_db: Path, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = await open_export_prompt(app, pilot, "select name from users")
        assert ".parquet" not in prompt.title_text and ".csv" in prompt.title_text
