"""``zen export`` / ``Database.export``: formats, round trips, the fast CSV path, the command."""

from __future__ import annotations

import csv
import io
import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zen
from tests.conftest import ZenRunner, dump
from zen.engine.errors import UsageError
from zen.io.writers import json_value, text_value, write_rows

ROWS: list[tuple[Any, ...]] = [
    (1, "ada", 2.5, None, None),
    (2, 'a,b "q"\nnew line', -0.1, b"\x00\xff", None),
    (3, "", 1e300, None, 9223372036854775807),
    (4, "日本 | pipe", float("inf"), b"", -1),
]
COLUMNS = ["id", "name", "score", "data", "big"]


@pytest.fixture
def sample_db(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.script("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, big)")
        with db.transaction():
            for row in ROWS:
                db.sql("INSERT INTO t VALUES (?, ?, ?, ?, ?)", row).drain()
    return path


def _export(path: Path, fmt: str, **kwargs: Any) -> tuple[int, str]:
    out = io.StringIO()
    with zen.open(path, read_only=True) as db:
        count = db.export(out, format=fmt, **kwargs)
    return count, out.getvalue()


def test_csv_export_writes_every_value_as_text(sample_db: Path) -> None:
    count, text = _export(sample_db, "csv", table="t")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert count == len(ROWS)
    assert parsed[0] == COLUMNS
    assert parsed[1:] == [[text_value(v) for v in row] for row in ROWS]
    assert parsed[4][2] == "Inf" and parsed[2][3] == "00ff"


def test_tsv_export_uses_tabs(sample_db: Path) -> None:
    _count, text = _export(sample_db, "tsv", query="SELECT id, name FROM t WHERE id = 1")
    assert text == "id\tname\n1\tada\n"


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_exports_keep_types(sample_db: Path, fmt: str) -> None:
    _count, text = _export(sample_db, fmt, table="t")
    records = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
    expected = [dict(zip(COLUMNS, map(json_value, row), strict=True)) for row in ROWS]
    assert records == expected
    assert records[3]["score"] is None  # JSON has no Infinity
    assert records[1]["data"] == {"$base64": True, "encoded": "AP8="}


def test_markdown_export_escapes_pipes_and_newlines(sample_db: Path) -> None:
    _count, text = _export(sample_db, "markdown", query="SELECT name FROM t ORDER BY id")
    assert text.splitlines() == [
        "| name |",
        "|---|",
        "| ada |",
        '| a,b "q"<br>new line |',
        "|  |",
        "| 日本 \\| pipe |",
    ]


def test_empty_results_still_have_a_header(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    with zen.open(path) as db:
        db.script("CREATE TABLE t(a, b)")
    assert _export(path, "csv", table="t") == (0, "a,b\n")
    assert _export(path, "json", table="t") == (0, "[]\n")
    assert _export(path, "jsonl", table="t") == (0, "")


def test_a_statement_without_rows_cannot_be_exported(sample_db: Path) -> None:
    with zen.open(sample_db) as db, pytest.raises(UsageError, match="no rows"):
        db.export(io.StringIO(), query="CREATE TABLE other(x)")


@pytest.mark.parametrize(("fmt", "suffix"), [("csv", ".csv"), ("jsonl", ".jsonl")])
def test_export_then_import_round_trips(tmp_path: Path, fmt: str, suffix: str) -> None:
    source = tmp_path / "src.db"
    rows = [(i, f"name {i}", i / 4, f"{i:03d}") for i in range(5000)]
    with zen.open(source) as db:
        db.script("CREATE TABLE t(id INTEGER, name TEXT, score REAL, code TEXT)")
        with db.transaction():
            for row in rows:
                db.sql("INSERT INTO t VALUES (?, ?, ?, ?)", row).drain()
    target = tmp_path / f"t{suffix}"
    with target.open("w", encoding="utf-8", newline="") as out:
        _count = zen.open(source, read_only=True).export(out, table="t", format=fmt)
    with zen.open(tmp_path / "copy.db") as db:
        report = db.import_file("t", target)
        copied = db.sql("SELECT * FROM t ORDER BY rowid").fetchall()
    assert report.columns == [
        ("id", "INTEGER"),
        ("name", "TEXT"),
        ("score", "REAL"),
        ("code", "TEXT"),
    ]
    assert copied == rows
    assert [type(v) for v in copied[4]] == [int, str, float, str]


# -- the chunked fast path writes exactly what the per-value path wrote -------------------

_values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.binary(max_size=4),
    # Text that looks like what blobs and infinities become, on the fast path's watch list.
    st.sampled_from(["inf", "-inf", "info", "b'x'", 'b"y"', "Infinity", 'say "b""', ""]),
    st.sampled_from([math.inf, -math.inf, b"'", b"a,b", b'"\n']),
)


def _reference_csv(columns: list[str], rows: list[tuple[Any, ...]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[text_value(v) for v in row] for row in rows])
    return out.getvalue()


def _reference_tsv(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    return _reference_csv(columns, rows, "\t")


def _reference_jsonl(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    return "".join(
        json.dumps(dict(zip(columns, map(json_value, row), strict=True)), ensure_ascii=False) + "\n"
        for row in rows
    )


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(_values, _values, _values), max_size=40),
    repeat=st.sampled_from([1, 700]),
)
def test_fast_writers_match_the_per_value_reference(rows: list[tuple[Any, ...]], repeat: int):
    columns = ["a", "b", "c"]
    # Repeating moves a blob or infinity into a later chunk than the first.
    many = [(i, "x", 0.5) for i in range(repeat)] + rows
    for fmt, reference in (
        ("csv", _reference_csv),
        ("tsv", _reference_tsv),
        ("jsonl", _reference_jsonl),
    ):
        out = io.StringIO()
        assert write_rows(columns, many, out, fmt) == len(many)
        assert out.getvalue() == reference(columns, many)


def test_infinities_are_written_as_sqlite_writes_them() -> None:
    out = io.StringIO()
    write_rows(["x"], [(math.inf,), (-math.inf,), (1.5,)], out, "csv")
    assert out.getvalue() == "x\nInf\n-Inf\n1.5\n"


# -- the command ---------------------------------------------------------------------------


def test_cli_exports_a_table_to_stdout(sample_db: Path, run_zen: ZenRunner) -> None:
    done = run_zen("export", sample_db, "t", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == [1, 2, 3, 4]


def test_cli_exports_a_query(sample_db: Path, run_zen: ZenRunner) -> None:
    done = run_zen("export", sample_db, "--sql", "SELECT id, name FROM t WHERE id < 3 ORDER BY id")
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(io.StringIO(done.stdout, newline=""))) == [
        ["id", "name"],
        ["1", "ada"],
        ["2", 'a,b "q"\nnew line'],
    ]


def test_cli_output_file_takes_its_format_from_the_suffix(
    sample_db: Path, tmp_path: Path, run_zen: ZenRunner
) -> None:
    done = run_zen("export", sample_db, "t", "-o", "out.json")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "exported 4 rows to out.json" in done.stderr
    assert len(json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))) == 4


@pytest.mark.parametrize(
    ("target", "rows"),
    # Parquet: the failure comes after a first row group (32,768 rows) was written.
    [("out.csv", 3000), ("out.parquet", 40000)],
)
def test_cli_failed_export_leaves_no_output_file(
    sample_db: Path, tmp_path: Path, run_zen: ZenRunner, target: str, rows: int
) -> None:
    # json('bad') fails near the end, after earlier rows were already written.
    query = (
        f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) "
        f"SELECT CASE WHEN x < {rows - 500} THEN x ELSE json('bad') END AS v FROM c"
    )
    done = run_zen("export", sample_db, "--sql", query, "-o", target)
    assert done.returncode == 1
    assert "malformed JSON" in done.stderr
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("app.db")] == []


def test_cli_export_is_read_only(sample_db: Path, run_zen: ZenRunner) -> None:
    before = dump(sample_db)
    done = run_zen("export", sample_db, "--sql", "DELETE FROM t RETURNING id")
    assert done.returncode == 1
    assert dump(sample_db) == before


def test_cli_missing_table_suggests_a_name(sample_db: Path, run_zen: ZenRunner) -> None:
    done = run_zen("export", sample_db, "tt")
    assert done.returncode == 1
    assert "no such table: tt" in done.stderr
    assert "did you mean t?" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["t", "--sql", "SELECT 1"],
        [],
        ["t", "--format", "xml"],
    ],
    ids=["table-and-sql", "neither", "unknown-format"],
)
def test_cli_usage_errors_exit_2(sample_db: Path, run_zen: ZenRunner, args: list[str]) -> None:
    done = run_zen("export", sample_db, *args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr


def test_cli_missing_database_is_not_created(tmp_path: Path, run_zen: ZenRunner) -> None:
    done = run_zen("export", "nope.db", "t")
    assert done.returncode == 1
    assert not (tmp_path / "nope.db").exists()


def test_ctrl_c_stops_an_export_and_leaves_no_file(sample_db: Path, tmp_path: Path) -> None:
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c"
    proc = subprocess.Popen(
        [sys.executable, "-m", "zen", "export", str(sample_db), "--sql", endless, "-o", "out.csv"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not any(p.name.startswith(".out.csv.partial") for p in tmp_path.iterdir()):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.02)
        time.sleep(0.2)  # rows are being written
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 1
    assert "interrupted" in err
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("app.db")] == []


# -- Parquet (pyarrow is in the test extra; its absence is simulated) -------------------


def _parquet_rows(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return table.column_names, [tuple(row.values()) for row in table.to_pylist()]


def test_parquet_export_round_trips_every_value(sample_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "t.parquet"
    with zen.open(sample_db, read_only=True) as db:
        assert db.export_parquet(target, table="t") == len(ROWS)
    columns, rows = _parquet_rows(target)
    assert columns == COLUMNS
    assert rows == ROWS


def test_cli_parquet_export_from_the_suffix(
    sample_db: Path, tmp_path: Path, run_zen: ZenRunner
) -> None:
    done = run_zen("export", sample_db, "--sql", "SELECT id, name FROM t", "-o", "q.parquet")
    assert done.returncode == 0, done.stderr
    assert "exported 4 rows to q.parquet" in done.stderr
    assert _parquet_rows(tmp_path / "q.parquet") == (["id", "name"], [r[:2] for r in ROWS])


def test_cli_parquet_needs_an_output_file(sample_db: Path, run_zen: ZenRunner) -> None:
    done = run_zen("export", sample_db, "t", "--format", "parquet")
    assert done.returncode == 2
    assert "give a file" in done.stderr and "-o FILE.parquet" in done.stderr
    assert done.stdout == ""


def test_cli_parquet_without_pyarrow_says_what_to_install(sample_db: Path, tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from zen.cli import main\n"
        f"sys.argv = ['zen', 'export', {str(sample_db)!r}, 't', '-o', 'out.parquet']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 2
    assert "needs pyarrow" in done.stderr and "pip install pyarrow" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.parquet").exists()
