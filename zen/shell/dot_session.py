"""Dot-commands about the session: .open, .read, .import, .help, .quit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zen.engine.errors import UsageError
from zen.shell import commands as kinds
from zen.shell.commands import CommandFailed, CommandTable

if TYPE_CHECKING:
    from zen.shell.session import Session

_GROUP = "session"
_IMPORT_FORMATS = ("csv", "tsv", "json", "jsonl")
_USAGE_WIDTH = 26


def register(table: CommandTable) -> None:
    """Add .open, .read, .import, .help and .quit."""
    add = table.command
    add("open", usage=".open [--readonly] [FILE]", summary="Close this database, open FILE.",
        args=(kinds.FILE,), max_args=2, group=_GROUP)(_open)  # fmt: skip
    add("read", usage=".read FILE", summary="Run the SQL and dot-commands in FILE.",
        args=(kinds.FILE,), min_args=1, max_args=1, group=_GROUP)(_read)  # fmt: skip
    add("import", usage=".import [--csv|--tsv|--json|--jsonl] FILE TABLE",
        summary="Load a CSV, TSV, JSON or JSON-lines file into TABLE.",
        args=(kinds.FILE, kinds.TABLE), min_args=2, max_args=3, group=_GROUP)(_import)  # fmt: skip
    add("help", usage=".help [COMMAND]", summary="List the commands, or explain one.",
        args=(kinds.COMMAND,), max_args=1, group=_GROUP)(_help)  # fmt: skip
    add("quit", usage=".quit [CODE]", summary="Leave the shell (Ctrl-D does too).",
        max_args=1, aliases=("exit",), group=_GROUP)(_quit)  # fmt: skip


def _open(session: Session, args: list[str]) -> None:
    read_only = "--readonly" in args or "--read-only" in args
    paths = [a for a in args if a not in ("--readonly", "--read-only")]
    if any(a.startswith("--") for a in paths) or len(paths) > 1:
        raise UsageError("usage: .open [--readonly] [FILE]")
    session.open(paths[0] if paths else ":memory:", read_only=read_only)
    if session.interactive:
        session.message(f"opened {session.db.path}{' (read-only)' if read_only else ''}")


def _read(session: Session, args: list[str]) -> None:
    path = Path(args[0]).expanduser()
    if path.resolve() in session.reading:
        raise UsageError(f"{args[0]} reads itself (through .read): stopped")
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {args[0]}: {exc.strerror}") from None
    session.reading.append(path.resolve())
    try:
        with handle:
            if not session.run_script(handle, str(args[0])):
                raise CommandFailed(f"{args[0]} stopped at its first error")
    finally:
        session.reading.pop()


def _import(session: Session, args: list[str]) -> None:
    flags = [a for a in args if a.startswith("--")]
    rest = [a for a in args if not a.startswith("--")]
    formats = [f[2:] for f in flags]
    if len(rest) != 2 or len(flags) > 1 or any(f not in _IMPORT_FORMATS for f in formats):
        raise UsageError("usage: .import [--csv|--tsv|--json|--jsonl] FILE TABLE")
    path, table = rest
    report = session.db.import_file(table, path, format=formats[0] if formats else None)
    made = "created" if report.created else "into"
    session.message(f"imported {report.rows} rows from {path} ({made} {report.table})")


def _help(session: Session, args: list[str]) -> None:
    if args:
        command = session.commands.find(args[0].lstrip("."))
        aliases = ", ".join("." + a for a in command.aliases)
        session.message(command.usage + (f"   (also {aliases})" if aliases else ""))
        session.message("  " + command.summary)
        return
    entries = list(session.commands)
    groups = list(dict.fromkeys(c.group for c in entries))  # in registration order
    entries.sort(key=lambda c: groups.index(c.group))
    width = min(max(len(c.usage) for c in entries), _USAGE_WIDTH)
    group = None
    for command in entries:
        if command.group != group:
            group = command.group
            session.message(f"{group}:")
        if len(command.usage) > width:  # a long usage gets a line of its own
            session.message(f"  {command.usage}\n  {'':<{width}}  {command.summary}")
        else:
            session.message(f"  {command.usage:<{width}}  {command.summary}")
    session.message("SQL runs when its statement is complete (ends with ;). Ctrl-C cancels it.")


def _quit(session: Session, args: list[str]) -> None:
    if args and not args[0].lstrip("-").isdigit():
        raise UsageError(f".quit takes an exit code (a number), not {args[0]!r}")
    session.exit_code = int(args[0]) if args else 0
