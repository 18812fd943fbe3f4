"""Shell completion scripts: fresh, and completing for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "completions"))
import generate  # noqa: E402


@pytest.mark.parametrize(("shell", "name"), sorted(generate.SCRIPTS.items()))
def test_scripts_are_fresh(shell: str, name: str) -> None:
    on_disk = (ROOT / "completions" / name).read_text(encoding="utf-8")
    assert on_disk == generate.script(shell), "run: python completions/generate.py"


def complete_bash(words: str) -> list[str]:
    env = {
        **os.environ,
        "_ZEN_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    done = subprocess.run(
        [sys.executable, "-m", "zen"], env=env, capture_output=True, text=True, check=False
    )
    return done.stdout.split()


def test_bash_completes_commands_and_options() -> None:
    assert complete_bash("zen sq") == ["sql"]
    assert "--format" in complete_bash("zen sql --fo")
