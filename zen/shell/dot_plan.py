"""Dot-commands about query plans: .eqp, .explain, .expert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen.shell import commands as kinds
from zen.shell.commands import CommandTable
from zen.shell.plans import show_expert, show_plan
from zen.shell.settings import parse_switch

if TYPE_CHECKING:
    from zen.shell.session import Session

_GROUP = "plans"
_SWITCHES = ("on", "off", "yes", "no", "true", "false", "1", "0")


def register(table: CommandTable) -> None:
    """Add .eqp, .explain and .expert."""
    add = table.command
    add("eqp", usage=".eqp on|off", summary="Show each statement's query plan before it runs.",
        args=(kinds.SWITCH,), min_args=1, max_args=1, group=_GROUP)(_eqp)  # fmt: skip
    add("explain", usage=".explain SQL | on|off",
        summary="Show the query plan of SQL (on/off: like .eqp).",
        args=(kinds.SQL,), min_args=1, max_args=1, raw=True, group=_GROUP)(_explain)  # fmt: skip
    add("expert", usage=".expert [SQL]",
        summary="Suggest indexes for SQL (alone: for the next statement, not run).",
        args=(kinds.SQL,), max_args=1, raw=True, group=_GROUP)(_expert)  # fmt: skip


def _eqp(session: Session, args: list[str]) -> None:
    session.settings.eqp = parse_switch(args[0], setting=".eqp")


def _explain(session: Session, args: list[str]) -> None:
    if args[0].lower() in _SWITCHES:
        session.settings.eqp = parse_switch(args[0], setting=".explain")
        return
    show_plan(session, session.db.to_sqlite(args[0]))


def _expert(session: Session, args: list[str]) -> None:
    if not args:
        session.settings.expert_next = True
        session.message("the next statement is analysed for indexes, not run")
        return
    show_expert(session, session.db.to_sqlite(args[0]))
