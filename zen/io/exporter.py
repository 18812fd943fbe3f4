"""Exporting a table or a query's rows to CSV, TSV, JSON, JSON lines or Markdown.

Rows stream from SQLite to the writer (:mod:`zen.io.writers`) in chunks, so an
export of any size runs in flat memory.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> with zen.open(":memory:") as db:  # doctest: +SKIP
    ...     db.export(out, query="select 1 as n", format="jsonl")
    1
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Literal

from zen.engine.core import Result
from zen.engine.errors import UsageError

ExportFormat = Literal["csv", "tsv", "json", "jsonl", "markdown"]
EXPORT_FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "jsonl", "markdown")
_SUFFIXES: dict[str, ExportFormat] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
}


def export_format(fmt: str | None, target: Path | None = None) -> ExportFormat:
    """The export format: ``fmt``, else the one ``target``'s suffix implies, else CSV.

    Raises:
        UsageError: ``fmt`` is not one of :data:`EXPORT_FORMATS`.

    Example:
        >>> export_format(None, Path("out.jsonl")), export_format("tsv")
        ('jsonl', 'tsv')
    """
    if fmt is None:
        return _SUFFIXES.get(target.suffix.lower(), "csv") if target else "csv"
    chosen = fmt.lower()
    if chosen not in EXPORT_FORMATS:
        raise UsageError(
            f"unknown export format: {fmt}", hint=f"choose one of {', '.join(EXPORT_FORMATS)}"
        )
    return chosen  # type: ignore[return-value]


def export_rows(result: Result, out: IO[str], fmt: str = "csv") -> int:
    """Write every row of ``result`` to ``out`` in ``fmt``; returns the row count.

    Raises:
        UsageError: Unknown format, or a statement that returns no rows.

    Example:
        >>> export_rows(db.sql("select 1 as n"), sys.stdout, "csv")  # doctest: +SKIP
        n
        1
        1
    """
    from zen.io.writers import write_rows

    chosen = export_format(fmt)
    if not result.has_rows:
        result.drain()
        raise UsageError(
            "the statement returns no rows to export", hint="export a table or a SELECT"
        )
    return write_rows(result.columns, result, out, chosen)
