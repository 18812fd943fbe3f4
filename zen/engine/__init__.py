"""Layer 1: opening databases, running SQL, dialects, errors.

Nothing outside this package sets up an APSW connection.
"""

from __future__ import annotations

from zen.engine.core import Engine, Params, Result, Row
from zen.engine.errors import (
    DatabaseError,
    DataFormatError,
    DialectError,
    NotFoundError,
    SqlError,
    UsageError,
    ZenError,
)

__all__ = [
    "DataFormatError",
    "DatabaseError",
    "DialectError",
    "Engine",
    "NotFoundError",
    "Params",
    "Result",
    "Row",
    "SqlError",
    "UsageError",
    "ZenError",
]
