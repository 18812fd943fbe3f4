"""RowSource: lazy pages, bounded memory, re-reads with OFFSET, sort and filter wrapping."""

from __future__ import annotations

from pathlib import Path

import pytest

import zen
from tests.tui.helpers import COUNTER
from zen.engine.errors import SqlError
from zen.tui.rows import RowSource, View, bare_statement, cell_text, row_text, wrap, wrappable


@pytest.fixture
def numbers(tmp_path: Path) -> zen.Database:
    db = zen.open(tmp_path / "n.db")
    db.script(
        "CREATE TABLE n(x INTEGER, label TEXT);"
        f"INSERT INTO n {COUNTER.format(n=5_000)} SELECT x, 'row ' || x FROM c"
    )
    yield db
    db.close()


def test_first_page_is_read_at_once_and_the_rest_on_demand(numbers: zen.Database) -> None:
    source = RowSource(numbers, "SELECT x FROM n ORDER BY x", page_size=100)
    assert source.known == 100
    assert not source.complete
    assert source.row(250) == (251,)
    assert source.known == 300


def test_every_row_comes_back_in_order_across_pages(numbers: zen.Database) -> None:
    source = RowSource(numbers, "SELECT x FROM n ORDER BY x;", page_size=64, max_pages=3)
    assert [row[0] for row in source.rows()] == list(range(1, 5_001))
    assert source.complete
    assert source.known == 5_000


def test_memory_holds_at_most_max_pages(numbers: zen.Database) -> None:
    source = RowSource(numbers, "SELECT x FROM n ORDER BY x", page_size=50, max_pages=4)
    for index in range(0, 5_000, 50):
        source.row(index)
    kept = [page for page in range(100) if source.has_page(page)]
    assert len(kept) == 4
    assert kept == [96, 97, 98, 99]


def test_a_dropped_page_is_read_again_with_offset(numbers: zen.Database) -> None:
    source = RowSource(numbers, "SELECT x FROM n ORDER BY x", page_size=50, max_pages=2)
    for index in range(0, 1_000, 50):
        source.row(index)
    assert not source.has_page(0)
    assert source.row(3) == (4,)
    assert source.row(999) == (1_000,)


def test_a_jump_far_ahead_does_not_step_through_every_row(numbers: zen.Database) -> None:
    source = RowSource(numbers, "SELECT x FROM n ORDER BY x", page_size=10, max_pages=5)
    assert source.row(4_321) == (4_322,)
    assert not source.has_page(100)  # pages in between were skipped, not read


def test_count_knows_the_total_without_reading_every_row(numbers: zen.Database) -> None:
    source = RowSource(numbers, "SELECT * FROM n WHERE x % 2 = 0", page_size=10)
    assert source.count() == 2_500
    assert source.complete


def test_detach_closes_the_cursor_and_paging_still_works(numbers: zen.Database) -> None:
    source = RowSource(numbers, "SELECT x FROM n ORDER BY x", page_size=100)
    source.detach()
    numbers.sql("UPDATE n SET label = 'changed' WHERE x = 1").drain()
    assert source.row(150) == (151,)


def test_a_statement_without_rows_reports_changes(numbers: zen.Database) -> None:
    source = RowSource(numbers, "UPDATE n SET label = 'x' WHERE x <= 10")
    assert source.columns == []
    assert source.changes == 10
    assert source.complete


def test_a_pragma_cannot_be_re_run_so_every_page_stays(numbers: zen.Database) -> None:
    source = RowSource(numbers, "PRAGMA table_info(n)", page_size=1, max_pages=1)
    assert not source.rerunnable
    assert [row[1] for row in source.rows()] == ["x", "label"]
    assert source.row(0) is not None and source.row(0)[1] == "x"


def test_writes_with_returning_run_once(numbers: zen.Database) -> None:
    source = RowSource(numbers, "DELETE FROM n WHERE x <= 3 RETURNING x", page_size=2)
    assert not source.rerunnable
    assert sorted(row[0] for row in source.rows()) == [1, 2, 3]
    assert numbers.sql("SELECT count(*) FROM n").scalar() == 4_997


def test_an_error_is_a_zen_error(numbers: zen.Database) -> None:
    with pytest.raises(SqlError):
        RowSource(numbers, "SELECT nope FROM n")


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        pytest.param(View((0, True)), [5_000, 4_999, 4_998], id="sort-desc"),
        pytest.param(View((0, False), (("label", "99"),)), [99, 199, 299], id="filter-like"),
        pytest.param(View(None, (("x", ">= 4998"),)), [4_998, 4_999, 5_000], id="filter-ge"),
        pytest.param(View(None, (("x", "= 7"),)), [7], id="filter-eq"),
        pytest.param(View((0, True), (("x", "< 3"),)), [2, 1], id="filter-and-sort"),
    ],
)
def test_views_wrap_the_query(numbers: zen.Database, view: View, expected: list[int]) -> None:
    sql, params = wrap("SELECT x, label FROM n ORDER BY x;", view)
    source = RowSource(numbers, sql, params)
    assert [row[0] for row in source.rows()][:3] == expected


def test_sorting_cycles_and_filters_replace_each_other() -> None:
    view = View().sorted_by(1)
    assert view.sort == (1, False)
    assert view.sorted_by(1).sort == (1, True)
    assert view.sorted_by(1).sorted_by(1).sort is None
    filtered = view.filtered("a", "x").filtered("a", "y").filtered("b", "z")
    assert filtered.filters == (("a", "y"), ("b", "z"))
    assert filtered.filtered("a", " ").filters == (("b", "z"),)


def test_duplicate_column_names_sort_by_position(numbers: zen.Database) -> None:
    sql, params = wrap("SELECT x, x * -1 AS x FROM n", View((1, False)))
    source = RowSource(numbers, sql, params)
    assert source.row(0) == (5_000, -5_000)


def test_helpers() -> None:
    assert bare_statement("  select 1 ;; ") == "select 1"
    assert wrappable("with a as (select 1) select * from a")
    assert not wrappable("insert into t values (1)")
    assert cell_text("x" * 100, 10) == "x" * 9 + "…"
    assert row_text(["a", "b"], (b"\x00", 1.5)) == "<1 bytes>\t1.5"
