"""Rendering the documentation model as Markdown or as one self-contained HTML page.

Example:
    >>> from zen_docs.model import SchemaDoc
    >>> markdown(SchemaDoc("app.db")).splitlines()[0]
    '# Schema of app.db'
"""

from __future__ import annotations

import html
import re

from zen_docs.mermaid import er_diagram
from zen_docs.model import ColumnDoc, IndexDoc, SchemaDoc, TableDoc
from zen_docs.svg import er_svg

FORMATS = ("markdown", "html")


def anchor(name: str) -> str:
    """The link target of a table's section.

    Example:
        >>> anchor("Order Items")
        'table-order-items'
    """
    slug = re.sub(r"[^\w-]+", "-", name.lower()).strip("-")
    return f"table-{slug or 'x'}"


def constraints(column: ColumnDoc) -> list[str]:
    """A column's constraints in words: ``PK``, ``NOT NULL``, ``FK → users.id``..."""
    out = []
    if column.pk:
        out.append("PK")
    if column.not_null and not column.pk:
        out.append("NOT NULL")
    if column.unique and not column.pk:
        out.append("UNIQUE")
    if column.references:
        out.append(f"FK → {column.references}")
    if column.default is not None:
        out.append(f"DEFAULT {column.default}")
    if column.generated:
        out.append("GENERATED")
    out.extend(column.checks)
    return out


def _summary(doc: SchemaDoc) -> str:
    views = f", {len(doc.views)} view{'s' * (len(doc.views) != 1)}" if doc.views else ""
    tables = len(doc.tables)
    return f"{tables} table{'s' * (tables != 1)}{views}, documented by `zen docs`."


# -- Markdown ---------------------------------------------------------------------


def markdown(doc: SchemaDoc) -> str:
    """The documentation as Markdown (GitHub renders the Mermaid block as a diagram)."""
    lines = [f"# Schema of {doc.title}", "", _summary(doc), ""]
    if doc.tables:
        lines += ["## Tables", ""]
        lines += [f"- [{t.name}](#{anchor(t.name)}){_dash(t.comment)}" for t in doc.tables]
        lines += ["", "## Diagram", "", "```mermaid", er_diagram(doc), "```", ""]
    for table in doc.tables:
        lines += _md_table(table)
    if doc.views:
        lines += ["## Views", ""]
        for name, sql in doc.views:
            lines += [f"### {name}", "", "```sql", sql.strip(), "```", ""]
    if doc.triggers:
        lines += ["## Triggers", ""]
        lines += [f"- `{name}` on `{table}`" for name, table in doc.triggers] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _dash(comment: str) -> str:
    return f" — {comment}" if comment else ""


def _md_table(table: TableDoc) -> list[str]:
    lines = [f'<a id="{anchor(table.name)}"></a>', "", f"### {table.name}", ""]
    if table.comment:
        lines += [table.comment, ""]
    facts = [f"Rows: {table.rows:,}", *table.options]
    lines += [" · ".join(facts), ""]
    lines += ["| Column | Type | Constraints | Comment |", "|---|---|---|---|"]
    for c in table.columns:
        cells = [f"`{c.name}`", c.type or "—", ", ".join(constraints(c)), c.comment]
        lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    lines.append("")
    if table.constraints:
        lines += ["Table constraints:", ""]
        lines += [f"- `{_cell(c)}`" for c in table.constraints] + [""]
    if table.indexes:
        lines += ["| Index | Columns | Unique | Origin |", "|---|---|---|---|"]
        lines += [_md_index(ix) for ix in table.indexes] + [""]
    return lines


def _md_index(ix: IndexDoc) -> str:
    partial = " (partial)" if ix.partial else ""
    cells = [
        f"`{ix.name}`",
        ", ".join(ix.columns),
        "yes" if ix.unique else "no",
        ix.origin + partial,
    ]
    return "| " + " | ".join(_cell(x) for x in cells) + " |"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# -- HTML ------------------------------------------------------------------------

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
h1,h2,h3{line-height:1.2} h3{margin-top:2.5rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f6f6} code{font:13px ui-monospace,monospace;background:#f3f3f3;padding:0 .2rem}
.facts{color:#666} .diagram{overflow:auto;border:1px solid #ddd;padding:.5rem}
pre{background:#f6f6f6;padding:.6rem;overflow:auto}
"""


def html_page(doc: SchemaDoc) -> str:
    """One self-contained HTML page: inline CSS and SVG diagram, no scripts, no requests."""
    title = html.escape(f"Schema of {doc.title}")
    body = [f"<h1>{title}</h1>", f"<p>{_inline(_summary(doc))}</p>"]
    if doc.tables:
        items = "".join(
            f'<li><a href="#{anchor(t.name)}">{html.escape(t.name)}</a>'
            f"{html.escape(_dash(t.comment))}</li>"
            for t in doc.tables
        )
        body += ["<h2>Tables</h2>", f"<ul>{items}</ul>", "<h2>Diagram</h2>"]
        body += [f'<div class="diagram">{er_svg(doc)}</div>', _mermaid_source(doc)]
    for table in doc.tables:
        body += _html_table(table)
    if doc.views:
        body.append("<h2>Views</h2>")
        for name, sql in doc.views:
            body += [f"<h3>{html.escape(name)}</h3>", f"<pre>{html.escape(sql.strip())}</pre>"]
    if doc.triggers:
        rows = "".join(
            f"<li><code>{html.escape(n)}</code> on <code>{html.escape(t)}</code></li>"
            for n, t in doc.triggers
        )
        body += ["<h2>Triggers</h2>", f"<ul>{rows}</ul>"]
    head = f'<meta charset="utf-8"><title>{title}</title><style>{_CSS}</style>'
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>{head}</head>\n<body>\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _inline(text: str) -> str:
    """Escape, then turn Markdown's `code` spans into <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _mermaid_source(doc: SchemaDoc) -> str:
    source = html.escape(er_diagram(doc))
    return f"<details><summary>Mermaid source</summary><pre>{source}</pre></details>"


def _html_table(table: TableDoc) -> list[str]:
    name = html.escape(table.name)
    out = [f'<h3 id="{anchor(table.name)}">{name}</h3>']
    if table.comment:
        out.append(f"<p>{html.escape(table.comment)}</p>")
    facts = " · ".join([f"Rows: {table.rows:,}", *table.options])
    out.append(f'<p class="facts">{html.escape(facts)}</p>')
    rows = [
        [
            f"<code>{html.escape(c.name)}</code>",
            html.escape(c.type or "—"),
            html.escape(", ".join(constraints(c))),
            html.escape(c.comment),
        ]
        for c in table.columns
    ]
    out.append(_grid(["Column", "Type", "Constraints", "Comment"], rows))
    if table.constraints:
        items = "".join(f"<li><code>{html.escape(c)}</code></li>" for c in table.constraints)
        out.append(f"<p>Table constraints:</p><ul>{items}</ul>")
    if table.indexes:
        index_rows = [
            [
                f"<code>{html.escape(ix.name)}</code>",
                html.escape(", ".join(ix.columns)),
                "yes" if ix.unique else "no",
                html.escape(ix.origin + (" (partial)" if ix.partial else "")),
            ]
            for ix in table.indexes
        ]
        out.append(_grid(["Index", "Columns", "Unique", "Origin"], index_rows))
    return out


def _grid(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
