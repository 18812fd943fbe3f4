"""Fixtures for the shell: a shop database, sessions writing to buffers, a key driver."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import zen
from zen.shell.output import Terminal
from zen.shell.session import Session
from zen.shell.settings import Settings

SHOP_SCHEMA = (Path(__file__).parents[1] / "fixtures" / "shop.sql").read_text("utf-8")

# A query that never ends on its own: only Ctrl-C (or closing the pager) stops it.
ENDLESS = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    """A database with users, orders, a view and an index."""
    path = tmp_path / "shop.db"
    with zen.open(path) as db:
        db.script(SHOP_SCHEMA)
    return path


@dataclass
class Shell:
    """A session whose results and messages go to buffers."""

    session: Session
    out: io.StringIO
    err: io.StringIO

    def run(self, text: str) -> bool:
        """Run one input as if typed; True when it succeeded."""
        return self.session.execute(text)

    def take(self) -> tuple[str, str]:
        """(results, messages) written since the last take."""
        out, err = self.out.getvalue(), self.err.getvalue()
        self.out.seek(0)
        self.out.truncate()
        self.err.seek(0)
        self.err.truncate()
        return out, err


ShellFactory = Callable[..., Shell]


@pytest.fixture
def make_shell(shop_db: Path) -> Iterator[ShellFactory]:
    """Build shells on the shop database (or ``path``); all are closed afterwards."""
    made: list[Shell] = []

    def make(
        path: Path | str | None = None,
        *,
        interactive: bool = False,
        terminal: Terminal | None = None,
        read_only: bool = False,
        dialect: str | None = None,
        **settings: Any,
    ) -> Shell:
        db = zen.open(path or shop_db, read_only=read_only, dialect=dialect)
        out, err = io.StringIO(), io.StringIO()
        options = {"mode": "list", "headers": False, **settings}
        session = Session(
            db,
            stdout=out,
            stderr=err,
            interactive=interactive,
            terminal=terminal,
            settings=Settings(**options),
        )
        shell = Shell(session, out, err)
        made.append(shell)
        return shell

    yield make
    for shell in made:
        shell.session.close()


# -- driving the real prompt ----------------------------------------------------------


@dataclass
class Driver:
    """Types into the real prompt from a second thread, as a person would.

    Steps are text to send, or waits until the prompt reaches a state (a
    completion arrived, the n-th input ran...). The prompt loop runs in the
    main thread, where Ctrl-C (SIGINT) is handled.
    """

    steps: list[Any] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    started: int = 0  # inputs the session began to run
    finished: int = 0  # inputs the session has run
    _inputs: int = 0
    _session: Session | None = None

    def send(self, text: str) -> Driver:
        self.steps.append(text)
        return self

    def wait_for(self, predicate: Callable[[Any], bool], what: str) -> Driver:
        self.steps.append((predicate, what))
        return self

    def submit(self, text: str) -> Driver:
        """Type ``text`` (ending in Enter) and wait until it has run and the prompt is back."""
        self._inputs += 1
        count = self._inputs
        self.send(text)
        return self.wait_for(
            lambda p: self.finished >= count and p.app.is_running, f"input {count} to run"
        )

    def wait_buffer(self, text: str) -> Driver:
        return self.wait_for(lambda p: p.app.current_buffer.text == text, f"buffer {text!r}")

    def interrupt(self, text: str) -> Driver:
        """Submit a query and press Ctrl-C (SIGINT) while it runs."""
        self._inputs += 1
        count = self._inputs
        self.send(text)
        self.wait_for(lambda p: self.started >= count, f"input {count} to start")
        self.steps.append("SIGINT")
        return self.wait_for(
            lambda p: self.finished >= count and p.app.is_running, f"input {count} to stop"
        )

    def run(self, pipe: Any, prompt: Any) -> None:
        for step in self.steps:
            if step == "SIGINT":
                time.sleep(0.3)  # let SQLite get into the query's loop
                os.kill(os.getpid(), signal.SIGINT)
            elif isinstance(step, str):
                pipe.send_text(step)
            elif not _poll(lambda check=step[0]: check(prompt)):
                self.failures.append(f"timed out waiting for {step[1]}")
                break
        _poll(lambda: prompt.app.is_running or self.quit, seconds=5)
        if self.quit:
            return  # the session ended by itself (.quit)
        if prompt.app.current_buffer.text:
            pipe.send_text("\x03")  # Ctrl-C: drop what a failed step left on the line
            _poll(lambda: prompt.app.is_running and not prompt.app.current_buffer.text, seconds=5)
        pipe.send_text("\x04")  # Ctrl-D: leave

    @property
    def quit(self) -> bool:
        """True once the session was told to end (``.quit``)."""
        return self._session is not None and self._session.exit_code is not None

    def watch(self, session: Session) -> None:
        """Count the inputs ``session`` runs, for the waits."""
        self._session = session
        execute = session.execute

        def counted(text: str, **options: Any) -> bool:
            self.started += 1
            try:
                return execute(text, **options)
            finally:
                self.finished += 1

        session.execute = counted  # type: ignore[method-assign]


def _poll(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Exception:  # the prompt is between states: look again
            pass
        time.sleep(0.01)
    return False


def drive(shell: Shell, driver: Driver, *, history: Any = None) -> tuple[int, Any]:
    """Run the prompt loop of ``shell`` with ``driver`` typing; returns (exit code, prompt)."""
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from zen.shell.app import run_interactive
    from zen.shell.prompt import build_prompt

    with create_pipe_input() as pipe:
        prompt = build_prompt(
            shell.session,
            history=history or InMemoryHistory(),
            input=pipe,
            output=DummyOutput(),
        )
        driver.watch(shell.session)
        typist = threading.Thread(target=driver.run, args=(pipe, prompt), daemon=True)
        typist.start()
        code = run_interactive(shell.session, prompt)
        typist.join(timeout=10)
    assert not driver.failures, driver.failures
    return code, prompt
