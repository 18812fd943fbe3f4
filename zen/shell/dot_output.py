"""Dot-commands that choose how and where results are shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen.shell import commands as kinds
from zen.shell.commands import CommandTable
from zen.shell.settings import MODES, check_mode, parse_switch

if TYPE_CHECKING:
    from zen.shell.session import Session

_GROUP = "output"


def register(table: CommandTable) -> None:
    """Add .mode, .headers, .nullvalue, .timer, .output, .once, .pager, .show-sql, .bail."""
    add = table.command
    add("mode", usage=".mode [MODE]", summary="Result format: " + ", ".join(MODES) + ".",
        args=("|".join(MODES),), max_args=1, group=_GROUP)(_mode)  # fmt: skip
    add("headers", usage=".headers on|off", summary="Column names in list, csv and tsv modes.",
        args=(kinds.SWITCH,), min_args=1, max_args=1, group=_GROUP)(_headers)  # fmt: skip
    add("nullvalue", usage=".nullvalue [TEXT]", summary="Text shown for NULL (none: default).",
        args=(kinds.TEXT,), max_args=1, group=_GROUP)(_nullvalue)  # fmt: skip
    add("timer", usage=".timer on|off", summary="Print the time each statement takes.",
        args=(kinds.SWITCH,), min_args=1, max_args=1, group=_GROUP)(_timer)  # fmt: skip
    add("output", usage=".output [FILE]", summary="Send results to FILE (none: stdout).",
        args=(kinds.FILE,), max_args=1, group=_GROUP)(_output)  # fmt: skip
    add("once", usage=".once FILE", summary="Send only the next result to FILE.",
        args=(kinds.FILE,), min_args=1, max_args=1, group=_GROUP)(_once)  # fmt: skip
    add("pager", usage=".pager on|off|COMMAND", summary="Page long results (and with what).",
        args=(kinds.SWITCH,), min_args=1, max_args=1, raw=True, group=_GROUP)(_pager)  # fmt: skip
    add("show-sql", usage=".show-sql on|off", summary="Print the SQLite text of --dialect SQL.",
        args=(kinds.SWITCH,), min_args=1, max_args=1, group=_GROUP)(_show_sql)  # fmt: skip
    add("bail", usage=".bail on|off", summary="Stop at the first error.",
        args=(kinds.SWITCH,), min_args=1, max_args=1, group=_GROUP)(_bail)  # fmt: skip


def _mode(session: Session, args: list[str]) -> None:
    if not args:
        session.message(f"current mode: {session.settings.mode}")
        return
    session.settings.mode = check_mode(args[0])


def _headers(session: Session, args: list[str]) -> None:
    session.settings.headers = parse_switch(args[0], setting=".headers")


def _nullvalue(session: Session, args: list[str]) -> None:
    session.settings.nullvalue = args[0] if args else None


def _timer(session: Session, args: list[str]) -> None:
    session.settings.timer = parse_switch(args[0], setting=".timer")


def _output(session: Session, args: list[str]) -> None:
    session.output.redirect(args[0] if args else None)


def _once(session: Session, args: list[str]) -> None:
    session.output.once(args[0])


def _pager(session: Session, args: list[str]) -> None:
    if args[0].lower() in ("on", "off", "yes", "no", "true", "false", "1", "0"):
        session.settings.pager = parse_switch(args[0], setting=".pager")
        return
    session.settings.pager = True
    session.settings.pager_command = args[0]


def _show_sql(session: Session, args: list[str]) -> None:
    session.settings.show_sql = parse_switch(args[0], setting=".show-sql")


def _bail(session: Session, args: list[str]) -> None:
    session.settings.bail = parse_switch(args[0], setting=".bail")
