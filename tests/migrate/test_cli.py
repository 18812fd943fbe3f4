"""``zen migrate plan|apply|check`` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import zen

from .conftest import Runner

SCHEMA = "create table users(id integer primary key, name text not null, email text);\n"
WITH_INDEX = SCHEMA + "create unique index users_email on users(email);\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_apply_then_check_in_sync(tmp_path: Path, zen_migrate: Runner) -> None:
    _write(tmp_path, "schema.sql", WITH_INDEX)
    first = zen_migrate("check", "--db", "app.db", "--json")
    assert first.returncode == 1 and "no such database" in first.stderr
    done = zen_migrate("apply", "--db", "app.db", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["applied_steps"] == 2
    check = zen_migrate("check", "--db", "app.db", "--json")
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["status"] == "in_sync"
    with zen.open(tmp_path / "app.db") as db:
        assert db.tables() == ["users"]


def test_check_pending_and_blocked_exit_codes(tmp_path: Path, zen_migrate: Runner) -> None:
    _write(tmp_path, "schema.sql", SCHEMA)
    assert zen_migrate("apply", "app.db").returncode == 0
    _write(tmp_path, "more.sql", WITH_INDEX)
    pending = zen_migrate("check", "app.db", "--schema", "more.sql", "--json")
    assert pending.returncode == 2
    report = json.loads(pending.stdout)
    assert (report["status"], report["exit_code"]) == ("pending", 2)
    _write(tmp_path, "less.sql", "create table users(id integer primary key, name text not null);")
    blocked = zen_migrate("check", "app.db", "--schema", "less.sql", "--json")
    assert blocked.returncode == 3
    report = json.loads(blocked.stdout)
    assert report["status"] == "blocked"
    assert report["findings"][0]["level"] == "destructive"
    allowed = zen_migrate("check", "app.db", "-s", "less.sql", "--allow-destructive")
    assert allowed.returncode == 2 and "pending" in allowed.stderr


def test_apply_refuses_destructive_without_flag(tmp_path: Path, zen_migrate: Runner) -> None:
    _write(tmp_path, "schema.sql", SCHEMA)
    zen_migrate("apply", "--db", "app.db")
    with zen.open(tmp_path / "app.db") as db:
        db.sql("insert into users(name, email) values ('ada', 'a@x')")
    _write(
        tmp_path, "schema.sql", "create table users(id integer primary key, name text not null);"
    )
    refused = zen_migrate("apply", "--db", "app.db")
    assert refused.returncode == 1
    assert "drop column users.email" in refused.stderr and "--allow-destructive" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = zen_migrate("apply", "--db", "app.db", "--allow-destructive", "--yes")
    assert done.returncode == 0, done.stderr
    with zen.open(tmp_path / "app.db") as db:
        assert [c.name for c in db.columns("users")] == ["id", "name"]
        assert db.sql("select name from users").fetchall() == [("ada",)]


def test_plan_prints_runnable_sql(tmp_path: Path, zen_migrate: Runner) -> None:
    _write(tmp_path, "schema.sql", SCHEMA)
    zen_migrate("apply", "--db", "app.db")
    _write(tmp_path, "schema.sql", SCHEMA.replace("email text", "email text, age int default 0"))
    done = zen_migrate("plan", "--db", "app.db")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'ALTER TABLE "users" ADD COLUMN age int default 0;'
    assert "1 steps" in done.stderr
    subprocess.run(["sqlite3", str(tmp_path / "app.db")], input=done.stdout, text=True, check=True)
    again = zen_migrate("check", "--db", "app.db")
    assert again.returncode == 0, again.stderr


def test_database_from_env_and_project_file(tmp_path: Path, zen_migrate: Runner) -> None:
    _write(tmp_path, "db.sql", SCHEMA)
    _write(tmp_path, "zen.toml", 'database = "proj.db"\nschema = "db.sql"\n')
    assert zen_migrate("apply").returncode == 0
    assert (tmp_path / "proj.db").is_file()
    assert zen_migrate("check").returncode == 0
    other = zen_migrate("check", env={"ZEN_DB": str(tmp_path / "other.db")})
    assert other.returncode == 1 and "other.db" in other.stderr


def test_usage_errors(tmp_path: Path, zen_migrate: Runner) -> None:
    missing = zen_migrate("check", "--db", "app.db")
    assert missing.returncode == 2 and "no schema file given" in missing.stderr
    _write(tmp_path, "schema.sql", "insert into t values (1);")
    bad = zen_migrate("plan", "--from", "schema.sql")
    assert bad.returncode == 2 and "only CREATE statements" in bad.stderr
    both = zen_migrate("plan", "x.db", "--db", "y.db")
    assert both.returncode == 2 and "once" in both.stderr


def test_offline_plan_between_two_files(tmp_path: Path, zen_migrate: Runner) -> None:
    _write(tmp_path, "old.sql", SCHEMA)
    _write(tmp_path, "schema.sql", WITH_INDEX)
    done = zen_migrate("plan", "--from", "old.sql", "--json")
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)["steps"]
    assert [s["action"] for s in steps] == ["create index"]
    assert not list(tmp_path.glob("*.db"))


def test_drift_reported(tmp_path: Path, zen_migrate: Runner) -> None:
    _write(tmp_path, "schema.sql", SCHEMA)
    zen_migrate("apply", "--db", "app.db")
    with zen.open(tmp_path / "app.db") as db:
        db.sql("create index by_hand on users(name)")
    done = zen_migrate("check", "--db", "app.db", "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 2
    assert report["drift"] == ["by_hand"]
    assert [s["target"] for s in report["steps"]] == ["by_hand"]


def test_postgres_dialect_schema(tmp_path: Path, zen_migrate: Runner) -> None:
    _write(
        tmp_path,
        "schema.sql",
        "CREATE TABLE items (id SERIAL PRIMARY KEY, name VARCHAR(40) NOT NULL, price NUMERIC);",
    )
    done = zen_migrate("apply", "--db", "app.db", "--dialect", "postgres")
    assert done.returncode == 0, done.stderr
    assert zen_migrate("check", "--db", "app.db", "--dialect", "postgres").returncode == 0
    with zen.open(tmp_path / "app.db") as db:
        assert [c.name for c in db.columns("items")] == ["id", "name", "price"]


def test_plan_from_git_revision(tmp_path: Path, zen_migrate: Runner) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    _write(tmp_path, "schema.sql", SCHEMA)
    git("add", "schema.sql")
    git("commit", "-qm", "base")
    _write(tmp_path, "schema.sql", WITH_INDEX)
    done = zen_migrate("plan", "--from-git", "HEAD", "--json")
    assert done.returncode == 0, done.stderr
    assert [s["target"] for s in json.loads(done.stdout)["steps"]] == ["users_email"]
    unknown = zen_migrate("plan", "--from-git", "nope")
    assert unknown.returncode == 2 and "unknown Git revision" in unknown.stderr
