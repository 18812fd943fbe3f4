"""Exporting a table or a query's rows to CSV, TSV, JSON, JSON lines, Markdown or a plugin format.

Rows stream from SQLite to the writer (:mod:`zen.io.writers`, or a plugin's
``write``) in chunks, so an export of any size runs in flat memory. Plugins
(:mod:`zen.plugins`) are consulted only for a name or suffix that is not built
in, so an ordinary export never loads them.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> with zen.open(":memory:") as db:  # doctest: +SKIP
    ...     db.export(out, query="select 1 as n", format="jsonl")
    1
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from zen.engine.core import Result
from zen.engine.errors import UsageError, ZenError

if TYPE_CHECKING:
    from zen import plugins as zen_plugins

BuiltinExportFormat = Literal["csv", "tsv", "json", "jsonl", "markdown", "parquet"]
ExportFormat = str
"""A built-in format name (:data:`EXPORT_FORMATS`) or the name of a plugin's format."""

EXPORT_FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "jsonl", "markdown")
# Binary formats written to a file, not a text stream (see zen.io.parquet).
FILE_FORMATS: tuple[str, ...] = ("parquet",)
_SUFFIXES: dict[str, BuiltinExportFormat] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".parquet": "parquet",
}


def export_format(fmt: str | None, target: Path | None = None) -> str:
    """The export format: ``fmt``, else the one ``target``'s suffix implies, else CSV.

    Built-in names and suffixes win; plugins are asked only about others (an
    unknown suffix that no plugin claims still means CSV).

    Raises:
        UsageError: ``fmt`` is neither built in nor a plugin's format.

    Example:
        >>> export_format(None, Path("out.jsonl")), export_format("tsv")
        ('jsonl', 'tsv')
    """
    if fmt is None:
        return _format_of(target) if target is not None else "csv"
    chosen = fmt.lower()
    if chosen in EXPORT_FORMATS or chosen in FILE_FORMATS:
        return chosen
    return _plugin_format(fmt).name


def _format_of(target: Path) -> str:
    suffix = target.suffix.lower()
    builtin = _SUFFIXES.get(suffix)
    if builtin is not None or not suffix:
        return builtin or "csv"
    from zen import plugins

    found = plugins.export_format(suffix)
    return found.name if found is not None else "csv"


def _plugin_format(fmt: str) -> zen_plugins.ExportFormat:
    from zen import plugins

    found = plugins.export_format(fmt)
    if found is None:
        raise UsageError(f"unknown export format: {fmt}", hint=_choices())
    return found


def _choices() -> str:
    from zen.plugins import format_choices

    return format_choices("export", (*EXPORT_FORMATS, *FILE_FORMATS))


def export_rows(result: Result, out: IO[str], fmt: str = "csv") -> int:
    """Write every row of ``result`` to ``out`` in ``fmt``; returns the row count.

    Args:
        result: The rows to write.
        out: A text stream.
        fmt: A built-in format (:data:`EXPORT_FORMATS`) or a plugin format's name.

    Raises:
        UsageError: Unknown format, or a statement that returns no rows.
        ZenError: A plugin's writer failed (named in the message).

    Example:
        >>> export_rows(db.sql("select 1 as n"), sys.stdout, "csv")  # doctest: +SKIP
        n
        1
        1
    """
    from zen.io.writers import write_rows

    chosen = fmt.lower()
    if chosen in FILE_FORMATS:
        raise UsageError(f"{chosen} is written to a file, not a text stream", hint="use -o FILE")
    plugin = None if chosen in EXPORT_FORMATS else _plugin_format(fmt)
    if not result.has_rows:
        result.drain()
        raise UsageError(
            "the statement returns no rows to export", hint="export a table or a SELECT"
        )
    if plugin is None:
        return write_rows(result.columns, result, out, chosen)
    return _plugin_write(plugin, result.columns, result, out)


class _Counted:
    """The rows handed to a plugin's writer, counted (the count zen reports)."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self._rows:
            self.count += 1
            yield row


def _plugin_write(
    plugin: zen_plugins.ExportFormat, columns: list[str], rows: Result, out: IO[str]
) -> int:
    counted = _Counted(rows)
    try:
        plugin.write(list(columns), counted, out)
    except (ZenError, OSError):
        raise  # zen's own errors (SQLite, Ctrl-C) and the output's: already clear
    except Exception as exc:
        raise ZenError(
            f"export format {plugin.name!r} failed: {type(exc).__name__}: {exc}",
            hint=f"{_owner(plugin.name)} has a bug: report it, or choose another --format",
        ) from None
    return counted.count


def _owner(name: str) -> str:
    """``plugin 'x'``: the plugin that provides export format ``name``."""
    from zen import plugins

    loaded = plugins.loaded()
    provided = loaded.provided.items() if loaded is not None else ()
    for plugin, hooks in provided:
        if name in hooks.get("zen_export_formats", ()):
            return f"plugin {plugin!r}"
    return "the plugin"
