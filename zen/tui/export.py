"""Export the rows behind the grid: CSV, TSV, JSON, JSON lines, and Parquet with pyarrow.

Every format streams: text formats through :mod:`zen.io.writers`, Parquet one row
group per batch of rows, so memory stays flat whatever the result's size. Parquet
is offered only where pyarrow can be imported. Plain Python, no Textual.

Example:
    >>> ".csv" in export_suffixes()
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zen.engine.errors import ZenError
from zen.io.parquet import parquet_available, write_parquet

if TYPE_CHECKING:
    from zen.tui.rows import RowSource

__all__ = ["TEXT_FORMATS", "export_rows", "export_suffixes", "parquet_available", "write_parquet"]

TEXT_FORMATS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl"}


def export_suffixes() -> list[str]:
    """The file suffixes the export understands here.

    Example:
        >>> export_suffixes()[:2]
        ['.csv', '.tsv']
    """
    return [*TEXT_FORMATS, *([".parquet"] if parquet_available() else [])]


def export_rows(source: RowSource, path: Path) -> int:
    """Write every row of ``source`` to ``path`` in the format its suffix names.

    Raises:
        ZenError: The suffix names no format available here, or (Parquet) a column
            holds values of types that cannot share one Parquet column.

    Example:
        >>> export_rows(source, Path("out.parquet"))  # doctest: +SKIP
        1000
    """
    suffix = path.suffix.lower()
    if suffix not in export_suffixes():
        raise ZenError(
            f"unknown export format: {path.name}", hint=f"use {', '.join(export_suffixes())}"
        )
    if suffix == ".parquet":
        return write_parquet(source.columns, source.decltypes, source.rows(), path)
    from zen.io.writers import write_rows

    with path.open("w", encoding="utf-8", newline="") as out:
        return write_rows(source.columns, source.rows(), out, TEXT_FORMATS[suffix])
