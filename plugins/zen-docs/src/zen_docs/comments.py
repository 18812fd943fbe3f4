"""Documentation comments read from ``--`` comments in CREATE TABLE text.

SQLite keeps each table's CREATE statement as written, comments included, so
the comments are read back from ``sqlite_schema``:

- a comment on the ``CREATE TABLE`` line (before or right after the opening
  parenthesis) documents the table;
- a comment at the end of a column's line (before or after its comma)
  documents that column;
- comment lines on their own document the column that follows them.

Comments written just above a ``CREATE TABLE`` statement are not stored by
SQLite; :func:`leading_comments` reads those from the schema file itself.

Example:
    >>> doc = table_comments('''CREATE TABLE t( -- People.
    ...     id INTEGER PRIMARY KEY, -- The key.
    ...     -- Lower-cased.
    ...     email TEXT
    ... )''')
    >>> doc.table, doc.columns
    ('People.', {'id': 'The key.', 'email': 'Lower-cased.'})
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zen.migrate.sqltext import CONSTRAINT_WORDS, Token, tokenize, unquote


@dataclass
class TableComments:
    """What the CREATE TABLE text says beyond PRAGMAs: comments, CHECKs, constraints.

    Attributes:
        table: The table's comment.
        columns: One comment per column (by exact column name).
        checks: The CHECK expressions written on each column.
        constraints: The table constraints (``PRIMARY KEY (a, b)``...) as written.
    """

    table: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    checks: dict[str, list[str]] = field(default_factory=dict)
    constraints: list[str] = field(default_factory=list)


def _text(token: Token) -> str:
    return token.text[2:].strip()


def _join(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)


@dataclass
class _Item:
    """One body element (column or table constraint) and the comments around it."""

    tokens: list[Token] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    end_line: int = 0

    @property
    def column(self) -> str | None:
        first = self.tokens[0] if self.tokens else None
        if first is None or first.kind not in ("ident",) or first.norm in CONSTRAINT_WORDS:
            return None
        return unquote(first.text)


def table_comments(sql: str) -> TableComments:
    """The comments of a CREATE TABLE statement (see the module docstring)."""
    tokens = [t for t in tokenize(sql, comments=True) if t.kind != "block_comment"]
    opening = next((i for i, t in enumerate(tokens) if t.text == "("), None)
    out = TableComments()
    if opening is None:
        return out
    create_line = tokens[0].line if tokens else 0
    head = [_text(t) for t in tokens[:opening] if t.kind == "line_comment"]
    items, leading = _items(tokens, opening, create_line, head)
    out.table = _join(leading)
    for item in items:
        if item.column is None:
            out.constraints.append(_span(sql, item.tokens))
            continue
        if item.notes:
            out.columns[item.column] = _join(item.notes)
        checks = _checks(sql, item.tokens)
        if checks:
            out.checks[item.column] = checks
    return out


def _span(sql: str, tokens: list[Token]) -> str:
    """The source text from the first token to the last, as written (comments dropped)."""
    kept = [t for t in tokens if not t.kind.endswith("comment")]
    return " ".join(sql[kept[0].start : kept[-1].start + len(kept[-1].text)].split())


def _checks(sql: str, tokens: list[Token]) -> list[str]:
    """The text of each ``CHECK (...)`` among ``tokens``."""
    found = []
    for i, token in enumerate(tokens[:-1]):
        if token.norm != "check" or tokens[i + 1].text != "(":
            continue
        depth = 0
        for j in range(i + 1, len(tokens)):
            depth += {"(": 1, ")": -1}.get(tokens[j].text, 0)
            if depth == 0:
                found.append(_span(sql, tokens[i : j + 1]))
                break
    return found


def _items(
    tokens: list[Token], opening: int, create_line: int, head: list[str]
) -> tuple[list[_Item], list[str]]:
    """Body items with their comments, and the comments that document the table."""
    items: list[_Item] = []
    current = _Item()
    pending: list[str] = []
    table = list(head)
    depth = 0
    for token in tokens[opening + 1 :]:
        if token.kind == "line_comment":
            _place(token, current, items, pending, table, create_line)
            continue
        if depth == 0 and token.text in (",", ")"):
            if current.tokens:
                items.append(current)
            current = _Item()
            if token.text == ")":
                break
            items[-1].end_line = token.line if items else 0
            continue
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if not current.tokens:
            current.notes.extend(pending)
            pending.clear()
        current.tokens.append(token)
        current.end_line = token.line
    return items, table


def _place(
    comment: Token,
    current: _Item,
    items: list[_Item],
    pending: list[str],
    table: list[str],
    create_line: int,
) -> None:
    """Attach a comment to the item it documents (see the module docstring)."""
    text = _text(comment)
    if current.tokens:
        current.notes.append(text)  # after the item's text, before its comma
    elif items and comment.line == items[-1].end_line:
        items[-1].notes.append(text)  # after the comma, on the same line
    elif not items and comment.line == create_line:
        table.append(text)  # on the CREATE TABLE line
    else:
        pending.append(text)  # on its own line: documents the next item


def leading_comments(schema: str) -> dict[str, str]:
    """Comment lines directly above each ``CREATE TABLE`` in a schema file, by table.

    Example:
        >>> leading_comments("-- Users of the app.\\nCREATE TABLE users(id);")
        {'users': 'Users of the app.'}
    """
    tokens = tokenize(schema, comments=True)
    out: dict[str, str] = {}
    notes: list[str] = []
    for i, token in enumerate(tokens):
        if token.kind == "line_comment":
            notes.append(_text(token))
            continue
        if token.norm == "create" and notes:
            name = _created_table(tokens, i)
            if name is not None:
                out[name] = _join(notes)
        if token.kind != "block_comment":
            notes = []
    return out


def _created_table(tokens: list[Token], start: int) -> str | None:
    """The table a ``CREATE [TEMP] TABLE [IF NOT EXISTS] name`` at ``start`` creates."""
    words = [t for t in tokens[start : start + 12] if not t.kind.endswith("comment")]
    norms = [t.norm for t in words]
    if "table" not in norms[:3]:
        return None
    at = norms.index("table") + 1
    if norms[at : at + 3] == ["if", "not", "exists"]:
        at += 3
    if at + 2 < len(words) and words[at + 1].text == ".":
        at += 2  # schema-qualified: main.users
    return unquote(words[at].text) if at < len(words) else None
