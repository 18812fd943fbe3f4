"""The zen plugin: adds ``zen docs PATH -o FILE [--format markdown|html]``."""

from __future__ import annotations

from pathlib import Path

import typer

from zen.plugins import hookimpl


@hookimpl
def zen_cli(app: typer.Typer) -> None:
    """Register ``zen docs``."""
    app.command("docs")(docs)


def docs(
    path: str = typer.Argument(..., help="The database file to document."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here (default: stdout).", show_default=False
    ),
    format: str | None = typer.Option(
        None, "--format", "-f", help="markdown or html (default: from the suffix, else markdown)."
    ),
    schema: Path | None = typer.Option(
        None,
        "--schema",
        help="The schema's .sql source: comments above CREATE TABLE document tables.",
    ),
    title: str | None = typer.Option(None, "--title", help="The document's title."),
) -> None:
    """Write schema documentation: tables, columns, keys, indexes, comments, ER diagram.

    Comments come from the `--` comments in each CREATE TABLE statement (and,
    with --schema, from the comments above it). Markdown embeds a Mermaid ER
    diagram; html is one self-contained page.

    **Examples**

    * `zen docs app.db -o docs/schema.md`
    * `zen docs app.db -o schema.html --schema schema.sql`
    """
    from zen.cli.common import message, open_db
    from zen.engine.errors import NotFoundError
    from zen_docs import document

    chosen = format or (
        "html" if output and output.suffix.lower() in (".html", ".htm") else "markdown"
    )
    if schema is not None and not schema.is_file():
        raise NotFoundError(f"no such schema file: {schema}")
    schema_text = schema.read_text(encoding="utf-8") if schema else None
    with open_db(path, read_only=True) as db:
        text = document(db, format=chosen, title=title, schema_text=schema_text)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    message(f"wrote {output} ({chosen})")
