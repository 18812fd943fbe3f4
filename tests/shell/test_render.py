"""Result modes against expected output files (tests/shell/fixtures/render/<mode>.txt)."""

from __future__ import annotations

import io
import itertools
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from zen.shell.render import SAMPLE_ROWS, display_width, render
from zen.shell.settings import MODES

EXPECTED = Path(__file__).parent / "fixtures" / "render"
COLUMNS = ["id", "name", "note", "score", "data"]
ROWS = [
    (1, "ada", None, 9.5, b"\x00\xff"),
    (22, "日本", "two\nlines", -3.0, None),
    (333, "o'hara | x", 'say "hi", ok', 0.1, b"x" * 40),
]


@pytest.mark.parametrize("mode", MODES)
def test_mode_output_matches_the_expected_file(mode: str) -> None:
    out = io.StringIO()
    assert render(COLUMNS, ROWS, out, mode=mode, headers=True) == len(ROWS)
    assert out.getvalue() == (EXPECTED / f"{mode}.txt").read_text(encoding="utf-8")


def test_grids_shrink_to_the_terminal_width() -> None:
    out = io.StringIO()
    render(COLUMNS, ROWS, out, mode="box", width=40)
    lines = out.getvalue().splitlines()
    assert {display_width(line) for line in lines} == {40}
    assert "…" in out.getvalue()


def test_later_wider_values_clip_text_but_never_numbers() -> None:
    rows = [(i, "x" * 3) for i in range(SAMPLE_ROWS)] + [(10**12, "y" * 200)]
    out = io.StringIO()
    render(["n", "text"], rows, out, mode="box", width=60)
    last = out.getvalue().splitlines()[-2]
    assert " 1000000000000 " in last  # the whole number, its line a little longer
    assert "yyy…" in last and "y" * 200 not in last


def test_spare_width_is_shared_only_when_more_rows_may_follow() -> None:
    out = io.StringIO()
    render(["n"], [(1,), (2,)], out, mode="box", width=60)
    assert out.getvalue().splitlines()[0] == "┌───┐"
    out = io.StringIO()
    render(["n"], [(1,)] * (SAMPLE_ROWS + 1), out, mode="box", width=60)
    assert len(out.getvalue().splitlines()[0]) > len("┌───┐")


def test_headers_off_in_list_and_csv() -> None:
    for mode, expected in (("list", "1|ada\n"), ("csv", "1,ada\n"), ("tsv", "1\tada\n")):
        out = io.StringIO()
        render(["id", "name"], [(1, "ada")], out, mode=mode, headers=False)
        assert out.getvalue() == expected


def test_color_styles_headers_and_nulls_only() -> None:
    out = io.StringIO()
    render(["a"], [(None,), ("x",)], out, mode="box", color=True)
    text = out.getvalue()
    assert "\x1b[1ma\x1b[0m" in text and "\x1b[2mNULL\x1b[0m" in text
    assert "\x1b[1mx" not in text and "\x1b[2mx" not in text


def _endless() -> Iterator[tuple[int, str]]:
    for i in itertools.count():
        yield (i, f"row {i}")


@pytest.mark.parametrize("mode", ["box", "list", "csv", "json", "line"])
def test_rows_are_read_as_they_are_written(mode: str) -> None:
    """Each mode stops reading soon after the output stops: it reads ahead a bounded sample
    (grids size their columns on it) or chunk (the shared writers batch their writes)."""

    class Stop(Exception):
        pass

    class Sink:
        def __init__(self) -> None:
            self.lines = 0

        def write(self, text: str) -> int:
            self.lines += text.count("\n")
            if self.lines > 50:
                raise Stop()
            return len(text)

    rows = _endless()
    with pytest.raises(Stop):
        render(["i", "s"], rows, Sink(), mode=mode)
    assert next(rows)[0] <= max(SAMPLE_ROWS, 1_000) + 51


def test_memory_stays_flat_over_many_rows() -> None:
    class Null:
        def write(self, text: str) -> int:
            return len(text)

    tracemalloc.start()
    try:
        render(["i", "s"], itertools.islice(_endless(), 3_000), Null(), mode="box")
        small = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        render(["i", "s"], itertools.islice(_endless(), 30_000), Null(), mode="box")
        large = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert large < small * 2  # ten times the rows, not ten times the memory
