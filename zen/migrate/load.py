"""The desired schema: a .sql file or folder, run in a scratch in-memory database.

SQLite itself parses the DDL, so what is compared is what SQLite would build,
whatever the spelling. ``--dialect postgres`` files are transpiled with sqlglot
first. Rename hints (``-- zen: renamed from old``) are read from the source.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import apsw

from zen.engine.connection import MEMORY, open_connection
from zen.engine.errors import NotFoundError, SqlError, UsageError, ZenError, from_apsw
from zen.engine.statements import split_statements, strip_leading_comments
from zen.migrate.model import Schema, introspect
from zen.migrate.sqltext import Token, rename_hints, tokenize, unquote


@dataclass
class Hints:
    """Rename hints: ``{new table: old table}`` and ``{table: {new column: old}}``."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Loaded:
    """A schema read from SQL text, with the rename hints its comments give."""

    schema: Schema
    hints: Hints
    source: str


def schema_files(path: Path) -> list[Path]:
    """The .sql files a path stands for: itself, or a folder's files in name order.

    Raises:
        NotFoundError: The path does not exist or the folder has no .sql file.
    """
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.sql") if p.is_file())
        if not files:
            raise NotFoundError(f"no .sql files in {path}", hint="put your CREATE statements there")
        return files
    if not path.is_file():
        raise NotFoundError(
            f"no such schema file: {path}", hint="pass --schema PATH (a .sql file or a folder)"
        )
    return [path]


def read_schema_text(path: Path) -> str:
    """The text of a schema file or folder (files joined in name order)."""
    parts = []
    for file in schema_files(path):
        try:
            parts.append(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ZenError(f"cannot read {file}: {exc}") from None
    return "\n;\n".join(parts)


def load_file(path: str | os.PathLike[str], *, dialect: str | None = None) -> Loaded:
    """Load the schema in a .sql file or folder.

    Example:
        >>> load_file("schema.sql").schema.tables.keys()  # doctest: +SKIP
        dict_keys(['users', 'orders'])
    """
    target = Path(path)
    return load_sql(read_schema_text(target), dialect=dialect, origin=str(target))


def load_sql(sql: str, *, dialect: str | None = None, origin: str = "schema") -> Loaded:
    """Run DDL in a scratch in-memory database and introspect the result.

    Raises:
        UsageError: The text holds something other than schema statements.
        SqlError: SQLite rejected a statement (the message names ``origin``).

    Example:
        >>> load_sql("create table t(a int)").schema.tables["t"].columns[0].type
        'INT'
    """
    if dialect and dialect.lower() != "sqlite":
        from zen.engine.dialect import transpile

        sql = transpile(sql, dialect)
    conn = open_connection(MEMORY)
    try:
        hints = _run(conn, sql, origin)
        return Loaded(introspect(conn), hints, sql)
    finally:
        conn.close()


def scratch_copy(schema: Schema) -> apsw.Connection:
    """An in-memory database holding ``schema`` (no rows), to try steps on."""
    conn = open_connection(MEMORY)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")
    for sql in schema.ddl():
        conn.execute(sql)
    conn.execute("COMMIT")
    return conn


_ALLOWED = {"create", "drop", "alter", "pragma"}
_SKIPPED = {"begin", "commit", "end"}


def _run(conn: apsw.Connection, sql: str, origin: str) -> Hints:
    hints = Hints()
    conn.execute("BEGIN")  # one transaction: DDL in autocommit mode costs one each
    for statement in split_statements(sql):
        words = strip_leading_comments(statement.text).split(None, 1)
        head = words[0].lower().rstrip(";") if words else ""
        if head in _SKIPPED:
            continue  # a dump's own BEGIN/COMMIT: the whole file already runs in one
        if head not in _ALLOWED:
            raise UsageError(
                f"{origin}: a schema file holds only CREATE statements, found {head.upper()}",
                hint="move data changes to a seed or a versioned migration",
            )
        try:
            conn.execute(statement.text)
        except apsw.Error as exc:
            error = from_apsw(exc, sql=statement.text)
            raise SqlError(f"{origin}: {error.message}", sql=statement.text) from None
        if "zen:" in statement.text.lower():
            _collect_hints(hints, statement.text, tokenize(statement.text))
    conn.execute("COMMIT")
    return hints


def _collect_hints(hints: Hints, text: str, tokens: list[Token]) -> None:
    words = [t.norm for t in tokens[:6]]
    if "table" not in words or words[0] != "create" or "virtual" in words:
        return
    name = _created_name(tokens)
    old_table, columns = rename_hints(text)
    if old_table:
        hints.tables[name] = old_table
    if columns:
        hints.columns[name] = columns


def _created_name(tokens: list[Token]) -> str:
    paren = next(i for i, t in enumerate(tokens) if t.text == "(" or t.norm == "as")
    return unquote(tokens[paren - 1].text)
