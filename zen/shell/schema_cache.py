"""What completion knows about the database: names, columns, functions, pragmas.

Names are read once and columns per table on first use, so a 500-table schema
costs one query up front. ``PRAGMA schema_version`` is checked before each use:
it changes with every DDL statement (from this session or another process),
and the cache then starts over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen.engine.errors import ZenError

if TYPE_CHECKING:
    from zen.api import Database
    from zen.engine.catalog import SchemaObject


class SchemaCache:
    """Lazily loaded, self-refreshing schema names of one database.

    Example:
        >>> import zen
        >>> cache = SchemaCache(zen.open(":memory:"))
        >>> cache.names("table")
        []
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._version: object = None
        self._kinds: dict[str, str] | None = None
        self._by_lower: dict[str, str] = {}
        self._columns: dict[str, list[str]] = {}
        self._functions: list[str] | None = None
        self._pragmas: list[str] | None = None

    def reset(self, db: Database | None = None) -> None:
        """Forget everything (and switch database, after ``.open``)."""
        if db is not None:
            self.db = db
            self._functions = self._pragmas = None
        self._version = None
        self._kinds = None
        self._by_lower = {}
        self._columns = {}

    def names(self, *kinds: str) -> list[str]:
        """Names of schema objects of the given kinds (table, view, index, trigger)."""
        return [name for name, kind in self._objects().items() if kind in kinds]

    def kind(self, name: str) -> str | None:
        """The kind of object ``name`` is (case-insensitive), or None."""
        exact = self.resolve(name)
        return self._objects().get(exact) if exact else None

    def resolve(self, name: str) -> str | None:
        """The exact spelling of a table or view name, or None when there is none."""
        objects = self._objects()
        return name if name in objects else self._by_lower.get(name.lower())

    def columns(self, table: str) -> list[str]:
        """Column names of a table or view (empty when it does not exist)."""
        exact = self.resolve(table)
        if exact is None or self._objects().get(exact) not in ("table", "view"):
            return []
        if exact not in self._columns:
            self._columns[exact] = self._strings(
                "SELECT name FROM pragma_table_xinfo(?) WHERE hidden IN (0, 2, 3)", [exact]
            )
        return self._columns[exact]

    def functions(self) -> list[str]:
        """SQL function names (built-in and registered), sorted."""
        if self._functions is None:
            # Operators such as -> are listed as functions too: keep names only.
            self._functions = self._strings(
                "SELECT DISTINCT name FROM pragma_function_list "
                "WHERE name GLOB '[A-Za-z_]*' ORDER BY name"
            )
        return self._functions

    def pragmas(self) -> list[str]:
        """Pragma names, sorted."""
        if self._pragmas is None:
            self._pragmas = self._strings("SELECT name FROM pragma_pragma_list ORDER BY name")
        return self._pragmas

    def _objects(self) -> dict[str, str]:
        version = self._schema_version()
        if self._kinds is None or version != self._version:
            self.reset()
            self._version = version
            self._kinds = {o.name: o.type for o in self._safe_objects()}
            self._by_lower = {name.lower(): name for name in self._kinds}
        return self._kinds

    def _schema_version(self) -> object:
        try:
            return self.db.sql("PRAGMA schema_version").scalar()
        except ZenError:
            return None

    def _safe_objects(self) -> list[SchemaObject]:
        try:
            return list(self.db.objects())
        except ZenError:
            return []

    def _strings(self, sql: str, params: list[str] | None = None) -> list[str]:
        try:
            return [str(row[0]) for row in self.db.sql(sql, params)]
        except ZenError:
            return []  # completion must never fail: it offers less instead
