"""Regenerate the shell completion scripts from the Typer app.

Run ``python completions/generate.py`` after changing the CLI's name or completion
settings; ``tests/test_completions.py`` fails while the files are stale.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = {"bash": "zen.bash", "zsh": "_zen", "fish": "zen.fish"}


def script(shell: str) -> str:
    """The completion script ``zen --show-completion SHELL`` prints."""
    done = subprocess.run(
        [sys.executable, "-m", "zen", "--show-completion", shell],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
    )
    return done.stdout


def main() -> None:
    """Write every script next to this file."""
    for shell, name in SCRIPTS.items():
        (HERE / name).write_text(script(shell), encoding="utf-8")
        print(f"wrote completions/{name}")


if __name__ == "__main__":
    main()
