"""The real prompt, driven key by key: completion, multi-line input, Ctrl-C, Ctrl-D, paging."""

from __future__ import annotations

import sys
from pathlib import Path

from prompt_toolkit.history import FileHistory

from tests.shell.conftest import ENDLESS, Driver, ShellFactory, drive
from zen.shell.output import Terminal


def test_tab_completes_a_table_then_the_statement_runs(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    driver = (
        Driver()
        .send("select name from us")
        .wait_for(lambda p: p.app.current_buffer.complete_state is not None, "the completion menu")
    )
    driver.send("\t").wait_buffer("select name from users").submit(" order by id;\r")
    code, prompt = drive(shell, driver)
    assert code == 0
    assert shell.out.getvalue().split() == ["ada", "linus", "grace"]
    assert prompt.history.get_strings() == ["select name from users order by id;"]


def test_completion_after_an_alias_offers_that_tables_columns(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    typed = "select * from users u join orders o on o."
    offered: list[str] = []

    def menu_ready(prompt: object) -> bool:
        state = prompt.app.current_buffer.complete_state  # type: ignore[attr-defined]
        if state is None or state.original_document.text != typed or not state.completions:
            return False
        offered[:] = [c.text for c in state.completions]
        return True

    driver = Driver().send(typed).wait_for(menu_ready, "the completion menu")
    drive(shell, driver.send("\x03"))  # Ctrl-C drops the line, Ctrl-D leaves
    assert offered == ["id", "user_id", "total", "created"]  # orders', not users'


def test_enter_continues_an_incomplete_statement(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    driver = Driver().send("select\r").wait_buffer("select\n")
    # A ';' inside a string does not end the statement; the one after it does.
    driver.submit("'a;b'\r as v;\r")
    code, prompt = drive(shell, driver)
    assert code == 0
    assert shell.out.getvalue() == "a;b\n"
    assert prompt.history.get_strings() == ["select\n'a;b'\n as v;"]


def test_a_trigger_body_with_semicolons_is_one_statement(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    trigger = (
        "create trigger audit after insert on users begin\r"
        "update users set age = 0 where id = new.id;\r"
        "end;\r"
    )
    driver = Driver().submit(trigger).submit("insert into users(name) values ('kay');\r")
    driver.submit("select age from users where name = 'kay';\r")
    drive(shell, driver)
    assert shell.out.getvalue() == "0\n"
    assert "error" not in shell.err.getvalue()


def test_ctrl_c_at_the_prompt_clears_the_line(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    driver = Driver().send("select 'lost'").wait_buffer("select 'lost'").send("\x03")
    driver.wait_buffer("").submit("select 'kept';\r")
    drive(shell, driver)
    assert shell.out.getvalue() == "kept\n"


def test_ctrl_c_cancels_a_running_query_and_the_session_goes_on(
    make_shell: ShellFactory,
) -> None:
    shell = make_shell(interactive=True)
    driver = Driver().interrupt(ENDLESS + "SELECT count(*) FROM n;\r")
    driver.submit("select 42;\r")
    code, _ = drive(shell, driver)
    out, err = shell.take()
    assert code == 0
    assert "interrupted" in err
    assert out == "42\n"


def test_ctrl_c_inside_a_transaction_says_what_became_of_it(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    driver = Driver().submit("begin;\r").submit("insert into users(name) values ('eve');\r")
    driver.interrupt(ENDLESS + "SELECT count(*) FROM n;\r")
    driver.submit("select count(*) from users;\r")
    drive(shell, driver)
    out, err = shell.take()
    assert "interrupted" in err
    # A read does not roll back: the transaction and its insert are still there.
    assert "the transaction is still open" in err
    assert out == "4\n"
    assert shell.session.db.in_transaction


def test_ctrl_d_on_an_empty_line_leaves(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    code, prompt = drive(shell, Driver())
    assert code == 0
    assert not prompt.app.is_running


def test_quit_with_a_code(make_shell: ShellFactory) -> None:
    shell = make_shell(interactive=True)
    code, _ = drive(shell, Driver().send(".quit 3\r"))
    assert code == 3


def test_history_is_saved_and_ctrl_r_finds_it(make_shell: ShellFactory, tmp_path: Path) -> None:
    history_file = tmp_path / "history"
    shell = make_shell(interactive=True)
    driver = Driver().submit("select 'first';\r").submit("select count(*) from orders;\r")
    drive(shell, driver, history=FileHistory(str(history_file)))
    assert "select count(*) from orders;" in history_file.read_text()

    shell = make_shell(interactive=True)
    driver = Driver().send("\x12").wait_for(lambda p: p.app.layout.is_searching, "Ctrl-R")
    driver.send("count").wait_buffer("count")  # the search text
    driver.send("\r").wait_buffer("select count(*) from orders;").submit("\r")
    drive(shell, driver, history=FileHistory(str(history_file)))
    assert shell.out.getvalue() == "3\n"


def test_a_long_result_goes_to_the_pager_and_quitting_it_stops_the_query(
    make_shell: ShellFactory, tmp_path: Path
) -> None:
    seen = tmp_path / "paged.txt"
    # A pager that reads five lines and quits, like a user pressing q.
    pager = (
        f"{sys.executable} -c \"import sys; [print(next(sys.stdin), end='') for _ in range(5)]\""
    )
    shell = make_shell(
        interactive=True, terminal=Terminal(lambda: (80, 10), color=False), mode="box"
    )
    shell.session.settings.pager_command = f"{pager} > {seen}"
    driver = Driver().submit(ENDLESS + "SELECT x FROM n;\r").submit("select 'after';\r")
    drive(shell, driver)
    lines = seen.read_text().splitlines()
    assert len(lines) == 5
    assert lines[1].split() == ["│", "x", "│"]
    assert lines[3].split() == ["│", "1", "│"]
    # Nothing of the endless result went to the screen itself; the session went on.
    assert "after" in shell.out.getvalue()
    assert "│ 1 │" not in shell.out.getvalue()


def test_a_short_result_is_not_paged(make_shell: ShellFactory, tmp_path: Path) -> None:
    marker = tmp_path / "pager-ran"
    shell = make_shell(interactive=True, terminal=Terminal(lambda: (80, 40)), mode="box")
    shell.session.settings.pager_command = f"touch {marker}; cat"
    drive(shell, Driver().submit("select name from users;\r"))
    assert not marker.exists()
    assert "│ grace │" in shell.out.getvalue()
