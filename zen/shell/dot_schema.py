"""Dot-commands that show the schema: .tables, .schema, .indexes, .dump."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import TYPE_CHECKING

from zen.shell import commands as kinds
from zen.shell.commands import CommandTable

if TYPE_CHECKING:
    from zen.shell.session import Session

_GROUP = "schema"


def register(table: CommandTable) -> None:
    """Add .tables, .schema, .indexes and .dump."""
    add = table.command
    add("tables", usage=".tables [PATTERN]", summary="List tables and views (LIKE pattern).",
        args=(kinds.TABLE,), max_args=1, group=_GROUP)(_tables)  # fmt: skip
    add("schema", usage=".schema [PATTERN]", summary="Show the CREATE statements.",
        args=(kinds.TABLE,), max_args=1, group=_GROUP)(_schema)  # fmt: skip
    add("indexes", usage=".indexes [TABLE]", summary="List indexes (of one table).",
        args=(kinds.TABLE,), max_args=1, aliases=("indices",), group=_GROUP)(_indexes)  # fmt: skip
    add("dump", usage=".dump [TABLE...]", summary="The database (or tables) as SQL.",
        args=(kinds.TABLE,), max_args=None, group=_GROUP)(_dump)  # fmt: skip


def like(pattern: str | None, name: str) -> bool:
    """SQL LIKE matching (``%`` and ``_``, any case) of ``name``; no pattern matches all.

    Example:
        >>> like("user%", "Users"), like("u_er", "user"), like("x%", "users")
        (True, True, False)
    """
    if pattern is None:
        return True
    glob = "".join(
        {"%": "*", "_": "?", "*": "[*]", "?": "[?]", "[": "[[]"}.get(c, c) for c in pattern
    )
    return fnmatch.fnmatchcase(name.lower(), glob.lower())


def _tables(session: Session, args: list[str]) -> None:
    pattern = args[0] if args else None
    names = [n for n in session.db.tables() if like(pattern, n)]
    width = 80
    if session.output.terminal is not None:
        width = session.output.terminal.size()[0]
    _write_lines(session, columnize(names, width))


def columnize(names: list[str], width: int) -> list[str]:
    """Names in as many columns as fit ``width``, filled top to bottom (like ``ls``).

    Example:
        >>> columnize(["a", "bb", "c"], 8)
        ['a   c', 'bb']
    """
    if not names:
        return []
    cell = max(len(n) for n in names) + 2
    per_line = max(1, (width + 2) // cell)
    rows = -(-len(names) // per_line)
    lines = []
    for r in range(rows):
        row = names[r::rows]
        lines.append("".join(n.ljust(cell) for n in row).rstrip())
    return lines


def _schema(session: Session, args: list[str]) -> None:
    pattern = args[0] if args else None
    chosen = [o for o in session.db.objects() if o.sql and like(pattern, o.table)]
    _write_lines(session, (f"{o.sql};" for o in chosen))


def _indexes(session: Session, args: list[str]) -> None:
    table = session.db.table(args[0]) if args else None
    names = [
        o.name
        for o in session.db.objects()
        if o.type == "index" and (table is None or o.table == table)
    ]
    _write_lines(session, names)


def _dump(session: Session, args: list[str]) -> None:
    _write_lines(session, session.db.dump(args or None))


def _write_lines(session: Session, lines: Iterable[str]) -> None:
    with session.output.results() as stream:
        for line in lines:
            stream.sink.write(line + "\n")
