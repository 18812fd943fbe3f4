"""zen-docs: schema documentation for a SQLite database (a zen plugin).

Example:
    >>> import zen
    >>> from zen_docs import document
    >>> db = zen.open(":memory:")
    >>> db.script("create table users(id integer primary key, -- The key.\\n name text)")
    0
    >>> "| `id` | INTEGER | PK | The key. |" in document(db)
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen.engine.errors import UsageError

if TYPE_CHECKING:
    from zen.api import Database

__all__ = ["document"]


def document(
    db: Database,
    *,
    format: str = "markdown",
    title: str | None = None,
    schema_text: str | None = None,
) -> str:
    """The documentation of ``db`` as Markdown or a self-contained HTML page.

    Args:
        db: The open database.
        format: ``markdown`` or ``html``.
        title: The document's title (default: the file name).
        schema_text: The schema's source; comments above each CREATE TABLE
            (which SQLite does not keep) then document the tables.

    Raises:
        UsageError: An unknown format.
    """
    from zen_docs.comments import leading_comments
    from zen_docs.model import describe
    from zen_docs.render import FORMATS, html_page, markdown

    if format not in FORMATS:
        raise UsageError(f"unknown format: {format}", hint=f"choose one of {', '.join(FORMATS)}")
    notes = leading_comments(schema_text) if schema_text else None
    doc = describe(db, title=title, notes=notes)
    return markdown(doc) if format == "markdown" else html_page(doc)
