"""The prompt: prompt_toolkit's line editor set up for SQL.

- Enter runs the input once it is complete (``apsw.complete``: a ``;`` inside a
  string or a trigger body does not count), and adds a line otherwise.
- Completion follows the clause (:mod:`zen.shell.completion`), while typing.
- Highlighting, persistent history, Ctrl-R search, Ctrl-C clears the line and
  Ctrl-D on an empty line leaves (the loop in :mod:`zen.shell.app`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import apsw
from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition

from zen.engine.statements import strip_leading_comments
from zen.shell.commands import is_dot_command
from zen.shell.highlight import LazySqlLexer

if TYPE_CHECKING:
    from prompt_toolkit.history import History
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from zen.shell.session import Session

PROMPT = "zen> "
PROMPT_IN_TRANSACTION = "zen*> "
CONTINUATION = "...> "


def input_complete(text: str) -> bool:
    """True when Enter should run ``text``: a whole statement, a dot-command, or nothing.

    Example:
        >>> input_complete("select ';"), input_complete("select ';';"), input_complete(".tables")
        (False, True, True)
    """
    if not strip_leading_comments(text).strip() or is_dot_command(text):
        return True
    return bool(apsw.complete(text))


class ShellCompleter(Completer):
    """prompt_toolkit's view of :func:`zen.shell.completion.complete`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterator[Completion]:
        """Completions for the word before the cursor."""
        from zen.shell.completion import complete  # first used at the first keystroke

        session = self.session
        word, found = complete(
            document.text, document.cursor_position, session.cache, session.commands
        )
        for candidate in found:
            yield Completion(
                candidate.text,
                start_position=-len(word),
                display=candidate.display or candidate.text,
                display_meta=candidate.meta,
            )


def build_prompt(
    session: Session,
    *,
    history: History | None = None,
    input: Input | None = None,
    output: Output | None = None,
) -> PromptSession[str]:
    """A prompt for ``session`` (``input``/``output`` default to the terminal)."""

    def message() -> str:
        return PROMPT_IN_TRANSACTION if session.db.in_transaction else PROMPT

    def continuation(width: int, line_number: int, wrap_count: int) -> str:
        return CONTINUATION.rjust(width)

    def needs_more() -> bool:
        # The input line's text, not the current buffer's: during Ctrl-R the
        # current buffer is the search text, and flipping multiline mid-search
        # would swap prompt_toolkit's search control under it.
        return not input_complete(prompt.default_buffer.text)

    prompt: PromptSession[str] = PromptSession(
        message=message,
        multiline=Condition(needs_more),
        prompt_continuation=continuation,
        completer=ShellCompleter(session),
        complete_while_typing=True,
        lexer=LazySqlLexer(),
        history=history,
        search_ignore_case=True,
        input=input,
        output=output,
    )
    return prompt
