"""The dot-command table: ``.tables``, ``.mode csv``... and the ones other modules add.

A command is a :class:`DotCommand`: a name, a handler, a usage line and the
kinds of its arguments (which completion uses). Built-in groups live in the
``zen.shell.dot_*`` modules, each with a ``register(table)`` function; other
packages plug in the same way, either by adding their module to
:data:`BUILTIN_MODULES` or through the ``zen.shell_commands`` entry-point group
(each entry point names a ``register(table)`` callable), loaded only when a
name is not found among the built-ins.

Example:
    >>> table = CommandTable()
    >>> @table.command("hello", usage=".hello [NAME]", summary="Say hello.", max_args=1)
    ... def hello(session, args):
    ...     session.message("hello " + (args[0] if args else "world"))
    >>> table.find("hel").name
    'hello'
"""

from __future__ import annotations

import importlib
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zen.engine.errors import UsageError, ZenError, suggest

if TYPE_CHECKING:
    from zen.shell.session import Session

Handler = Callable[["Session", list[str]], None]
Register = Callable[["CommandTable"], None]

# Modules whose ``register(table)`` adds the built-in commands, in .help order.
BUILTIN_MODULES: tuple[str, ...] = (
    "zen.shell.dot_schema",
    "zen.shell.dot_output",
    "zen.shell.dot_plan",
    "zen.shell.dot_session",
)
ENTRY_POINT_GROUP = "zen.shell_commands"

# Argument kinds completion understands; any other value is a list of choices
# separated by "|" (for example "on|off").
FILE = "file"
TABLE = "table"
SQL = "sql"
TEXT = "text"
COMMAND = "command"
SWITCH = "on|off"


class CommandFailed(ZenError):
    """A command failed and has already told the user why (``.read`` of a bad script)."""


@dataclass(frozen=True)
class DotCommand:
    """One dot-command.

    Attributes:
        name: The name without the dot (``tables``).
        run: Called with the session and the arguments.
        usage: One line: ``.schema [PATTERN]``.
        summary: What it does, one line for ``.help``.
        args: The kind of each argument, for completion (see the module constants).
        min_args: Fewest arguments accepted.
        max_args: Most arguments accepted (None: any number).
        raw: Pass the rest of the line unsplit as one argument (SQL text).
        aliases: Other names for the command (``exit`` for ``quit``).
        group: Heading under which ``.help`` lists it.
    """

    name: str
    run: Handler
    usage: str
    summary: str
    args: tuple[str, ...] = ()
    min_args: int = 0
    max_args: int | None = 0
    raw: bool = False
    aliases: tuple[str, ...] = ()
    group: str = "other"

    def arg_kind(self, position: int) -> str | None:
        """The kind of argument number ``position`` (0-based); the last kind repeats."""
        if not self.args:
            return None
        return self.args[min(position, len(self.args) - 1)]


class CommandTable:
    """Dot-commands by name; unique prefixes work (``.tab`` runs ``.tables``)."""

    def __init__(self, *, plugins: bool = False) -> None:
        self._commands: dict[str, DotCommand] = {}
        self._aliases: dict[str, str] = {}
        self._plugins_pending = plugins

    def add(self, command: DotCommand) -> None:
        """Add a command; a name (or alias) already taken is a programming error."""
        for name in (command.name, *command.aliases):
            if name in self._commands or name in self._aliases:
                raise ValueError(f"dot-command .{name} is already registered")
        self._commands[command.name] = command
        for alias in command.aliases:
            self._aliases[alias] = command.name

    def command(
        self,
        name: str,
        *,
        usage: str,
        summary: str,
        args: tuple[str, ...] = (),
        min_args: int = 0,
        max_args: int | None = 0,
        raw: bool = False,
        aliases: tuple[str, ...] = (),
        group: str = "other",
    ) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`; the options are :class:`DotCommand`'s fields."""

        def decorate(handler: Handler) -> Handler:
            self.add(
                DotCommand(
                    name, handler, usage, summary, args, min_args, max_args, raw, aliases, group
                )
            )
            return handler

        return decorate

    def __iter__(self) -> Iterator[DotCommand]:
        self._load_plugins()
        return iter(list(self._commands.values()))

    def names(self) -> list[str]:
        """Every command name and alias, sorted."""
        return sorted([command.name for command in self] + list(self._aliases))

    def find(self, name: str) -> DotCommand:
        """The command called ``name``, or the only one it is a prefix of.

        Raises:
            UsageError: No command (or several) match; the hint suggests one.
        """
        found = self._lookup(name.lower())
        if found is None and self._load_plugins():
            found = self._lookup(name.lower())
        if found is None:
            raise UsageError(
                f"unknown command: .{name}",
                hint=suggest(name, self.names()) or "type .help for the list of commands",
            )
        return found

    def run(self, session: Session, line: str) -> None:
        """Parse ``.name args...`` and run it; the arguments are split like a shell's."""
        name, _, rest = line.strip().removeprefix(".").partition(" ")
        if not name:
            raise UsageError("a dot-command needs a name", hint="type .help for the list")
        command = self.find(name)
        args = split_args(rest, raw=command.raw)
        too_many = command.max_args is not None and len(args) > command.max_args
        if len(args) < command.min_args or too_many:
            raise UsageError(f"usage: {command.usage}", hint=command.summary)
        command.run(session, args)

    def _lookup(self, name: str) -> DotCommand | None:
        exact = self._aliases.get(name, name)
        if exact in self._commands:
            return self._commands[exact]
        matches = [c for c in self._commands.values() if c.name.startswith(name)]
        return matches[0] if len(matches) == 1 else None

    def _load_plugins(self) -> bool:
        """Load entry-point commands once; True when that added any."""
        if not self._plugins_pending:
            return False
        self._plugins_pending = False
        from importlib.metadata import entry_points

        before = len(self._commands)
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            register: Register = entry.load()
            register(self)
        return len(self._commands) > before


def is_dot_command(text: str) -> bool:
    """True when the input is a dot-command line rather than SQL.

    Example:
        >>> is_dot_command("  .tables"), is_dot_command("select 1")
        (True, False)
    """
    return text.lstrip().startswith(".")


def split_args(text: str, *, raw: bool = False) -> list[str]:
    """A command's arguments: shell-style words, or the whole text when ``raw``.

    Example:
        >>> split_args('"my file.csv" users')
        ['my file.csv', 'users']
    """
    if raw:
        return [text.strip()] if text.strip() else []
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"cannot read the arguments: {exc}") from None


def default_table() -> CommandTable:
    """A table with every built-in command; entry-point plugins load when needed."""
    table = CommandTable(plugins=True)
    for module in BUILTIN_MODULES:
        importlib.import_module(module).register(table)
    return table
