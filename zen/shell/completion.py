"""Completion: SQL names that fit the clause, dot-commands and their arguments.

:func:`complete` is plain Python (text and cursor in, candidates out), so it is
tested and timed without a terminal; :class:`ShellCompleter` adapts it to
prompt_toolkit.

Example:
    >>> import zen
    >>> from zen.shell.commands import default_table
    >>> from zen.shell.schema_cache import SchemaCache
    >>> cache = SchemaCache(zen.open(":memory:"))
    >>> word, found = complete("sel", 3, cache, default_table())
    >>> word, found[0].text
    ('sel', 'select')
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zen.engine.catalog import quote_identifier
from zen.engine.errors import ZenError
from zen.shell import commands as dot
from zen.shell.commands import is_dot_command
from zen.shell.sqlcontext import (
    ALIAS,
    COLUMN,
    FUNCTION,
    INDEX,
    KEYWORD,
    KEYWORDS,
    PRAGMA,
    TABLE,
    TRIGGER,
    VIEW,
    Context,
    analyze,
)

if TYPE_CHECKING:
    from zen.shell.commands import CommandTable
    from zen.shell.schema_cache import SchemaCache

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SUBSTRING_KINDS = frozenset({COLUMN, TABLE, VIEW, "cte", FUNCTION, PRAGMA})


@dataclass(frozen=True)
class Candidate:
    """One completion.

    Attributes:
        text: What replaces the word being typed.
        kind: ``column``, ``table``, ``keyword``, ``command``, ``file``...
        meta: A short note shown beside it (the column's table, a command's summary).
        display: What the menu shows, when not ``text``.
    """

    text: str
    kind: str
    meta: str = ""
    display: str = ""


def complete(
    text: str, cursor: int, cache: SchemaCache, commands: CommandTable
) -> tuple[str, list[Candidate]]:
    """The word being completed and the candidates for it, best first."""
    line_start = text.rfind("\n", 0, cursor) + 1
    if is_dot_command(text) and line_start == 0:
        return complete_dot(text[:cursor], cache, commands)
    return complete_sql(text, cursor, cache)


# -- SQL ---------------------------------------------------------------------------


def complete_sql(text: str, cursor: int, cache: SchemaCache) -> tuple[str, list[Candidate]]:
    """Candidates for the SQL word at ``cursor``, by what the clause accepts."""
    context = analyze(text, cursor)
    if not context.wants:
        return context.word, []
    return context.word, _match(context.word, _pool(context, cache), context)


def _pool(context: Context, cache: SchemaCache) -> Iterator[Candidate]:
    """Every name that fits, in the order they should be offered."""
    wants = context.wants
    if COLUMN in wants:
        yield from _columns(context, cache)
    if ALIAS in wants:
        for ref in context.tables:
            yield Candidate(ref.alias or ref.name, ALIAS, ref.name if ref.alias else "table")
    if TABLE in wants:
        yield from (Candidate(name, "cte", "with") for name in context.ctes)
    for kind in (TABLE, VIEW, INDEX, TRIGGER):
        if kind in wants:
            yield from (Candidate(name, kind, kind) for name in cache.names(kind))
    if FUNCTION in wants:
        yield from (Candidate(name, FUNCTION, "function") for name in cache.functions())
    if PRAGMA in wants:
        yield from (Candidate(name, PRAGMA, "pragma") for name in cache.pragmas())
    if KEYWORD in wants:
        first = [k for k in context.keywords if k in KEYWORDS]
        rest = sorted(KEYWORDS.difference(first))
        yield from (Candidate(k, KEYWORD, "keyword") for k in [*first, *rest])


def _columns(context: Context, cache: SchemaCache) -> Iterator[Candidate]:
    seen: set[str] = set()
    for ref in context.tables:
        names = context.ctes.get(ref.name) or cache.columns(ref.name)
        for name in names:
            if name.lower() not in seen:
                seen.add(name.lower())
                yield Candidate(name, COLUMN, ref.alias or ref.name)


def _match(word: str, pool: Iterable[Candidate], context: Context) -> list[Candidate]:
    """Prefix matches first, then (for names) matches anywhere; each once."""
    typed = word.lstrip('"').replace('""', '"').lower()
    quoted = word.startswith('"')
    prefix: list[Candidate] = []
    inner: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    for candidate in pool:
        key = (candidate.text.lower(), candidate.kind)
        if key in seen:
            continue
        seen.add(key)
        name = candidate.text.lower()
        if name.startswith(typed):
            prefix.append(_shaped(candidate, context, quoted))
        elif len(typed) > 1 and candidate.kind in _SUBSTRING_KINDS and typed in name:
            inner.append(_shaped(candidate, context, quoted))
    return prefix + inner


def _shaped(candidate: Candidate, context: Context, quoted: bool) -> Candidate:
    """The text to insert: keywords in the user's case, names quoted when needed."""
    text = candidate.text
    if candidate.kind == KEYWORD:
        text = text.lower() if context.lower else text.upper()
    elif candidate.kind == FUNCTION:
        text = text.upper() if context.word.isupper() else text
    elif candidate.kind != PRAGMA:
        text = sql_name(text, quote=quoted)
    return Candidate(text, candidate.kind, candidate.meta, candidate.text)


def sql_name(name: str, *, quote: bool = False) -> str:
    """``name`` as SQL: bare when it can be, quoted otherwise (or when asked).

    Example:
        >>> sql_name("users"), sql_name("order"), sql_name("my table")
        ('users', '"order"', '"my table"')
    """
    if quote or not _PLAIN_NAME.fullmatch(name) or name.upper() in KEYWORDS:
        return quote_identifier(name)
    return name


# -- dot-commands --------------------------------------------------------------------


def complete_dot(
    line: str, cache: SchemaCache, commands: CommandTable
) -> tuple[str, list[Candidate]]:
    """Candidates for a dot-command line: command names, then each argument's kind."""
    body = line.lstrip()[1:]
    if " " not in body:
        word = "." + body
        found = [
            Candidate("." + c.name, "command", c.summary)
            for c in commands
            if ("." + c.name).startswith(word.lower())
        ]
        return word, found
    name, _, rest = body.partition(" ")
    try:
        command = commands.find(name)
    except ZenError:
        return "", []
    if command.raw:
        return complete_sql(rest, len(rest), cache)
    words = rest.split(" ")
    kind = command.arg_kind(len([w for w in words[:-1] if w]))
    return words[-1], _arguments(kind, words[-1], cache)


def _arguments(kind: str | None, word: str, cache: SchemaCache) -> list[Candidate]:
    if kind is None or kind in (dot.TEXT, dot.SQL):
        return []
    if kind == dot.FILE:
        return _files(word)
    if kind == dot.TABLE:
        names = cache.names("table", "view")
        typed = word.lower()
        chosen = [n for n in names if n.lower().startswith(typed)]
        return [Candidate(shlex.quote(n), TABLE, "table") for n in chosen]
    choices = kind.split("|")
    return [Candidate(c, "choice") for c in choices if c.startswith(word.lower())]


def _files(word: str) -> list[Candidate]:
    """Paths starting with ``word``; hidden ones only when asked for with a dot."""
    folder_text, prefix = os.path.split(word)
    folder = Path(folder_text or ".").expanduser()
    lead = folder_text if not folder_text or folder_text.endswith("/") else folder_text + "/"
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        if not entry.name.startswith(prefix) or (entry.name[0] == "." and prefix[:1] != "."):
            continue
        suffix = "/" if entry.is_dir() else ""
        text = lead + entry.name + suffix
        found.append(Candidate(text, "file", "", entry.name + suffix))
    return found
