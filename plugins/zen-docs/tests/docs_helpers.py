"""Helpers for zen-docs' tests: fixture databases, a strict Mermaid ER grammar, a runner."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import zen

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMAS = FIXTURES / "schemas"
JS = Path(__file__).parent / "js"


def schema_db(path: Path, schema: str) -> Path:
    """A database at ``path`` built from the fixture schema ``schema``."""
    with zen.open(path) as db:
        db.script((SCHEMAS / schema).read_text())
    return path


def run_zen(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m zen ARGS`` as a user runs it."""
    env = {k: v for k, v in os.environ.items() if k not in {"ZEN_DB", "ZEN_NO_PLUGINS"}}
    return subprocess.run(
        [sys.executable, "-m", "zen", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def mermaid_block(markdown: str) -> str:
    """The text of the first ```mermaid block of a Markdown document."""
    match = re.search(r"^```mermaid\n(.*?)\n```$", markdown, re.MULTILINE | re.DOTALL)
    assert match, "no mermaid block"
    return match.group(1)


# A strict subset of Mermaid's erDiagram grammar (from mermaid 11's lexer rules):
# entity names are plain words (optionally labelled), attribute types and names are
# ATTRIBUTE_WORDs, keys PK/FK/UK, comments are double-quoted without quotes inside.
_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
_ATTRIBUTE_WORD = r"[*A-Za-z_][A-Za-z0-9\-_\[\]().,*]*"
_STRING = r'"[^"\n%#]*"'
_KEYS = r"(?:PK|FK|UK)(?:, ?(?:PK|FK|UK))*"
_ENTITY = re.compile(rf"^    ({_WORD})(?:\[({_STRING})\])? \{{$")
_ATTRIBUTE = re.compile(
    rf"^        {_ATTRIBUTE_WORD} {_ATTRIBUTE_WORD}(?: {_KEYS})?(?: {_STRING})?$"
)
_LEFT = r"(?:\|\||\|o|\}o|\}\|)"
_RIGHT = r"(?:\|\||o\||o\{|\|\{)"
_RELATION = re.compile(rf"^    ({_WORD}) {_LEFT}(?:--|\.\.){_RIGHT} ({_WORD}) : {_STRING}$")
RESERVED = {
    "end",
    "style",
    "class",
    "classdef",
    "subgraph",
    "one",
    "many",
    "only",
    "zero",
    "to",
    "u",
}


def check_er_grammar(text: str) -> list[str]:
    """Every violation of the strict grammar in ``text`` (empty when it conforms)."""
    lines = text.split("\n")
    errors = [] if lines[0] == "erDiagram" else [f"line 1: {lines[0]!r} is not 'erDiagram'"]
    declared: set[str] = set()
    in_entity = False
    for number, line in enumerate(lines[1:], start=2):
        if in_entity:
            if line == "    }":
                in_entity = False
            elif not _ATTRIBUTE.match(line):
                errors.append(f"line {number}: bad attribute {line!r}")
            continue
        if match := _ENTITY.match(line):
            name = match.group(1)
            if name.lower() in RESERVED or name in declared:
                errors.append(f"line {number}: entity name {name!r} reserved or repeated")
            declared.add(name)
            in_entity = True
        elif match := _RELATION.match(line):
            missing = {match.group(1), match.group(2)} - declared
            if missing:
                errors.append(f"line {number}: relationship to undeclared {sorted(missing)}")
        else:
            errors.append(f"line {number}: not an entity or relationship: {line!r}")
    if in_entity:
        errors.append("unterminated entity block")
    return errors
