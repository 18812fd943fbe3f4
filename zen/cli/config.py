"""``zen config``: read and write settings (project ``zen.toml`` and the user file)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from zen.cli.common import JSON_OPTION, emit_json, message
from zen.engine.errors import UsageError

if TYPE_CHECKING:
    from zen.config import Scope, Source

config_app = typer.Typer(
    name="config",
    help=(
        "Settings: flags > environment > project zen.toml > user config.toml > default.\n\n"
        "**Examples**\n\n"
        "* `zen config list`\n"
        "* `zen config set format json --user`\n"
        "* `zen config get database`"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

USER_OPTION = typer.Option(False, "--user", help="The user config file (XDG config folder).")
PROJECT_OPTION = typer.Option(
    False, "--project", help="The nearest zen.toml (created in the current folder if none)."
)
KEY_ARGUMENT = typer.Argument(
    ..., help="A key, e.g. format or history.autocommit.", show_default=False
)


def register(app: typer.Typer) -> None:
    """Add the ``zen config`` command group to the app."""
    app.add_typer(config_app, name="config")


def _scope(user: bool, project: bool) -> Scope | None:
    if user and project:
        raise UsageError("choose --user or --project, not both")
    return "user" if user else "project" if project else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _json_value(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value


@config_app.command("get")
def get_command(key: str = KEY_ARGUMENT, as_json: bool = JSON_OPTION) -> None:
    """Print a key's effective value; exit 1 when it is not set.

    **Examples**

    * `zen config get format`
    * `zen config get database --json`
    """
    from zen import config
    from zen.engine.errors import NotFoundError

    value, source = config.resolve(key)
    if as_json:
        emit_json({"key": key, "value": _json_value(value), "source": _source_json(source)})
    elif value is not None:
        sys.stdout.write(f"{value}\n")
    if value is None:
        raise NotFoundError(f"{key} is not set", hint=f"zen config set {key} VALUE")


@config_app.command("set")
def set_command(
    key: str = KEY_ARGUMENT,
    value: str = typer.Argument(
        ...,
        help="The new value (checked before it is written).",
        show_default=False,
    ),
    user: bool = USER_OPTION,
    project: bool = PROJECT_OPTION,
) -> None:
    """Write a setting into zen.toml (the default when one exists) or the user file.

    Without --user or --project the nearest zen.toml is edited; there must be one.
    Comments and other settings in the file are kept.

    **Examples**

    * `zen config set history.autocommit explicit`
    * `zen config set database data/app.db --project`
    * `zen config set author "Ada Lovelace" --user`
    """
    from zen import config

    written = config.set(key, value, scope=_scope(user, project))
    message(f"{key} set in {written}")


@config_app.command("unset")
def unset_command(
    key: str = KEY_ARGUMENT, user: bool = USER_OPTION, project: bool = PROJECT_OPTION
) -> None:
    """Remove a setting from zen.toml (default) or the user file.

    **Examples**

    * `zen config unset format`
    * `zen config unset author --user`
    """
    from zen import config

    written = config.unset(key, scope=_scope(user, project))
    message(f"{key} removed from {written}")


@config_app.command("list")
def list_command(as_json: bool = JSON_OPTION) -> None:
    """Show every key with its effective value and where that value came from.

    **Examples**

    * `zen config list`
    * `zen config list --json`
    """
    from zen import config

    merged = config.merge()
    if as_json:
        emit_json([_row_json(name, value, source) for name, (value, source) in merged.items()])
        return
    width = max(map(len, merged))
    values = {name: _text(setting.value) for name, setting in merged.items()}
    value_width = max(map(len, values.values()))
    for name, setting in merged.items():
        line = f"{name:<{width}}  {values[name]:<{value_width}}  {setting.source}"
        sys.stdout.write(line.rstrip() + "\n")


@config_app.command("path")
def path_command(as_json: bool = JSON_OPTION) -> None:
    """Print the project file (nearest zen.toml) and the user file, and whether they exist.

    **Examples**

    * `zen config path`
    * `zen config path --json`
    """
    from zen import config

    project = config.find_project_file()
    user = config.user_file()
    if as_json:
        emit_json(
            {
                "project": str(project) if project else None,
                "user": str(user),
                "user_exists": user.is_file(),
            }
        )
        return
    sys.stdout.write(f"project  {project or '(none: no zen.toml here or in a parent)'}\n")
    sys.stdout.write(f"user     {user}{'' if user.is_file() else '  (not created yet)'}\n")


def _source_json(source: Source) -> dict[str, str]:
    return {"kind": source.kind, "where": source.where}


def _row_json(name: str, value: Any, source: Source) -> dict[str, Any]:
    return {"key": name, "value": _json_value(value), "source": _source_json(source)}
