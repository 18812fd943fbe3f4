"""The built-in dot-commands, run through a session as a user types them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import zen
from tests.shell.conftest import ShellFactory


def test_mode_changes_the_format(make_shell: ShellFactory) -> None:
    shell = make_shell()
    assert shell.run(".mode json")
    assert shell.run("select name, age from users where id = 1;")
    out, _ = shell.take()
    assert json.loads(out) == [{"name": "ada", "age": 36}]
    assert shell.run(".mode csv") and shell.run(".headers on")
    shell.run("select name, email from users order by id;")
    assert shell.take()[0].splitlines() == [
        "name,email",
        "ada,ada@example.com",
        "linus,",
        "grace,grace@example.com",
    ]


def test_mode_without_argument_reports_it_and_a_bad_mode_suggests(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".mode")
    assert shell.take()[1] == "current mode: list\n"
    assert not shell.run(".mode jsn")
    assert shell.take()[1] == "error: unknown mode: jsn\nhint: did you mean json?\n"


def test_nullvalue(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".nullvalue (none)")
    shell.run("select email from users where id = 2;")
    assert shell.take()[0] == "(none)\n"


def test_timer_prints_the_elapsed_time(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".timer on")
    shell.run("select 1;")
    out, err = shell.take()
    assert out == "1\n"
    assert err.startswith("Run Time: real ")
    shell.run(".timer off")
    shell.run("select 1;")
    assert shell.take()[1] == ""


def test_switches_reject_other_words(make_shell: ShellFactory) -> None:
    shell = make_shell()
    assert not shell.run(".headers maybe")
    assert "takes on or off" in shell.take()[1]


def test_output_and_once_redirect_results(make_shell: ShellFactory, tmp_path: Path) -> None:
    shell = make_shell()
    saved, once = tmp_path / "all.txt", tmp_path / "once.txt"
    shell.run(f".output {saved}")
    shell.run("select 1;")
    shell.run("select 2;")
    shell.run(".output")
    shell.run(f".once {once}")
    shell.run("select 3;")
    shell.run("select 4;")
    assert saved.read_text() == "1\n2\n"
    assert once.read_text() == "3\n"
    assert shell.take()[0] == "4\n"


def test_output_to_an_unwritable_place_is_an_error(
    make_shell: ShellFactory, tmp_path: Path
) -> None:
    shell = make_shell()
    assert not shell.run(f".output {tmp_path}/no/such/dir/x.txt")
    assert "cannot write" in shell.take()[1]


def test_tables_with_and_without_a_pattern(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".tables")
    assert shell.take()[0].split() == ["orders", "users", "big_spenders"]
    shell.run(".tables %s")
    assert shell.take()[0].split() == ["orders", "users", "big_spenders"]
    shell.run(".tables u%")
    assert shell.take()[0].split() == ["users"]


def test_schema_of_all_and_of_one_table(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".schema orders")
    out = shell.take()[0]
    assert out.startswith("CREATE TABLE orders(")
    assert "CREATE INDEX orders_by_user ON orders(user_id);" in out
    assert "users(" not in out.split("REFERENCES")[0]
    shell.run(".schema")
    assert shell.take()[0].count("CREATE ") == 4


def test_indexes_and_its_alias(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".indexes")
    assert shell.take()[0] == "orders_by_user\n"
    shell.run(".indices users")
    assert shell.take()[0] == ""
    assert not shell.run(".indexes userz")
    assert "did you mean users?" in shell.take()[1]


def _content(path: Path) -> list[str]:
    """Schema and rows of every table, in a stable order (WITHOUT ROWID tables too)."""
    with zen.open(path, read_only=True) as db:
        lines = [db.schema()]
        for table in db.tables(views=False):
            rows = db.sql(f'SELECT * FROM "{table}"').fetchall()
            lines += [f"{table}: {row!r}" for row in sorted(rows, key=repr)]
    return lines


def test_dump_rebuilds_the_database_in_sqlite3(make_shell: ShellFactory, tmp_path: Path) -> None:
    shell = make_shell()
    shell.run("create table odd(k blob primary key, v) without rowid;")
    shell.run("insert into odd values (x'00ff', 'it''s\na \"line\"'), (x'01', 1.5e300);")
    shell.run(f".output {tmp_path / 'dump.sql'}")
    shell.run(".dump")
    shell.run(".output")
    copy = tmp_path / "copy.db"
    sql = (tmp_path / "dump.sql").read_text()
    sqlite3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
    done = subprocess.run([sqlite3, str(copy)], input=sql, text=True, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert _content(copy) == _content(Path(shell.session.db.path))
    assert len(_content(copy)) == 1 + 3 + 3 + 2  # schema, users, orders, odd


def test_dump_of_one_table(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".dump users")
    out = shell.take()[0]
    assert out.count("INSERT INTO") == 3
    assert "orders" not in out


def test_import_a_csv_file(make_shell: ShellFactory, tmp_path: Path) -> None:
    data = tmp_path / "pets.csv"
    data.write_text("name,legs\nrex,4\ntweety,2\n")
    shell = make_shell()
    assert shell.run(f".import {data} pets")
    assert "imported 2 rows" in shell.take()[1]
    shell.run("select name from pets where legs = 2;")
    assert shell.take()[0] == "tweety\n"


def test_import_checks_its_arguments(make_shell: ShellFactory) -> None:
    shell = make_shell()
    assert not shell.run(".import --xml a.xml t")
    assert "usage: .import" in shell.take()[1]


def test_read_runs_a_file_and_stops_at_its_first_error(
    make_shell: ShellFactory, tmp_path: Path
) -> None:
    script = tmp_path / "s.sql"
    script.write_text(".mode csv\nselect 'one';\n\nselect * from nope;\nselect 'never';\n")
    shell = make_shell()
    assert not shell.run(f".read {script}")
    out, err = shell.take()
    assert out == "one\n"
    assert err.startswith(f"{script}:4: error: no such table: nope")


def test_read_of_a_file_that_reads_itself_stops(make_shell: ShellFactory, tmp_path: Path) -> None:
    script = tmp_path / "loop.sql"
    script.write_text(f"select 'once';\n.read {script}\n")
    shell = make_shell()
    assert not shell.run(f".read {script}")
    out, err = shell.take()
    assert out == "once\n"
    assert "reads itself" in err


def test_read_a_missing_file(make_shell: ShellFactory) -> None:
    shell = make_shell()
    assert not shell.run(".read /no/such/file.sql")
    assert "cannot read /no/such/file.sql" in shell.take()[1]


def test_open_switches_database(make_shell: ShellFactory, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with zen.open(other) as db:
        db.sql("create table planets(name)")
    shell = make_shell()
    assert shell.run(f".open {other}")
    shell.run(".tables")
    assert shell.take()[0] == "planets\n"
    assert shell.run(".open --readonly " + str(other))
    assert not shell.run("insert into planets values ('mars');")
    assert "read-only" in shell.take()[1]


def test_open_a_directory_keeps_the_current_database(
    make_shell: ShellFactory, tmp_path: Path
) -> None:
    shell = make_shell()
    assert not shell.run(f".open {tmp_path}")
    assert "is a directory" in shell.take()[1]
    assert shell.run("select count(*) from users;")
    assert shell.take()[0] == "3\n"


def test_quit_and_exit(make_shell: ShellFactory) -> None:
    shell = make_shell()
    assert shell.run(".exit 2")
    assert shell.session.exit_code == 2
    assert not make_shell().run(".quit now")


def test_help_lists_every_command_and_explains_one(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".help")
    err = shell.take()[1]
    for name in ("tables", "schema", "import", "expert", "mode", "timer", "quit"):
        assert f".{name}" in err
    shell.run(".help .quit")
    assert shell.take()[1].startswith(".quit [CODE]   (also .exit)\n")


def test_unknown_commands_suggest_a_name(make_shell: ShellFactory) -> None:
    shell = make_shell()
    assert not shell.run(".tabls")
    assert shell.take()[1] == "error: unknown command: .tabls\nhint: did you mean tables?\n"


def test_prefixes_run_the_only_matching_command(make_shell: ShellFactory) -> None:
    shell = make_shell()
    assert shell.run(".ind")
    assert shell.take()[0] == "orders_by_user\n"


def test_eqp_shows_the_plan_before_the_result(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".eqp on")
    shell.run("select total from orders where user_id = 1;")
    out, err = shell.take()
    assert out == "9.5\n20.0\n"
    assert err == "QUERY PLAN\n`--SEARCH orders USING INDEX orders_by_user (user_id=?)\n"


def test_explain_shows_a_plan_tree(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".explain select * from users where id in (select user_id from orders)")
    lines = shell.take()[0].splitlines()
    assert lines[0] == "QUERY PLAN"
    assert lines[1].startswith("|--SEARCH users USING INTEGER PRIMARY KEY")
    assert lines[2] == "`--LIST SUBQUERY 1"
    assert lines[3].startswith("   `--SCAN orders USING COVERING INDEX orders_by_user")


def test_explain_query_plan_statements_render_as_a_tree(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run("explain query plan select * from users where name = 'ada';")
    assert shell.take()[0] == "QUERY PLAN\n`--SCAN users\n"


def test_expert_suggests_an_index_that_changes_the_plan(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".expert select * from users where email = 'ada@example.com'")
    out = shell.take()[0]
    ddl = out.splitlines()[0]
    assert ddl.startswith('CREATE INDEX "users_idx_') and ddl.endswith('ON "users"("email");')
    assert "SEARCH users USING INDEX users_idx_" in out
    shell.run(ddl)  # the suggestion is real SQL that SQLite then uses
    shell.run(".explain select * from users where email = 'ada@example.com'")
    assert "USING INDEX users_idx_" in shell.take()[0]


def test_expert_alone_analyses_the_next_statement_without_running_it(
    make_shell: ShellFactory,
) -> None:
    shell = make_shell()
    shell.run(".expert")
    assert shell.run("delete from orders where created < '2024-02-01';")
    assert "CREATE INDEX" in shell.take()[0]
    shell.run("select count(*) from orders;")
    assert shell.take()[0] == "3\n"


def test_expert_says_when_no_index_helps(make_shell: ShellFactory) -> None:
    shell = make_shell()
    shell.run(".expert select * from users where id = 1")
    assert shell.take()[0].startswith("(no new indexes)\n\nQUERY PLAN\n`--SEARCH users")


def test_errors_show_the_sql_with_a_caret(make_shell: ShellFactory) -> None:
    shell = make_shell()
    assert not shell.run("select name fromm users;")
    assert shell.take()[1] == (
        'error: near "users": syntax error\n  select name fromm users;\n                    ^\n'
    )


def test_a_failed_statement_in_a_transaction_leaves_it_open(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    shell.run("begin;")
    shell.run("insert into users(name) values ('eve');")
    assert not shell.run("insert into users(name) values (null);")
    err = shell.take()[1]
    assert "NOT NULL constraint failed: users.name" in err
    assert "the transaction is still open: COMMIT or ROLLBACK" in err
    assert shell.session.db.in_transaction
    shell.run("commit;")
    shell.run("select count(*) from users;")
    assert shell.take()[0] == "4\n"


def test_changes_are_reported_interactively(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    shell.run("update users set age = age + 1;")
    assert shell.take()[1] == "3 rows changed\n"
    quiet = make_shell()
    quiet.run("update users set age = age + 1;")
    assert quiet.take()[1] == ""


def test_read_only_denies_writes_and_the_session_goes_on(make_shell: ShellFactory) -> None:
    shell = make_shell(read_only=True)
    assert not shell.run("delete from users;")
    assert "read-only" in shell.take()[1]
    assert shell.run("select count(*) from users;")
    assert shell.take()[0] == "3\n"


def test_dialect_sql_is_transpiled_and_shown(make_shell: ShellFactory) -> None:
    shell = make_shell(dialect="postgres")
    shell.run(".show-sql on")
    assert shell.run("select name::text from users where id = 1;")
    out, err = shell.take()
    assert out == "ada\n"
    assert err == "SELECT CAST(name AS TEXT) FROM users WHERE id = 1\n"


def test_several_statements_on_one_line_stop_at_the_first_error(make_shell: ShellFactory) -> None:
    shell = make_shell()
    assert not shell.run("select 1; select * from nope; select 3;")
    out, err = shell.take()
    assert out == "1\n"
    assert "no such table: nope" in err
