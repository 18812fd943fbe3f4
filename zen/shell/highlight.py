"""Syntax highlighting of the input line with Pygments' SQL lexer, loaded on first use.

The prompt first draws an empty line, so Pygments is imported only once the
user types: it stays out of the time to the first prompt.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer


class LazySqlLexer(Lexer):
    """A prompt_toolkit lexer that highlights SQL, importing Pygments when needed."""

    def __init__(self) -> None:
        self._lexer: Lexer | None = None

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        """Styled fragments for each line of ``document``."""
        if not document.text:
            return lambda _line: []
        if self._lexer is None:
            from prompt_toolkit.lexers import PygmentsLexer

            # Imported by name: Pygments ships no type information.
            sql_lexer = importlib.import_module("pygments.lexers.sql").SqlLexer
            self._lexer = PygmentsLexer(sql_lexer)
        return self._lexer.lex_document(document)

    def invalidation_hash(self) -> object:
        """Changes when the Pygments lexer arrives, so lines are styled again."""
        return self._lexer is not None
