"""Reading documentation comments and constraint texts from CREATE TABLE statements."""

from __future__ import annotations

import json

import pytest
from docs_helpers import FIXTURES
from zen_docs.comments import leading_comments, table_comments

CASES = json.loads((FIXTURES / "comments.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_table_comments(case: dict) -> None:
    found = table_comments(case["sql"])
    assert found.table == case["table"]
    assert found.columns == case["columns"]
    assert found.constraints == case["constraints"]
    assert found.checks == case.get("checks", {})


def test_leading_comments_come_from_the_schema_file() -> None:
    schema = (
        "-- Not attached: a blank statement follows.\n;\n"
        "-- Users of the app,\n-- one row each.\nCREATE TABLE users(id);\n"
        "CREATE TABLE plain(id);\n"
        '-- Temporary.\nCREATE TEMP TABLE IF NOT EXISTS main."tmp t"(id);\n'
        "-- An index is not a table.\nCREATE INDEX i ON users(id);\n"
    )
    assert leading_comments(schema) == {
        "users": "Users of the app, one row each.",
        "tmp t": "Temporary.",
    }
