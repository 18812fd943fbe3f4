"""``zen docs`` as a user runs it: a real subprocess over a real file."""

from __future__ import annotations

import json
from pathlib import Path

from docs_helpers import SCHEMAS, check_er_grammar, mermaid_block, run_zen
from zen_docs import document

import zen


def test_writes_markdown_to_the_output_file(shop: Path, tmp_path: Path) -> None:
    done = run_zen("docs", shop, "-o", "docs/schema.md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "docs" / "schema.md").read_text()
    with zen.open(shop) as db:
        assert written == document(db)
    assert "wrote docs/schema.md (markdown)" in done.stderr and done.stdout == ""
    assert check_er_grammar(mermaid_block(written)) == []


def test_html_by_flag_or_by_suffix(shop: Path, tmp_path: Path) -> None:
    by_flag = run_zen("docs", shop, "--format", "html", cwd=tmp_path)
    by_suffix = run_zen("docs", shop, "-o", "schema.html", cwd=tmp_path)
    assert by_flag.returncode == by_suffix.returncode == 0, by_flag.stderr + by_suffix.stderr
    assert by_flag.stdout.startswith("<!DOCTYPE html>")
    assert (tmp_path / "schema.html").read_text() == by_flag.stdout


def test_schema_file_comments_and_title(shop: Path, tmp_path: Path) -> None:
    done = run_zen("docs", shop, "--schema", SCHEMAS / "shop.sql", "--title", "Shop", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Schema of Shop\n")
    assert "- [products](#table-products) — What we sell." in done.stdout


def test_the_database_is_not_changed(shop: Path, tmp_path: Path) -> None:
    before = shop.read_bytes()
    assert run_zen("docs", shop, cwd=tmp_path).returncode == 0
    assert shop.read_bytes() == before


def test_errors_are_messages_with_exit_codes(shop: Path, tmp_path: Path) -> None:
    cases = [
        (["docs", shop, "--format", "pdf"], 2, "unknown format: pdf"),
        (["docs", tmp_path / "missing.db"], 1, "missing.db"),
        (["docs", shop, "--schema", tmp_path / "nope.sql"], 1, "no such schema file"),
    ]
    for args, code, text in cases:
        done = run_zen(*args, cwd=tmp_path)
        assert done.returncode == code, done.stderr
        assert text in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "missing.db").exists()


def test_zen_plugins_lists_the_docs_command(tmp_path: Path) -> None:
    done = run_zen("plugins", "--json", cwd=tmp_path)
    plugins = {p["name"]: p for p in json.loads(done.stdout)["plugins"]}
    assert plugins["docs"]["commands"] == ["docs"]
    assert plugins["docs"]["package"] == "zen-docs"
