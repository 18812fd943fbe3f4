"""``zen demo``: a guided tour on a small demo database."""

from __future__ import annotations

from pathlib import Path

import typer

from zen.engine.errors import ZenError


def register(app: typer.Typer) -> None:
    """Add ``zen demo`` to the app."""
    app.command("demo")(demo_command)


def demo_command(
    folder: Path | None = typer.Argument(
        None, help="Folder for the demo files (default: a new temporary folder)."
    ),
) -> None:
    """Build a small demo database and walk through what zen does, step by step.

    Every step is a real `zen` command, printed with its output, so you can
    type it again yourself in the demo folder.

    **Examples**

    * `zen demo`
    * `zen demo ./zen-tour`
    """
    from rich.console import Console
    from rich.rule import Rule
    from rich.text import Text

    from zen import demo

    console = Console(highlight=False)
    target = demo.prepare(folder)
    console.print(Text.assemble(("zen demo", "bold"), f" — working in {target}\n"))
    failures = []
    for number, result in enumerate(demo.run(target), start=1):
        console.print(Rule(f"{number}. {result.step.title}", align="left", style="cyan"))
        console.print(Text(result.step.explain, style="dim"))
        console.print(Text("$ " + result.step.command, style="bold"))
        if result.stdout:
            console.print(Text(result.stdout.rstrip("\n")))
        if result.stderr:
            console.print(Text(result.stderr.rstrip("\n"), style="yellow"))
        console.print()
        if not result.ok:
            failures.append(result.step.command)
    if failures:
        raise ZenError(f"demo step failed: {failures[0]}", hint="please report this as a bug")
    console.print(f"Done. The demo database is {target / demo.DATABASE}; try:")
    console.print(f'  cd {target} && zen sql demo.db "SELECT * FROM books"')
    console.print(f"  cd {target} && zen shell demo.db")
