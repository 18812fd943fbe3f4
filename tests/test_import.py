"""``zen import`` / ``Database.import_file``: fixture cases, bad input, and the real command.

Good cases live in ``tests/fixtures/import/ok/<case>/`` (``input.*`` plus
``expected.json`` with the columns, their types and the rows), bad ones in
``tests/fixtures/import/bad/<case>/`` (``expected.json`` names the error text,
line and column). Every bad case must leave the database exactly as it was.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import zen
from tests.conftest import FIXTURES, ZenRunner, dump
from zen.engine.errors import DataFormatError, UsageError
from zen.io import readers

OK_CASES = sorted((FIXTURES / "import" / "ok").iterdir())
BAD_CASES = sorted((FIXTURES / "import" / "bad").iterdir())


def _input(case: Path) -> Path:
    return next(p for p in case.iterdir() if p.name.startswith("input."))


def _expected(case: Path) -> dict[str, Any]:
    return json.loads((case / "expected.json").read_text(encoding="utf-8"))


def _typed(rows: Any) -> list[list[tuple[str, Any]]]:
    """Rows with each value's type, so 2 and 2.0 (INTEGER and REAL) differ."""
    return [[(type(v).__name__, v) for v in row] for row in rows]


def _seeded(tmp_path: Path, setup: str | None = None) -> Path:
    """A database with an unrelated table (which must survive) plus ``setup``."""
    path = tmp_path / "app.db"
    with zen.open(path) as db:
        db.script("CREATE TABLE keep(k TEXT); INSERT INTO keep VALUES ('untouched')")
        if setup:
            db.script(setup)
    return path


# -- fixture cases ---------------------------------------------------------------------


@pytest.mark.parametrize("case", OK_CASES, ids=lambda p: p.name)
def test_import_case(case: Path, tmp_path: Path) -> None:
    expected = _expected(case)
    path = _seeded(tmp_path, expected.get("setup"))
    with zen.open(path) as db:
        before = db.count("t") if "setup" in expected else 0
        report = db.import_file(
            "t", _input(case), format=expected.get("format"), pk=expected.get("pk")
        )
        rows = db.sql('SELECT * FROM "t" ORDER BY rowid').fetchall()
        columns = db.columns("t")
    assert report.columns == [tuple(c) for c in expected["columns"]]
    assert _typed(rows) == _typed(expected["rows"])
    assert report.rows == len(rows) - before
    assert report.created == ("setup" not in expected)
    if report.created:
        assert [(c.name, c.type) for c in columns] == report.columns
    keys = [c.name.lower() for c in sorted(columns, key=lambda c: c.primary_key) if c.primary_key]
    assert keys == [k.lower() for k in expected.get("pk", [])] or "setup" in expected


@pytest.mark.parametrize("case", BAD_CASES, ids=lambda p: p.name)
def test_bad_input_names_line_and_column_and_changes_nothing(case: Path, tmp_path: Path) -> None:
    expected = _expected(case)
    path = _seeded(tmp_path, expected.get("setup"))
    before = dump(path)
    with zen.open(path) as db, pytest.raises(DataFormatError) as caught:
        db.import_file("t", _input(case), pk=expected.get("pk"))
    error = caught.value
    assert expected["error"] in error.message
    assert (error.line, error.column) == (expected["line"], expected["column"])
    assert error.path == str(_input(case))
    if "hint" in expected:
        assert expected["hint"] in (error.hint or "")
    assert dump(path) == before


@pytest.mark.parametrize("case", BAD_CASES, ids=lambda p: p.name)
def test_cli_rejects_bad_input_with_exit_1(case: Path, tmp_path: Path, run_zen: ZenRunner) -> None:
    expected = _expected(case)
    path = _seeded(tmp_path, expected.get("setup"))
    before = dump(path)
    pk = [arg for key in expected.get("pk", []) for arg in ("--pk", key)]
    done = run_zen("import", path, "t", _input(case), *pk)
    assert done.returncode == 1, done.stderr
    assert expected["error"] in done.stderr
    if expected["line"] is not None:
        assert f"line {expected['line']}" in done.stderr
    assert "Traceback" not in done.stderr
    assert dump(path) == before


# -- inference over the whole file --------------------------------------------------------


def test_a_late_leading_zero_keeps_the_column_text(tmp_path: Path) -> None:
    rows = readers.CHUNK_ROWS * 3
    source = tmp_path / "late.csv"
    body = "".join(f"{i},{i}\n" for i in range(rows))
    source.write_text("n,code\n" + body + f"{rows},007\n", encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        report = db.import_file("t", source)
        last = db.sql("SELECT n, code FROM t ORDER BY n DESC LIMIT 1").fetchall()
    assert report.columns == [("n", "INTEGER"), ("code", "TEXT")]
    assert last == [(rows, "007")]


def test_a_late_decimal_makes_an_integer_column_real(tmp_path: Path) -> None:
    source = tmp_path / "late.csv"
    body = "".join(f"{i}\n" for i in range(readers.CHUNK_ROWS * 2))
    source.write_text("x\n" + body + "0.5\n", encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        report = db.import_file("t", source)
        kinds = db.sql("SELECT DISTINCT typeof(x) FROM t").fetchall()
    assert report.columns == [("x", "REAL")]
    assert kinds == [("real",)]


def test_errors_past_the_first_chunk_name_the_right_line(tmp_path: Path) -> None:
    bad_row = readers.CHUNK_ROWS * 2 + 17
    lines = [f'{i},"multi\nline {i}"' if i == 3 else f"{i},x" for i in range(bad_row)]
    lines.append(f"{bad_row},x,extra")
    source = tmp_path / "big.csv"
    source.write_text("id,v\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db, pytest.raises(DataFormatError) as caught:
        db.import_file("t", source)
    # header + rows before it + one extra physical line for the multi-line value
    assert (caught.value.line, caught.value.column) == (bad_row + 3, 3)


def test_a_rejected_row_past_the_first_chunk_names_its_line(tmp_path: Path) -> None:
    count = readers.CHUNK_ROWS + 100
    source = tmp_path / "keys.csv"
    ids = [*range(count), 5]
    source.write_text("id\n" + "".join(f"{i}\n" for i in ids), encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        with pytest.raises(DataFormatError) as caught:
            db.import_file("t", source, pk=["id"])
        assert db.tables() == []
    assert caught.value.line == count + 2
    assert "UNIQUE" in caught.value.message


# -- API behaviour -------------------------------------------------------------------------


def test_identifiers_with_quotes_spaces_and_unicode(tmp_path: Path) -> None:
    source = tmp_path / "odd.csv"
    source.write_text('"a ""quoted"" name",naïve;drop\n1,x\n', encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        db.import_file('my "table"', source, pk=['a "quoted" name'])
        assert db.sql('SELECT * FROM "my ""table"""').fetchall() == [(1, "x")]
        assert [c.name for c in db.columns('my "table"')] == ['a "quoted" name', "naïve;drop"]


def test_append_matches_the_table_name_case_insensitively(tmp_path: Path) -> None:
    source = tmp_path / "u.csv"
    source.write_text("id\n1\n", encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        db.script("CREATE TABLE Users(id INTEGER)")
        report = db.import_file("users", source)
        assert (report.table, report.created, db.count("Users")) == ("Users", False, 1)


def test_pk_for_an_existing_table_is_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "u.csv"
    source.write_text("id\n1\n", encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        db.script("CREATE TABLE t(id INTEGER)")
        with pytest.raises(UsageError, match="already exists"):
            db.import_file("t", source, pk=["id"])


def test_unknown_pk_column_suggests_a_name(tmp_path: Path) -> None:
    source = tmp_path / "u.csv"
    source.write_text("user_id,name\n1,a\n", encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        with pytest.raises(UsageError) as caught:
            db.import_file("t", source, pk=["userid"])
        assert caught.value.hint == "did you mean user_id?"
        assert db.tables() == []


def test_importing_into_a_view_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "u.csv"
    source.write_text("id\n1\n", encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        db.script("CREATE VIEW v AS SELECT 1 AS id")
        with pytest.raises(UsageError, match="is a view"):
            db.import_file("v", source)


def test_progress_reports_bytes_up_to_the_file_size(tmp_path: Path) -> None:
    source = tmp_path / "p.csv"
    source.write_text("a,b\n" + "".join(f"{i},x{i}\n" for i in range(20_000)), encoding="utf-8")
    seen: list[int] = []
    with zen.open(tmp_path / "app.db") as db:
        db.import_file("t", source, progress=seen.append)
    assert seen == sorted(seen)
    assert len(seen) > 2
    assert seen[-1] <= source.stat().st_size


def test_the_report_serialises_to_json(tmp_path: Path) -> None:
    source = tmp_path / "r.jsonl"
    source.write_text('{"a": 1}\n', encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        data = db.import_file("t", source).to_json()
    assert data == {
        "table": "t",
        "file": str(source),
        "format": "jsonl",
        "rows": 1,
        "created": True,
        "columns": [{"name": "a", "type": "INTEGER"}],
    }


def test_json_array_split_across_buffer_refills(tmp_path: Path, monkeypatch) -> None:
    from zen.io import _json

    monkeypatch.setattr(_json, "_CHUNK", 7)  # every value straddles a refill
    source = tmp_path / "small.json"
    records = [{"n": 12345, "s": 'a "b" \u00e9', "f": 1.25e-3, "l": [1, {"x": None}]}] * 5
    source.write_text(json.dumps(records, indent=1), encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db:
        assert db.import_file("t", source).rows == 5
        assert db.sql("SELECT DISTINCT n, s, f, l FROM t").fetchall() == [
            (12345, 'a "b" \u00e9', 1.25e-3, '[1,{"x":null}]')
        ]


JSON_BAD_CASES = [case for case in BAD_CASES if _input(case).suffix == ".json"]


@pytest.mark.parametrize("case", JSON_BAD_CASES, ids=lambda p: p.name)
def test_json_error_positions_survive_buffer_refills(
    case: Path, tmp_path: Path, monkeypatch
) -> None:
    from zen.io import _json

    monkeypatch.setattr(_json, "_CHUNK", 3)
    expected = _expected(case)
    with zen.open(tmp_path / "app.db") as db, pytest.raises(DataFormatError) as caught:
        db.import_file("t", _input(case))
    assert expected["error"] in caught.value.message
    assert (caught.value.line, caught.value.column) == (expected["line"], expected["column"])


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("data.txt", None, "cannot tell the format"),
        ("data.csv", "xml", "unknown input format"),
    ],
)
def test_format_errors_are_usage_errors(tmp_path: Path, name: str, fmt: str | None, message: str):
    source = tmp_path / name
    source.write_text("a\n1\n", encoding="utf-8")
    with zen.open(tmp_path / "app.db") as db, pytest.raises(UsageError, match=message):
        db.import_file("t", source, format=fmt)


# -- the command ---------------------------------------------------------------------------


def test_cli_imports_and_reports_json(tmp_path: Path, run_zen: ZenRunner) -> None:
    (tmp_path / "users.csv").write_text("id,name\n1,ada\n2,linus\n", encoding="utf-8")
    done = run_zen("import", "new.db", "users", "users.csv", "--pk", "id", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["rows"], report["created"]) == (2, True)
    with zen.open(tmp_path / "new.db", read_only=True) as db:
        assert "PRIMARY KEY" in db.schema("users")
        assert db.sql("SELECT name FROM users ORDER BY id").fetchall() == [("ada",), ("linus",)]


def test_cli_summary_goes_to_stderr(tmp_path: Path, run_zen: ZenRunner) -> None:
    (tmp_path / "users.csv").write_text("id,name\n1,ada\n", encoding="utf-8")
    done = run_zen("import", "app.db", "users", "users.csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "imported 1 rows into users (created)" in done.stderr
    assert "id INTEGER, name TEXT" in done.stderr


def test_cli_missing_input_suggests_a_near_name(tmp_path: Path, run_zen: ZenRunner) -> None:
    (tmp_path / "users.csv").write_text("id\n1\n", encoding="utf-8")
    done = run_zen("import", "app.db", "t", "user.csv")
    assert done.returncode == 1
    assert "no such file: user.csv" in done.stderr
    assert "did you mean users.csv?" in done.stderr
    assert not (tmp_path / "app.db").exists()  # nothing was created for a typo


def test_cli_input_that_is_a_directory(tmp_path: Path, run_zen: ZenRunner) -> None:
    (tmp_path / "folder.csv").mkdir()
    path = _seeded(tmp_path)
    before = dump(path)
    done = run_zen("import", path, "t", "folder.csv")
    assert done.returncode == 1
    assert "is a directory, not a file" in done.stderr
    assert dump(path) == before


def test_cli_database_that_is_a_directory(tmp_path: Path, run_zen: ZenRunner) -> None:
    (tmp_path / "db.d").mkdir()
    (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
    done = run_zen("import", "db.d", "t", "x.csv")
    assert done.returncode == 1
    assert "is a directory, not a database file" in done.stderr
    assert list((tmp_path / "db.d").iterdir()) == []


def test_cli_file_that_is_not_a_database(tmp_path: Path, run_zen: ZenRunner) -> None:
    target = tmp_path / "notes.db"
    target.write_bytes(b"just some notes, not SQLite\n")
    (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
    done = run_zen("import", target, "t", "x.csv")
    assert done.returncode == 1
    assert "not a SQLite database" in done.stderr
    assert target.read_bytes() == b"just some notes, not SQLite\n"


def test_cli_failed_import_leaves_no_new_database(tmp_path: Path, run_zen: ZenRunner) -> None:
    (tmp_path / "bad.csv").write_text('a\n"open\n', encoding="utf-8")
    done = run_zen("import", "fresh.db", "t", "bad.csv")
    assert done.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_cli_usage_errors_exit_2(tmp_path: Path, run_zen: ZenRunner) -> None:
    (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
    assert run_zen("import", "app.db", "t", "x.csv", "--format", "xml").returncode == 2
    assert run_zen("import", "app.db", "t", "x.csv", "--pk", "b").returncode == 2


def test_cli_locked_database_fails_fast_and_changes_nothing(
    tmp_path: Path, run_zen: ZenRunner
) -> None:
    path = _seeded(tmp_path)
    (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO keep VALUES ('pending')")
        done = run_zen("import", path, "t", "x.csv", env={"ZEN_BUSY_TIMEOUT": "200"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 1
    assert "database is locked" in done.stderr
    with zen.open(path, read_only=True) as db:
        assert db.tables() == ["keep"]


def _big_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,name,score\n")
        step = 100_000
        for start in range(0, rows, step):
            fh.write("".join(f"{i},name {i},{i}.5\n" for i in range(start, start + step)))


def _wait_for(proc: subprocess.Popen[str], ready: Any, deadline: float = 30.0) -> None:
    stop = time.monotonic() + deadline
    while not ready():
        assert proc.poll() is None, "the import ended before it could be interrupted"
        assert time.monotonic() < stop, "the import never started"
        time.sleep(0.02)


@pytest.mark.parametrize("phase", ["inference", "insert"])
def test_ctrl_c_mid_import_exits_1_and_changes_nothing(tmp_path: Path, phase: str) -> None:
    source = tmp_path / "big.csv"
    _big_csv(source, 1_500_000)
    db_path = tmp_path / "app.db"
    if phase == "insert":  # appending skips inference: inserting starts at once
        _seeded(tmp_path, "CREATE TABLE t(id INTEGER, name TEXT, score REAL)")
    before = dump(db_path) if db_path.exists() else None
    wal = Path(f"{db_path}-wal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "zen", "import", str(db_path), "t", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "ZEN_DB"},
    )
    try:
        if phase == "insert":
            # Pages spill to the WAL once the import's transaction outgrows the cache.
            _wait_for(proc, lambda: wal.exists() and wal.stat().st_size > 1 << 20)
        else:
            _wait_for(proc, db_path.exists)  # opened: the inference pass is starting
            time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 1, err
    assert "interrupted" in err
    assert "Traceback" not in err
    if before is None:
        assert not db_path.exists()
    else:
        assert dump(db_path) == before


def test_a_read_only_database_is_not_written(tmp_path: Path) -> None:
    from zen.engine.errors import ReadOnlyError

    path = _seeded(tmp_path, "CREATE TABLE t(a INTEGER)")
    source = tmp_path / "x.csv"
    source.write_text("a\n1\n", encoding="utf-8")
    before = dump(path)
    with zen.open(path, read_only=True) as db:
        with pytest.raises(ReadOnlyError):
            db.import_file("t", source)
        with pytest.raises(ReadOnlyError):
            db.import_file("new_table", source)
    assert dump(path) == before
