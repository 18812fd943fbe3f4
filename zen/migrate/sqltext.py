"""A small SQLite tokenizer: enough to compare DDL by meaning, not by spelling.

SQLite keeps each object's CREATE text as written, so two equal tables may be
spelled differently (quoting, case, spacing, comments, constraint order after
an ``ALTER TABLE ADD COLUMN``). These helpers split DDL into tokens, normalise
them, and cut a CREATE TABLE body into its column definitions and constraints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<line_comment>--[^\n]*)
  | (?P<block_comment>/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^']|'')*'?)
  | (?P<ident>"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?)
  | (?P<word>[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)
  | (?P<op>\|\||<<|>>|<=|>=|==|!=|<>|->>|->|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_HINT = re.compile(r"--\s*zen:\s*renamed\s+from\s+(\S+)", re.IGNORECASE)
CONSTRAINT_WORDS = frozenset({"constraint", "primary", "unique", "check", "foreign"})


@dataclass(frozen=True)
class Token:
    """One token: its kind, text, position and line (1-based)."""

    kind: str
    text: str
    start: int
    line: int

    @property
    def norm(self) -> str:
        """The token as compared: identifiers unquoted and lower-cased, strings kept."""
        if self.kind == "ident":
            return unquote(self.text).lower()
        if self.kind == "string":
            return self.text
        return self.text.lower()


def unquote(text: str) -> str:
    """An identifier without its quotes.

    Example:
        >>> unquote('"a""b"')
        'a"b'
    """
    if len(text) >= 2 and text[0] in '"`' and text[-1] == text[0]:
        return text[1:-1].replace(text[0] * 2, text[0])
    if len(text) >= 2 and text[0] == "[" and text[-1] == "]":
        return text[1:-1]
    return text


def tokenize(sql: str, *, comments: bool = False) -> list[Token]:
    """The tokens of ``sql``; white space always, comments unless asked for, dropped.

    Example:
        >>> [t.norm for t in tokenize('CREATE TABLE "T"(a)')]
        ['create', 'table', 't', '(', 'a', ')']
    """
    out: list[Token] = []
    line = 1
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup or "op"
        text = match.group()
        keep = kind != "space" and (comments or not kind.endswith("comment"))
        if keep:
            out.append(Token("ident" if kind == "word" else kind, text, match.start(), line))
        line += text.count("\n")
    return out


@lru_cache(maxsize=8192)
def normalize(sql: str) -> str:
    """``sql`` reduced to its meaning-bearing tokens, space separated.

    Example:
        >>> normalize("create  VIEW v AS select 1 -- note")
        'create view v as select 1'
    """
    return " ".join(t.norm for t in tokenize(sql))


@lru_cache(maxsize=8192)
def identifiers(sql: str) -> set[str]:
    """Every identifier-like token of ``sql``, lower-cased (for dependency scans)."""
    return {t.norm for t in tokenize(sql) if t.kind == "ident"}


@dataclass(frozen=True)
class TableBody:
    """A CREATE TABLE statement cut into parts.

    Attributes:
        columns: ``(name, normalised definition)`` per column, in order.
        constraints: Normalised table constraints, sorted.
        options: Normalised text after the closing parenthesis (STRICT, WITHOUT ROWID).
        checks: The text of every CHECK expression (column or table level).
    """

    columns: tuple[tuple[str, str], ...]
    constraints: tuple[str, ...]
    options: str
    checks: tuple[str, ...]


def _body_span(tokens: list[Token]) -> tuple[int, int]:
    """Indexes of the body's opening and closing parentheses."""
    start = next(i for i, t in enumerate(tokens) if t.text == "(")
    depth = 0
    for i in range(start, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[i].text, 0)
        if depth == 0:
            return start, i
    return start, len(tokens)


def _split_items(tokens: list[Token], start: int, end: int) -> list[list[Token]]:
    items: list[list[Token]] = [[]]
    depth = 0
    for token in tokens[start + 1 : end]:
        if token.text == "," and depth == 0:
            items.append([])
            continue
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        items[-1].append(token)
    return [item for item in items if item]


def _checks(sql: str, item: list[Token]) -> list[str]:
    found = []
    for i, token in enumerate(item):
        if token.norm == "check" and i + 1 < len(item) and item[i + 1].text == "(":
            depth, j = 0, i + 1
            while j < len(item):
                depth += {"(": 1, ")": -1}.get(item[j].text, 0)
                if depth == 0:
                    break
                j += 1
            found.append(sql[item[i + 1].start + 1 : item[min(j, len(item) - 1)].start])
    return found


@lru_cache(maxsize=8192)
def parse_table(sql: str) -> TableBody:
    """Cut a CREATE TABLE statement into columns, constraints and options.

    Example:
        >>> parse_table("CREATE TABLE t(a INT, b, UNIQUE(a)) STRICT").columns
        (('a', 'int'), ('b', ''))
    """
    tokens = tokenize(sql)
    start, end = _body_span(tokens)
    columns: list[tuple[str, str]] = []
    constraints: list[str] = []
    checks: list[str] = []
    for item in _split_items(tokens, start, end):
        checks.extend(_checks(sql, item))
        text = " ".join(t.norm for t in item)
        if item[0].kind == "ident" and item[0].norm in CONSTRAINT_WORDS:
            constraints.append(text)
        else:
            columns.append((unquote(item[0].text), " ".join(t.norm for t in item[1:])))
    options = " ".join(t.norm for t in tokens[end + 1 :] if t.text != ";")
    return TableBody(tuple(columns), tuple(sorted(constraints)), options, tuple(checks))


def rename_hints(sql: str) -> tuple[str | None, dict[str, str]]:
    """``-- zen: renamed from OLD`` hints in a CREATE TABLE statement.

    A hint before the opening parenthesis (or on its line) renames the table;
    one on a column's line renames that column.

    Returns:
        The table's old name (or None) and ``{new column: old column}``.

    Example:
        >>> rename_hints("CREATE TABLE t( -- zen: renamed from s\\n b -- zen: renamed from a\\n)")
        ('s', {'b': 'a'})
    """
    tokens = tokenize(sql, comments=True)
    code = [t for t in tokens if not t.kind.endswith("comment")]
    if not any(t.text == "(" for t in code):
        return None, {}
    start, end = _body_span(code)
    starts = [
        (item[0].start, item[0].line, unquote(item[0].text))
        for item in _split_items(code, start, end)
        if not (item[0].kind == "ident" and item[0].norm in CONSTRAINT_WORDS)
    ]
    table_old: str | None = None
    columns: dict[str, str] = {}
    for token in tokens:
        match = _HINT.match(token.text) if token.kind == "line_comment" else None
        if not match:
            continue
        old = unquote(match.group(1).rstrip(";,"))
        before = [s for s in starts if s[0] < token.start and s[1] == token.line]
        if before:
            columns[before[-1][2]] = old
        elif token.start < code[start].start or token.line == code[start].line:
            table_old = old
    return table_old, columns


def replace_table_name(sql: str, new_name: str) -> str:
    """A CREATE TABLE statement creating ``new_name`` instead (the rest unchanged).

    Example:
        >>> replace_table_name('CREATE TABLE IF NOT EXISTS "t" (a)', "_x")
        'CREATE TABLE IF NOT EXISTS "_x" (a)'
    """
    tokens = tokenize(sql)
    paren = next(i for i, t in enumerate(tokens) if t.text == "(")
    first = paren - 1
    # a schema-qualified name is three tokens: schema . name
    if first >= 2 and tokens[first - 1].text == ".":
        first -= 2
    quoted = '"' + new_name.replace('"', '""') + '"'
    end = tokens[paren - 1].start + len(tokens[paren - 1].text)
    return sql[: tokens[first].start] + quoted + sql[end:]


def column_sql(sql: str, name: str) -> str | None:
    """The text of column ``name``'s definition in a CREATE TABLE statement.

    Example:
        >>> column_sql("CREATE TABLE t(a INT DEFAULT 1, b)", "a")
        'a INT DEFAULT 1'
    """
    tokens = tokenize(sql)
    start, end = _body_span(tokens)
    for item in _split_items(tokens, start, end):
        if item[0].norm in CONSTRAINT_WORDS and item[0].kind == "ident":
            continue
        if unquote(item[0].text).lower() == name.lower():
            return sql[item[0].start : item[-1].start + len(item[-1].text)]
    return None
