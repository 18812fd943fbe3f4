"""The dot-command table: registering, finding, parsing, arity, plugins."""

from __future__ import annotations

import io
from typing import Any

import pytest

import zen
from zen.engine.errors import UsageError
from zen.shell import commands
from zen.shell.commands import CommandTable, DotCommand, default_table, split_args
from zen.shell.session import Session


def _table() -> tuple[CommandTable, list[tuple[str, list[str]]]]:
    calls: list[tuple[str, list[str]]] = []
    table = CommandTable()
    for name in ("tables", "timer", "schema"):
        table.add(
            DotCommand(name, lambda s, a, n=name: calls.append((n, a)), f".{name}", "x", max_args=2)
        )
    return table, calls


def test_exact_names_and_unique_prefixes_find_a_command() -> None:
    table, _ = _table()
    assert table.find("timer").name == "timer"
    assert table.find("sc").name == "schema"
    assert table.find("TABLES").name == "tables"


def test_an_ambiguous_prefix_is_an_error_that_lists_a_suggestion() -> None:
    table, _ = _table()
    with pytest.raises(UsageError, match=r"unknown command: \.t$"):
        table.find("t")


def test_an_unknown_name_suggests_the_closest() -> None:
    table, _ = _table()
    with pytest.raises(UsageError) as caught:
        table.find("tabels")
    assert caught.value.hint == "did you mean tables?"


def test_a_taken_name_or_alias_cannot_be_registered_twice() -> None:
    table, _ = _table()
    with pytest.raises(ValueError, match="already registered"):
        table.add(DotCommand("timer", lambda s, a: None, ".timer", "again"))
    table.add(DotCommand("quit", lambda s, a: None, ".quit", "leave", aliases=("exit",)))
    with pytest.raises(ValueError, match="already registered"):
        table.add(DotCommand("exit", lambda s, a: None, ".exit", "leave"))
    assert table.find("exit").name == "quit"


def test_run_splits_arguments_like_a_shell() -> None:
    table, calls = _table()
    table.run(None, '.tables "my table" other')  # type: ignore[arg-type]
    assert calls == [("tables", ["my table", "other"])]


def test_run_checks_the_number_of_arguments() -> None:
    table, calls = _table()
    with pytest.raises(UsageError, match=r"usage: \.timer"):
        table.run(None, ".timer a b c")  # type: ignore[arg-type]
    assert calls == []


def test_raw_commands_get_the_rest_of_the_line_unsplit() -> None:
    table = CommandTable()
    seen: list[list[str]] = []
    table.command("expert", usage=".expert [SQL]", summary="x", max_args=1, raw=True)(
        lambda s, a: seen.append(a)
    )
    table.run(None, ".expert select 'a  b' from t")  # type: ignore[arg-type]
    table.run(None, ".expert")  # type: ignore[arg-type]
    assert seen == [["select 'a  b' from t"], []]


def test_unbalanced_quotes_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="cannot read the arguments"):
        split_args('"open')


def test_argument_kinds_repeat_the_last() -> None:
    command = DotCommand("dump", lambda s, a: None, ".dump", "x", args=(commands.TABLE,))
    assert [command.arg_kind(i) for i in range(3)] == ["table"] * 3
    assert DotCommand("quit", lambda s, a: None, ".quit", "x").arg_kind(0) is None


def test_every_builtin_has_usage_summary_and_a_group() -> None:
    table = CommandTable()
    for module in commands.BUILTIN_MODULES:
        __import__(module, fromlist=["register"]).register(table)
    names = {c.name for c in table}
    expected = {"tables", "schema", "indexes", "import", "dump", "read", "open", "quit"}
    expected |= {"help", "eqp", "explain", "expert", "mode", "headers", "timer", "output", "once"}
    assert expected <= names
    for command in table:
        assert command.usage.startswith("." + command.name)
        assert command.summary and command.group != "other"


class _EntryPoint:
    def __init__(self, register: Any) -> None:
        self._register = register

    def load(self) -> Any:
        return self._register


def test_plugins_from_entry_points_load_when_a_name_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A later module (history commands, say) adds .log through the entry-point group."""
    loads: list[str] = []

    def register(table: CommandTable) -> None:
        loads.append("log")

        @table.command(
            "log", usage=".log [N]", summary="Show history.", max_args=1, group="history"
        )
        def _log(session: Session, args: list[str]) -> None:
            session.message("log " + " ".join(args))

    def entry_points(group: str) -> list[_EntryPoint]:
        return [_EntryPoint(register)] if group == commands.ENTRY_POINT_GROUP else []

    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    table = default_table()
    table.find("tables")
    assert loads == []  # built-ins do not load plugins
    err = io.StringIO()
    with zen.open() as db:
        session = Session(db, stdout=io.StringIO(), stderr=err, commands=table)
        assert session.execute(".log 5")
    assert err.getvalue() == "log 5\n"
    assert loads == ["log"]
    assert "log" in table.names()
