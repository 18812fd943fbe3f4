"""Which kind of name fits at the cursor of a SQL statement: the clause decides.

``analyze`` reads the statement around the cursor (no database needed) and
returns a :class:`Context`: the word being typed, what fits there (tables after
``FROM``, columns after ``SELECT``/``WHERE``, one table's columns after
``alias.``, keywords and functions otherwise) and the tables the statement
names, with their aliases.

Example:
    >>> ctx = analyze("select u. from users u", 9)
    >>> sorted(ctx.wants), ctx.tables
    (['column'], (TableRef(name='users', alias='u'),))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import apsw

KEYWORDS: frozenset[str] = frozenset(apsw.keywords)

# What can be offered; a Context's ``wants`` is a subset.
TABLE, VIEW, COLUMN, ALIAS = "table", "view", "column", "alias"
FUNCTION, KEYWORD, PRAGMA, INDEX, TRIGGER = "function", "keyword", "pragma", "index", "trigger"

STARTERS = (
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "WITH", "PRAGMA",
    "BEGIN", "COMMIT", "ROLLBACK", "EXPLAIN", "VALUES", "REPLACE", "VACUUM", "ANALYZE",
    "ATTACH", "DETACH", "SAVEPOINT", "RELEASE", "REINDEX", "END",
)  # fmt: skip
AFTER_TABLE = (
    "WHERE", "JOIN", "LEFT", "INNER", "CROSS", "NATURAL", "FULL", "RIGHT", "OUTER", "ON",
    "USING", "AS", "GROUP", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "WINDOW",
    "SET", "VALUES", "SELECT", "DEFAULT", "RETURNING", "INDEXED", "NOT",
)  # fmt: skip

_EXPRESSION = frozenset({COLUMN, ALIAS, FUNCTION, KEYWORD})
_AFTER_TABLE = (frozenset({KEYWORD}), None, AFTER_TABLE)
_CLAUSES = frozenset(
    {
        "SELECT", "FROM", "JOIN", "WHERE", "ON", "BY", "HAVING", "SET", "RETURNING", "INTO",
        "UPDATE", "TABLE", "VIEW", "INDEX", "TRIGGER", "REFERENCES", "VALUES", "PRAGMA",
        "LIMIT", "OFFSET", "COLUMN", "WITH", "RECURSIVE", "USING", "WINDOW",
    }
)  # fmt: skip
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^']|'')*(?:'|\Z))
  | (?P<name>"(?:[^"]|"")*(?:"|\Z)|`[^`]*(?:`|\Z)|\[[^\]]*(?:\]|\Z))
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[^\W\d][\w$]*)
  | (?P<param>[?:@$][\w$]*)
  | (?P<op>\|\||->>|->|<<|>>|<=|>=|==|!=|<>|.)
    """,
    re.VERBOSE | re.DOTALL,
)
# (kinds wanted, the one table whose columns fit, keywords to offer first)
_Decision = tuple[frozenset[str], str | None, tuple[str, ...]]
_QUALIFIER = re.compile(r'(?:"((?:[^"]|"")+)"|([\w$]+))\.$')


@dataclass(frozen=True)
class Token:
    """One lexical token: ``kind`` is a group name of the tokenizer."""

    kind: str
    text: str
    start: int

    @property
    def upper(self) -> str:
        """The text upper-cased when it is a bare word, else as is."""
        return self.text.upper() if self.kind == "word" else self.text

    @property
    def is_name(self) -> bool:
        """True for an identifier (a bare word that is not a keyword, or a quoted name)."""
        return self.kind == "name" or (self.kind == "word" and self.upper not in KEYWORDS)

    @property
    def value(self) -> str:
        """The identifier without its quotes."""
        if self.kind != "name":
            return self.text
        body = self.text[1:-1] if len(self.text) > 1 else ""
        return body.replace('""', '"') if self.text[0] == '"' else body


@dataclass(frozen=True)
class TableRef:
    """A table (or view, or CTE) the statement reads or writes, and its alias."""

    name: str
    alias: str | None = None


@dataclass(frozen=True)
class Context:
    """What fits at the cursor.

    Attributes:
        word: The partial name before the cursor, as typed (may start with ``"``).
        wants: The kinds of names that fit (see the module constants).
        tables: Tables whose columns fit (all of the statement's, or the qualifier's).
        ctes: Names of the statement's common table expressions (``WITH x AS``).
        keywords: Keywords to offer first (empty: all of them, alphabetically).
        lower: Offer keywords in lower case (the user writes SQL that way).
    """

    word: str
    wants: frozenset[str]
    tables: tuple[TableRef, ...] = ()
    ctes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    lower: bool = False


def tokenize(text: str) -> list[Token]:
    """Every token of ``text`` (spaces and comments included).

    Example:
        >>> [t.text for t in tokenize("select 'a;b' -- x") if t.kind != "space"]
        ['select', "'a;b'", '-- x']
    """
    return [Token(m.lastgroup or "op", m.group(), m.start()) for m in _TOKEN.finditer(text)]


def statement_bounds(text: str, cursor: int) -> tuple[int, int]:
    """Start and end of the statement the cursor is in (``;`` inside strings ignored)."""
    start, end = 0, len(text)
    semicolon = text.find(";")
    while semicolon >= 0:
        if apsw.complete(text[start : semicolon + 1]):
            if semicolon < cursor:
                start = semicolon + 1
            else:
                end = semicolon + 1
                break
        semicolon = text.find(";", semicolon + 1)
    return start, end


def analyze(text: str, cursor: int) -> Context:
    """What fits at ``cursor`` in ``text`` (which may hold several statements)."""
    start, end = statement_bounds(text, cursor)
    before, after = text[start:cursor], text[cursor:end]
    if _inside_literal(before):
        return Context("", frozenset())
    partial = _partial(before)
    if partial[:1].isdigit():
        return Context(partial, frozenset())
    head = before[: len(before) - len(partial)]
    tokens = _significant(tokenize(before + after))
    ctes = _ctes(tokens)
    refs = _table_refs(tokens, _depth(_significant(tokenize(head))))
    lower = _writes_lower(tokens, partial)
    qualifier = _QUALIFIER.search(head)
    if qualifier:
        name = qualifier.group(1) or qualifier.group(2) or ""
        return _qualified(partial, name.replace('""', '"'), refs, ctes, lower)
    wants, columns_of, keywords = _decide(_significant(tokenize(head)))
    tables = (TableRef(columns_of),) if columns_of else refs
    return Context(partial, wants, tables, ctes, keywords, lower)


def _partial(before: str) -> str:
    """The word being typed: a bare word, or a quoted name still open, at the end."""
    tokens = tokenize(before)
    if not tokens or tokens[-1].start + len(tokens[-1].text) != len(before):
        return ""
    last = tokens[-1]
    if last.kind in ("word", "number"):
        return last.text
    if last.kind == "name" and last.text[0] == '"' and not _closed(last.text):
        return last.text
    return ""


def _closed(quoted: str) -> bool:
    """True when a ``"..."`` token ends with its closing quote (not an escaped one)."""
    body = quoted[1:]
    return body.endswith('"') and (len(body) - len(body.rstrip('"'))) % 2 == 1


def _depth(tokens: list[Token]) -> int:
    """How many parentheses are open after ``tokens``."""
    depth = 0
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token.text, 0)
    return max(depth, 0)


def _inside_literal(before: str) -> bool:
    """True when the cursor is inside a string or a comment."""
    tokens = tokenize(before)
    if not tokens:
        return False
    last = tokens[-1]
    if last.kind == "string":
        return len(last.text) < 2 or not last.text.endswith("'") or last.text.endswith("''")
    if last.kind == "comment":
        return last.text.startswith("--") or not last.text.endswith("*/")
    return False


def _significant(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.kind not in ("space", "comment")]


def _writes_lower(tokens: list[Token], partial: str) -> bool:
    if partial and partial[0] != '"':
        return partial.islower()
    words = [t.text for t in tokens if t.kind == "word" and t.upper in KEYWORDS]
    return bool(words) and words[-1].islower()


def _qualified(
    partial: str,
    name: str,
    refs: tuple[TableRef, ...],
    ctes: dict[str, tuple[str, ...]],
    lower: bool,
) -> Context:
    """After ``x.``: the columns of the table ``x`` names (an alias first)."""
    if name.lower() in ("main", "temp"):
        return Context(partial, frozenset({TABLE, VIEW}), (), ctes, (), lower)
    for ref in refs:
        if ref.alias and ref.alias.lower() == name.lower():
            return Context(partial, frozenset({COLUMN}), (ref,), ctes, (), lower)
    for ref in refs:
        if ref.name.lower() == name.lower():
            return Context(partial, frozenset({COLUMN}), (ref,), ctes, (), lower)
    return Context(partial, frozenset({COLUMN}), (TableRef(name),), ctes, (), lower)


def _decide(tokens: list[Token]) -> _Decision:
    """(kinds wanted, the one table whose columns fit, keywords to offer first)."""
    if not tokens or all(t.upper in ("EXPLAIN", "QUERY", "PLAN") for t in tokens):
        return frozenset({KEYWORD}), None, STARTERS
    if tokens[-1].upper == "AS":
        creating = any(t.upper in ("VIEW", "TABLE") for t in tokens[:3])
        return (frozenset({KEYWORD}), None, ("SELECT",)) if creating else (frozenset(), None, ())
    depth = 0
    for i in range(len(tokens) - 1, -1, -1):
        token = tokens[i]
        if token.text == ")":
            depth += 1
        elif token.text == "(":
            if depth == 0:
                return _inside_parens(tokens, i)
            depth -= 1
        elif depth == 0 and token.kind == "word" and token.upper in _CLAUSES:
            return _after_clause(tokens, i)
    return _EXPRESSION, None, ()


def _inside_parens(tokens: list[Token], i: int) -> _Decision:
    """The cursor is inside the parenthesis at ``tokens[i]``."""
    before = [t.upper for t in tokens[max(0, i - 3) : i]]
    if len(before) >= 2 and tokens[i - 1].is_name and before[-2] in ("INTO", "ON", "TABLE"):
        if before[-2] == "TABLE" and len(before) == 3 and before[0] == "CREATE":
            return frozenset(), None, ()  # column definitions of a new table
        return frozenset({COLUMN}), tokens[i - 1].value, ()
    if before[-1:] == ["USING"]:
        return frozenset({COLUMN}), None, ()
    if before[-1:] in (["FROM"], ["JOIN"]) or not before:
        return frozenset({KEYWORD}), None, ("SELECT", "VALUES", "WITH")
    if before[-1:] == ["VALUES"] or (before and before[-1] == "," and _in_values(tokens, i)):
        return frozenset({FUNCTION, KEYWORD}), None, ()
    if len(before) >= 2 and before[-2] == "PRAGMA":
        return frozenset({TABLE, VIEW}), None, ()
    return _EXPRESSION, None, ()


def _in_values(tokens: list[Token], i: int) -> bool:
    return any(t.upper == "VALUES" for t in tokens[:i])


def _after_clause(tokens: list[Token], i: int) -> _Decision:
    """The nearest clause keyword before the cursor is ``tokens[i]``."""
    keyword, last = tokens[i].upper, tokens[-1]
    fresh = i == len(tokens) - 1 or last.upper == "EXISTS"  # nothing typed after it yet
    previous = tokens[i - 1].upper if i else ""
    if keyword in ("FROM", "JOIN"):
        if fresh or last.text == ",":
            return frozenset({TABLE, VIEW}), None, ()
        return _AFTER_TABLE
    if keyword in ("INTO", "UPDATE", "REFERENCES"):
        return (frozenset({TABLE}), None, ()) if fresh else _AFTER_TABLE
    if keyword in ("TABLE", "VIEW", "INDEX", "TRIGGER"):
        return _named_object(tokens, i, keyword, fresh)
    if keyword == "ON" and _defines_index_or_trigger(tokens[:i]):
        return (frozenset({TABLE}), None, ()) if fresh else (frozenset({KEYWORD}), None, ())
    if keyword == "PRAGMA":
        return (frozenset({PRAGMA}), None, ()) if fresh else (frozenset(), None, ())
    if keyword == "COLUMN":
        table = _altered_table(tokens)
        dropping = previous in ("RENAME", "DROP")
        return (frozenset({COLUMN}), table, ()) if dropping and fresh else (frozenset(), None, ())
    if keyword in ("WITH", "RECURSIVE", "WINDOW") and fresh:
        return frozenset(), None, ()  # a new name comes next
    if keyword in ("VALUES", "LIMIT", "OFFSET"):
        return frozenset({FUNCTION, KEYWORD}), None, ()
    return _EXPRESSION, None, ()


def _named_object(tokens: list[Token], i: int, keyword: str, fresh: bool) -> _Decision:
    """``DROP TABLE |``, ``ALTER TABLE |``: existing names; ``CREATE TABLE |``: none."""
    verbs = [t.upper for t in tokens[:i] if t.upper in ("CREATE", "DROP", "ALTER")]
    verb = verbs[-1] if verbs else ""
    if not fresh:
        return frozenset({KEYWORD}), None, ()
    if verb in ("DROP", "ALTER"):
        kinds = {"TABLE": {TABLE}, "VIEW": {VIEW}, "INDEX": {INDEX}, "TRIGGER": {TRIGGER}}
        return frozenset(kinds[keyword]), None, ()
    return frozenset(), None, ()


def _defines_index_or_trigger(tokens: list[Token]) -> bool:
    words = [t.upper for t in tokens[:4]]
    return "CREATE" in words[:1] and ("INDEX" in words or "TRIGGER" in words)


def _altered_table(tokens: list[Token]) -> str | None:
    for i, token in enumerate(tokens[:-2]):
        if token.upper == "ALTER" and tokens[i + 1].upper == "TABLE" and tokens[i + 2].is_name:
            return tokens[i + 2].value
    return None


def _ctes(tokens: list[Token]) -> dict[str, tuple[str, ...]]:
    """CTE names (and their column lists, when given) of a ``WITH`` statement."""
    found: dict[str, tuple[str, ...]] = {}
    if not tokens or tokens[0].upper != "WITH":
        return found
    depth, expect_name = 0, True
    for i, token in enumerate(tokens[1:], start=1):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and token.text == ",":
            expect_name = True
        elif depth == 0 and token.upper in ("SELECT", "INSERT", "UPDATE", "DELETE", "VALUES"):
            break
        elif depth == 0 and expect_name and token.is_name:
            found[token.value] = _column_list(tokens, i + 1)
            expect_name = False
    return found


def _column_list(tokens: list[Token], i: int) -> tuple[str, ...]:
    if i >= len(tokens) or tokens[i].text != "(":
        return ()
    names = []
    for token in tokens[i + 1 :]:
        if token.text == ")":
            break
        if token.is_name:
            names.append(token.value)
    return tuple(names)


def _table_refs(tokens: list[Token], depth: int) -> tuple[TableRef, ...]:
    """Every ``FROM``/``JOIN``/``UPDATE``/``INTO`` target of the statement, with aliases.

    Those at the cursor's parenthesis ``depth`` come first: in a subquery (or
    after a CTE's body) its own tables matter most.
    """
    found: list[tuple[int, TableRef]] = []
    level = 0
    for i, token in enumerate(tokens):
        level += {"(": 1, ")": -1}.get(token.text, 0)
        if token.upper not in ("FROM", "JOIN", "UPDATE", "INTO"):
            continue
        j = i + 1
        while j < len(tokens):
            ref, j = _table_ref(tokens, j)
            if ref is None:
                break
            if ref not in [r for _, r in found]:
                found.append((0 if level == depth else 1, ref))
            if token.upper != "FROM" or j >= len(tokens) or tokens[j].text != ",":
                break
            j += 1
    return tuple(ref for _, ref in sorted(found, key=lambda pair: pair[0]))


def _table_ref(tokens: list[Token], j: int) -> tuple[TableRef | None, int]:
    """The table reference at ``tokens[j]`` (``[schema.]name [[AS] alias]``) and what follows."""
    if j >= len(tokens) or not tokens[j].is_name:
        return None, j
    name = tokens[j].value
    j += 1
    if j + 1 < len(tokens) and tokens[j].text == "." and tokens[j + 1].is_name:
        name, j = tokens[j + 1].value, j + 2
    if j < len(tokens) and tokens[j].upper == "AS":
        j += 1
    if j < len(tokens) and tokens[j].is_name:
        return TableRef(name, tokens[j].value), j + 1
    return TableRef(name), j
