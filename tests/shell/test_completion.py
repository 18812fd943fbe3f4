"""Completion, case by case from a fixture file: schema, text before the cursor, candidates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import zen
from zen.shell.commands import default_table
from zen.shell.completion import complete, sql_name
from zen.shell.schema_cache import SchemaCache

CASES = json.loads((Path(__file__).parent / "fixtures" / "completion_cases.json").read_text())


@pytest.fixture(scope="module")
def cache() -> Any:
    db = zen.open(":memory:")
    for statement in CASES["schema"]:
        db.sql(statement)
    yield SchemaCache(db)
    db.close()


def _candidates(text: str, cache: SchemaCache) -> list[str]:
    cursor = text.index("|")
    word, found = complete(text.replace("|", "", 1), cursor, cache, default_table())
    assert text[:cursor].endswith(word)  # the word replaced is the one before the cursor
    return [candidate.text for candidate in found]


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["id"] for c in CASES["cases"]])
def test_completion_case(case: dict[str, Any], cache: SchemaCache) -> None:
    found = _candidates(case["text"], cache)
    if "only" in case:
        assert found == case["only"]
    if "first" in case:
        assert found[: len(case["first"])] == case["first"]
    for name in case.get("includes", []):
        assert name in found
    for name in case.get("excludes", []):
        assert name not in found


def test_the_cache_refreshes_after_ddl(tmp_path: Path) -> None:
    with zen.open(tmp_path / "a.db") as db:
        cache = SchemaCache(db)
        assert _candidates("select * from ex|", cache) == []
        db.sql("create table extra(x)")
        assert _candidates("select * from ex|", cache) == ["extra"]
        assert _candidates("select | from extra", cache)[0] == "x"
        db.sql("alter table extra add column y")
        assert _candidates("select y| from extra", cache)[0] == "y"


def test_the_cache_sees_ddl_from_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with zen.open(path) as db, zen.open(path) as other:
        cache = SchemaCache(db)
        assert _candidates("select * from t|", cache) == []
        other.sql("create table things(x)")
        assert _candidates("select * from t|", cache) == ["things"]


def test_file_names_complete_for_file_arguments(tmp_path: Path, cache: SchemaCache) -> None:
    (tmp_path / "data.csv").write_text("a\n1\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / ".hidden").write_text("")
    assert _candidates(f".import {tmp_path}/d|", cache) == [
        f"{tmp_path}/data.csv",
        f"{tmp_path}/docs/",
    ]
    assert _candidates(f".read {tmp_path}/.h|", cache) == [f"{tmp_path}/.hidden"]


@pytest.mark.parametrize(
    ("name", "sql"),
    [("users", "users"), ("order", '"order"'), ("my table", '"my table"'), ('a"b', '"a""b"')],
)
def test_names_are_quoted_only_when_needed(name: str, sql: str) -> None:
    assert sql_name(name) == sql
