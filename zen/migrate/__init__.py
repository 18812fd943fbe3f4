"""Schema-as-code: compare a live database with schema files and migrate it safely.

The public entry points live in :mod:`zen.migrate.declarative`: :func:`plan`,
:func:`apply`, :func:`check` (and :func:`load_file` to read a schema).

Example:
    >>> from zen.engine.core import Engine
    >>> from zen.migrate import load_sql, plan
    >>> [s.action for s in plan(Engine(":memory:"), load_sql("create table t(a)")).steps]
    ['create table']
"""

from __future__ import annotations

from zen.migrate.declarative import (
    EXIT_BLOCKED,
    EXIT_IN_SYNC,
    EXIT_PENDING,
    ApplyReport,
    BlockedError,
    CheckReport,
    Plan,
    apply,
    check,
    drift,
    plan,
    plan_offline,
    plan_schemas,
    reverse,
)
from zen.migrate.load import Loaded, load_file, load_sql
from zen.migrate.runner import MigrationError

__all__ = [
    "EXIT_BLOCKED",
    "EXIT_IN_SYNC",
    "EXIT_PENDING",
    "ApplyReport",
    "BlockedError",
    "CheckReport",
    "Loaded",
    "MigrationError",
    "Plan",
    "apply",
    "check",
    "drift",
    "load_file",
    "load_sql",
    "plan",
    "plan_offline",
    "plan_schemas",
    "reverse",
]
