"""The Mermaid ER diagram: safe names, a strict grammar check, and mermaid's own parser."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docs_helpers import JS, SCHEMAS, check_er_grammar, mermaid_block, schema_db
from zen_docs import document
from zen_docs.mermaid import entity_ids

import zen

SCHEMA_FILES = sorted(p.name for p in SCHEMAS.glob("*.sql"))


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["users", "Orders"], ["users", "Orders"]),
        (["user accounts", "user_accounts"], ["user_accounts", "user_accounts_2"]),
        (["end", "one", "Style", "class"], ["t_end", "t_one", "t_Style", "t_class"]),
        (["1st", "café", "a-b"], ["t_1st", "caf_", "a_b"]),
        (["", "x"], ["t", "x"]),
    ],
)
def test_entity_ids_are_distinct_plain_words(names: list[str], expected: list[str]) -> None:
    assert list(entity_ids(names).values()) == expected


BAD_DIAGRAMS = [
    ("graph TD\n    a --> b", "is not 'erDiagram'"),
    ("erDiagram\n    user accounts {\n    }", "not an entity or relationship"),
    ("erDiagram\n    end {\n    }", "reserved"),
    ("erDiagram\n    a {\n        DOUBLE PRECISION x\n    }", "bad attribute"),
    ('erDiagram\n    a {\n        INTEGER id PK "say "hi""\n    }', "bad attribute"),
    ("erDiagram\n    a {\n        INTEGER id\n", "unterminated"),
    ('erDiagram\n    a {\n    }\n    a ||--o{ b : "x"', "undeclared ['b']"),
    ('erDiagram\n    a {\n    }\n    a ||->o{ a : "x"', "not an entity or relationship"),
]


@pytest.mark.parametrize(("text", "error"), BAD_DIAGRAMS)
def test_the_grammar_check_rejects_what_mermaid_rejects(text: str, error: str) -> None:
    errors = check_er_grammar(text)
    assert errors and any(error in e for e in errors), errors


def _diagrams(root: Path) -> list[Path]:
    files = []
    for schema in SCHEMA_FILES:
        path = schema_db(root / f"{schema}.db", schema)
        with zen.open(path) as db:
            target = root / f"{schema}.mmd"
            target.write_text(mermaid_block(document(db)))
            files.append(target)
    return files


@pytest.mark.parametrize("schema", SCHEMA_FILES)
def test_fixture_diagrams_pass_the_strict_grammar(tmp_path: Path, schema: str) -> None:
    path = schema_db(tmp_path / "db.sqlite", schema)
    with zen.open(path) as db:
        diagram = mermaid_block(document(db))
        tables = db.tables(views=False)
    assert check_er_grammar(diagram) == []
    assert diagram.count(" {\n") == len(tables)


def _mermaid_checker() -> Path:
    """tests/js installed once into a cache folder (npm registry, then offline)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed to run mermaid's parser (install nodejs)")
    manifest = (JS / "package.json").read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = cache / "zen-docs-mermaid" / hashlib.sha256(manifest).hexdigest()[:12]
    if not (folder / "node_modules" / "mermaid").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(JS / "package.json", folder / "package.json")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            check=True,
            timeout=600,
        )
    shutil.copy(JS / "check.mjs", folder / "check.mjs")
    return folder / "check.mjs"


@pytest.mark.slow
def test_mermaid_itself_parses_every_fixture_diagram(tmp_path: Path) -> None:
    checker = _mermaid_checker()
    files = _diagrams(tmp_path)
    broken = tmp_path / "broken.mmd"
    broken.write_text('erDiagram\n    a {\n        INTEGER id PK "unclosed\n    }\n')
    done = subprocess.run(
        ["node", str(checker), *map(str, files), str(broken)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = {Path(r["file"]).name: r for r in map(json.loads, done.stdout.splitlines())}
    assert done.returncode == 1  # the broken control diagram fails...
    assert results.pop("broken.mmd")["ok"] is False
    assert {name: r["ok"] for name, r in results.items()} == {f.name: True for f in files}
    assert {r["type"] for r in results.values()} == {"er"}
