"""``zen vector``: nearest-neighbour indexes on float32 BLOB columns."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from zen.cli.common import (
    DB_OPTION,
    FORMAT_HELP,
    JSON_OPTION,
    choose_format,
    color_enabled,
    emit_json,
    message,
    open_db,
    resolve_db_option,
    terminal_width,
)
from zen.engine.errors import UsageError

if TYPE_CHECKING:
    from zen.api import Database
    from zen.vector.manager import VectorLayer
    from zen.vector.past import Past

vector_app = typer.Typer(
    name="vector",
    help=(
        "Nearest-neighbour search on vector columns (Annoy segments, always fresh).\n\n"
        "**Examples**\n\n"
        "* `zen vector create docs embedding --dim 384 --metric cosine`\n"
        "* `zen vector search docs --like 42 -k 5 --where \"lang = 'en'\"`"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


def register(app: typer.Typer) -> None:
    """Add the ``zen vector`` command group to the app."""
    app.add_typer(vector_app, name="vector")


def _open(db: str | None, *, read_only: bool = False) -> Database:
    return open_db(resolve_db_option(db), read_only=read_only)


def _layer(database: Database) -> VectorLayer:
    return database.vectors


@vector_app.command("create")
def create_command(
    table: str = typer.Argument(..., help="The table holding the vectors.", show_default=False),
    column: str = typer.Argument(..., help="The float32 BLOB column.", show_default=False),
    dim: int = typer.Option(..., "--dim", help="Dimensions of each vector.", show_default=False),
    metric: str = typer.Option("cosine", "--metric", help="cosine, euclidean or dot."),
    trees: int = typer.Option(16, "--trees", help="Annoy trees per segment."),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Index a vector column; existing rows are indexed now, new ones as they commit.

    **Examples**

    * `zen vector create docs emb --dim 384`
    * `zen vector create items v --dim 64 --metric euclidean --trees 32 --db app.db`
    """
    with _open(db) as database:
        spec = _layer(database).create(table, column, dim=dim, metric=metric, trees=trees)
        stats = _layer(database).stats(spec.table)
    if as_json:
        emit_json(stats.to_json())
    else:
        message(f"indexed {stats.rows} rows of {spec.table}.{spec.column} ({spec.metric})")


@vector_app.command("list")
def list_command(db: str | None = DB_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List the vector indexes.

    **Examples**

    * `zen vector list`
    * `zen vector list --db app.db --json`
    """
    with _open(db, read_only=True) as database:
        specs = _layer(database).specs()
    rows = [
        {"table": s.table, "column": s.column, "dim": s.dim, "metric": s.metric, "trees": s.trees}
        for s in specs
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['table']}.{row['column']}\t{row['dim']}\t{row['metric']}")
    if not rows:
        message("no vector indexes (create one with: zen vector create TABLE COLUMN --dim N)")


@vector_app.command("drop")
def drop_command(
    table: str = typer.Argument(..., help="The indexed table.", show_default=False),
    db: str | None = DB_OPTION,
) -> None:
    """Drop a vector index (the rows and their vectors stay).

    **Examples**

    * `zen vector drop docs`
    """
    with _open(db) as database:
        _layer(database).drop(table)
    message(f"dropped the vector index on {table}")


@vector_app.command("search")
def search_command(
    table: str = typer.Argument(..., help="The indexed table.", show_default=False),
    query: str | None = typer.Option(None, "--query", "-q", help="Query vector, a JSON array."),
    query_file: Path | None = typer.Option(None, "--query-file", help="Query vector, a .npy file."),
    like: int | None = typer.Option(None, "--like", help="Use this row's vector as the query."),
    k: int = typer.Option(10, "-k", help="Number of neighbours."),
    where: str | None = typer.Option(None, "--where", help="Only rows matching this expression."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Search the rows as they were at this revision (needs history)."
    ),
    db: str | None = DB_OPTION,
    fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print the k nearest rows with their distance, nearest first.

    With `--as-of`, rows (and `--like`'s row) are those of that revision.

    **Examples**

    * `zen vector search docs --query '[0.1, 0.2, ...]' -k 5`
    * `zen vector search docs --like 42 --where "lang = 'en'" --json`
    * `zen vector search docs --like 42 --as-of HEAD~2`
    """
    with _open(db) as database:
        index = _layer(database).index(table)
        past = index.past(as_of) if as_of is not None else None
        vector = _query_vector(database, table, (query, query_file, like), past)
        hits = index.search(vector, k, where=where, as_of=as_of)
        rows = _rows(database, table, [h.rowid for h in hits], past)
    out = [{"rowid": h.rowid, "distance": h.distance, **rows.get(h.rowid, {})} for h in hits]
    if as_json:
        emit_json(out)
        return
    from zen.io.writers import write_rows

    columns = list(out[0]) if out else ["rowid", "distance"]
    table_rows = [list(item.values()) for item in out]
    out_format = choose_format(fmt, False)
    write_rows(
        columns, table_rows, sys.stdout, out_format, color=color_enabled(), width=terminal_width()
    )


def _query_vector(
    database: Database,
    table: str,
    given_query: tuple[str | None, Path | None, int | None],
    past: Past | None,
) -> Any:
    query, query_file, like = given_query
    given = [x is not None for x in given_query]
    if sum(given) != 1:
        raise UsageError("give exactly one of --query, --query-file, --like")
    if query is not None:
        return query
    if query_file is not None:
        return _load_npy(query_file)
    assert like is not None
    spec = _layer(database).index(table).spec
    found = _rows(database, table, [like], past, keep_vector=True).get(like, {})
    if found.get(spec.column) is None:
        raise UsageError(f"row {like} of {spec.table} does not exist or has no vector")
    return found[spec.column]


def _load_npy(path: Path) -> Any:
    import numpy as np

    try:
        array = np.load(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    return array.reshape(-1)


def _rows(
    database: Database,
    table: str,
    rowids: list[int],
    past: Past | None,
    *,
    keep_vector: bool = False,
) -> dict[int, dict[str, Any]]:
    """The result rows (of the past state when ``past``), without their vector column
    unless ``keep_vector`` (it is binary noise in a terminal)."""
    from zen.engine.catalog import quote_identifier
    from zen.vector.past import past_row

    spec = _layer(database).index(table).spec
    found: dict[int, dict[str, Any]] = {}
    if past is not None:
        for rowid in rowids:
            row = past_row(database.engine.conn, spec, past, rowid)
            if row is not None:
                found[rowid] = {k: v for k, v in row.items() if k != "rowid"}
    elif rowids:
        marks = ",".join("?" * len(rowids))
        result = database.sql(
            f"SELECT rowid AS _rid, * FROM {quote_identifier(spec.table)} WHERE rowid IN ({marks})",
            rowids,
        )
        found = {row.pop("_rid"): row for row in result.dicts()}
    if not keep_vector:
        for row in found.values():
            row.pop(spec.column, None)
    return found


@vector_app.command("compact")
def compact_command(
    table: str = typer.Argument(..., help="The indexed table.", show_default=False),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Seal the buffer and merge every segment into one, purging tombstones.

    **Examples**

    * `zen vector compact docs`
    """
    with _open(db) as database:
        _layer(database).index(table).compact()
        stats = _layer(database).stats(table)
    if as_json:
        emit_json(stats.to_json())
    else:
        message(f"{table}: {stats.segments} segment(s), {stats.bytes} bytes")


@vector_app.command("stats")
def stats_command(
    table: str = typer.Argument(..., help="The indexed table.", show_default=False),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Segments, buffer size, tombstones and size on disk of an index.

    **Examples**

    * `zen vector stats docs --json`
    """
    with _open(db) as database:
        stats = _layer(database).stats(table)
    if as_json:
        emit_json(stats.to_json())
        return
    for key, value in stats.to_json().items():
        typer.echo(f"{key}\t{value}")
