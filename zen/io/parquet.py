"""Parquet export with pyarrow: streamed one row group per batch, memory kept flat.

Parquet is an optional format: it is offered only where pyarrow can be imported
(:func:`parquet_available`), and pyarrow is imported only when a file is written.
SQLite is dynamically typed and Parquet is not, so a column's type comes from the
first batch's values, and later values that do not fit are converted (text and
blob columns) or refused with a hint to CAST, never silently truncated.

Example:
    >>> unique_names(["id", "id"])
    ['id', 'id_2']
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen.engine.errors import UsageError, ZenError

if TYPE_CHECKING:
    import pyarrow as pa

Row = Sequence[Any]
PARQUET_BATCH = 32_768  # rows per row group: a few MB of Python objects at a time
_FITS: dict[str, set[type]] = {
    "int64": {int, type(None)},
    "double": {int, float, type(None)},
    "string": {str, type(None)},
    "binary": {bytes, type(None)},
}


def parquet_available() -> bool:
    """True when pyarrow can be imported (checked without importing it).

    Example:
        >>> isinstance(parquet_available(), bool)
        True
    """
    if "pyarrow" in sys.modules:
        return sys.modules["pyarrow"] is not None  # None: imports of it are blocked
    try:
        return importlib.util.find_spec("pyarrow") is not None
    except (ImportError, ValueError):
        return False


def require_parquet() -> None:
    """Raise a clear error when pyarrow is missing (Parquet needs it).

    Raises:
        UsageError: pyarrow cannot be imported here.
    """
    if not parquet_available():
        raise UsageError(
            "Parquet export needs pyarrow, which is not installed",
            hint="pip install pyarrow, or choose another --format",
        )


def write_parquet(
    columns: Sequence[str],
    decltypes: Sequence[str | None],
    rows: Iterable[Row],
    path: Path,
    *,
    batch: int = PARQUET_BATCH,
) -> int:
    """Stream ``rows`` into a Parquet file, one row group per ``batch`` rows.

    Column types come from the first batch's values (declared types decide for
    columns that are all NULL there). A half-written file is removed on error.

    Raises:
        ZenError: No columns, or a later value does not fit its column's type.

    Example:
        >>> write_parquet(["a"], ["INTEGER"], [(1,), (None,)], Path("a.parquet"))  # doctest: +SKIP
        2
    """
    if not columns:
        raise ZenError("nothing to export: the statement returns no columns")
    try:
        return _write_parquet(columns, decltypes, iter(rows), path, batch)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _write_parquet(
    columns: Sequence[str],
    decltypes: Sequence[str | None],
    rows: Iterator[Row],
    path: Path,
    batch: int,
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = list(itertools.islice(rows, batch))
    types = [_arrow_type(pa, [r[i] for r in first], d) for i, d in enumerate(decltypes)]
    schema = pa.schema(list(zip(unique_names(columns), types, strict=True)))
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        chunk = first
        while chunk:
            arrays = [_column(pa, chunk, i, schema.field(i)) for i in range(len(types))]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            count += len(chunk)
            chunk = list(itertools.islice(rows, batch))
    return count


def _arrow_type(pa: Any, values: list[Any], declared: str | None) -> pa.DataType:
    """One Arrow type for a column, from its values' Python types (SQLite is dynamic)."""
    from zen.engine.catalog import affinity

    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {int}:
        return pa.float64() if affinity(declared or "") == "REAL" else pa.int64()
    if kinds and kinds <= {int, float}:
        return pa.float64()
    if kinds == {bytes}:
        return pa.binary()
    if kinds:
        return pa.string()  # text, or a mix: text keeps every value
    by_affinity = {"INTEGER": pa.int64(), "REAL": pa.float64(), "BLOB": pa.binary()}
    return by_affinity.get(affinity(declared or ""), pa.string()) if declared else pa.string()


def _column(pa: Any, chunk: list[Row], index: int, field: pa.Field) -> pa.Array:
    values = [row[index] for row in chunk]
    # pyarrow would truncate 2.5 into an int64 column and decode bytes into a string
    # one, silently: only values of exactly the column's kinds go straight in.
    if set(map(type, values)) <= _FITS[str(field.type)]:
        return pa.array(values, type=field.type)
    convert = _converter(pa, field)
    return pa.array([None if v is None else convert(v) for v in values], type=field.type)


def _converter(pa: Any, field: pa.Field) -> Callable[[Any], Any]:
    from zen.io.writers import text_value

    if field.type == pa.string():
        return text_value
    if field.type == pa.binary():
        return lambda v: v if isinstance(v, bytes) else text_value(v).encode("utf-8")
    kind = "an integer" if field.type == pa.int64() else "a number"

    def number(value: Any) -> Any:
        if isinstance(value, int) or (isinstance(value, float) and kind == "a number"):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ZenError(
            f"column {field.name} holds {value!r} where the first rows made it {kind}: "
            "a Parquet column has one type",
            hint=f"CAST the column in the query, e.g. CAST({field.name} AS TEXT)",
        )

    return number


def unique_names(columns: Sequence[str]) -> list[str]:
    """Column names made unique (``id``, ``id_2``): a Parquet schema needs distinct names.

    Example:
        >>> unique_names(["id", "name", "id"])
        ['id', 'name', 'id_2']
    """
    seen: set[str] = set()
    out: list[str] = []
    for name in columns:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out
