"""Nearest-neighbour search next to the rows: Annoy segments organised as an LSM.

Entry points: :func:`attach` (called when a database is opened; registers the SQL
functions only when the database has vector indexes) and :func:`layer`.
Importing this package imports neither numpy nor Annoy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zen.engine.core import Engine
    from zen.vector.manager import VectorLayer

_ATTR = "_zen_vector_layer"


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
    from zen.vector import store

    if not force and not store.has_indexes(engine.conn):
        return None
    from zen.vector.manager import VectorLayer
    from zen.vector.sql import register

    created = VectorLayer(engine)
    register(engine.conn, created)
    setattr(engine, _ATTR, created)
    return created


def layer(engine: Engine) -> VectorLayer:
    """The engine's vector layer, registering the SQL functions on first use."""
    found = attach(engine, force=True)
    assert found is not None
    return found
