"""The Typer application; each command group lives in its own module."""

from __future__ import annotations

import typer

from zen.cli import (
    branch,
    config,
    demo,
    git,
    history,
    inspect,
    migrate,
    plugins,
    setup,
    shell,
    sql,
    transfer,
    tui,
    vector,
    watch,
)

app = typer.Typer(
    name="zen",
    # Adds plugin commands (entry points `zen.plugins`) only when a name is not built in.
    cls=plugins.PluginGroup,
    help="A terminal-first toolkit for SQLite. Run `zen demo` for a tour.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,
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


for _module in (
    setup,
    sql,
    shell,
    inspect,
    transfer,
    history,
    branch,
    git,
    migrate,
    vector,
    watch,
    config,
    plugins,
    tui,
    demo,
):
    _module.register(app)
