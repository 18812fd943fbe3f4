"""The ``zen`` command. Thin: parse, call :mod:`zen.api`, render.

Modules here import only what their command needs, so ``zen sql`` starts fast.
"""

from __future__ import annotations

import os
import sys

from zen.engine.errors import EXIT_ERROR, ZenError


def main() -> None:
    """Console-script entry point: runs the Typer app, turns errors into exit codes."""
    from zen.cli.app import app

    try:
        app(prog_name="zen")
    except ZenError as exc:
        _fail(exc.render(), exc.exit_code)
    except KeyboardInterrupt:
        _fail("error: interrupted", EXIT_ERROR)
    except BrokenPipeError:
        # The reader (head, less) went away: not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


def _fail(text: str, code: int) -> None:
    sys.stdout.flush()
    print(text, file=sys.stderr)
    sys.exit(code)
