"""zen: a terminal-first toolkit for SQLite.

Example:
    >>> import zen
    >>> with zen.open(":memory:") as db:
    ...     db.sql("select 'hello'").scalar()
    'hello'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zen._version import __version__
from zen.api import Database, init, open
from zen.engine.errors import ZenError

if TYPE_CHECKING:
    from zen.dbapi import connect

__all__ = ["Database", "ZenError", "__version__", "connect", "init", "open"]


def __getattr__(name: str) -> Any:
    # zen.connect (the DB-API module) loads on first use: `zen sql` never pays for it.
    if name == "connect":
        from zen.dbapi import connect

        return connect
    raise AttributeError(f"module 'zen' has no attribute {name!r}")
