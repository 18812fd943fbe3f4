"""Declarative migrations: plan, apply and check a live database against schema files.

Example:
    >>> from zen.engine.core import Engine
    >>> engine = Engine(":memory:")
    >>> desired = load_sql("create table t(id integer primary key, name text)")
    >>> result = plan(engine, desired)
    >>> [s.action for s in result.steps]
    ['create table']
    >>> apply(engine, result).steps
    1
    >>> check(engine, desired).status
    'in_sync'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import apsw

from zen.engine.core import Engine
from zen.engine.errors import ZenError
from zen.migrate.differ import SchemaDiff, diff
from zen.migrate.lint import DESTRUCTIVE, ERROR, Finding, lint
from zen.migrate.load import Hints, Loaded, load_sql
from zen.migrate.model import Schema, introspect
from zen.migrate.planner import Step, differences, plan_steps, verify
from zen.migrate.runner import apply_steps, record_state, recorded_state

EXIT_IN_SYNC = 0
EXIT_PENDING = 2
EXIT_BLOCKED = 3


class BlockedError(ZenError):
    """The plan has destructive steps or would fail on the current rows; nothing ran."""


@dataclass
class Plan:
    """The steps from a current schema to a desired one, with lint findings.

    Attributes:
        steps: SQL steps in the order they run.
        findings: Lint findings (destructive, error, warning).
        rebuilt: Tables rebuilt with the 12-step procedure.
        current: The schema the plan starts from.
        desired: The schema it reaches.
    """

    steps: list[Step]
    findings: list[Finding]
    rebuilt: list[str]
    current: Schema
    desired: Schema
    change: SchemaDiff = field(repr=False)

    @property
    def in_sync(self) -> bool:
        """True when there is nothing to do."""
        return not self.steps

    def blockers(self, *, allow_destructive: bool = False) -> list[Finding]:
        """Findings that stop :func:`apply`: errors, and destructive ones unless allowed."""
        levels = {ERROR} if allow_destructive else {ERROR, DESTRUCTIVE}
        return [f for f in self.findings if f.level in levels]

    def sql(self) -> str:
        """The plan as one SQL script (legacy_alter_table switched where a step needs it)."""
        lines: list[str] = []
        legacy = False
        for step in self.steps:
            if step.legacy_alter != legacy:
                legacy = step.legacy_alter
                lines.append(f"PRAGMA legacy_alter_table = {'ON' if legacy else 'OFF'};")
            lines.append(step.sql.rstrip().rstrip(";") + ";")
        if legacy:
            lines.append("PRAGMA legacy_alter_table = OFF;")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "in_sync": self.in_sync,
            "steps": [s.to_json() for s in self.steps],
            "rebuilt": self.rebuilt,
            "findings": [f.to_json() for f in self.findings],
        }


def plan_schemas(current: Schema, desired: Loaded, conn: apsw.Connection | None = None) -> Plan:
    """Plan from ``current`` to ``desired``; data checks use ``conn`` when given.

    Raises:
        ZenError: The planner could not reach the desired schema (a bug: please report it).
    """
    change = diff(current, desired.schema, desired.hints)
    steps = plan_steps(current, desired.schema, desired.hints, change)
    left = verify(current, steps.steps, desired.schema)
    if left:
        raise ZenError(
            f"cannot plan a migration for {', '.join(left)}",
            hint="this is a zen bug: please report it with both schemas",
        )
    findings = lint(change, conn)
    return Plan(steps.steps, findings, steps.rebuilt, current, desired.schema, change)


def plan(engine: Engine, desired: Loaded) -> Plan:
    """Plan the steps that bring the live database to ``desired``."""
    return plan_schemas(introspect(engine.conn), desired, engine.conn)


def plan_offline(current_sql: str, desired: Loaded, *, dialect: str | None = None) -> Plan:
    """Plan between two schema texts, with no database (``--from FILE``)."""
    return plan_schemas(load_sql(current_sql, dialect=dialect, origin="--from").schema, desired)


def reverse(result: Plan) -> Loaded:
    """The plan's starting schema as a target, with the rename hints turned around."""
    hints = Hints()
    for table in result.change.changed_tables:
        if table.old_name != table.name:
            hints.tables[table.old_name] = table.name
        if table.renamed_columns:
            hints.columns[table.old_name] = {o: n for n, o in table.renamed_columns.items()}
    return Loaded(result.current, hints, ";\n".join(result.current.ddl()))


@dataclass(frozen=True)
class ApplyReport:
    """What :func:`apply` did."""

    steps: int
    rebuilt: list[str]
    findings: list[Finding]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "applied_steps": self.steps,
            "rebuilt": self.rebuilt,
            "findings": [f.to_json() for f in self.findings],
        }


def apply(engine: Engine, result: Plan, *, allow_destructive: bool = False) -> ApplyReport:
    """Run a plan in one transaction; refuses blocked plans.

    Raises:
        BlockedError: Destructive steps (without ``allow_destructive``) or error findings.
        MigrationError: A step failed; everything was rolled back.
    """
    blockers = result.blockers(allow_destructive=allow_destructive)
    if blockers:
        destructive = any(f.level == DESTRUCTIVE for f in blockers)
        raise BlockedError(
            "migration blocked: " + "; ".join(f.message for f in blockers),
            hint="pass --allow-destructive to accept data loss"
            if destructive
            else "fix the data or the schema, then plan again",
        )
    if result.steps and differences(introspect(engine.conn), result.current):
        raise ZenError("the database changed since the plan was made", hint="plan again")
    apply_steps(
        engine,
        result.steps,
        result.desired,
        before_commit=lambda: record_state(engine, result.desired),
        message=f"migrate: {len(result.steps)} step{'s' if len(result.steps) != 1 else ''} "
        f"to the desired schema",
    )
    return ApplyReport(len(result.steps), result.rebuilt, result.findings)


@dataclass(frozen=True)
class CheckReport:
    """The result of :func:`check`.

    Attributes:
        status: ``in_sync`` (exit 0), ``pending`` (exit 2) or ``blocked`` (exit 3:
            a pending change is destructive or would fail).
        plan: The plan that would bring the database in sync.
        drift: Objects changed by hand since the last ``zen migrate apply``.
    """

    status: str
    plan: Plan
    drift: list[str]

    @property
    def exit_code(self) -> int:
        """0 in sync, 2 changes pending, 3 blocked by a destructive or failing change."""
        return {"in_sync": EXIT_IN_SYNC, "pending": EXIT_PENDING}.get(self.status, EXIT_BLOCKED)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description (``status`` and ``exit_code`` first)."""
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "drift": self.drift,
            **self.plan.to_json(),
        }


def check(engine: Engine, desired: Loaded, *, allow_destructive: bool = False) -> CheckReport:
    """Compare the live database with ``desired`` (and with the last applied schema)."""
    result = plan(engine, desired)
    if result.in_sync:
        status = "in_sync"
    elif result.blockers(allow_destructive=allow_destructive):
        status = "blocked"
    else:
        status = "pending"
    return CheckReport(status, result, drift(engine))


def drift(engine: Engine) -> list[str]:
    """Objects that differ from the schema the last ``apply`` left (empty: no drift)."""
    recorded = recorded_state(engine.conn)
    if recorded is None:
        return []
    return differences(load_sql(recorded, origin="recorded state").schema, introspect(engine.conn))
