"""A Mermaid ER diagram (``erDiagram``) of the tables and their foreign keys.

Mermaid's grammar is narrower than SQL's names: entity names are plain words,
and attribute types and names may not hold spaces or quotes. Names are made
safe here (``user accounts`` -> ``user_accounts``, labelled with the real name),
so any schema yields a diagram Mermaid parses.

Example:
    >>> from zen_docs.model import SchemaDoc
    >>> print(er_diagram(SchemaDoc("empty")))
    erDiagram
"""

from __future__ import annotations

import re

from zen_docs.model import ColumnDoc, ForeignKeyDoc, SchemaDoc, TableDoc

# Words Mermaid's ER lexer reads as keywords: never use them as entity names.
_RESERVED = frozenset(
    {
        "erdiagram", "style", "classdef", "class", "subgraph", "end", "one", "only", "many",
        "zero", "to", "optionally", "u", "direction", "acctitle", "accdescr",
    }
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def er_diagram(doc: SchemaDoc) -> str:
    """The ``erDiagram`` text for ``doc``: one entity per table, one line per foreign key."""
    ids = entity_ids([t.name for t in doc.tables])
    lines = ["erDiagram"]
    for table in doc.tables:
        lines.extend(_entity(table, ids[table.name]))
    for table in doc.tables:
        for fk in table.foreign_keys:
            if fk.parent in ids:
                lines.append(_relationship(fk, ids[fk.parent], ids[table.name]))
    return "\n".join(lines)


def entity_ids(names: list[str]) -> dict[str, str]:
    """A distinct Mermaid-safe identifier per table name.

    Example:
        >>> entity_ids(["users", "user accounts", "end"])
        {'users': 'users', 'user accounts': 'user_accounts', 'end': 't_end'}
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = _safe(name)
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate.lower())
        out[name] = candidate
    return out


def _safe(name: str) -> str:
    word = re.sub(r"\W", "_", name, flags=re.ASCII) or "t"
    if not _WORD.fullmatch(word) or word.lower() in _RESERVED:
        word = f"t_{word}"
    return word


def _entity(table: TableDoc, ident: str) -> list[str]:
    label = f'["{_label(table.name)}"]' if ident != table.name else ""
    lines = [f"    {ident}{label} {{"]
    for column in table.columns:
        lines.append(f"        {_attribute(column)}")
    lines.append("    }")
    return lines


def _attribute(column: ColumnDoc) -> str:
    keys = [
        k
        for k, on in (
            ("PK", column.pk),
            ("FK", column.references),
            ("UK", column.unique and not column.pk),
        )
        if on
    ]
    parts = [_type(column.type), _safe_attr(column.name)]
    if keys:
        parts.append(", ".join(keys))
    note = (
        column.comment
        if _safe_attr(column.name) == column.name
        else _join(column.name, column.comment)
    )
    if note:
        parts.append(f'"{_label(note)}"')
    return " ".join(parts)


def _join(name: str, comment: str) -> str:
    return f"{name}: {comment}" if comment else name


def _type(declared: str) -> str:
    """A type as one Mermaid attribute word: ``DOUBLE PRECISION`` -> ``DOUBLE_PRECISION``."""
    compact = re.sub(r"\s*([(),])\s*", r"\1", declared.strip())
    word = re.sub(r"[^A-Za-z0-9_(),\-]", "_", compact)
    if not word or not re.match(r"[A-Za-z_]", word):
        word = f"T_{word}" if word else "ANY"
    return word


def _safe_attr(name: str) -> str:
    word = re.sub(r"[^A-Za-z0-9_\-]", "_", name, flags=re.ASCII)
    return word if re.match(r"[A-Za-z_]", word) else f"c_{word}"


def _label(text: str) -> str:
    """Text safe inside Mermaid double quotes: no quotes, no line breaks, no ``#``/``%``."""
    cleaned = " ".join(text.split()).replace('"', "'").replace("#", "").replace("%", "")
    return cleaned.replace("\\", "/")


def _relationship(fk: ForeignKeyDoc, parent: str, child: str) -> str:
    left = "|o" if fk.optional else "||"
    right = "o|" if fk.one_to_one else "o{"
    line = "--" if fk.identifying else ".."
    return f'    {parent} {left}{line}{right} {child} : "{_label(", ".join(fk.columns))}"'
