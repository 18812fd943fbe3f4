"""``zen plugins``, and the root command group that adds plugin commands on demand.

Plugins are discovered only when the command line needs them: a command name
that is not built in, ``zen --help``, completion, or ``zen plugins`` itself.
``zen sql`` resolves to a built-in command and never pays for discovery.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from zen.cli.common import JSON_OPTION, emit_json

if TYPE_CHECKING:
    from zen.plugins import Plugins


class PluginGroup(TyperGroup):
    """The root group: built-in commands first, plugin commands loaded when needed."""

    _plugins_loaded = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command ``cmd_name``; plugins load only when no built-in has that name."""
        command = super().get_command(ctx, cmd_name)
        if command is None and self.load_plugins():
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command name, plugins included (help and completion)."""
        self.load_plugins()
        return super().list_commands(ctx)

    def load_plugins(self, *, warn: bool = True) -> bool:
        """Add plugin commands once; True the first time (when loading happened)."""
        if self._plugins_loaded:
            return False
        self._plugins_loaded = True
        plugins = _load()
        plugins.add_commands(self, builtin=list(self.commands))
        if warn:
            _warn(plugins)
        return True


def _load() -> Plugins:
    from zen import plugins

    return plugins.load()


def _warn(plugins: Plugins) -> None:
    """One stderr line per broken plugin: reported, skipped, never fatal."""
    for failure in plugins.failures:
        print(f"warning: {failure.render()} (skipped; see `zen plugins`)", file=sys.stderr)


def plugins_command(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List the loaded plugins, the hooks and commands each provides, and any that failed.

    Plugins are packages with an entry point in the `zen.plugins` group; a plugin
    that fails to load is listed here and skipped everywhere else.
    Set `ZEN_NO_PLUGINS=1` to run zen without any.

    **Examples**

    * `zen plugins`
    * `zen plugins --json`
    """
    root = ctx.find_root().command
    if isinstance(root, PluginGroup):
        # Commands join on first need; add them now so clashes are reported too.
        root.load_plugins(warn=False)
    plugins = _load()
    plugins.gather_all()
    report = _report(plugins)
    if as_json:
        emit_json(report)
    else:
        _print_report(report)


def _report(plugins: Plugins) -> dict[str, Any]:
    commands: dict[str, list[str]] = {}
    for command, owner in sorted(plugins.commands.items()):
        commands.setdefault(owner, []).append(command)
    return {
        "plugins": [
            {
                **info.to_json(),
                "commands": commands.get(info.name, []),
                "provides": plugins.provided.get(info.name, {}),
            }
            for info in plugins.infos
        ],
        "failed": [failure.to_json() for failure in plugins.failures],
    }


_PROVIDES = {
    "zen_sql_functions": "sql",
    "zen_export_formats": "export",
    "zen_import_formats": "import",
    "zen_tui_panels": "panels",
}


def _print_report(report: dict[str, Any]) -> None:
    if not report["plugins"]:
        print("no plugins loaded (install packages with a `zen.plugins` entry point)")
    for plugin in report["plugins"]:
        version = f" {plugin['version']}" if plugin["version"] else ""
        package = f"  ({plugin['package']}{version})" if plugin["package"] else ""
        print(f"{plugin['name']}{package}")
        print(f"  module:   {plugin['module']}")
        print(f"  hooks:    {', '.join(plugin['hooks']) or '-'}")
        if plugin["commands"]:
            print(f"  commands: {', '.join(plugin['commands'])}")
        for hook, names in plugin["provides"].items():
            label = _PROVIDES[hook]
            print(f"  {label + ':':<9} {', '.join(names) or '-'}")
    for failure in report["failed"]:
        print(f"failed: {failure['name']} ({failure['stage']}): {failure['error']}")


def register(app: typer.Typer) -> None:
    """Add ``zen plugins`` to the app."""
    app.command("plugins")(plugins_command)
