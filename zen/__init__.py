"""zen: a terminal-first toolkit for SQLite.

Example:
    >>> import zen
    >>> with zen.open(":memory:") as db:
    ...     db.sql("select 'hello'").scalar()
    'hello'
"""

from __future__ import annotations

from zen._version import __version__
from zen.api import Database, open
from zen.engine.errors import ZenError

__all__ = ["Database", "ZenError", "__version__", "open"]
