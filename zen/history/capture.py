"""Change capture: the transaction observer that records each write transaction.

Row changes are recorded by an ``apsw.Session`` (C code, nothing per row in
Python). DDL statements are recorded as schema steps between rows steps that
empty and refill the tables they create, drop or redefine (see
:mod:`zen.history.steps`). Just before COMMIT the steps are appended as one
change record, inside the same SQLite transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.core import Engine, Params
from zen.engine.observers import ManyRunner, RunAgain
from zen.engine.statements import Statement
from zen.history import bulk, external, hooked, rowid_mode, store
from zen.history import schema as sch
from zen.history.errors import HistoryError, UncapturedChangeError
from zen.history.net import normalize
from zen.history.solo import SoloWatch
from zen.history.steps import AnyStep, RangeStep, RowsStep, SchemaStep, Step, concat, encode_steps

_DDL = re.compile(r"(CREATE|DROP|ALTER)\b", re.IGNORECASE)
_TARGETS = frozenset((apsw.SQLITE_CREATE_TABLE, apsw.SQLITE_DROP_TABLE, apsw.SQLITE_ALTER_TABLE))
_NOTE_LENGTH = 200

RecordHook = Callable[[store.Record, list[Step]], None]
_NEWEST = (
    "(SELECT max(id) FROM _zen_changes), (SELECT kind FROM _zen_changes ORDER BY id DESC LIMIT 1)"
)
_BEGIN = f"SELECT (SELECT schema_version FROM pragma_schema_version), NULL, {_NEWEST}"
_BEGIN_WITH_SENTINELS = (
    "SELECT (SELECT schema_version FROM pragma_schema_version), "
    f"(SELECT 1 FROM _zen_ext_dirty LIMIT 1), {_NEWEST}"
)


def _user_table(name: str) -> bool:
    return sch.is_user_name(name)


def new_session(
    conn: apsw.Connection, skip: frozenset[str] = frozenset(), touched: set[str] | None = None
) -> apsw.Session:
    """A session recording every user table of ``main`` except ``skip``.

    ``touched`` collects the names of the tables changed (SQLite asks the filter
    the first time a table changes).
    """

    def wanted(name: str) -> bool:
        if not _user_table(name) or name in skip:
            return False
        if touched is not None:
            touched.add(name)
        return True

    session = apsw.Session(conn, "main")
    session.config(apsw.SQLITE_SESSION_OBJCONFIG_ROWID, 1)
    session.table_filter(wanted)
    return session


@dataclass
class _Ddl:
    """What is known about a DDL statement before it runs."""

    before: sch.SchemaMap
    targets: frozenset[str]
    images: dict[str, bytes]


@dataclass(slots=True)
class _Transaction:
    """Capture state of the open transaction."""

    session: apsw.Session | None
    schema_version: int
    schema: sch.SchemaMap  # the user schema at schema_version (shared: do not mutate)
    steps: list[AnyStep] = field(default_factory=list)  # range steps: see zen.history.bulk
    savepoints: list[tuple[str, int]] = field(default_factory=list)
    note: str | None = None
    writes: int = 0
    ddl: _Ddl | None = None
    broken: str | None = None
    touched: set[str] = field(default_factory=set)
    begin_version: int = 0
    last: store.Record | None = None  # the newest record, when known without a query
    solo: SoloWatch | None = None  # a lone one-row write followed without a session
    hooked: hooked.HookWatch | None = None  # a statement a session could get wrong
    lone: bool = False  # a lone INSERT/UPDATE/DELETE (alone in zen's own transaction)


class Capture:
    """Records every write transaction on an engine into ``_zen_changes``.

    Args:
        on_record: Called (inside the transaction) with each new record, e.g. to
            make an autocommit.

    Example:
        >>> capture = Capture()
        >>> engine.add_transaction_observer(capture)  # doctest: +SKIP
    """

    def __init__(self, on_record: RecordHook | None = None) -> None:
        self.on_record = on_record
        self.on_external: RecordHook | None = None
        self.label: str | None = None  # the note of records made now (History.recording)
        # The author owed an autocommit for each record (None: explicit policy).
        self.autocommit_author: str | None = None
        self.paused = 0
        self._tx: _Transaction | None = None
        self.schema = sch.SchemaCache()
        self.version: int | None = None  # the schema cookie read just before COMMIT
        self.triggers = external.TriggerSwitch()
        self.risk = hooked.Risk()  # statements run under the hook instead of a session
        self._sentinels: bool | None = None  # does the database have sentinel tables?
        self._last: store.Record | None = None  # the last record this capture appended
        self._nullable: tuple[int, dict[str, bool]] | None = None  # see _nullable_keys
        self._no_solo = False  # the next transaction must use a session (a RunAgain)
        # After a lone write this capture committed: the connection's data version
        # then, and whether the transaction now ending is such a write.
        self._quiet: int | None = None
        self._lone_done = False

    # -- observer callbacks -----------------------------------------------------------

    def begin(self, engine: Engine) -> None:
        """Start following the new transaction: a session, or for a lone write the hook."""
        if self._tx is not None:
            self._close()
        if self.paused:
            bulk.seal(engine.conn)  # history's own writes come after any bulk record
            return
        conn = engine.conn
        touched: set[str] = set()
        if self._sentinels is None:
            self._sentinels = external.installed(conn)
        quiet, self._quiet = self._quiet, None
        if quiet is not None and self.version is not None and conn.data_version() == quiet:
            # Nothing committed since this capture's last lone write (that counter moves
            # on every commit, ours or another connection's): what the query below
            # would say is already known.
            version, known = self.version, self._last
        else:
            version, known = self._begin_query(conn)
        schema = self.schema.peek(conn, version)
        lone = engine.lone_write
        if lone is not None and lone.plain_write and not self._no_solo:
            watch = SoloWatch(conn, _user_table, touched)
            self._tx = _Transaction(
                None, version, schema, touched=touched, begin_version=version, last=known
            )
            self._tx.solo, self._tx.lone = watch, True
            watch.start()  # last: nothing may fail between here and the statement
            return
        self._no_solo = False
        self._tx = _Transaction(
            new_session(conn, touched=touched),
            version,
            schema,
            touched=touched,
            begin_version=version,
            last=known,
        )

    def _begin_query(self, conn: apsw.Connection) -> tuple[int, store.Record | None]:
        """The schema cookie and the newest record (when known), other writes folded in."""
        # One query for what every transaction needs to know first.
        query = _BEGIN_WITH_SENTINELS if self._sentinels else _BEGIN
        version, dirty, newest, kind = conn.execute(query).fetchone() or (0, None, None, None)
        last = self._last
        # Same id but another kind: another connection sealed it (its hash changed).
        known = last if last is not None and last.id == newest and last.kind == kind else None
        if kind == bulk.KIND:  # a bulk insert's rows, before anything can touch them
            known = self._last = bulk.seal(conn)
        if self._sentinels:
            version, folded = self._outside_writes(conn, version, bool(dirty))
            known = folded or known
        return version, known

    def before_statement(self, engine: Engine, statement: Statement, params: Params) -> None:
        """Note the first write; prepare the capture of a DDL statement."""
        tx = self._tx
        if tx is None:
            return
        head = statement.head
        if not statement.looks_read_only:
            tx.writes += 1
            tx.note = tx.note or head[:_NOTE_LENGTH]
        if not statement.plain_write and _DDL.match(head):
            self._before_ddl(engine.conn, tx, statement.text, params)
        elif (
            tx.session is not None
            and not statement.looks_read_only
            and not self.risk.never(tx.schema_version)
        ):
            conn = engine.conn
            tables = self.schema.table_sql(conn, tx.schema_version)
            layout_of = self._layouts(conn, tx)
            if self.risk.statement(conn, tx.schema_version, tables, layout_of, statement.text):
                self._start_hook(conn, tx)

    def run_many(
        self, engine: Engine, statement: Statement, rows: Iterable[Any], run: ManyRunner
    ) -> bool:
        """Run an ``executemany``: a long plain INSERT is recorded by rowid range.

        The first rows run under the session (a short batch ends there); the rest go
        through :func:`zen.history.bulk.insert` when the insert qualifies.
        """
        tx = self._tx
        if tx is None or tx.session is None:
            return False
        conn = engine.conn
        tables = self.schema.table_sql(conn, tx.schema_version)
        layout_of = self._layouts(conn, tx)
        if self.risk.statement(
            conn, tx.schema_version, tables, layout_of, statement.text, many=True
        ):
            self._start_hook(conn, tx)  # after_statement records it
            return False
        source = iter(rows)
        first: list[Any] = []
        run(bulk.keeping(source, bulk.SMALL, first))
        if len(first) < bulk.SMALL:
            return True
        into = bulk.target(
            conn, statement.text, tables, bool(self._sentinels) and self.triggers.enabled
        )
        if into is None:
            run(source)
            return True
        self._flush(conn, tx, restart=False)
        tx.touched.add(into.table)
        try:
            bulk.insert(
                conn, into, source, run, tx.steps, lambda kept: self._rerun(conn, tx, run, kept)
            )
        finally:
            if tx.session is None and not conn.get_autocommit():
                tx.session = new_session(conn, touched=tx.touched)
        return True

    def _rerun(
        self, conn: apsw.Connection, tx: _Transaction, run: ManyRunner, rows: list[Any]
    ) -> None:
        """Run a bulk chunk again under a session (its rows could not be told by range)."""
        tx.session = new_session(conn, touched=tx.touched)
        try:
            run(rows)
        finally:
            self._flush(conn, tx, restart=False)

    def after_statement(self, engine: Engine, statement: Statement, ok: bool) -> None:
        """Finish the capture of a DDL statement, or of a lone write (see :mod:`.solo`)."""
        tx = self._tx
        if tx is not None and tx.solo is not None and statement is engine.lone_write:
            self._after_solo(engine.conn, tx, ok)
            return
        if tx is None:
            return
        if tx.hooked is not None:
            self._after_hook(engine.conn, tx)
            return
        if tx.ddl is None:
            if tx.session is not None and tx.touched and not tx.session.is_empty:
                self._after_rows(engine.conn, tx)
            return
        ddl, tx.ddl = tx.ddl, None
        self.risk.forget()
        try:
            self._after_ddl(engine.conn, tx, ddl, ok)
        except BaseException as exc:
            tx.broken = f"{exc}"
            raise
        if self._sentinels:  # a trigger (perhaps a TEMP one) may have come or gone
            self.triggers.forget()
            self.triggers.update(engine.conn, tx.schema_version)

    def _after_solo(self, conn: apsw.Connection, tx: _Transaction, ok: bool) -> None:
        watch, tx.solo = tx.solo, None
        assert watch is not None
        watch.stop()
        changeset = watch.changeset(lambda table: self._layout(conn, tx, table))
        if changeset is None:
            # More than one row, or a change it cannot encode: under a session, then.
            self._no_solo = True
            raise RunAgain("this lone write needs a session")
        if changeset and ok:
            tx.steps.append(RowsStep(changeset))

    def _start_hook(self, conn: apsw.Connection, tx: _Transaction) -> None:
        """Close the session and follow the statement through the hook (see ``hooked``)."""
        self._flush(conn, tx, restart=False)
        tx.hooked = hooked.HookWatch(conn, _user_table, tx.touched, self._layouts(conn, tx))
        tx.hooked.start()  # last: nothing may fail between here and the statement

    def _after_hook(self, conn: apsw.Connection, tx: _Transaction) -> None:
        watch, tx.hooked = tx.hooked, None
        assert watch is not None
        watch.stop()
        if conn.get_autocommit():
            return  # the statement rolled the transaction back: nothing to record
        try:
            changeset = watch.changeset()
        except ValueError as exc:
            tx.broken = f"{exc}"
            changeset = b""
        if changeset:
            tx.steps.append(RowsStep(changeset))
        tx.session = new_session(conn, touched=tx.touched)

    def _layouts(
        self, conn: apsw.Connection, tx: _Transaction
    ) -> Callable[[str], sch.Layout | None]:
        return lambda table: self._layout(conn, tx, table)

    def _after_rows(self, conn: apsw.Connection, tx: _Transaction) -> None:
        """One statement per session for tables tracked by rowid (see ``rowid_mode``)."""
        if rowid_mode.rowid_tables(tx.touched, lambda t: self._layout(conn, tx, t)):
            self._flush(conn, tx)

    def _layout(self, conn: apsw.Connection, tx: _Transaction, table: str) -> sch.Layout | None:
        create = self.schema.table_sql(conn, tx.schema_version).get(table)
        if create is None:
            return None
        try:
            return sch.cached_layout(conn, table, create)
        except HistoryError:
            return None

    def savepoint(self, engine: Engine, name: str) -> None:
        """Close the rows step so a later ROLLBACK TO drops exactly what follows."""
        tx = self._tx
        if tx is None:
            return
        self._flush(engine.conn, tx)
        tx.savepoints.append((name, len(tx.steps)))

    def release(self, engine: Engine, name: str) -> None:
        """Forget savepoint ``name`` and those opened after it."""
        tx = self._tx
        if tx is None:
            return
        index = _find(tx.savepoints, name)
        if index is not None:
            del tx.savepoints[index:]

    def rollback_to(self, engine: Engine, name: str) -> None:
        """Drop the steps recorded since savepoint ``name``."""
        tx = self._tx
        if tx is None:
            return
        index = _find(tx.savepoints, name)
        if index is None:
            return
        if tx.session is not None:
            tx.session.close()
        del tx.steps[tx.savepoints[index][1] :]
        del tx.savepoints[index + 1 :]
        tx.session = new_session(engine.conn, touched=tx.touched)
        tx.schema_version = _schema_version(engine.conn)
        tx.schema = self.schema.peek(engine.conn, tx.schema_version)

    def before_commit(self, engine: Engine) -> None:
        """Append the transaction's record (and let ``on_record`` commit it)."""
        tx = self._tx
        if tx is None:
            return
        conn = engine.conn
        self._flush(conn, tx, restart=False)
        self._check(conn, tx, engine.lone_write)
        steps, kind = self._final_steps(conn, tx)
        self._close()
        if self._sentinels:
            self._sentinels_after(conn, tx)
        self._lone_done = tx.lone and (bool(steps) or tx.last is not None)
        if not steps:
            if self._lone_done:
                self._last = tx.last  # still the newest record
            return
        note = tx.note if tx.writes <= 1 else f"{tx.note} (+{tx.writes - 1} more)"
        note = self.label or note
        record = store.append_record(
            conn,
            kind,
            encode_steps(steps),
            note=note,
            owed=self.autocommit_author,
            base=tx.last,
            use_last=tx.last is None,
        )
        self._last = record
        if self.on_record is not None:
            self.on_record(record, steps)

    def _final_steps(self, conn: apsw.Connection, tx: _Transaction) -> tuple[list[Any], str]:
        """The record's steps in normal form, and its kind (``bulk`` while it holds ranges)."""
        steps = tx.steps
        if not any(isinstance(step, RangeStep) for step in steps):
            return normalize(steps), "txn"  # type: ignore[arg-type]
        if any(isinstance(step, SchemaStep) for step in steps):
            return normalize(bulk.seal_steps(conn, steps, outside=False)), "txn"
        return bulk.normalize_unsealed(steps), bulk.KIND

    def before_vacuum(self, engine: Engine) -> None:
        """Refuse VACUUM while a table is tracked by rowid (VACUUM may renumber rowids)."""
        conn = engine.conn
        for table in sch.tables(sch.snapshot(conn)):
            if (
                sch.layout(conn, table).implicit_rowid
                and conn.execute(f"SELECT 1 FROM main.{quote_identifier(table)} LIMIT 1").get
            ):
                raise HistoryError(
                    f"VACUUM could renumber the rowids of table {table}, which history "
                    "tracks by rowid",
                    hint=f"give {table} an INTEGER PRIMARY KEY, or copy the file with VACUUM INTO",
                )

    def applied(self, engine: Engine, tables: frozenset[str]) -> None:
        """Nothing: history itself applied those changes (capture was paused)."""

    def after_commit(self, engine: Engine) -> None:
        """Forget the finished transaction."""
        self._close()
        if self._lone_done:
            self._quiet = engine.conn.data_version()
        self._lone_done = False

    def after_rollback(self, engine: Engine) -> None:
        """Forget the rolled-back transaction."""
        self._close()
        self._quiet, self._lone_done = None, False
        self.version = None  # what this transaction stored about the schema is gone
        self.triggers.forget()
        self._last = None

    # -- other programs' writes ------------------------------------------------------------

    def _outside_writes(
        self, conn: apsw.Connection, version: int, dirty: bool
    ) -> tuple[int, store.Record | None]:
        """Fold other programs' writes into an ``external`` record.

        Returns:
            The schema cookie now, and the record appended (None when nothing was).
        """
        steps: list[Step] = []
        if version != self.version:
            cookie, before = external.stored_schema(conn)
            if cookie != version:
                after = self.schema.peek(conn, version)
                if before is not None:
                    steps.extend(external.fold_schema(conn, before, after))
                external.sync(conn, after)
                version = _schema_version(conn)
                external.store_schema(conn, version, after)
            self.version = version
        counts: dict[str, int] = {}
        if dirty:
            changeset, counts = external.fold_rows(conn)
            if changeset:
                steps.append(RowsStep(changeset))
        self.triggers.update(conn, version)
        steps = normalize(steps) if steps else steps
        if not steps:
            return version, None
        note = external.summary(counts, steps)
        record = store.append_record(conn, "external", encode_steps(steps), note=note)
        if self.on_external is not None:
            self.on_external(record, steps)
        return version, record

    def _sentinels_after(self, conn: apsw.Connection, tx: _Transaction) -> None:
        """Keep sentinels in step with this transaction's schema; drop zen's own shadow rows."""
        if self.triggers.enabled:
            external.clear_own(conn)
        version = self.version if self.version is not None else _schema_version(conn)
        if version != tx.begin_version:
            schema = self.schema.peek(conn, version)
            external.sync(conn, schema)
            self.version = _schema_version(conn)
            external.store_schema(conn, self.version, schema)
            self.triggers.forget()

    # -- helpers ---------------------------------------------------------------------

    def _close(self) -> None:
        tx, self._tx = self._tx, None
        if tx is not None and tx.solo is not None:
            tx.solo.stop()  # before any session can exist on this connection again
            tx.solo = None
        if tx is not None and tx.hooked is not None:
            tx.hooked.stop()
            tx.hooked = None
        if tx is not None and tx.session is not None:
            tx.session.close()

    def _flush(self, conn: apsw.Connection, tx: _Transaction, *, restart: bool = True) -> None:
        """Move the session's changes into a rows step (and start a new session)."""
        if tx.session is None:
            return
        changeset = self._changes(conn, tx, tx.session)
        tx.session.close()
        tx.session = None
        if changeset:
            tx.steps.append(RowsStep(changeset))
        if restart:
            tx.session = new_session(conn, touched=tx.touched)

    def _changes(self, conn: apsw.Connection, tx: _Transaction, session: apsw.Session) -> bytes:
        """The session's changeset, without what SQLite's rowid-mode bug adds (``rowid_mode``)."""
        changeset = bytes(session.changeset())
        if not changeset:
            return changeset
        tables = rowid_mode.rowid_tables(tx.touched, lambda t: self._layout(conn, tx, t))
        return rowid_mode.without_spurious(changeset, tables)

    def _check(self, conn: apsw.Connection, tx: _Transaction, lone: Statement | None) -> None:
        if tx.broken:
            raise HistoryError(
                f"a change could not be recorded ({tx.broken})",
                hint="the transaction was rolled back; nothing changed",
            )
        if lone is not None and lone.plain_write:
            # Alone in its transaction, an INSERT/UPDATE/DELETE cannot change the schema.
            version = self.version = tx.schema_version
        else:
            version = self.version = _schema_version(conn)
            if version != tx.schema_version:
                self._raw_ddl(conn, tx, version)
        if tx.touched:
            tables = self.schema.table_sql(conn, version)
            for name in sorted(self._nullable_keys(conn, version, tables, tx.touched)):
                sch.check_null_keys(conn, name, tables[name])

    def _nullable_keys(
        self, conn: apsw.Connection, version: int, tables: dict[str, str], touched: set[str]
    ) -> set[str]:
        """The ``touched`` tables whose primary key can hold NULL (remembered per schema)."""
        if self._nullable is None or self._nullable[0] != version:
            self._nullable = (version, {})
        known = self._nullable[1]
        for name in touched - known.keys():
            if name in tables:
                known[name] = bool(sch.cached_layout(conn, name, tables[name]).nullable_key)
        return {name for name in touched if known.get(name)}

    def _raw_ddl(self, conn: apsw.Connection, tx: _Transaction, version: int) -> None:
        """Record DDL run on the raw connection: new tables and objects only.

        The rows of a new table went into the session before its schema step
        existed; like a recreated table's, they are removed before the schema step
        and put back after it, so each step sees the layout it was made with.
        """
        after = self.schema.peek(conn, version)
        step = sch.diff_step(tx.schema, after)
        if step is None:
            return  # only zen's own objects changed
        redefined = step.tables() & sch.tables(tx.schema).keys()
        if redefined:
            raise UncapturedChangeError(
                f"table {sorted(redefined)[0]} was altered or dropped outside zen's statement "
                "path, so history cannot record its rows",
                hint="run DDL through zen (Database.sql / script), not the raw connection",
            )
        new_tables = sch.tables(after)
        images = [sch.table_image(conn, t, new_tables[t]) for t in sorted(step.tables())]
        fill = concat(images) if images else b""
        if fill:
            tx.steps.append(RowsStep(bytes(apsw.Changeset.invert(fill))))
        tx.steps.append(step)
        if fill:
            tx.steps.append(RowsStep(fill))

    def _before_ddl(
        self, conn: apsw.Connection, tx: _Transaction, sql: str, params: Params
    ) -> None:
        self._flush(conn, tx)
        if any(isinstance(step, RangeStep) for step in tx.steps):
            # The DDL may redefine a table the ranges name: seal them while they still fit.
            tx.steps[:] = bulk.seal_steps(conn, tx.steps, outside=False)
        before = sch.snapshot(conn)
        targets = _targets(conn, sql, params)
        tables = sch.tables(before)
        images = {t: sch.table_image(conn, t, tables[t]) for t in targets if t in tables}
        if self._sentinels:
            for table in sorted(targets & tables.keys()):
                external.uninstall(conn, table)  # DROP COLUMN refuses columns triggers use
        if tx.session is not None:
            tx.session.close()
        tx.session = new_session(conn, targets, tx.touched)
        tx.ddl = _Ddl(before, targets, images)

    def _after_ddl(self, conn: apsw.Connection, tx: _Transaction, ddl: _Ddl, ok: bool) -> None:
        effects = self._changes(conn, tx, tx.session) if tx.session is not None else b""
        if tx.session is not None:
            tx.session.close()
        tx.session = new_session(conn, touched=tx.touched)
        after = sch.snapshot(conn)
        tx.schema_version = _schema_version(conn)
        tx.schema = after
        step = sch.diff_step(ddl.before, after) if ok else None
        if step is None:
            if effects:
                tx.steps.append(RowsStep(effects))
            return
        tx.steps.extend(_ddl_steps(conn, ddl, after, step.tables(), effects))
        tx.steps.insert(len(tx.steps) - 1, step)
        if self._sentinels:
            external.sync(conn, after)
            tx.schema_version = _schema_version(conn)
            self.triggers.forget()
            self.triggers.update(conn, tx.schema_version)


def _ddl_steps(
    conn: apsw.Connection, ddl: _Ddl, after: sch.SchemaMap, recreated: set[str], effects: bytes
) -> list[Step]:
    """``[rows: empty the old tables, rows: cascades + fill the new tables]``.

    The caller inserts the schema step between the two.
    """
    old_tables = sch.tables(ddl.before)
    new_tables = sch.tables(after)
    after_images = {
        t: sch.table_image(conn, t, new_tables[t]) for t in recreated if t in new_tables
    }
    before_images: list[bytes] = []
    for table in sorted(recreated & old_tables.keys()):
        image = ddl.images.get(table)
        if image is None:
            # Redefined as a side effect (a rename rewrote its SQL): same rows, same layout.
            image = after_images.get(table)
        if image is None:
            raise HistoryError(f"the rows of table {table} could not be recorded")
        before_images.append(image)
    empty = apsw.Changeset.invert(concat(before_images)) if before_images else b""
    fill = concat([effects, *(after_images[t] for t in sorted(after_images))])
    return [RowsStep(bytes(empty)), RowsStep(fill)]


def _targets(conn: apsw.Connection, sql: str, params: Params) -> frozenset[str]:
    """Tables of ``main`` a DDL statement creates, drops or alters (from its authorizer)."""
    found: set[str] = set()
    for op, arg1, arg2, db in sch.authorized(conn, sql, _TARGETS, params):
        name = arg2 if op == apsw.SQLITE_ALTER_TABLE else arg1
        schema_name = arg1 if op == apsw.SQLITE_ALTER_TABLE else db
        if name and (schema_name or "main") == "main":
            found.add(name)
    return frozenset(found)


def _schema_version(conn: apsw.Connection) -> int:
    return int(conn.execute("PRAGMA main.schema_version").get)


def _find(savepoints: list[tuple[str, int]], name: str) -> int | None:
    for index in range(len(savepoints) - 1, -1, -1):
        if savepoints[index][0].lower() == name.lower():
            return index
    return None
