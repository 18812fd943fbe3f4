"""Live queries: re-run a query when its database changes, whoever wrote to it.

The change signal is cheap and needs no re-run: ``PRAGMA data_version`` on a
connection kept open changes whenever *another* connection (any process, any
SQLite client) commits to the file. The query runs again only then, and an
update is reported only when its rows differ from the last ones. A stat of the
file catches the one change ``data_version`` cannot see: the file being
replaced (a backup restored with ``mv``), after which the watcher reopens it.

Example:
    >>> from zen.watch import Watcher
    >>> with Watcher("app.db", "select count(*) from users") as watcher:  # doctest: +SKIP
    ...     for update in watcher.updates(interval=0.5, count=2):
    ...         print(update.rows)
    [(3,)]
    [(4,)]
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen.engine.errors import DatabaseLockedError, NotFoundError, ReadOnlyError, UsageError

if TYPE_CHECKING:
    from zen.api import Database
    from zen.engine.core import Params

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Update:
    """One new result of a watched query.

    Attributes:
        seq: 1 for the first result, then 2, 3... for each change.
        at: When the query ran (UTC).
        columns: Column names.
        rows: Every row of the result.
    """

    seq: int
    columns: list[str]
    rows: list[Row]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        """``{"update", "at", "columns", "rows"}``; blobs as in ``--format json``.

        Example:
            >>> Update(1, ["n"], [(3,)]).to_json()["rows"]
            [[3]]
        """
        from zen.io.writers import json_value

        return {
            "update": self.seq,
            "at": self.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "columns": self.columns,
            "rows": [[json_value(value) for value in row] for row in self.rows],
        }


class Watcher:
    """A query over a database file, re-run only when the file's data changes.

    The database is opened read-only, so a watched statement can never write.

    Args:
        path: The database file.
        sql: One statement that returns rows.
        params: Its parameters, if any.
        dialect: The SQL's dialect (transpiled to SQLite, as in ``zen sql``).

    Example:
        >>> watcher = Watcher("app.db", "select * from jobs where done = 0")  # doctest: +SKIP
        >>> watcher.poll().rows  # doctest: +SKIP
        [(7, 'running')]
        >>> watcher.poll() is None  # nothing changed  # doctest: +SKIP
        True
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        sql: str,
        params: Params = None,
        *,
        dialect: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.sql = sql
        self.params = params
        self.dialect = dialect
        self.runs = 0  # how many times the query ran (the signal is meant to keep this low)
        self._identity = _identity(self.path)
        self._db = self._open()
        self._version: int | None = None
        self._last: tuple[list[str], list[Row]] | None = None
        self._seq = 0

    def poll(self) -> Update | None:
        """Check for a change; re-run the query if there was one.

        Returns:
            The new result, or None when nothing changed (or the rows are the same).
        """
        if not self._changed():
            return None
        columns, rows = self._run()
        if self._last == (columns, rows):
            return None
        self._last = (columns, rows)
        self._seq += 1
        return Update(self._seq, columns, rows)

    def updates(
        self,
        *,
        interval: float = 1.0,
        count: int | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> Iterator[Update]:
        """The current result at once, then one :class:`Update` per change.

        Args:
            interval: Seconds between two checks of the change signal.
            count: Stop after this many updates (None: run until interrupted).
            sleep: The wait between checks (tests pass a fake).
        """
        emitted = 0
        while count is None or emitted < count:
            update = self.poll()
            if update is not None:
                emitted += 1
                yield update
                if count is not None and emitted >= count:
                    return
            sleep(interval)

    def close(self) -> None:
        """Close the watcher's connection."""
        self._db.close()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------

    def _open(self) -> Database:
        from zen.api import open as zen_open

        return zen_open(self.path, read_only=True, create=False, dialect=self.dialect)

    def _changed(self) -> bool:
        identity = _identity(self.path)
        if identity != self._identity:  # replaced: our connection still reads the old file
            self._db.close()
            self._identity = identity
            self._db = self._open()
            self._version = None
        try:
            version = int(self._db.sql("PRAGMA data_version").scalar())
        except DatabaseLockedError:
            return False  # a writer holds the file (rollback journal): look again next tick
        changed = version != self._version
        self._version = version
        return changed

    def _run(self) -> tuple[list[str], list[Row]]:
        # Read after data_version: a commit landing in between is seen now *and*
        # moves data_version, so the worst case is one extra, identical re-run.
        self.runs += 1
        with self._db.interruptible():
            try:
                result = self._db.sql(self.sql, self.params)
            except ReadOnlyError:
                raise _not_a_query() from None
            if not result.has_rows:
                raise _not_a_query()
            return list(result.columns), [tuple(row) for row in result]


def _identity(path: Path) -> tuple[int, int]:
    """The file's (device, inode): it changes when the file is replaced."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise NotFoundError(f"no such database file: {path}") from None
    return info.st_dev, info.st_ino


def _not_a_query() -> UsageError:
    return UsageError(
        "zen watch needs a read-only query that returns rows",
        hint='for example: zen watch app.db "select count(*) from jobs"',
    )
