"""Merge: fast-forward, or a three-way merge of rows (cell level) and schema.

``merge(theirs)`` finds the merge base (nearest common ancestor commit), then:

- theirs is already in HEAD: nothing to do;
- HEAD is behind theirs (and no ``no_ff``): fast-forward, moving the working copy;
- else three-way. The schema is merged first from the three trees: changes made
  by one side only (tables, indexes, views, triggers) are taken; the same change
  on both sides is taken once; columns added to one table (``ADD COLUMN``) on
  one side, or on both with different names, merge column by column while the
  other side's row changes to that table still merge cell by cell
  (:mod:`zen.history.colmerge`); anything else (both sides changed one object
  differently, one side dropped or redefined a table whose rows or indexes the
  other side changed) is a schema conflict and nothing is applied. Then
  theirs' net changes (base -> theirs) are applied to
  the working copy by SQLite, which checks each changed cell's old value
  (:mod:`zen.history.conflicts`). All in one transaction: a clean merge ends
  with a commit with two parents; with row conflicts nothing of the merge is
  applied, the conflicts land in ``_zen_conflicts`` and the merge waits for
  ``resolve`` then ``merge --continue`` (or ``merge --abort``).

Merge state lives in ``_zen_meta`` (``merge_head``, ``merge_message``) next to
the conflicts, so it survives between commands and crashes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.core import Engine
from zen.history import (
    ancestry,
    checkout,
    colmerge,
    hooked,
    mergetree,
    replace_apply,
    rowid_mode,
    store,
)
from zen.history import commits as cm
from zen.history import conflicts as cf
from zen.history import schema as sch
from zen.history.apply import apply_steps, path_steps, raw_apply_mode
from zen.history.capture import Capture, new_session
from zen.history.errors import HistoryError
from zen.history.net import normalize
from zen.history.rewind import paused
from zen.history.steps import RowsStep, SchemaStep, Step, concat, encode_steps
from zen.history.trees import Tree, working_tree

Outcome = Literal["up-to-date", "fast-forward", "merged", "conflicts"]
_STATE_KEYS = ("merge_head", "merge_message", "merge_label")


class MergeConflictError(HistoryError):
    """The two sides' schema changes cannot both be applied (nothing was applied)."""


@dataclass(frozen=True)
class MergeResult:
    """What a merge did.

    Attributes:
        outcome: ``up-to-date``, ``fast-forward``, ``merged`` or ``conflicts``.
        theirs: The merged commit.
        base: The merge base (None when the histories share nothing).
        commit: The new HEAD commit (the merge commit, or theirs after a fast-forward).
        rows: Row changes applied to the working copy.
        conflicts: Open conflicts (outcome ``conflicts``).
    """

    outcome: Outcome
    theirs: str
    base: str | None
    commit: str | None
    rows: int = 0
    conflicts: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class _Sides:
    ours: cm.Commit
    theirs: cm.Commit
    base: cm.Commit | None


def in_progress(conn: apsw.Connection) -> str | None:
    """The commit being merged, while a merge waits for conflicts to be resolved."""
    found = store.meta_get(conn, "merge_head")
    return str(found) if found else None


def merge(
    engine: Engine,
    capture: Capture,
    cache: cm.ObjectCache,
    spec: str,
    *,
    no_ff: bool = False,
    message: str | None = None,
    author: str | None = None,
) -> MergeResult:
    """Merge revision ``spec`` into HEAD (see the module docstring).

    Raises:
        HistoryError: A merge is in progress, or there are uncommitted changes.
        MergeConflictError: Incompatible schema changes (nothing applied).
    """
    from zen.history.refs import resolve_commit

    conn = engine.conn
    with raw_apply_mode(conn), paused(capture), engine.transaction():
        if in_progress(conn):
            raise HistoryError(
                "a merge is in progress",
                hint="resolve its conflicts (zen conflicts) then zen merge --continue, "
                "or zen merge --abort",
            )
        checkout.require_clean(conn, "merge")
        sides = _sides(conn, cache, resolve_commit(conn, spec).id)
        label = spec if spec != sides.theirs.id else sides.theirs.short
        text = message or f"merge {label}"
        return _merge(engine, capture, cache, sides, no_ff=no_ff, message=text, author=author)


def merge_continue(
    engine: Engine, capture: Capture, cache: cm.ObjectCache, *, author: str | None = None
) -> MergeResult:
    """Finish a merge whose conflicts are all resolved (redone with the resolutions).

    Raises:
        HistoryError: No merge in progress.
    """
    conn = engine.conn
    with raw_apply_mode(conn), paused(capture), engine.transaction():
        theirs = in_progress(conn)
        if theirs is None:
            raise HistoryError("no merge in progress")
        still = cf.open_count(conn)
        if still:
            raise HistoryError(
                f"{still} merge conflict(s) are still open",
                hint="zen conflicts lists them; zen conflicts resolve --ours|--theirs|...",
            )
        checkout.require_clean(conn, "continue the merge")
        sides = _sides(conn, cache, theirs)
        text = str(store.meta_get(conn, "merge_message", "merge"))
        return _merge(engine, capture, cache, sides, no_ff=True, message=text, author=author)


def merge_abort(engine: Engine) -> str:
    """Forget the merge in progress and its conflicts (the working copy was never touched).

    Raises:
        HistoryError: No merge in progress.
    """
    conn = engine.conn
    with engine.transaction():
        theirs = in_progress(conn)
        if theirs is None:
            raise HistoryError("no merge in progress")
        forget(conn)
    return theirs


def _sides(conn: apsw.Connection, cache: cm.ObjectCache, theirs_id: str) -> _Sides:
    ours = cm.head_commit(conn, cache)
    if ours is None:
        raise HistoryError("HEAD has no commit to merge into")
    theirs = cache.commit(conn, theirs_id)
    base_id = ancestry.merge_base(conn, ours.id, theirs.id, cache)
    return _Sides(ours, theirs, cache.commit(conn, base_id) if base_id else None)


def _merge(
    engine: Engine,
    capture: Capture,
    cache: cm.ObjectCache,
    sides: _Sides,
    *,
    no_ff: bool,
    message: str,
    author: str | None,
) -> MergeResult:
    conn = engine.conn
    base_id = sides.base.id if sides.base else None
    if base_id == sides.theirs.id:
        forget(conn)
        return MergeResult("up-to-date", sides.theirs.id, base_id, sides.ours.id)
    if base_id == sides.ours.id and not no_ff:
        _, steps = checkout.move(
            engine, capture, sides.theirs.record, "merge", f"{message} (fast-forward)"
        )
        cm.move_head(conn, sides.theirs.id, f"merge {sides.theirs.short}: fast-forward")
        return MergeResult(
            "fast-forward", sides.theirs.id, base_id, sides.theirs.id, checkout.row_count(steps)
        )
    return _three_way(engine, capture, cache, sides, message, author)


def _three_way(
    engine: Engine,
    capture: Capture,
    cache: cm.ObjectCache,
    sides: _Sides,
    message: str,
    author: str | None,
) -> MergeResult:
    conn = engine.conn
    base_tree = cm.commit_tree(conn, sides.base, cache) if sides.base else None
    ours_tree = cm.commit_tree(conn, sides.ours, cache)
    theirs_tree = cm.commit_tree(conn, sides.theirs, cache)
    plan = _plan_schema(base_tree, ours_tree, theirs_tree)
    base_record = sides.base.record if sides.base else None
    everything = path_steps(conn, base_record, sides.theirs.record)
    steps = _filtered(everything, plan)
    ours_steps = path_steps(conn, base_record, sides.ours.record)
    # With a schema change on either side, a changeset may be in another layout
    # than the table it lands in: record what really changed from the start.
    exact = any(isinstance(s, SchemaStep) for s in (*ours_steps, *everything))
    applier = _applier(conn, ours_steps, ours_tree)
    conn.execute("SAVEPOINT zen_merge")
    applied = apply_with(conn, steps, applier, record=exact)
    if applier.calls and not exact and not (applier.found or applier.failures):
        # SQLite asked: what was applied differs from theirs' steps, so apply again
        # under a session that records exactly what changed.
        conn.execute("ROLLBACK TO zen_merge")
        applier = _applier(conn, ours_steps, ours_tree)
        applied = apply_with(conn, steps, applier, record=True)
    for table, columns in sorted(plan.rebuild.items()):
        b_sql = sch.tables(base_tree.schema if base_tree else {})[table]
        t_sql = sch.tables(theirs_tree.schema)[table]
        applied += _rebuild(conn, table, (b_sql, t_sql), columns, everything, applier)
    if plan.rebuild:
        applied = normalize(applied)
    if applier.found or applier.failures:
        conn.execute("ROLLBACK TO zen_merge")
        conn.execute("RELEASE zen_merge")
        return _stop(conn, capture, sides, applier, message)
    conn.execute("RELEASE zen_merge")
    overlap = mergetree.find(ours_steps, steps) if base_tree is not None and not exact else None
    if overlap is not None and not applier.calls:
        engine.notify_applied(frozenset(overlap.tables))  # no schema steps on this path
        count = overlap.count
    else:
        checkout.after_apply(engine, capture, applied)
        count = checkout.row_count(applied)
    record = store.append_record(conn, "merge", encode_steps(applied), note=message)
    if overlap is not None:
        after = mergetree.read(conn, overlap, ours_tree.schema)
        recorded = None if not applier.calls else _rows_of(applied)
        done = mergetree.applied_changes(overlap, recorded)
        trees = (base_tree, ours_tree, theirs_tree)
        tree = mergetree.merged_tree(dict(ours_tree.schema), trees, overlap, after, done)
    else:
        tree = working_tree(conn, ours_tree, applied)
    parents = (sides.ours.id, sides.theirs.id)
    who = author or cm.default_author(conn)
    commit, stored = cm.write_commit(conn, tree, parents, who, message, record, parent=ours_tree)
    cm.move_head(conn, commit.id, f"merge {sides.theirs.short}: {message}")
    cache.add(commit, stored)
    forget(conn)
    base_id = sides.base.id if sides.base else None
    return MergeResult("merged", sides.theirs.id, base_id, commit.id, count)


def _rows_of(steps: list[Step]) -> bytes:
    """The rows a merge without schema changes applied, as one changeset (net changes)."""
    rows = [s.changeset for s in steps if isinstance(s, RowsStep)]
    return concat(rows) if rows else b""


def _rebuild(
    conn: apsw.Connection,
    table: str,
    sqls: tuple[str, str],
    columns: tuple[list[str], list[str]],
    theirs: list[Step],
    applier: cf.Applier,
) -> list[Step]:
    """Merge a table theirs added columns to (see :mod:`zen.history.colmerge`)."""
    cut = next((i for i, s in enumerate(theirs) if isinstance(s, SchemaStep)), len(theirs))
    head = [s.changeset for s in theirs[:cut] if isinstance(s, RowsStep)]
    tail = [s.changeset for s in theirs[cut:] if isinstance(s, RowsStep)]
    base_rows = apsw.Changeset.invert(head[0]) if head else b""
    change = colmerge.theirs_change(
        table, sqls, [*columns[0], *columns[1]], (base_rows, tail[0] if tail else b"")
    )
    before = sch.snapshot(conn)
    old_rows = sch.table_image(conn, table, sch.tables(before)[table])
    for definition in columns[1]:
        conn.execute(f"ALTER TABLE main.{quote_identifier(table)} ADD COLUMN {definition}")
    after = sch.snapshot(conn)
    applier.use_schema(after)
    if change:
        apsw.Changeset.apply(
            change, conn, conflict=applier, flags=apsw.SQLITE_CHANGESETAPPLY_FKNOACTION
        )
    applier.write_fixups(conn)
    new_rows = sch.table_image(conn, table, sch.tables(after)[table])
    return colmerge.table_steps(before, after, (old_rows, new_rows))


def _applier(conn: apsw.Connection, ours_steps: list[Step], ours_tree: Tree) -> cf.Applier:
    return cf.Applier(cf.resolutions(conn), _base_rows(ours_steps), ours_tree.schema)


def _stop(
    conn: apsw.Connection, capture: Capture, sides: _Sides, applier: cf.Applier, message: str
) -> MergeResult:
    if applier.failures:
        resolved = cf.exists(conn) and cf.open_count(conn) == 0  # merge --continue
        hint = (
            "resolve those conflicts another way (zen conflicts resolve), then zen merge --continue"
            if resolved
            else "change the rows on one side so they fit together, then merge again"
        )
        raise MergeConflictError(
            "merging would break constraints: " + "; ".join(applier.failures[:3]), hint=hint
        )
    had_table = cf.exists(conn)
    cf.replace_all(conn, applier.found)
    if not had_table:
        checkout.refresh_schema(conn, capture)  # our own table moved the schema cookie
    store.meta_set(conn, "merge_head", sides.theirs.id)
    store.meta_set(conn, "merge_message", message)
    base_id = sides.base.id if sides.base else None
    return MergeResult("conflicts", sides.theirs.id, base_id, None, 0, cf.open_count(conn))


def forget(conn: apsw.Connection) -> None:
    """Drop the merge state and its conflicts (merge done, aborted, or reset)."""
    cf.clear(conn)
    conn.execute(
        f"DELETE FROM _zen_meta WHERE key IN ({', '.join('?' * len(_STATE_KEYS))})", _STATE_KEYS
    )


# -- applying -------------------------------------------------------------------------------


def apply_with(
    conn: apsw.Connection, steps: list[Step], applier: cf.Applier, *, record: bool = True
) -> list[Step]:
    """Apply theirs' steps onto ours; returns the steps actually applied (``record``).

    With ``record``, rows steps run under a session, so the result holds exactly
    what changed, including the cells resolutions chose; without, the result is
    ``steps`` (exact only when ``applier`` was never called).
    """
    out: list[Step] = []
    last_rows = max((i for i, s in enumerate(steps) if isinstance(s, RowsStep)), default=-1)
    for i, step in enumerate(steps):
        if isinstance(step, SchemaStep):
            _apply_schema(conn, step)
            out.append(step)
            continue
        displacing = replace_apply.replace_tables(conn)
        if displacing:
            displacing &= replace_apply.changed_tables(step.changeset)
        if displacing:
            out.extend(_apply_displacing(conn, step.changeset, displacing, applier, record))
        session = new_session(conn) if record else None
        apsw.Changeset.apply(
            step.changeset,
            conn,
            filter=(lambda name, skip=displacing: name not in skip) if displacing else None,
            conflict=applier,
            flags=apsw.SQLITE_CHANGESETAPPLY_FKNOACTION,
        )
        if session is not None:
            out.extend(_recorded(conn, session))
        if i == last_rows:
            # A session of their own: a fixup writes a row the apply just wrote.
            session = new_session(conn) if record else None
            applier.write_fixups(conn)
            if session is not None:
                out.extend(_recorded(conn, session))
    return out if record else list(steps)


def _recorded(conn: apsw.Connection, session: apsw.Session) -> list[Step]:
    """The session's changes as a step (closing it), without SQLite's rowid-mode extras.

    Each row was written once since the session opened, which is when
    :func:`zen.history.rowid_mode.without_spurious` applies.
    """
    changeset = bytes(session.changeset())
    session.close()
    if not changeset:
        return []
    keyless = rowid_mode.rowid_tables(
        replace_apply.changed_tables(changeset), lambda table: sch.layout(conn, table)
    )
    return [RowsStep(rowid_mode.without_spurious(changeset, keyless))]


def _apply_displacing(
    conn: apsw.Connection,
    changeset: bytes,
    tables: frozenset[str],
    applier: cf.Applier,
    record: bool,
) -> list[Step]:
    """Theirs' changes to tables declared ``ON CONFLICT REPLACE`` (see ``replace_apply``).

    What does not fit ours goes through SQLite's apply and the conflict handler; a new
    row taking a unique value one of ours holds breaks a constraint (the clause would
    silently delete ours). Recorded through the preupdate hook: no session is open.
    """

    def misfits(part: bytes) -> None:
        flags = apsw.SQLITE_CHANGESETAPPLY_FKNOACTION
        apsw.Changeset.apply(part, conn, conflict=applier, flags=flags)

    watch = hooked.HookWatch(conn, tables.__contains__, set(), lambda t: sch.layout(conn, t))
    if record:
        watch.start()
    try:
        replace_apply.apply_rows(conn, changeset, tables, misfits)
    except replace_apply.ApplyConflict as error:
        applier.failures.append(f"{error.table}: {error.op} {error.key} breaks a constraint")
    finally:
        watch.stop()
    try:
        recorded = watch.changeset() if record else b""
    except ValueError as exc:
        raise MergeConflictError(str(exc), hint="merge this table's rows by hand") from None
    return [RowsStep(recorded)] if recorded else []


def _apply_schema(conn: apsw.Connection, step: SchemaStep) -> None:
    try:
        apply_steps(conn, [step])
    except apsw.Error as exc:
        raise MergeConflictError(
            f"theirs' schema change does not apply on ours: {exc}",
            hint="make the schemas compatible on one side, then merge again",
        ) from None


def _base_rows(ours_steps: list[Step]) -> Any:
    """A lookup of a row's full base values, from ours' net changes (only rows ours deleted
    are asked for, and those are in ours' net changeset with all their old values)."""
    cache: dict[tuple[str, tuple[Any, ...]], tuple[Any, ...]] = {}

    def lookup(table: str, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        if not cache:
            for step in ours_steps:
                if isinstance(step, RowsStep):
                    for change in apsw.Changeset.iter(step.changeset):
                        if change.op == "DELETE" and change.old is not None:
                            pk = tuple(change.old[i] for i in sorted(change.pk_columns))
                            cache[(change.name, pk)] = change.old
        return cache.get((table, key))

    return lookup


# -- schema ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """How theirs' steps are trimmed: objects already equal on ours, tables already equal."""

    skip_keys: frozenset[tuple[str, str]]
    skip_tables: frozenset[str]
    recreated_theirs: frozenset[str]
    recreated_ours: frozenset[str]
    rebuild: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    """Tables theirs added columns to: (ours' added definitions, theirs')."""


def _plan_schema(base: Tree | None, ours: Tree, theirs: Tree) -> _Plan:
    """Check that the schema changes fit together (else :class:`MergeConflictError`)."""
    b = dict(base.schema) if base else {}
    o, t = dict(ours.schema), dict(theirs.schema)
    problems: list[str] = []
    skip: set[tuple[str, str]] = set()
    appends = {n: c for n, c in _appends(b, o, t).items() if _touched_by(n, base, ours)}
    for key in sorted(b.keys() | o.keys() | t.keys()):
        bo, oo, to = b.get(key), o.get(key), t.get(key)
        if key[0] == "table" and key[1] in appends:
            continue  # columns added on one or both sides: merged column by column
        if oo == to:
            if oo != bo:
                skip.add(key)  # the same change on both sides: take it once
        elif oo != bo and to != bo:
            problems.append(f"{key[0]} {key[1]} was changed on both sides")
    re_o = _recreated(b, o) - appends.keys()
    re_t = _recreated(b, t) - appends.keys()
    rebuild = {n: cols for n, cols in appends.items() if cols[1]}
    for table in sorted(rebuild):
        problems += _other_entries(table, b, t)
    same_tables = {n for n in re_o & re_t if _same_table(n, ours, theirs)}
    for table in sorted(re_t - same_tables):
        problems += _touched(table, ("theirs", t), ("ours", o, ours), b, base)
    for table in sorted(re_o - same_tables):
        problems += _touched(table, ("ours", o), ("theirs", t, theirs), b, base)
    if problems:
        raise MergeConflictError(
            "incompatible schema changes, nothing was merged: " + "; ".join(problems[:5]),
            hint="make the schema change on one side only (or the same on both), then merge again",
        )
    skip |= {k for side in (b, o, t) for k, e in side.items() if e[2] in same_tables}
    skip |= {k for side in (b, t) for k, e in side.items() if e[2] in rebuild}
    return _Plan(frozenset(skip), frozenset(same_tables), frozenset(re_t), frozenset(re_o), rebuild)


def _appends(
    b: sch.SchemaMap, o: sch.SchemaMap, t: sch.SchemaMap
) -> dict[str, tuple[list[str], list[str]]]:
    """Tables one or both sides only added columns to (different names): the added
    definitions of ours and theirs."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    bt, ot, tt = sch.tables(b), sch.tables(o), sch.tables(t)
    for name in bt.keys() & ot.keys() & tt.keys():
        if ot[name] == bt[name] == tt[name] or ot[name] == tt[name]:
            continue
        mine, theirs = colmerge.appended(bt[name], ot[name]), colmerge.appended(bt[name], tt[name])
        if mine is None or theirs is None:
            continue
        names = [colmerge.column_name(c) for c in (*mine, *theirs)]
        if len(set(names)) == len(names):
            found[name] = (mine, theirs)
    return found


def _touched_by(table: str, base: Tree | None, side: Tree) -> bool:
    """True when ``side`` changed ``table``'s rows or any of its schema entries."""
    if base is None or side.table_hex(table) != base.table_hex(table):
        return True
    mine = {k: e for k, e in side.schema.items() if e[2] == table}
    return mine != {k: e for k, e in base.schema.items() if e[2] == table}


def _other_entries(table: str, b: sch.SchemaMap, t: sch.SchemaMap) -> list[str]:
    """Theirs' changes to a table's indexes and triggers, when it also added columns."""
    return [
        f"theirs added columns to table {table} and changed {k[0]} {k[1]}"
        for k in sorted(colmerge.entries_of(b, table) | colmerge.entries_of(t, table))
        if k[0] != "table" and b.get(k) != t.get(k)
    ]


def _recreated(before: sch.SchemaMap, after: sch.SchemaMap) -> set[str]:
    """Tables created, dropped or redefined between two schemas."""
    old, new = sch.tables(before), sch.tables(after)
    return {n for n in old.keys() | new.keys() if old.get(n) != new.get(n)}


def _same_table(name: str, ours: Tree, theirs: Tree) -> bool:
    mine = {k: e for k, e in ours.schema.items() if e[2] == name}
    other = {k: e for k, e in theirs.schema.items() if e[2] == name}
    return mine == other and ours.table_hex(name) == theirs.table_hex(name)


def _touched(
    table: str,
    changer: tuple[str, sch.SchemaMap],
    other: tuple[str, sch.SchemaMap, Tree],
    b: sch.SchemaMap,
    base: Tree | None,
) -> list[str]:
    """Why ``other`` conflicts with ``changer`` recreating ``table`` (empty: it does not)."""
    who, changed = changer
    them, their_schema, their_tree = other
    existed, exists = table in sch.tables(b), table in sch.tables(changed)
    what = "redefined" if existed and exists else "dropped" if existed else "created"
    found = []
    if existed and their_tree.table_hex(table) != (base.table_hex(table) if base else None):
        found.append(f"{who} {what} table {table}, {them} changed its rows")
    for key in b.keys() | their_schema.keys():
        entry = their_schema.get(key) or b.get(key)
        if (
            entry
            and entry[2] == table
            and key[0] != "table"
            and their_schema.get(key) != b.get(key)
        ):
            found.append(f"{who} {what} table {table}, {them} changed {key[0]} {key[1]}")
    return found


def _filtered(steps: list[Step], plan: _Plan) -> list[Step]:
    """Theirs' steps without what ours already has."""
    skip_rows = plan.skip_tables | plan.rebuild.keys()
    if not plan.skip_keys and not skip_rows:
        return steps
    out: list[Step] = []
    for step in steps:
        if isinstance(step, SchemaStep):
            before = tuple(e for e in step.before if (e[0], e[1]) not in plan.skip_keys)
            after = tuple(e for e in step.after if (e[0], e[1]) not in plan.skip_keys)
            if before or after:
                out.append(SchemaStep(before, after))
        elif skip_rows:
            builder = apsw.ChangesetBuilder()  # type: ignore[no-untyped-call]
            for change in apsw.Changeset.iter(step.changeset):
                if change.name not in skip_rows:
                    builder.add_change(change)
            changeset = bytes(builder.output())
            if changeset:
                out.append(RowsStep(changeset))
        else:
            out.append(step)
    return out
