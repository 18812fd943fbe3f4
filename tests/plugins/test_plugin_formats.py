"""Plugin import and export formats through ``zen import``/``zen export`` and the API.

The fake plugin site holds ``hello`` (``kv`` in, ``upper`` out), ``formats``
(``pyl`` both ways, a failing ``explode`` writer, and ``csv``/``json`` formats
that try to shadow built-ins) and ``broken-import`` (a plugin that fails to load).
Import cases are data: tests/plugins/fixtures/formats/cases.json.
"""

from __future__ import annotations

import ast
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import zen
from tests.conftest import ZenRunner, dump
from tests.plugins.helpers import EXPECTED, FIXTURES, fake_site, plugin_env
from tests.test_startup import imported_modules
from zen import plugins as zp
from zen.engine.errors import UsageError

CASES_DIR = FIXTURES / "formats"
CASES: dict[str, Any] = {
    name: case
    for name, case in json.loads((CASES_DIR / "cases.json").read_text()).items()
    if not name.startswith("_")
}
PLUGINS = ["hello", "formats", "broken-import"]
ROWS = [(1, "ada", 2.5), (2, "linus", None), (3, "grace", 7.0), (4, "ken", -1.25), (5, "x", 0.0)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fake_site(tmp_path_factory.mktemp("formats"), PLUGINS)


@pytest.fixture
def people(tmp_path: Path) -> Path:
    """A database with a table ``t`` of :data:`ROWS`."""
    path = tmp_path / "app.db"
    with zen.open(path, create=True) as db:
        db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)").drain()
        for row in ROWS:
            db.sql("INSERT INTO t VALUES (?, ?, ?)", row).drain()
    return path


def _rows(path: Path, table: str = "t") -> list[list[Any]]:
    with zen.open(path, read_only=True) as db:
        return [list(row) for row in db.sql(f"SELECT * FROM {table} ORDER BY rowid")]


def _types(rows: list[list[Any]]) -> list[list[str]]:
    return [[type(value).__name__ for value in row] for row in rows]


def _pyl(text: str) -> tuple[list[str], list[list[Any]]]:
    lines = [ast.literal_eval(line) for line in text.splitlines()]
    return lines[0], lines[1:]


# -- importing -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_plugin_import_cases(name: str, site: Path, tmp_path: Path, run_zen: ZenRunner) -> None:
    case = CASES[name]
    shutil.copy(CASES_DIR / case["file"], tmp_path / case["file"])
    args = ["import", "app.db", "t", case["file"], "--json"]
    args += ["--format", case["format"]] if "format" in case else []
    args += ["--pk", case["pk"]] if "pk" in case else []
    done = run_zen(*args, env=plugin_env(site))
    assert "Traceback" not in done.stderr
    if "error" in case:
        assert done.returncode == case["exit"], done.stderr
        assert case["error"] in done.stderr
        assert not (tmp_path / "app.db").exists()  # a failed import leaves no new database
        return
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["format"] == case.get("format", Path(case["file"]).suffix[1:])
    assert [[c["name"], c["type"]] for c in report["columns"]] == case["columns"]
    assert report["rows"] == len(case["rows"])
    stored = _rows(tmp_path / "app.db")
    assert stored == case["rows"]
    assert _types(stored) == _types(case["rows"])  # 3.0 stays REAL, "10" became 10


def test_a_reader_failing_late_leaves_the_table_unchanged(
    site: Path, tmp_path: Path, run_zen: ZenRunner
) -> None:
    shutil.copy(CASES_DIR / "rows.data", tmp_path / "rows.pyl")
    assert run_zen("import", "app.db", "t", "rows.pyl", env=plugin_env(site)).returncode == 0
    before = dump(tmp_path / "app.db")
    # More good rows than one chunk, so some are inserted before the bad line is read.
    good = "".join(f"['k{i}', {i}]\n" for i in range(10_000))
    (tmp_path / "more.pyl").write_text(f"['k', 'v']\n{good}['bad', oops]\n", encoding="utf-8")
    done = run_zen("import", "app.db", "t", "more.pyl", env=plugin_env(site))
    assert done.returncode == 1
    assert "more.pyl: the pyl reader failed: ValueError" in done.stderr
    assert "plugin 'formats' has a bug" in done.stderr and "Traceback" not in done.stderr
    assert dump(tmp_path / "app.db") == before


def test_a_plugin_format_appends_to_an_existing_table_by_column_name(
    site: Path, people: Path, tmp_path: Path, run_zen: ZenRunner
) -> None:
    (tmp_path / "more.pyl").write_text("['name', 'id']\n['zoe', 9]\n", encoding="utf-8")
    done = run_zen("import", people, "t", "more.pyl", "--json", env=plugin_env(site))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] is False
    assert _rows(people)[-1] == [9, "zoe", None]
    (tmp_path / "bad.pyl").write_text("['nmae']\n['x']\n", encoding="utf-8")
    wrong = run_zen("import", people, "t", "bad.pyl", env=plugin_env(site))
    assert wrong.returncode == 1
    assert "bad.pyl, column 1: column 'nmae' is not a column of table t" in wrong.stderr
    assert "did you mean name?" in wrong.stderr


# -- exporting -------------------------------------------------------------------------


def test_plugin_export_by_suffix_and_name_round_trips(
    site: Path, people: Path, tmp_path: Path, run_zen: ZenRunner
) -> None:
    env = plugin_env(site)
    to_file = run_zen("export", people, "t", "-o", "out.pyl", env=env)
    assert to_file.returncode == 0, to_file.stderr
    assert f"exported {len(ROWS)} rows to out.pyl" in to_file.stderr
    text = (tmp_path / "out.pyl").read_text(encoding="utf-8")
    assert _pyl(text) == (["id", "name", "score"], [list(row) for row in ROWS])
    by_name = run_zen("export", people, "t", "--format", "PYL", env=env)
    assert (by_name.returncode, by_name.stdout) == (0, text)
    back = run_zen("import", people, "copy", "out.pyl", env=env)
    assert back.returncode == 0, back.stderr
    assert _rows(people, "copy") == _rows(people)
    assert _types(_rows(people, "copy")) == _types(_rows(people))


def test_an_export_format_from_another_plugin_streams_a_query(
    site: Path, people: Path, run_zen: ZenRunner
) -> None:
    query = "SELECT name, score FROM t WHERE id > 3 ORDER BY id"
    done = run_zen("export", people, "--sql", query, "--format", "upper", env=plugin_env(site))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["NAME|SCORE", "KEN|-1.25", "X|0.0"]


@pytest.mark.parametrize("args", [["--format", "explode"], ["-o", "out.boom"]], ids=str)
def test_a_failing_plugin_writer_is_a_clear_error_and_leaves_no_file(
    site: Path, people: Path, tmp_path: Path, run_zen: ZenRunner, args: list[str]
) -> None:
    target = [] if "-o" in args else ["-o", "out.txt"]
    done = run_zen("export", people, "t", *args, *target, env=plugin_env(site))
    assert done.returncode == 1
    assert "export format 'explode' failed: RuntimeError: the writer broke at row 3" in done.stderr
    assert "plugin 'formats' has a bug" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("app.db")) == []


# -- built-ins first, unknown names ----------------------------------------------------


@pytest.mark.parametrize("extra", [[], ["--format", "csv"]], ids=["suffix", "name"])
def test_builtin_import_formats_win_over_plugins(
    site: Path, tmp_path: Path, run_zen: ZenRunner, extra: list[str]
) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    done = run_zen("import", "app.db", "t", "x.csv", "--json", *extra, env=plugin_env(site))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["format"] == "csv"
    assert _rows(tmp_path / "app.db") == [[1, 2]]


@pytest.mark.parametrize(
    ("args", "output"),
    [(["--format", "json"], None), (["-o", "out.json"], "out.json"), (["-o", "o.md"], "o.md")],
    ids=["name", "suffix", "markdown-suffix"],
)
def test_builtin_export_formats_win_over_plugins(
    site: Path, people: Path, tmp_path: Path, run_zen: ZenRunner, args: list[str], output: str
) -> None:
    done = run_zen("export", people, "t", *args, env=plugin_env(site))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / output).read_text(encoding="utf-8") if output else done.stdout
    assert "hijacked" not in text
    if output != "o.md":
        assert [row["name"] for row in json.loads(text)] == [row[1] for row in ROWS]
    else:
        assert text.splitlines()[0] == "| id | name | score |"


def test_an_unclaimed_output_suffix_still_means_csv(
    site: Path, people: Path, tmp_path: Path, run_zen: ZenRunner
) -> None:
    done = run_zen("export", people, "t", "-o", "out.txt", env=plugin_env(site))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()[0] == "id,name,score"


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (
            ["export", "app.db", "t", "--format", "nope"],
            "unknown export format: nope\nhint: choose one of csv, tsv, json, jsonl, markdown, "
            "parquet (built in); pyl, explode, upper (plugins); "
            "1 plugin problem(s): see `zen plugins`",
        ),
        (
            ["import", "app.db", "t", "pairs.kv", "--format", "nope"],
            "unknown input format: nope\nhint: choose one of csv, tsv, json, jsonl (built in); "
            "pyl, kv (plugins); 1 plugin problem(s)",
        ),
        (
            ["import", "app.db", "t", "pairs.xyz"],
            "cannot tell the format of pairs.xyz from its suffix\nhint: pass --format: "
            "choose one of csv, tsv, json, jsonl (built in); pyl, kv (plugins)",
        ),
    ],
    ids=["export-name", "import-name", "import-suffix"],
)
def test_unknown_formats_list_builtin_and_plugin_formats(
    site: Path, people: Path, tmp_path: Path, run_zen: ZenRunner, args: list[str], wanted: str
) -> None:
    for name in ("pairs.kv", "pairs.xyz"):
        shutil.copy(CASES_DIR / "pairs.kv", tmp_path / name)
    done = run_zen(*args, env=plugin_env(site))
    assert done.returncode == 2
    assert wanted in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["import", "app.db", "t", "pairs.kv"], "no plugin adds import formats"),
        (["export", "app.db", "t", "--format", "upper"], "no plugin adds export formats"),
    ],
    ids=["import", "export"],
)
def test_without_plugins_plugin_formats_are_unknown(
    site: Path, people: Path, tmp_path: Path, run_zen: ZenRunner, args: list[str], wanted: str
) -> None:
    shutil.copy(CASES_DIR / "pairs.kv", tmp_path / "pairs.kv")
    done = run_zen(*args, env=plugin_env(site, ZEN_NO_PLUGINS="1"))
    assert done.returncode == 2
    assert wanted in done.stderr and "Traceback" not in done.stderr


# -- start-up: only unknown names discover plugins -------------------------------------

_DISCOVERY = {"pluggy", "zen.plugins", "importlib.metadata", "hello_plugin", "formats_plugin"}


@pytest.mark.parametrize(
    ("args", "discovers"),
    [
        (["import", "app.db", "u", "x.csv"], False),
        (["import", "app.db", "u", "x.json", "--format", "json"], False),
        (["export", "app.db", "t", "-o", "o.jsonl"], False),
        (["export", "app.db", "t", "--format", "markdown"], False),
        (["export", "app.db", "t", "--format", "upper"], True),
        (["import", "app.db", "u", "x.pyl"], True),
    ],
    ids=["import-csv", "import-json", "export-suffix", "export-name", "plugin-out", "plugin-in"],
)
def test_only_unknown_formats_discover_plugins(
    site: Path, people: Path, tmp_path: Path, args: list[str], discovers: bool
) -> None:
    (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "x.json").write_text('[{"a": 1}]', encoding="utf-8")
    (tmp_path / "x.pyl").write_text("['a']\n[1]\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "zen", *args],
        capture_output=True,
        text=True,
        env=plugin_env(site),
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules = imported_modules(done.stderr)
    assert "zen.cli.transfer" in modules  # the log was parsed
    assert bool(modules & _DISCOVERY) is discovers, sorted(modules & _DISCOVERY)


# -- the API ---------------------------------------------------------------------------


@pytest.fixture
def discovered(site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process discovery of the fake site (forgotten afterwards)."""
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv(zp.DISABLE_ENV, raising=False)
    zp.reset()
    yield
    zp.reset()
    for name in PLUGINS:
        sys.modules.pop(EXPECTED[name]["module"], None)


@pytest.mark.usefixtures("discovered")
def test_the_api_imports_and_exports_plugin_formats(tmp_path: Path) -> None:
    case = CASES["typed"]
    source = CASES_DIR / case["file"]
    seen: list[int] = []
    with zen.open(tmp_path / "app.db", create=True) as db:
        report = db.import_file("t", source, progress=seen.append)
        assert (report.format, report.rows) == ("pyl", len(case["rows"]))
        assert [list(column) for column in report.columns] == case["columns"]
        out = io.StringIO()
        assert db.export(out, table="t", format="pyl") == len(case["rows"])
        assert _pyl(out.getvalue()) == ([name for name, _ in case["columns"]], case["rows"])
        copied = db.import_file("copy", source, format="pyl")
        assert copied.rows == report.rows
    size = source.stat().st_size
    assert seen == sorted(seen) and len(seen) > 2
    assert 0.99 * size <= seen[-1] <= size


@pytest.mark.usefixtures("discovered")
def test_the_api_rejects_unknown_formats_naming_plugin_ones(tmp_path: Path) -> None:
    source = tmp_path / "pairs.kv"
    shutil.copy(CASES_DIR / "pairs.kv", source)
    with zen.open(tmp_path / "app.db", create=True) as db:
        with pytest.raises(UsageError, match="unknown export format: nope") as caught:
            db.export(io.StringIO(), query="select 1", format="nope")
        assert "upper (plugins)" in (caught.value.hint or "")
        with pytest.raises(UsageError, match="unknown input format: nope") as caught:
            db.import_file("t", source, format="nope")
        assert "kv (plugins)" in (caught.value.hint or "")
        assert db.import_file("t", source).format == "kv"
