"""History commands (commit, log, status, show, diff, rewind, tag, reflog, gc, fsck).

The main flows run the real ``python -m zen`` on real files; option handling and the
renderers are tested in process.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apsw
import pytest
from typer.testing import CliRunner

import zen
from tests.conftest import FIXTURES, ZenRunner
from zen.api import init as zen_init
from zen.cli import _history_render as render
from zen.cli.app import app
from zen.engine.errors import UsageError, ZenError
from zen.history.diff import CellChange, Diff, RowChange, SchemaChange, TableDiff
from zen.history.errors import RefNotFoundError

GRAPHS = json.loads((FIXTURES / "history_cli" / "graphs.json").read_text(encoding="utf-8"))
SEED = (
    "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER);"
    "INSERT INTO users VALUES (1, 'ada', 36), (2, 'linus', 28);"
)


def _json(done: Any) -> Any:
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def _rows(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id, name, age FROM users ORDER BY id").fetchall()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """app.db with history (policy transaction) and a zen.toml: a root + 3 commits."""
    zen_init(tmp_path / "app.db", author="tester")
    with zen.open(tmp_path / "app.db") as db:
        db.script(SEED)
        db.script("UPDATE users SET age = 37 WHERE id = 1")
        db.script("INSERT INTO users VALUES (3, 'grace', 45)")
    return tmp_path / "app.db"


# -- real subprocesses ------------------------------------------------------------------


def test_init_write_log_status_diff_show(run_zen: ZenRunner, tmp_path: Path) -> None:
    assert run_zen("init", "app.db").returncode == 0
    assert run_zen("sql", "app.db", SEED).returncode == 0
    assert run_zen("sql", "app.db", "UPDATE users SET name = 'Ada' WHERE id = 1").returncode == 0

    log = _json(run_zen("log", "--json"))  # the database comes from zen.toml
    assert [len(e["parents"]) for e in log] == [1, 1, 0]
    assert log[0]["refs"] == ["HEAD", "main"] and log[1]["refs"] == []
    assert log[0]["parents"] == [log[1]["id"]]
    text = run_zen("log").stdout.splitlines()
    assert len(text) == 3 and text[0].startswith(log[0]["id"][:12] + " (HEAD -> main)")

    status = _json(run_zen("status", "--json"))
    assert status["clean"] and status["branch"] == "main" and status["head"] == log[0]["id"]
    assert "nothing to commit" in run_zen("status").stdout

    diff = _json(run_zen("diff", "HEAD~1", "HEAD", "--json"))
    (table,) = diff["tables"]
    assert (table["table"], table["added"], table["removed"], table["changed"]) == (
        "users", 0, 0, 1,
    )  # fmt: skip
    assert table["rows"][0]["key"] == {"id": 1}
    assert table["rows"][0]["cells"] == [{"column": "name", "old": "ada", "new": "Ada"}]
    plain = run_zen("diff", "HEAD~2", "HEAD").stdout
    assert "+ table users" in plain and "+ id=1  name='Ada'  age=36" in plain
    assert "\x1b[" not in plain  # piped: no colour

    show = _json(run_zen("show", "--json"))
    assert show["commit"]["id"] == log[0]["id"] and show["refs"] == ["HEAD", "main"]
    assert show["diff"]["tables"][0]["rows"][0]["cells"][0]["new"] == "Ada"
    shown = run_zen("show", "HEAD~2").stdout
    assert f"commit {log[2]['id']}" in shown and "root commit" in shown


def test_rewind_and_undo_tags_reflog(run_zen: ZenRunner, project: Path) -> None:
    before = _rows(project)
    made = run_zen("tag", "v1", "HEAD~2", "-m", "two users")
    assert made.returncode == 0, made.stderr
    tags = _json(run_zen("tag", "--json"))
    assert [(t["name"], t["message"]) for t in tags] == [("v1", "two users")]

    moved = _json(run_zen("rewind", "v1", "--json"))
    assert moved["commit"]["message"] == "rewind to v1" and moved["undo"] == "zen rewind HEAD~1"
    assert moved["commit"]["tree"] == _tree_of(run_zen, "v1")
    assert _rows(project) == [(1, "ada", 36), (2, "linus", 28)]
    undo = run_zen("rewind", "HEAD~1")
    assert undo.returncode == 0 and "undo with: zen rewind HEAD~1" in undo.stderr
    assert _rows(project) == before

    reflog = _json(run_zen("reflog", "-n", "2", "--json"))
    assert [e["message"] for e in reflog] == ["commit: rewind to HEAD~1", "commit: rewind to v1"]
    assert reflog[1]["new"] == reflog[0]["old"]
    assert "HEAD@{0}" in run_zen("reflog").stdout

    deleted = run_zen("tag", "-d", "v1")
    assert deleted.returncode == 0 and _json(run_zen("tag", "--json")) == []
    assert run_zen("fsck").returncode == 0
    gc = _json(run_zen("gc", "--keep", "30d", "--json"))
    assert set(gc) == {"reflog_entries", "commits", "objects", "records"}


def _tree_of(run_zen: ZenRunner, ref: str) -> str:
    return str(_json(run_zen("show", ref, "--json"))["commit"]["tree"])


def test_explicit_policy_commit_and_exit_codes(run_zen: ZenRunner) -> None:
    assert run_zen("init", "app.db", "--policy", "explicit").returncode == 0
    assert run_zen("sql", "app.db", SEED).returncode == 0
    status = _json(run_zen("status", "--json"))
    assert status["pending"] == 1 and not status["clean"]
    assert status["changes"]["tables"][0]["added"] == 2
    assert [c["name"] for c in status["changes"]["schema"]] == ["users"]
    assert "1 transaction not committed yet" in run_zen("status").stdout

    assert run_zen("diff", "--exit-code").returncode == 1
    made = run_zen("commit", "-m", "seed users", "--author", "ada", "--json")
    assert made.returncode == 0
    commit = _json(made)
    assert commit["committed"] and commit["commit"]["author"] == "ada"
    again = run_zen("commit", "-m", "again", "--json")
    assert again.returncode == 1 and _json(again) == {"committed": False, "commit": None}
    assert "nothing to commit" in run_zen("commit", "-m", "again").stderr
    assert run_zen("diff", "--exit-code").returncode == 0


def test_rewind_to_time_with_uncommitted_work_prints_a_working_undo(run_zen: ZenRunner) -> None:
    assert run_zen("init", "app.db", "--policy", "explicit").returncode == 0
    assert run_zen("sql", "app.db", SEED).returncode == 0
    assert run_zen("commit", "-m", "seed").returncode == 0
    assert run_zen("sql", "app.db", "DELETE FROM users WHERE id = 2").returncode == 0
    moved = _json(run_zen("rewind", "--to", "now", "--json"))
    assert moved["rows"] == 0 and moved["commit"] is None  # already there
    moved = _json(run_zen("rewind", "HEAD", "--json"))
    assert moved["uncommitted_undone"] == 1 and moved["undo"].startswith("zen rewind --to ")
    assert run_zen("sql", "app.db", "SELECT count(*) FROM users").stdout == "count(*)\n2\n"
    to = moved["undo"].split("--to ", 1)[1].strip('"')
    assert run_zen("rewind", "--to", to).returncode == 0
    assert run_zen("sql", "app.db", "SELECT id FROM users").stdout == "id\n1\n"


def test_fsck_reports_a_corrupt_object_and_commands_refuse_it(
    run_zen: ZenRunner, project: Path
) -> None:
    assert _json(run_zen("fsck", "--json"))["ok"] is True
    head = _json(run_zen("log", "-n", "1", "--json"))[0]["id"]
    conn = apsw.Connection(str(project))
    conn.execute(
        "UPDATE _zen_objects SET body = replace(body, 'tester', 'mallory') WHERE hash = ?",
        (bytes.fromhex(head),),
    )
    conn.close()
    done = run_zen("fsck")
    assert done.returncode == 1
    assert any(head in line for line in done.stdout.splitlines() if line.startswith("problem:"))
    report = run_zen("fsck", "--json")
    assert report.returncode == 1 and _json(report)["ok"] is False
    log = run_zen("log")
    assert log.returncode == 1 and "corrupt history object" in log.stderr
    assert "Traceback" not in log.stderr


def test_database_without_history_points_to_init(run_zen: ZenRunner, tmp_path: Path) -> None:
    plain = tmp_path / "plain.db"
    with sqlite3.connect(plain) as conn:
        conn.execute("CREATE TABLE t(x)")
    done = run_zen("log", "--db", plain)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "history is not enabled" in done.stderr and f"zen init {plain}" in done.stderr


def test_unknown_ref_suggests_near_names(run_zen: ZenRunner, project: Path) -> None:
    assert run_zen("tag", "release-1").returncode == 0
    done = run_zen("show", "relase-1")
    assert done.returncode == 1 and "unknown revision: relase-1" in done.stderr
    assert "did you mean release-1?" in done.stderr and "Traceback" not in done.stderr


# -- in process -------------------------------------------------------------------------


@pytest.fixture
def cli(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Invoke ``zen ARGS --db app.db`` in process; returns the click Result."""
    monkeypatch.delenv("ZEN_DB", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, [*args, "--db", str(project)])

    yield invoke


def test_log_limits_and_table_filter(cli: Any) -> None:
    assert len(json.loads(cli("log", "-n", "2", "--json").stdout)) == 2
    touched = json.loads(cli("log", "users", "--json").stdout)
    assert [e["message"].split()[0] for e in touched] == ["INSERT", "UPDATE", "CREATE"]
    assert json.loads(cli("log", "nothere", "--json").stdout) == []
    graph = cli("log", "--graph").stdout.splitlines()
    assert len(graph) == 4 and all(line.startswith("*  ") for line in graph)
    assert cli("log", "-n", "0").exit_code == 2


def test_log_graph_with_a_table_skips_commits_that_did_not_touch_it(
    cli: Any, project: Path
) -> None:
    with zen.open(project) as db:
        db.script("CREATE TABLE other(x)")
        db.script("INSERT INTO other VALUES (1)")
        db.script("DELETE FROM users WHERE id = 3")
    every = json.loads(cli("log", "--json").stdout)
    shown = cli("log", "users", "--graph").stdout.splitlines()
    assert [line.split()[1] for line in shown] == [
        e["id"][:12] for e in every if "other" not in e["message"] and e["parents"]
    ]
    assert all(line.startswith("*  ") for line in shown)  # one line: no dangling columns


def test_diff_options(cli: Any) -> None:
    stat = json.loads(cli("diff", "HEAD~3", "HEAD", "--stat", "--json").stdout)
    assert stat["tables"][0]["added"] == 3 and stat["tables"][0]["rows"] == []
    assert stat["different"] is True
    schema = json.loads(cli("diff", "HEAD~3", "--schema-only", "--json").stdout)
    assert schema["tables"] == [] and schema["schema"][0]["kind"] == "added"
    other = json.loads(cli("diff", "HEAD~3", "--table", "nothere", "--json").stdout)
    assert other["tables"] == [] and other["schema"]  # the filter is on rows only
    text = cli("diff", "HEAD~3", "HEAD", "--stat").stdout
    assert "1 table changed: 3 rows added, 0 removed, 0 changed; 1 schema change" in text
    assert cli("diff", "HEAD~1", "HEAD", "--exit-code").exit_code == 1
    assert cli("diff", "--exit-code").exit_code == 0
    assert isinstance(cli("diff", "a", "b", "c").exception, UsageError)


def test_tag_usage_errors(cli: Any) -> None:
    assert cli("tag", "v1").exit_code == 0
    again = cli("tag", "v1", "HEAD~1")
    assert isinstance(again.exception, UsageError) and "already exists" in str(again.exception)
    assert cli("tag", "v1", "HEAD~1", "--force").exit_code == 0
    listed = json.loads(cli("tag", "--json").stdout)
    assert listed[0]["commit"] == json.loads(cli("log", "--json").stdout)[1]["id"]
    assert isinstance(cli("tag", "v2", "-d", "v1").exception, UsageError)
    assert isinstance(cli("tag", "-m", "no name").exception, UsageError)
    assert isinstance(cli("tag", "-d", "nope").exception, RefNotFoundError)
    assert isinstance(cli("tag", "bad name").exception, UsageError)


def test_rewind_needs_exactly_one_target(cli: Any) -> None:
    assert isinstance(cli("rewind").exception, UsageError)
    assert isinstance(cli("rewind", "HEAD~1", "--to", "1 hour ago").exception, UsageError)
    early = cli("rewind", "--to", "1999-01-01")
    assert isinstance(early.exception, RefNotFoundError) and "history starts" in str(
        early.exception
    )


def test_reflog_gc_and_commit_errors(cli: Any) -> None:
    assert isinstance(cli("reflog", "mian").exception, RefNotFoundError)
    assert "did you mean main" in (cli("reflog", "mian").exception.hint or "")
    assert isinstance(cli("gc", "--keep", "soon").exception, UsageError)
    assert isinstance(cli("commit", "-m", "  ").exception, UsageError)
    assert json.loads(cli("commit", "-m", "x", "--allow-empty", "--json").stdout)["committed"]


def test_show_stat_log_from_and_quick_fsck(cli: Any) -> None:
    stat = cli("show", "HEAD~2", "--stat").stdout
    assert re.search(r"^ users +\| \+2 -0 ~0$", stat, re.MULTILINE), stat
    assert re.search(r"^ table users +\| schema added$", stat, re.MULTILINE), stat
    assert "Author: tester" in stat
    older = json.loads(cli("log", "--from", "HEAD~1", "--json").stdout)
    assert [e["id"] for e in older] == [
        e["id"] for e in json.loads(cli("log", "--json").stdout)[1:]
    ]
    quick = json.loads(cli("fsck", "--quick", "--json").stdout)
    assert quick["ok"] and quick["states"] == 0 and quick["objects"] > 0


def test_every_history_error_is_a_zen_error(cli: Any) -> None:
    for args in (("show", "HEAD~9"), ("diff", "nope"), ("log", "--from", "zzzz")):
        assert isinstance(cli(*args).exception, ZenError), args


# -- renderers ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", GRAPHS["cases"], ids=lambda c: c["name"])
def test_graph_layouts(case: dict[str, Any]) -> None:
    nodes = [render.GraphNode(i, tuple(p)) for i, p in case["commits"]]
    laid = [[prefix, "" if at is None else nodes[at].id] for prefix, at in render.graph(nodes)]
    assert laid == case["expected"]


@pytest.mark.parametrize("case", GRAPHS["simplify"], ids=lambda c: c["name"])
def test_graph_simplify(case: dict[str, Any]) -> None:
    nodes = [render.GraphNode(i, tuple(p)) for i, p in case["commits"]]
    found = render.simplify(nodes, case["shown"])
    assert [[n.id, list(n.parents)] for n in found] == case["expected"]


def _sample_diff() -> Diff:
    table = TableDiff("t", added=1, removed=1, changed=1)
    table.rows = [
        RowChange("added", {"id": 3}, new={"id": 3, "b": b"\x00" * 40}),
        RowChange("removed", {"id": 2}, old={"id": 2, "b": None}),
        RowChange("changed", {"id": 1}, cells=(CellChange("n", "it's", 2.5),)),
    ]
    schema = [SchemaChange("changed", "table", "t", "CREATE TABLE t(a)", "CREATE TABLE t(a, b)")]
    return Diff("HEAD~1", "HEAD", schema, [table])


def test_diff_rendering_plain_and_coloured() -> None:
    plain = render.diff_lines(_sample_diff(), color=False)
    assert plain[0] == "diff HEAD~1 -> HEAD"
    assert "    - CREATE TABLE t(a)" in plain and "    + CREATE TABLE t(a, b)" in plain
    assert "~ id=1  n: 'it''s' -> 2.5" in plain and "- id=2  b=NULL" in plain
    assert any(line.startswith("+ id=3  b=x'0000") and "(40 bytes)" in line for line in plain)
    coloured = "\n".join(render.diff_lines(_sample_diff(), color=True))
    assert "\x1b[32m+ id=3" in coloured and "\x1b[31m- id=2" in coloured
    assert "\x1b[" not in "\n".join(plain)
    assert render.diff_lines(Diff("a", "b"), color=False) == []


def test_decorations() -> None:
    assert render.decorations(["HEAD", "main", "tags/v1"], "main", False) == (
        "(HEAD -> main, tag: v1)"
    )
    assert render.decorations(["HEAD", "tags/v1"], None, False) == "(HEAD, tag: v1)"
    assert render.decorations([], "main", False) == ""
