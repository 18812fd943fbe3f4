"""Git remotes from the command line: remote, push, fetch, pull, clone.

Real ``git`` on bare repositories and ``file://`` URLs in tmp_path. The round trip
and the credential checks run the real ``python -m zen``; the other flows run the
same Typer app in process (``zen_cli``), which is much faster.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import apsw
import pytest
from typer.testing import CliRunner

import zen
from tests.conftest import ZenRunner
from zen.cli.app import app
from zen.engine.errors import ZenError

SEED = """
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, photo BLOB);
CREATE TABLE notes(body TEXT, at INTEGER);
CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
CREATE INDEX users_name ON users(name);
CREATE VIEW top AS SELECT name FROM users WHERE score > 1;
CREATE TRIGGER notes_at AFTER INSERT ON notes BEGIN UPDATE notes SET at = 0 WHERE at IS NULL; END;
INSERT INTO users VALUES (1, 'ada', 1.5, x'00ff'), (2, 'linus', -0.0, NULL),
    (3, 'grace', 1e300, x''), (4, 'é
newline', 0.1, NULL);
INSERT INTO notes(rowid, body, at) VALUES (7, 'seventh', 1), (3, 'third', NULL), (12, NULL, 2);
INSERT INTO kv VALUES ('a', 1), ('b', 'two'), ('c', 3.25);
INSERT INTO seq(v) VALUES ('x'), ('y');
"""


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(_ok(done).stdout)


def user_dump(path: Path) -> str:
    """``sqlite3 .dump`` of the user's objects: a copy without zen's ``_zen_*`` tables."""
    copy = path.with_name(path.name + ".dumpcopy")
    shutil.copyfile(path, copy)
    conn = apsw.Connection(str(copy))
    names = conn.execute(
        "SELECT type, name FROM sqlite_schema WHERE name LIKE '\\_zen\\_%' ESCAPE '\\' "
        "AND type IN ('table', 'trigger') ORDER BY type = 'table'"
    ).fetchall()
    for kind, name in names:
        conn.execute(f'DROP {kind} IF EXISTS "{name}"')
    conn.close()
    done = subprocess.run(["sqlite3", str(copy), ".dump"], capture_output=True, text=True)
    copy.unlink()
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def zen_cli() -> ZenRunner:
    """Run the zen app in process; ZenErrors become exit codes and stderr as in ``main``."""
    runner = CliRunner()

    def run(*args: Any, **_: Any) -> subprocess.CompletedProcess[str]:
        result = runner.invoke(app, [str(a) for a in args])
        code, err = result.exit_code, result.stderr
        if isinstance(result.exception, ZenError):
            code, err = result.exception.exit_code, err + result.exception.render() + "\n"
        elif result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return subprocess.CompletedProcess(list(args), code, result.stdout, err)

    return run


@pytest.fixture
def bare(tmp_path: Path) -> str:
    """A bare repository's file:// URL."""
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "remote.git")], check=True)
    return (tmp_path / "remote.git").as_uri()


@pytest.fixture
def pushed(zen_cli: ZenRunner, tmp_path: Path, bare: str) -> Path:
    """app.db with history and SEED, pushed to ``bare`` as origin/main."""
    db = tmp_path / "app.db"
    _ok(zen_cli("init", db))
    _ok(zen_cli("sql", db, SEED))
    _ok(zen_cli("remote", "add", "origin", bare, "--db", db))
    _ok(zen_cli("push", "--db", db))
    return db


def test_push_then_clone_gives_the_same_dump(
    run_zen: ZenRunner, tmp_path: Path, pushed: Path, bare: str
) -> None:
    clone = _json(run_zen("clone", bare, tmp_path / "copy.db", "--json"))
    assert clone["branch"] == "main" and clone["tables"] == 4 and clone["rows"] == 12
    assert user_dump(tmp_path / "copy.db") == user_dump(pushed)
    status = _json(run_zen("status", "--json", "--db", tmp_path / "copy.db"))
    assert status["clean"] and status["branch"] == "main"
    remotes = _json(run_zen("remote", "list", "--json", "--db", tmp_path / "copy.db"))
    assert remotes == [{"name": "origin", "url": bare}]


def test_git_shows_schema_and_row_files(zen_cli: ZenRunner, tmp_path: Path, pushed: Path) -> None:
    git = ["git", f"--git-dir={tmp_path / 'remote.git'}"]
    files = subprocess.run([*git, "ls-tree", "-r", "--name-only", "main"],
                           capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert "schema.sql" in files and "tables/users/index.jsonl" in files
    rows = subprocess.run([*git, "show", "main:tables/users/tail.jsonl"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert rows.splitlines()[0] == '[1,"ada",1.5,{"blob":"AP8="}]'
    schema = subprocess.run([*git, "show", "main:schema.sql"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "CREATE VIEW top AS SELECT name FROM users WHERE score > 1;" in schema
    log = subprocess.run([*git, "log", "--format=%s", "main"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    zen_log = _json(zen_cli("log", "--json", "--db", pushed))
    assert log.splitlines() == [e["message"].splitlines()[0] for e in zen_log]


def test_changes_flow_both_ways(
    zen_cli: ZenRunner, tmp_path: Path, pushed: Path, bare: str
) -> None:
    copy = tmp_path / "copy.db"
    _ok(zen_cli("clone", bare, copy))
    _ok(
        zen_cli(
            "sql",
            copy,
            "UPDATE users SET score = 2 WHERE id = 2; DELETE FROM notes WHERE rowid = 7",
        )
    )
    _ok(zen_cli("sql", copy, "ALTER TABLE kv ADD COLUMN extra; CREATE INDEX kv_v ON kv(v)"))
    _ok(zen_cli("sql", copy, "INSERT INTO kv VALUES ('d', NULL, 'new')"))
    push = _json(zen_cli("push", "--json", "--db", copy))
    assert push["exported"] == 3
    pull = _json(zen_cli("pull", "--json", "--db", pushed))
    assert (pull["applied"], pull["status"]) == (3, "fast-forward")
    assert user_dump(pushed) == user_dump(copy)
    theirs = _json(zen_cli("log", "-n", "4", "--json", "--db", copy))
    ours = _json(zen_cli("log", "-n", "4", "--json", "--db", pushed))
    assert [e["message"] for e in ours] == [e["message"] for e in theirs]
    assert [e["author"] for e in ours[:3]] == [e["author"] for e in theirs[:3]]
    again = _json(zen_cli("pull", "--json", "--db", pushed))
    assert (again["applied"], again["status"]) == (0, "up to date")
    assert _json(zen_cli("fsck", "--json", "--db", pushed))["ok"]
    # the pulled commits are mapped: pushing back exports nothing new
    assert _json(zen_cli("push", "--json", "--db", pushed))["exported"] == 0


def test_diverged_histories_merge_on_pull(
    zen_cli: ZenRunner, tmp_path: Path, pushed: Path, bare: str
) -> None:
    copy = tmp_path / "copy.db"
    _ok(zen_cli("clone", bare, copy))
    _ok(zen_cli("sql", copy, "INSERT INTO kv VALUES ('z', 26)"))
    _ok(zen_cli("push", "--db", copy))
    _ok(zen_cli("sql", pushed, "INSERT INTO kv VALUES ('y', 25)"))
    behind = zen_cli("push", "--db", pushed)
    assert behind.returncode == 1 and "zen pull" in behind.stderr
    pulled = _json(zen_cli("pull", "--json", "--db", pushed))
    assert (pulled["status"], pulled["applied"]) == ("merged", 1)
    keys = _ok(zen_cli("sql", pushed, "SELECT k FROM kv ORDER BY k", "--format", "csv"))
    assert keys.stdout.split() == ["k", "a", "b", "c", "y", "z"]
    branches = _json(zen_cli("branch", "--list", "--json", "--db", pushed))
    assert {b["name"] for b in branches} == {"main", "origin/main"}
    assert _json(zen_cli("push", "--json", "--db", pushed))["exported"] == 1  # the merge
    parents = subprocess.run(
        ["git", f"--git-dir={tmp_path / 'remote.git'}", "rev-list", "--parents", "-n1", "main"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert len(parents) == 3
    assert _json(zen_cli("pull", "--json", "--db", copy))["status"] == "fast-forward"
    assert user_dump(copy) == user_dump(pushed)


def test_conflicting_pull_stops_for_resolution(
    zen_cli: ZenRunner, tmp_path: Path, pushed: Path, bare: str
) -> None:
    copy = tmp_path / "copy.db"
    _ok(zen_cli("clone", bare, copy))
    _ok(zen_cli("sql", copy, "UPDATE kv SET v = 'theirs' WHERE k = 'a'"))
    _ok(zen_cli("push", "--db", copy))
    _ok(zen_cli("sql", pushed, "UPDATE kv SET v = 'ours' WHERE k = 'a'"))
    stopped = zen_cli("pull", "--db", pushed)
    assert stopped.returncode == 1 and "1 conflict(s)" in stopped.stderr
    _ok(zen_cli("conflicts", "resolve", "--theirs", "--db", pushed))
    _ok(zen_cli("merge", "--continue", "--db", pushed))
    value = _ok(zen_cli("sql", pushed, "SELECT v FROM kv WHERE k = 'a'", "--format", "csv"))
    assert value.stdout.split() == ["v", "theirs"]
    _ok(zen_cli("push", "--db", pushed))


def test_pull_refuses_uncommitted_changes(
    zen_cli: ZenRunner, tmp_path: Path, pushed: Path, bare: str
) -> None:
    copy = tmp_path / "copy.db"
    _ok(zen_cli("clone", bare, copy))
    _ok(zen_cli("sql", copy, "DELETE FROM kv"))
    _ok(zen_cli("push", "--db", copy))
    with zen.open(pushed) as db:
        db.history.set_policy("explicit")
        db.script("INSERT INTO kv VALUES ('pending', 1)")
    before = user_dump(pushed)
    refused = zen_cli("pull", "--db", pushed)
    assert refused.returncode == 1 and "uncommitted changes" in refused.stderr
    assert user_dump(pushed) == before


def test_unrelated_histories_are_refused(
    zen_cli: ZenRunner, tmp_path: Path, bare: str, pushed: Path
) -> None:
    other = tmp_path / "other.db"
    with zen.open(other, create=True) as db:
        db.script("CREATE TABLE elsewhere(a)")
        db.enable_history(author="someone else")
    _ok(zen_cli("remote", "add", "origin", bare, "--db", other))
    refused = zen_cli("pull", "--db", other)
    assert refused.returncode == 1 and "share no commit" in refused.stderr


def test_credentials_are_never_printed(run_zen: ZenRunner, tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    _ok(run_zen("init", db))
    url = "https://ada:s3cret-token@127.0.0.1:9/app.git"
    added = _ok(run_zen("remote", "add", "origin", url, "--db", db))
    listed = _ok(run_zen("remote", "list", "--db", db))
    as_json = _ok(run_zen("remote", "list", "--json", "--db", db))
    failed = run_zen("push", "--db", db)
    fetched = run_zen("fetch", "--db", db)
    cloned = run_zen("clone", url, tmp_path / "copy.db")
    assert failed.returncode == fetched.returncode == cloned.returncode == 1
    for done in (added, listed, as_json, failed, fetched, cloned):
        assert "s3cret" not in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert "https://***@127.0.0.1:9/app.git" in listed.stdout
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "copy.db.git").exists()


def test_remote_mistakes(zen_cli: ZenRunner, tmp_path: Path, bare: str) -> None:
    db = tmp_path / "app.db"
    _ok(zen_cli("init", db))
    nothing = zen_cli("push", "--db", db)
    assert nothing.returncode == 1 and "zen remote add" in nothing.stderr
    _ok(zen_cli("remote", "add", "origin", bare, "--db", db))
    twice = zen_cli("remote", "add", "origin", bare, "--db", db)
    assert twice.returncode == 2 and "already exists" in twice.stderr
    bad = zen_cli("remote", "add", "-bad name", bare, "--db", db)
    assert bad.returncode == 2
    _ok(zen_cli("remote", "remove", "origin", "--db", db))
    gone = zen_cli("remote", "remove", "origin", "--db", db)
    assert gone.returncode == 1 and "no such remote" in gone.stderr
    assert _json(zen_cli("remote", "list", "--json", "--db", db)) == []


def test_clone_mistakes(zen_cli: ZenRunner, tmp_path: Path, pushed: Path, bare: str) -> None:
    taken = zen_cli("clone", bare, pushed)
    assert taken.returncode == 1 and "already exists" in taken.stderr
    missing = zen_cli("clone", bare, tmp_path / "x.db", "--branch", "nope")
    assert missing.returncode == 1 and "no branch nope" in missing.stderr
    plain = tmp_path / "plain"
    subprocess.run(["git", "init", "-q", "-b", "main", str(plain)], check=True)
    (plain / "README").write_text("hi\n")
    git = ["git", "-C", str(plain), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "README"], check=True)
    subprocess.run([*git, "commit", "-qm", "readme"], check=True)
    foreign = zen_cli("clone", plain.as_uri(), tmp_path / "y.db")
    assert foreign.returncode == 1 and "not a zen database" in foreign.stderr
    for name in ("x.db", "x.db.git", "y.db", "y.db.git"):
        assert not (tmp_path / name).exists()


def test_push_and_clone_another_branch(
    zen_cli: ZenRunner, tmp_path: Path, pushed: Path, bare: str
) -> None:
    _ok(zen_cli("sql", pushed, "DELETE FROM kv WHERE k = 'a'"))
    _ok(zen_cli("push", "origin", "main", "--db", pushed))
    fetched = _json(zen_cli("fetch", "--json", "--db", pushed))
    assert set(fetched) == {"main"}
    git = ["git", f"--git-dir={tmp_path / 'remote.git'}"]
    main = subprocess.run([*git, "rev-parse", "main"], capture_output=True, text=True).stdout
    subprocess.run([*git, "update-ref", "refs/heads/staging", f"{main.strip()}~1"], check=True)
    staging = _json(zen_cli("clone", bare, tmp_path / "s.db", "--branch", "staging", "--json"))
    assert staging["branch"] == "staging" and staging["rows"] == 12
    status = _json(zen_cli("status", "--json", "--db", tmp_path / "s.db"))
    assert status["branch"] == "staging"


# -- zen git follow ------------------------------------------------------------------------------


def test_database_branch_follows_git_checkouts(zen_cli: ZenRunner, tmp_path: Path) -> None:
    """The hook runs the real ``python -m zen`` on each checkout."""
    app_repo = tmp_path / "app"
    app_repo.mkdir()
    git = ["git", "-C", str(app_repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "init"], check=True)
    db = app_repo / "app.db"
    _ok(zen_cli("init", db))
    _ok(zen_cli("sql", db, "CREATE TABLE t(a); INSERT INTO t VALUES (1)"))
    installed = _ok(zen_cli("git", "follow", "--db", db, "--repo", app_repo))
    assert "installed" in installed.stderr and "already on branch main" in installed.stderr

    def checkout(*args: str) -> str:
        done = subprocess.run([*git, *args], capture_output=True, text=True, check=True)
        return done.stderr

    assert "created branch feature" in checkout("checkout", "-q", "-b", "feature")
    _ok(zen_cli("sql", db, "INSERT INTO t VALUES (2)"))
    checkout("checkout", "-q", "main")
    assert _json(zen_cli("status", "--json", "--db", db))["branch"] == "main"
    assert _ok(zen_cli("sql", db, "SELECT count(*) FROM t", "--format", "csv")).stdout.split() == [
        "count(*)",
        "1",
    ]
    checkout("checkout", "-q", "feature")
    assert _json(zen_cli("status", "--json", "--db", db))["branch"] == "feature"
    checkout("checkout", "-q", "--detach")
    assert _json(zen_cli("status", "--json", "--db", db))["branch"] == "feature"
    hook = app_repo / ".git" / "hooks" / "post-checkout"
    assert _ok(zen_cli("git", "follow", "--remove", "--repo", app_repo)) and not hook.exists()


def test_follow_leaves_other_hooks_alone(zen_cli: ZenRunner, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path / "app")], check=True)
    hook = tmp_path / "app" / ".git" / "hooks" / "post-checkout"
    hook.write_text("#!/bin/sh\necho mine\n")
    _ok(zen_cli("init", tmp_path / "app.db"))
    refused = zen_cli("git", "follow", "--repo", tmp_path / "app", "--db", tmp_path / "app.db")
    assert refused.returncode == 1 and "not written by zen" in refused.stderr
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    zen_cli("git", "follow", "--remove", "--repo", tmp_path / "app")
    assert hook.exists()
    outside = zen_cli("git", "follow", "--repo", tmp_path, "--db", tmp_path / "app.db")
    assert outside.returncode == 2 and "not inside a Git working tree" in outside.stderr
