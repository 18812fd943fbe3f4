"""The docs site: the tutorial runs as written, the CLI reference is fresh, the site builds.

Tutorial conventions (docs/tutorial.md):

* a ```` ```console ```` block holds commands (lines starting with ``$ ``), each followed by
  its expected output; every command must exit 0 (a page that shows a failure writes
  ``cmd || echo "exit code $?"``);
* a fenced block with ``title="NAME"`` is a file the reader saves: it is written to NAME;
* expected lines must appear in the output, in order (other lines may come between);
  a line ``...`` only marks elided output, ``...`` inside a line matches anything, runs
  of spaces compare equal, and commit ids and times are compared as placeholders.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))
import gen_cli_reference  # noqa: E402

FENCE = re.compile(r"^```(?P<lang>[\w+-]*)(?P<attrs>[^\n]*)$")
TITLE = re.compile(r'title="(?P<name>[^"]+)"')
COMMIT_ID = re.compile(r"\b[0-9a-f]{12}\b")
TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\b")


@dataclass(frozen=True)
class Step:
    """A file to write (``command`` None) or a command with its expected output."""

    text: str
    command: str | None = None
    file: str | None = None


def fenced_blocks(markdown: str) -> list[tuple[str, str, list[str]]]:
    """Top-level fenced blocks as (language, attributes, lines)."""
    blocks: list[tuple[str, str, list[str]]] = []
    current: tuple[str, str, list[str]] | None = None
    for line in markdown.splitlines():
        if current is None:
            match = FENCE.match(line)
            if match:
                current = (match["lang"], match["attrs"], [])
        elif line == "```":
            blocks.append(current)
            current = None
        else:
            current[2].append(line)
    assert current is None, "unclosed code fence"
    return blocks


def tutorial_steps(markdown: str) -> list[Step]:
    steps: list[Step] = []
    for lang, attrs, lines in fenced_blocks(markdown):
        title = TITLE.search(attrs)
        if title:
            steps.append(Step("\n".join(lines) + "\n", file=title["name"]))
        elif lang == "console":
            steps.extend(_commands(lines))
    return steps


def _commands(lines: list[str]) -> list[Step]:
    steps: list[Step] = []
    for line in lines:
        if line.startswith("$ "):
            steps.append(Step("", command=line[2:]))
        else:
            assert steps, f"output before any command: {line!r}"
            last = steps.pop()
            steps.append(Step(last.text + line + "\n", command=last.command))
    return steps


def _normal(line: str) -> str:
    line = TIMESTAMP.sub("<time>", COMMIT_ID.sub("<id>", line))
    return " ".join(line.split())


def _pattern(expected: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in _normal(expected).split("...")]
    return re.compile(".*".join(parts))


def missing_lines(expected: str, actual: str) -> list[str]:
    """Expected lines not found, in order, in ``actual`` (empty when all are there)."""
    got = [_normal(line) for line in actual.splitlines()]
    position = 0
    for line in expected.splitlines():
        if not line.strip() or line.strip() == "...":
            continue
        pattern = _pattern(line)
        while position < len(got) and not pattern.fullmatch(got[position]):
            position += 1
        if position == len(got):
            return [line]
        position += 1
    return []


def _tutorial_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEN_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        NO_COLOR="1",
        PYTHONUNBUFFERED="1",  # stdout and stderr interleave as on a terminal
        ZEN_HISTORY="",  # the shell keeps no history file
        ZEN_NO_PLUGINS="1",
        COLUMNS="100",
    )
    return env


# -- the conventions themselves -------------------------------------------------------------


def test_matching_rules() -> None:
    actual = "[main 0123456789ab] load\nnoise\nformat  table   project (/tmp/x/zen.toml)\n"
    assert missing_lines("[main fedcba987654] load\n...\nformat table project (...)", actual) == []
    assert missing_lines("format table project (...)\n[main 0123456789ab] load", actual) == [
        "[main 0123456789ab] load"  # out of order
    ]
    assert missing_lines("format table user (...)", actual) == ["format table user (...)"]


def test_steps_are_parsed_in_order() -> None:
    page = '```text title="a.csv"\nx\n1\n```\n\n```console\n$ cat a.csv\nx\n1\n$ true\n```\n'
    assert tutorial_steps(page) == [
        Step("x\n1\n", file="a.csv"),
        Step("x\n1\n", command="cat a.csv"),
        Step("", command="true"),
    ]


# -- the tutorial --------------------------------------------------------------------------


@pytest.mark.slow
def test_tutorial_runs_end_to_end(tmp_path: Path) -> None:
    steps = tutorial_steps((DOCS / "tutorial.md").read_text(encoding="utf-8"))
    commands = [step.command for step in steps if step.command]
    for needed in ("zen init", "zen import", "zen export", "zen commit -m", "zen log",
                   "zen diff", "zen rewind", "zen migrate", "zen vector", "| zen"):  # fmt: skip
        assert any(needed in command for command in commands), needed
    env = _tutorial_env(tmp_path)
    work = tmp_path / "shop"
    work.mkdir()
    for step in steps:
        if step.file is not None:
            (work / step.file).write_text(step.text, encoding="utf-8")
            continue
        assert step.command is not None
        done = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {step.command}"],
            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=120,
        )  # fmt: skip
        context = f"$ {step.command}\n{done.stdout}"
        assert done.returncode == 0, context
        assert missing_lines(step.text, done.stdout) == [], context


# -- the CLI reference and the site ----------------------------------------------------------


def test_cli_reference_is_fresh() -> None:
    on_disk = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    assert on_disk == gen_cli_reference.render(), "run: python docs/gen_cli_reference.py"


def test_cli_reference_covers_every_builtin_command() -> None:
    from zen.cli.app import root_command

    page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    root = root_command()
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        assert f"## `zen {name}`" in page
        for sub in getattr(command, "commands", {}):
            assert f"### `zen {name} {sub}`" in page


def test_every_page_is_in_the_nav() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert pages, "no pages"
    assert {page for page in pages if page not in config} == set()


@pytest.mark.slow
def test_site_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-5000:]
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "zen.api.Database" in api and "import_file" in api  # mkdocstrings rendered the API
    tutorial = (tmp_path / "site" / "tutorial" / "index.html").read_text(encoding="utf-8")
    assert "zen rewind HEAD~1" in tutorial
