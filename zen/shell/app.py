"""``zen shell``: the prompt loop, or a script read from stdin.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> main(":memory:", stdin=io.StringIO("select 1 + 1;"), stdout=out, stderr=io.StringIO())
    0
    >>> out.getvalue()
    '2\\n'
"""

from __future__ import annotations

import os
import sys
from typing import IO, TYPE_CHECKING

from zen.shell.output import Terminal
from zen.shell.session import Session
from zen.shell.settings import Settings, check_mode

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession


def main(
    path: str = ":memory:",
    *,
    read_only: bool = False,
    dialect: str | None = None,
    mode: str | None = None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the shell on ``path``; returns the exit code.

    With a terminal on stdin, a person types at a prompt; otherwise stdin is a
    script, run statement by statement, stopping with exit code 1 at the first
    error (like ``sqlite3 -bail``).

    Raises:
        ZenError: The database cannot be opened.
    """
    from zen.api import open as open_database

    source = stdin or sys.stdin
    out = stdout or sys.stdout
    interactive = _isatty(source)
    terminal = _terminal(out)
    settings = Settings(
        mode=check_mode(mode) if mode else ("box" if terminal else "list"),
        headers=terminal is not None,
        bail=not interactive,
    )
    db = open_database(path, read_only=read_only, dialect=dialect)
    session = Session(
        db,
        stdout=out,
        stderr=stderr or sys.stderr,
        interactive=interactive,
        terminal=terminal,
        settings=settings,
    )
    try:
        if interactive:
            return run_interactive(session)
        ok = session.run_script(source, "stdin")
        return session.exit_code if session.exit_code is not None else (0 if ok else 1)
    finally:
        session.close()


def run_interactive(session: Session, prompt: PromptSession[str] | None = None) -> int:
    """Read and run input until Ctrl-D or ``.quit``; Ctrl-C clears the line."""
    if prompt is None:
        from prompt_toolkit.output import create_output

        from zen.shell.history import make_history
        from zen.shell.prompt import build_prompt

        # With stdout redirected (results to a file), the prompt stays on the terminal.
        output = create_output(always_prefer_tty=True)
        prompt = build_prompt(session, history=make_history(), output=output)
        _banner(session)
    while session.exit_code is None:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if text.strip() and not session.execute(text) and session.settings.bail:
            return 1
    return session.exit_code or 0


def _banner(session: Session) -> None:
    from zen._version import __version__

    where = "an in-memory database" if session.db.path == ":memory:" else session.db.path
    mode = " (read-only)" if session.db.read_only else ""
    session.message(f"zen {__version__} shell on {where}{mode}. .help for help, Ctrl-D to quit.")


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _terminal(stream: IO[str]) -> Terminal | None:
    """The screen behind ``stream``, when it is one."""
    if not _isatty(stream):
        return None
    fd = stream.fileno()

    def size() -> tuple[int, int]:
        try:
            columns, rows = os.get_terminal_size(fd)
        except OSError:
            return 80, 24
        return columns, rows

    return Terminal(size, color=not os.environ.get("NO_COLOR"))
