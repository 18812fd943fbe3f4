"""The Typer application; each command group lives in its own module.

Command modules load on demand: ``zen sql`` imports and builds only ``zen.cli.sql``,
because turning every command's signature into click parameters costs more than
the query itself. ``_COMMANDS`` names the module behind each top-level command
(a test checks it against what the modules register).
"""

from __future__ import annotations

from typing import Any

import typer

from zen.cli.plugins import PluginGroup

# Top-level command -> the zen.cli module whose register() adds it, in help order.
_COMMANDS: dict[str, str] = {
    "init": "setup",
    "sql": "sql",
    "shell": "shell",
    "tables": "inspect",
    "schema": "inspect",
    "import": "transfer",
    "export": "transfer",
    **dict.fromkeys(
        ("commit", "log", "status", "show", "diff", "rewind", "tag", "reflog", "gc", "fsck"),
        "history",
    ),
    **dict.fromkeys(
        ("branch", "switch", "merge", "revert", "cherry-pick", "reset", "conflicts"), "branch"
    ),
    **dict.fromkeys(("push", "fetch", "pull", "clone", "remote", "git"), "git"),
    "migrate": "migrate",
    "vector": "vector",
    "watch": "watch",
    "config": "config",
    "plugins": "plugins",
    "tui": "tui",
    "demo": "demo",
}

_SETTINGS: dict[str, Any] = {
    "rich_markup_mode": "markdown",
    "context_settings": {"help_option_names": ["-h", "--help"]},
}


class LazyGroup(PluginGroup):
    """The root group: built-in commands built when first named, then plugin commands."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command ``cmd_name``, loading its module the first time it is asked for."""
        module = _COMMANDS.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            self._load_module(module)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command name in help order, plugin commands after the built-in ones."""
        names = list(_COMMANDS)
        return names + [name for name in super().list_commands(ctx) if name not in _COMMANDS]

    def load_builtins(self) -> None:
        """Build every built-in command now (documentation and tests walk ``commands``)."""
        for module in dict.fromkeys(_COMMANDS.values()):
            self._load_module(module)
        # Keep help order even though modules arrived in whatever order they were asked for.
        order = {name: index for index, name in enumerate(_COMMANDS)}
        ranked = sorted(self.commands.items(), key=lambda item: order.get(item[0], len(order)))
        self.commands = dict(ranked)

    def _load_module(self, module: str) -> None:
        if any(_COMMANDS.get(name) == module for name in self.commands):
            return
        commands = module_commands(module)
        for name, command in commands.items():
            self.commands.setdefault(name, command)

    def load_plugins(self, *, warn: bool = True) -> bool:
        """Plugins may not shadow built-in names, so build those first."""
        if not self._plugins_loaded:
            self.load_builtins()
        return super().load_plugins(warn=warn)


def module_commands(module: str) -> dict[str, Any]:
    """The click commands that ``zen.cli.<module>``'s ``register()`` adds, by name."""
    from typer.main import get_group

    registry = typer.Typer(**_SETTINGS)
    # __import__ rather than importlib.import_module: the latter bypasses `-X importtime`,
    # which the start-up tests read.
    __import__(f"zen.cli.{module}", fromlist=["register"]).register(registry)
    return dict(get_group(registry).commands)


app = typer.Typer(
    name="zen",
    cls=LazyGroup,
    help="A terminal-first toolkit for SQLite. Run `zen demo` for a tour.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    **_SETTINGS,
)


def _version(value: bool) -> None:
    if value:
        from zen._version import __version__

        typer.echo(f"zen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """A terminal-first toolkit for SQLite. Run `zen demo` for a tour."""


def root_command() -> LazyGroup:
    """The click group behind ``zen`` with every built-in command built.

    Example:
        >>> sorted(root_command().commands)[:2]
        ['branch', 'cherry-pick']
    """
    from typer.main import get_command

    root = get_command(app)
    assert isinstance(root, LazyGroup)
    root.load_builtins()
    return root
