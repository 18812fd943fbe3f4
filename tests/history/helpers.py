"""Helpers shared by the history tests: canonical dumps of a database's user state, two
branches to merge, and the round trip a new record must survive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import apsw

from zen.engine.core import Engine
from zen.history import History

INTERNAL = ("sqlite_", "_zen_")


def _sort_key(value: Any) -> tuple[int, Any]:
    order = {type(None): 0, int: 1, float: 1, str: 2, bytes: 3}
    return (order.get(type(value), 9), value if value is not None else 0)


def dump(conn: apsw.Connection) -> dict[str, Any]:
    """The user schema and every table's rows (rowid included where it is the key)."""
    schema = sorted(
        (t, n, tb, s)
        for t, n, tb, s in conn.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_schema")
        if s is not None
        and not n.lower().startswith(INTERNAL)
        and not tb.lower().startswith(INTERNAL)
    )
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for kind, name, _tbl, sql in schema:
        if kind != "table":
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        info = list(conn.execute(f"PRAGMA main.table_info({quoted})"))
        has_pk = any(r[5] for r in info)
        without_rowid = "WITHOUT ROWID" in sql.upper()
        select = "*" if has_pk or without_rowid else "rowid, *"
        found = [tuple(r) for r in conn.execute(f"SELECT {select} FROM main.{quoted}")]
        rows[name] = sorted(found, key=lambda r: [_sort_key(v) for v in r])
    return {"schema": schema, "rows": rows}


def diverge(path: Path, base: str, ours: str, theirs: str) -> History:
    """A database at ``base`` on main, ``ours`` committed on main, ``theirs`` on branch other."""
    engine = Engine(path)
    engine.script(base)
    history = History.init(engine, author="tester")
    history.create_branch("other")
    history.engine.script(ours)
    history.switch("other")
    history.engine.script(theirs)
    history.switch("main")
    return history


def assert_round_trip(history: History, before: dict[str, Any], after: dict[str, Any]) -> None:
    """The newest commit passes fsck, and rewinding it and back gives both states again."""
    assert history.fsck().ok, history.fsck().problems
    history.rewind("HEAD~1")
    assert dump(history.conn) == before
    history.rewind("HEAD~1")
    assert dump(history.conn) == after
