"""One shell session: the open database, its settings, and running what is typed.

The prompt loop, scripts on stdin and ``.read`` all come through
:meth:`Session.execute` or :meth:`Session.run_script`, so SQL and
dot-commands behave the same whichever way they arrive.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING

import apsw

from zen.engine.errors import ZenError
from zen.engine.statements import strip_leading_comments
from zen.shell.commands import CommandFailed, CommandTable, default_table, is_dot_command
from zen.shell.output import Output, Terminal
from zen.shell.runner import run_sql
from zen.shell.schema_cache import SchemaCache
from zen.shell.settings import Settings

if TYPE_CHECKING:
    from zen.api import Database


class Session:
    """The state of one shell session.

    Args:
        db: The open database (the session closes it).
        stdout: Where results go (unless redirected with ``.output``).
        stderr: Where messages and errors go.
        interactive: A person is typing: results are paged, changes reported.
        terminal: The screen, when ``stdout`` is one (width, colour, paging).
        settings: Initial settings (defaults otherwise).
        commands: The dot-command table (the built-ins otherwise).

    Example:
        >>> import io, zen
        >>> out = io.StringIO()
        >>> session = Session(zen.open(), stdout=out, stderr=io.StringIO())
        >>> session.settings.mode = "list"
        >>> session.execute("select 6 * 7 as answer;")
        True
        >>> out.getvalue()
        'answer\\n42\\n'
    """

    def __init__(
        self,
        db: Database,
        *,
        stdout: IO[str],
        stderr: IO[str],
        interactive: bool = False,
        terminal: Terminal | None = None,
        settings: Settings | None = None,
        commands: CommandTable | None = None,
    ) -> None:
        self.db = db
        self.stderr = stderr
        self.interactive = interactive
        self.settings = settings or Settings()
        self.output = Output(stdout, terminal)
        self.commands = commands or default_table()
        self.cache = SchemaCache(db)
        self.exit_code: int | None = None  # set by .quit: the loop then ends
        self.reading: list[Path] = []  # files being run by .read, innermost last

    # -- messages --------------------------------------------------------------------

    def message(self, text: str) -> None:
        """A line for the user on stderr (never mixed into results)."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def show_error(self, error: ZenError, *, where: str | None = None) -> None:
        """An error as the CLI prints it, prefixed by its place in a script."""
        text = error.render()
        self.message(f"{where}: {text}" if where else text)

    # -- running input ----------------------------------------------------------------

    def execute(self, text: str, *, where: str | None = None) -> bool:
        """Run one input (a dot-command line, or SQL); False when it failed."""
        if is_dot_command(text):
            return self.run_command(text.strip(), where=where)
        return run_sql(self, text, where=where)

    def run_command(self, line: str, *, where: str | None = None) -> bool:
        """Run a dot-command line; errors are shown, not raised."""
        try:
            self.commands.run(self, line)
        except CommandFailed:
            return False
        except ZenError as exc:
            self.show_error(exc, where=where)
            return False
        return True

    def run_script(self, lines: Iterable[str], source: str) -> bool:
        """Run a script statement by statement; stops at the first error (False).

        A statement runs as soon as it is complete, so a script read from a
        pipe starts before its end arrives. Dot-commands work on lines of
        their own.
        """
        pending: list[str] = []
        first = 0
        for number, line in enumerate(lines, start=1):
            if not pending and is_dot_command(line):
                if not self.run_command(line.strip(), where=f"{source}:{number}"):
                    return False
            elif pending or line.strip():
                first = first if pending else number
                pending.append(line)
                text = "".join(pending)
                if ";" in line and apsw.complete(text):
                    pending = []
                    if not run_sql(self, text, where=f"{source}:{first}"):
                        return False
            if self.exit_code is not None:
                return True
        rest = "".join(pending)
        if strip_leading_comments(rest).strip():
            return run_sql(self, rest, where=f"{source}:{first}")
        return True

    # -- the database ---------------------------------------------------------------------

    def open(self, path: str, *, read_only: bool = False) -> None:
        """Switch to another database; the current one is closed only once it opened."""
        from zen.api import open as open_database

        new = open_database(path, read_only=read_only, dialect=self.db.dialect)
        self.db.close()
        self.db = new
        self.cache.reset(new)

    def close(self) -> None:
        """Close the output file (if any) and the database."""
        self.output.close()
        self.db.close()
