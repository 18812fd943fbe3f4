"""Nearest-neighbour search next to the rows: Annoy segments organised as an LSM.

Entry points: :func:`attach` (called when a database is opened; registers the SQL
functions only when the database has vector indexes) and :func:`layer`.
Importing this package imports neither numpy nor Annoy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import apsw

    from zen.engine.core import Engine
    from zen.vector.manager import VectorLayer

_ATTR = "_zen_vector_layer"
INDEXES = "_zen_vector_indexes"  # the metadata table; its presence means "has indexes"


def attach(engine: Engine, *, force: bool = False) -> VectorLayer | None:
    """Register the vector SQL functions on ``engine`` when it has vector indexes.

    Args:
        engine: The open database.
        force: Register even when the database has no index yet.

    Returns:
        The engine's :class:`VectorLayer`, or None when nothing was registered.

    Example:
        >>> attach(db.engine)  # doctest: +SKIP
    """
    existing: VectorLayer | None = getattr(engine, _ATTR, None)
    if existing is not None:
        return existing
    if not force and not has_indexes(engine.conn):
        return None
    from zen.vector.manager import VectorLayer
    from zen.vector.sql import register

    created = VectorLayer(engine)
    register(engine.conn, created)
    engine.add_transaction_observer(created.watch)
    setattr(engine, _ATTR, created)
    return created


def has_indexes(conn: apsw.Connection) -> bool:
    """True when the database has vector metadata (one schema look-up, no heavy import)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (INDEXES,)
    ).fetchone()
    return row is not None


def layer(engine: Engine) -> VectorLayer:
    """The engine's vector layer, registering the SQL functions on first use."""
    found = attach(engine, force=True)
    assert found is not None
    return found
