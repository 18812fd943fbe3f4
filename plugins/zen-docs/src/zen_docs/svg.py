"""A plain SVG drawing of the tables and foreign keys, for the self-contained HTML page.

The Markdown output carries a Mermaid diagram (rendered by GitHub and most
viewers); an HTML page that must work offline cannot load Mermaid's script,
so it gets this drawing instead: one box per table (columns listed, keys
marked), parents left of their children, a line per foreign key.

Example:
    >>> from zen_docs.model import SchemaDoc
    >>> er_svg(SchemaDoc("empty")).startswith("<svg")
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from zen_docs.model import SchemaDoc, TableDoc

_LINE = 18  # px per text line
_CHAR = 7.2  # px per character (13px monospace)
_GAP_X = 70
_GAP_Y = 24
_PAD = 10


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


def er_svg(doc: SchemaDoc) -> str:
    """The diagram as an ``<svg>`` element (sized to fit, no external resources)."""
    boxes = _layout(doc.tables)
    width = max((b.x + b.width for b in boxes.values()), default=0) + _PAD
    height = max((b.y + b.height for b in boxes.values()), default=0) + _PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'font-family="ui-monospace,monospace" font-size="13" role="img" '
        f'aria-label="Entity-relationship diagram">'
    ]
    for table in doc.tables:
        for fk in table.foreign_keys:
            if fk.parent in boxes:
                parts.append(_edge(boxes[fk.parent], boxes[table.name], fk.optional))
    for table in doc.tables:
        parts.append(_box(table, boxes[table.name]))
    parts.append("</svg>")
    return "".join(parts)


def _depths(tables: list[TableDoc]) -> dict[str, int]:
    """Longest chain of parents above each table (cycles and self-references ignored)."""
    parents = {t.name: {fk.parent for fk in t.foreign_keys} - {t.name} for t in tables}
    depth: dict[str, int] = {}

    def visit(name: str, trail: frozenset[str]) -> int:
        if name in depth:
            return depth[name]
        above = [
            visit(p, trail | {name}) + 1
            for p in parents.get(name, ())
            if p in parents and p not in trail
        ]
        depth[name] = max(above, default=0)
        return depth[name]

    for table in tables:
        visit(table.name, frozenset())
    return depth


def _layout(tables: list[TableDoc]) -> dict[str, _Box]:
    depths = _depths(tables)
    sizes = {t.name: _size(t) for t in tables}
    column_width = max((w for w, _ in sizes.values()), default=0)
    next_y: dict[int, float] = {}
    boxes = {}
    for table in tables:
        level = depths[table.name]
        width, height = sizes[table.name]
        y = next_y.get(level, _PAD)
        boxes[table.name] = _Box(_PAD + level * (column_width + _GAP_X), y, width, height)
        next_y[level] = y + height + _GAP_Y
    return boxes


def _size(table: TableDoc) -> tuple[float, float]:
    texts = [
        table.name,
        *(_row(c.name, c.type, _keys(c.pk, c.references, c.unique)) for c in table.columns),
    ]
    width = min(max(len(t) for t in texts) * _CHAR + 2 * _PAD, 420)
    return width, _LINE * (len(table.columns) + 1) + _PAD


def _keys(pk: int, references: str | None, unique: bool) -> str:
    return " ".join(
        k for k, on in (("PK", pk), ("FK", references), ("UK", unique and not pk)) if on
    )


def _row(name: str, declared: str, keys: str) -> str:
    return f"{name} {declared} {keys}".strip()


def _box(table: TableDoc, box: _Box) -> str:
    head = (
        f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.width:.0f}" height="{box.height:.0f}" '
        f'fill="#fff" stroke="#555"/>'
        f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.width:.0f}" height="{_LINE + 4}" '
        f'fill="#e8eef7" stroke="#555"/>'
        f'<text x="{box.x + _PAD:.0f}" y="{box.y + _LINE - 2:.0f}" font-weight="bold">'
        f"{escape(table.name)}</text>"
    )
    rows = [
        f'<text x="{box.x + _PAD:.0f}" y="{box.y + _LINE * (i + 2):.0f}">'
        f"{escape(_row(c.name, c.type, _keys(c.pk, c.references, c.unique)))}</text>"
        for i, c in enumerate(table.columns)
    ]
    return f"<g>{head}{''.join(rows)}</g>"


def _edge(parent: _Box, child: _Box, optional: bool) -> str:
    dash = ' stroke-dasharray="5,4"' if optional else ""
    if parent == child:  # a self-reference: a loop on the right edge
        x, y = parent.x + parent.width, parent.middle
        return f'<path d="M{x:.0f},{y - 8:.0f} h24 v16 h-24" fill="none" stroke="#36c"{dash}/>'
    x1, y1 = parent.x + parent.width, parent.middle
    x2, y2 = child.x, child.middle
    if child.x <= parent.x:  # same column (a cycle): join the left edges
        x1, x2 = parent.x, child.x
    return (
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#36c"{dash}/>'
        f'<circle cx="{x2:.0f}" cy="{y2:.0f}" r="3.5" fill="#36c"/>'
    )
