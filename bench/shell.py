"""Shell benchmarks: start to prompt, completion on a wide schema, first rows of a huge table.

Bars (from the shell issue):

* ``zen shell DB``: the prompt shows within 300 ms of the process starting (in a pty).
* Completion on a 500-table, 20-column schema: at most 50 ms per popup, cold cache.
* ``select * from`` a 10M-row table: the first 40 rows reach the pager within 100 ms,
  and streaming all of it keeps memory flat (peak RSS as for a 20k-row table).

The sqlite3 CLI's start to prompt is printed beside zen's for scale (no bar).
"""

from __future__ import annotations

import fcntl
import functools
import io
import os
import pty
import select
import signal
import sqlite3
import struct
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._data import count_lines
from bench._harness import Bar, BenchError, Call, Case, Command, Contender, Context, Sample, Suite

SUITE = Suite("shell", "zen shell: start-up, completion, streaming a huge result")

SQLITE3 = "/usr/bin/sqlite3"
_BIG_ROWS, _QUICK_ROWS, _SMALL_ROWS = 10_000_000, 20_000, 20_000
_SCREEN = (40, 120)  # rows, columns of the pseudo-terminal
_CPR_REQUEST, _CPR_ANSWER = b"\x1b[6n", b"\x1b[1;1R"


# -- data --------------------------------------------------------------------------------


def _rows_db(ctx: Context, rows: int) -> Path:
    """A table ``t`` of ``rows`` rows, built by SQLite itself (seconds for 10M rows)."""

    def build(path: Path) -> None:
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, note TEXT)")
            conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                "INSERT INTO t SELECT i, 'user ' || i, (i * 7919 % 1000) / 10.0, "
                "CASE WHEN i % 3 THEN 'note ' || (i % 97) END FROM n",
                (rows,),
            )
            conn.commit()
        finally:
            conn.close()

    return ctx.data.cached(f"shell-rows-{rows}-v1.db", build)


def _wide_db(ctx: Context, tables: int = 500, columns: int = 20) -> Path:
    """``tables`` tables of ``columns`` columns each, with a few indexes and views."""

    def build(path: Path) -> None:
        conn = sqlite3.connect(path)
        try:
            for t in range(tables):
                cols = ", ".join(f"c_{c:02d} TEXT" for c in range(columns))
                conn.execute(f"CREATE TABLE t_{t:04d}(id INTEGER PRIMARY KEY, {cols})")
                if t % 10 == 0:
                    conn.execute(f"CREATE INDEX t_{t:04d}_c00 ON t_{t:04d}(c_00)")
                    conn.execute(f"CREATE VIEW v_{t:04d} AS SELECT * FROM t_{t:04d}")
            conn.commit()
        finally:
            conn.close()

    return ctx.data.cached(f"shell-wide-{tables}x{columns}-v1.db", build)


# -- start to prompt ---------------------------------------------------------------------


@dataclass
class PromptTimer:
    """Starts an interactive program in a pseudo-terminal; times spawn to its prompt.

    It answers the cursor-position request a real terminal answers, then kills
    the program once the prompt shows (what follows is not start-up).
    """

    argv: Sequence[str | os.PathLike[str]]
    prompt: bytes
    env: dict[str, str] | None = None

    def unavailable(self) -> str | None:
        exe = Path(os.fspath(self.argv[0]))
        return None if exe.is_file() else f"{exe} not found"

    def run(self, *, verify: bool = False) -> Sample:
        start = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: a terminal of a fixed size, then the program
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", *_SCREEN, 0, 0))
            args = [os.fspath(a) for a in self.argv]
            os.execve(args[0], args, self.env or dict(os.environ))
        try:
            shown = _read_until(fd, self.prompt)
            return Sample(time.perf_counter() - start) if shown else self._fail(fd)
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)

    def _fail(self, fd: int) -> Sample:
        raise BenchError(f"{self.argv[0]}: no prompt {self.prompt!r} within 10 s")


def _read_until(fd: int, prompt: bytes, seconds: float = 10) -> bool:
    seen, answered = b"", False
    deadline = time.monotonic() + seconds
    while prompt not in seen:
        if not answered and _CPR_REQUEST in seen:
            os.write(fd, _CPR_ANSWER)
            answered = True
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        try:
            seen += os.read(fd, 65536)
        except OSError:  # the program exited
            return False
    return True


@SUITE.case("startup")
def startup(ctx: Context) -> Case:
    """Spawn of ``zen shell DB`` in a terminal until its prompt is drawn."""
    db = ctx.copy(_rows_db(ctx, 1_000), "startup.db")
    env = {**os.environ, "XDG_DATA_HOME": str(ctx.path("xdg"))}  # a fresh history file
    return Case(
        title="`zen shell DB` in a 120x40 pty: spawn to prompt",
        contenders={
            "zen": PromptTimer([ctx.zen, "shell", db], b"zen>", env),
            "sqlite3-CLI": PromptTimer([SQLITE3, db], b"sqlite>", env),
        },
        bars=[Bar("zen", "<=", 0.300)],
        repeat=ctx.repeats(20, quick=3),
        notes=["sqlite3-CLI is for scale: a C program with no line editor to load"],
    )


# -- completion --------------------------------------------------------------------------

_COMPLETIONS = {
    "from": "select * from t_04",  # 500 tables and 50 views, filtered by prefix
    "join": "select * from t_0250 a join t_0499 b on a.c_01 = b.",  # one table's columns
    "where": "select * from t_0001 x, t_0002 y, t_0003 z where c_1",  # 3 tables' columns
}


def _completer(db_path: Path, *, warm: bool) -> Callable[[str], list[Any]]:
    """A function running the shell's completer on text, as the prompt does."""
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    import zen
    from zen.shell.prompt import ShellCompleter
    from zen.shell.session import Session

    db = zen.open(db_path, read_only=True)
    session = Session(db, stdout=io.StringIO(), stderr=io.StringIO())
    completer = ShellCompleter(session)

    def complete(text: str) -> list[Any]:
        if not warm:
            session.cache.reset()  # every popup pays for reading the schema again
        return list(completer.get_completions(Document(text), CompleteEvent()))

    return complete


def _non_empty(value: object) -> None:
    if not value:
        raise BenchError("the completer offered nothing")


@SUITE.case("complete")
def complete(ctx: Context) -> Case:
    """One completion popup on a 500-table x 20-column schema (cold and warm cache)."""
    db = _wide_db(ctx)
    cold = _completer(db, warm=False)
    warm = _completer(db, warm=True)
    contenders: dict[str, Contender] = {
        f"{name}-cold": Call(functools.partial(cold, text), check=_non_empty)
        for name, text in _COMPLETIONS.items()
    }
    contenders["where-warm"] = Call(lambda: warm(_COMPLETIONS["where"]), check=_non_empty)
    return Case(
        title="completion popup, 500 tables x 20 columns (schema read again for -cold)",
        contenders=contenders,
        bars=[Bar(name, "<=", 0.050) for name in contenders],
        repeat=ctx.repeats(30, quick=3),
        notes=["ratios compare the contexts with one another (no peer)"],
    )


# -- a huge result -----------------------------------------------------------------------


def _first_screen(ctx: Context, db: Path, shown: Path) -> Callable[[], object]:
    """Run ``select * from t`` in an interactive session whose pager reads one screen."""
    import zen
    from zen.shell.output import Terminal
    from zen.shell.session import Session

    rows, columns = _SCREEN[0] + 3, _SCREEN[1]  # 40 rows of data plus the table's header
    session = Session(
        zen.open(db, read_only=True),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        interactive=True,
        terminal=Terminal(lambda: (columns, rows), color=True),
    )
    # A pager that shows one screen and quits, as a user pressing q at once.
    session.settings.pager_command = f"head -n {rows} > {shown}"
    return lambda: session.execute("select * from t;")


def _screen_check(shown: Path) -> Callable[[object], None]:
    def check(ok: object) -> None:
        lines = count_lines(shown)
        if ok is not True or lines != _SCREEN[0] + 3:
            raise BenchError(f"the pager got {lines} lines (ok={ok})")

    return check


@SUITE.case("first-rows")
def first_rows(ctx: Context) -> Case:
    """From Enter to the first 40 rows in the pager, on a 10M-row table."""
    rows = ctx.size(_BIG_ROWS, _QUICK_ROWS)
    db = _rows_db(ctx, rows)
    shown = ctx.path("screen.txt")
    return Case(
        title=f"`select * from t` ({rows:,} rows): Enter to 40 rows in the pager, pager quits",
        contenders={"zen": Call(_first_screen(ctx, db, shown), check=_screen_check(shown))},
        bars=[Bar("zen", "<=", 0.100)],
        repeat=ctx.repeats(20, quick=3),
        notes=["includes starting the pager process and closing the query when it quits"],
    )


@SUITE.case("stream")
def stream(ctx: Context) -> Case:
    """Peak memory of printing a whole huge table as a box table (streamed)."""
    rows = ctx.size(_BIG_ROWS, _QUICK_ROWS * 5)
    big, small = _rows_db(ctx, rows), _rows_db(ctx, _SMALL_ROWS)
    script = ctx.path("select.sql")
    script.write_text("select * from t;\n")

    def check(count: int) -> Callable[[Path], None]:
        def verify(out: Path) -> None:
            lines = count_lines(out)
            if lines != count + 4:  # borders and header
                raise BenchError(f"expected {count + 4} lines, got {lines}")

        return verify

    def shell(db: Path) -> list[str | Path]:
        return [ctx.zen, "shell", db, "--mode", "box"]

    return Case(
        title=f"`zen shell DB --mode box < select.sql`: {rows:,} vs {_SMALL_ROWS:,} rows",
        contenders={
            f"zen-{rows:,}": Command(shell(big), stdin=script, check=check(rows)),
            f"zen-{_SMALL_ROWS:,}": Command(shell(small), stdin=script, check=check(_SMALL_ROWS)),
        },
        bars=[
            Bar(f"zen-{rows:,}", "<=", 1.25, peer=f"zen-{_SMALL_ROWS:,}", metric="peak_rss"),
            Bar(f"zen-{rows:,}", "<", 100e6, metric="peak_rss"),
        ],
        repeat=ctx.repeats(1, quick=1),
        notes=["memory is flat when the big table's peak RSS is the small one's"],
    )
