"""``SELECT ... FROM t AS OF 'ref'``: reading a table as it was at any revision.

The text is rewritten, not the engine: every ``t AS OF 'ref'`` in a FROM clause
(or a JOIN) becomes a temporary view ``temp."_zen_asof_N" AS t`` (the user's
alias is kept when there is one) and the rest of the statement is left exactly
as written, so SQLite still sees the user's SQL.

The view is an *overlay* over the working copy: the net changes between the
working copy and the target state (:func:`zen.history.apply.path_steps`) give
the keys that differ and the rows the target has for them, loaded into two temp
tables, and the view is::

    SELECT cols FROM main.t WHERE key NOT IN (SELECT * FROM keys)
    UNION ALL SELECT cols FROM rows

Building it costs O(net change on the path), never a copy of the table; SQLite
pushes a query's WHERE into both arms, so a key lookup through the view still
uses the table's primary key. A table whose definition differs between the two
states (or that exists only in the target) is materialised instead: the
normal form's last rows step holds every row of the target's incarnation.

Overlays are cached per (table, target record) and rebuilt when the working
copy moves (a new record) or its schema changes; stale ones are dropped then.

sqlglot's tokenizer finds the clauses (strings, comments and quoted names are
never mistaken for ``AS OF``); its parser does not accept a bare ``AS OF``
(it reads ``FOR SYSTEM_TIME AS OF``, which is accepted too).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.errors import UsageError
from zen.history import refs as rf
from zen.history import schema as sch
from zen.history import store
from zen.history.apply import path_steps
from zen.history.diff import schema_after
from zen.history.errors import HistoryError
from zen.history.steps import SchemaStep, Step, table_changes

if TYPE_CHECKING:
    from zen.history.history import History

PREFIX = "_zen_asof_"
_CACHE_SIZE = 32
_ATTR = "_zen_asof_overlays"
# Keywords that open a clause; a comma before `t AS OF` must be inside FROM.
_CLAUSES = {
    "SELECT", "FROM", "WHERE", "GROUP_BY", "HAVING", "ORDER_BY", "LIMIT", "WINDOW",
    "SET", "VALUES", "RETURNING", "UNION", "EXCEPT", "INTERSECT", "QUALIFY",
}  # fmt: skip
_TABLE_STARTS = {"FROM", "JOIN", "COMMA"}


@dataclass(frozen=True)
class Reference:
    """One ``[schema.]table AS OF 'ref'`` in a statement's text.

    Attributes:
        start: Offset of the table name (or its schema) in the text.
        end: Offset just past the revision string.
        schema: The schema qualifier as written (None when absent).
        table: The table name.
        ref: The revision.
        aliased: An alias follows (so none is added).
        call: Offset just past the closing parenthesis when the reference is a
            table-valued function call (``vec_search(...) AS OF 'ref'``), else None.
    """

    start: int
    end: int
    schema: str | None
    table: str
    ref: str
    aliased: bool
    call: int | None = None


def find_references(sql: str) -> list[Reference]:
    """Every ``AS OF`` table reference in ``sql``, in text order.

    Example:
        >>> [(r.table, r.ref) for r in find_references("select * from t as of 'HEAD~1'")]
        [('t', 'HEAD~1')]

    Raises:
        UsageError: ``AS OF`` is not followed by a quoted revision, or not used
            on a table in a FROM clause.
    """
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import TokenError

    try:
        tokens = Dialect.get_or_raise("sqlite").tokenize(sql)
    except TokenError as exc:
        raise UsageError(f"cannot read the SQL: {exc}") from None
    found: list[Reference] = []
    clauses: list[str] = [""]
    for i, token in enumerate(tokens):
        kind = token.token_type.name
        if kind == "L_PAREN":
            clauses.append("")
        elif kind == "R_PAREN" and len(clauses) > 1:
            clauses.pop()
        elif kind in _CLAUSES:
            clauses[-1] = kind
        elif _is_as_of(tokens, i):
            found.append(_reference(sql, tokens, i, clauses[-1]))
    return found


def _is_as_of(tokens: list[Any], i: int) -> bool:
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    return (
        tokens[i].token_type.name == "ALIAS"
        and nxt is not None
        and nxt.token_type.name == "VAR"
        and nxt.text.upper() == "OF"
    )


def _reference(sql: str, tokens: list[Any], at: int, clause: str) -> Reference:
    """The reference around the ``AS`` of ``AS OF`` at token ``at``."""
    ref_token = tokens[at + 2] if at + 2 < len(tokens) else None
    if ref_token is None or ref_token.token_type.name != "STRING":
        raise UsageError("AS OF needs a quoted revision", hint="write e.g. FROM t AS OF 'HEAD~1'")
    name_at = at - 1
    if (
        name_at >= 1
        and tokens[name_at].text.upper() == "SYSTEM_TIME"
        and tokens[name_at - 1].token_type.name == "FOR"
    ):
        name_at -= 2  # FOR SYSTEM_TIME AS OF 'ref', the SQL:2011 spelling
    call = None
    if name_at >= 0 and tokens[name_at].token_type.name == "R_PAREN":
        call, name_at = tokens[name_at].end + 1, _call_name(tokens, name_at)
    schema, table, first = _table_name(tokens, name_at)
    before = tokens[first - 1].token_type.name if first >= 1 else ""
    if table is None or before not in _TABLE_STARTS or (before == "COMMA" and clause != "FROM"):
        raise UsageError(
            "AS OF applies to a table in a FROM clause or a JOIN",
            hint="write e.g. SELECT * FROM t AS OF 'HEAD~1' AS old",
        )
    follow = tokens[at + 3] if at + 3 < len(tokens) else None
    aliased = follow is not None and follow.token_type.name in ("ALIAS", "VAR", "IDENTIFIER")
    return Reference(
        tokens[first].start, ref_token.end + 1, schema, table, ref_token.text, aliased, call
    )


def _call_name(tokens: list[Any], close: int) -> int:
    """Index of the function name before the ``(`` matching the ``)`` at ``close``."""
    depth = 0
    for i in range(close, -1, -1):
        kind = tokens[i].token_type.name
        depth += {"R_PAREN": 1, "L_PAREN": -1}.get(kind, 0)
        if depth == 0:
            return i - 1
    return -1


def _table_name(tokens: list[Any], at: int) -> tuple[str | None, str | None, int]:
    """``(schema, table, index of the first name token)`` ending at token ``at``."""
    if at < 0 or not _is_name(tokens[at]):
        return None, None, max(at, 0)
    if at >= 2 and tokens[at - 1].token_type.name == "DOT" and _is_name(tokens[at - 2]):
        return tokens[at - 2].text, tokens[at].text, at - 2
    return None, tokens[at].text, at


def _is_name(token: Any) -> bool:
    return token.token_type.name in ("VAR", "IDENTIFIER") or (
        token.text.replace("_", "a").isalnum() and not token.text[:1].isdigit()
    )


# -- rewriting -----------------------------------------------------------------------


def rewrite(history: History, sql: str) -> str:
    """``sql`` with every ``t AS OF 'ref'`` replaced by an overlay view.

    The overlays are cached on ``history`` (one per connection).

    Example:
        >>> rewrite(history, "select * from t as of 'HEAD~1'")  # doctest: +SKIP
        'select * from temp."_zen_asof_1" AS "t"'

    Raises:
        UsageError: Malformed ``AS OF``.
        HistoryError: The table did not exist at that revision, or a write
            transaction is open.
        RefNotFoundError: The revision names nothing.
    """
    references = find_references(sql)
    if not references:
        return sql
    _check_script(sql)
    overlays = overlays_of(history)
    pieces: list[str] = []
    pos = 0
    for ref in references:
        alias = "" if ref.aliased else f" AS {quote_identifier(ref.table)}"
        pieces += [sql[pos : ref.start], _replacement(overlays, sql, ref) + alias]
        pos = ref.end
    pieces.append(sql[pos:])
    return "".join(pieces)


def _replacement(overlays: Overlays, sql: str, ref: Reference) -> str:
    """The overlay view of a table; for a table-valued function (``vec_search``), the
    call with its ``as_of`` hidden column constrained to the revision."""
    if ref.call is None:
        return f"temp.{quote_identifier(overlays.view(ref))}"
    revision = "'" + ref.ref.replace("'", "''") + "'"
    return f"(SELECT * FROM {sql[ref.start : ref.call]} WHERE as_of = {revision})"


def _check_script(sql: str) -> None:
    """Refuse a script that writes before it reads AS OF: the overlays are built now."""
    from zen.engine.statements import split_statements

    statements = split_statements(sql)
    if len(statements) > 1 and not all(s.looks_read_only for s in statements):
        raise UsageError(
            "AS OF in a script that also writes: the past is read before the script runs",
            hint="run the writes first, then the AS OF query as a statement of its own",
        )


def overlays_of(history: History) -> Overlays:
    """The overlay cache of ``history``'s connection (made on first use)."""
    found = getattr(history, _ATTR, None)
    if not isinstance(found, Overlays) or found.conn is not history.conn:
        found = Overlays(history.conn)
        setattr(history, _ATTR, found)
    return found


@dataclass
class _Entry:
    name: str
    objects: tuple[tuple[str, str], ...]  # (kind, name) of the temp objects, drop order
    working: tuple[int | None, int]  # (newest record, schema cookie) it was built against


class Overlays:
    """The overlay views of one connection, cached per (table, target record).

    Example:
        >>> Overlays(conn).view(find_references("select * from t as of 'HEAD'")[0])
        ... # doctest: +SKIP
        '_zen_asof_1'
    """

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self._entries: OrderedDict[tuple[str, int | None], _Entry] = OrderedDict()
        self._garbage: list[tuple[str, str]] = []
        self._serial = 0

    def view(self, ref: Reference) -> str:
        """The temp view reading ``ref.table`` at ``ref.ref`` (built or reused)."""
        conn = self.conn
        if conn.txn_state("main") == apsw.SQLITE_TXN_WRITE:
            raise HistoryError(
                "AS OF is not available inside a write transaction: the changes it "
                "holds are not in history yet",
                hint="COMMIT or ROLLBACK first, then query AS OF",
            )
        if ref.schema is not None and ref.schema.lower() != "main":
            raise UsageError(f"AS OF reads tables of main, not {ref.schema}.{ref.table}")
        with _writable_temp(conn):
            with conn:  # drops first, so a failed build cannot bring them back
                self._expire(_working(conn))
            with conn:
                name = self._get(ref)
        return name

    def _get(self, ref: Reference) -> str:
        conn = self.conn
        working = _working(conn)
        state = rf.resolve(conn, ref.ref)
        key = (ref.table, state.record)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = self._build(ref.table, state, working)
            self._trim()
        self._entries.move_to_end(key)
        return entry.name

    def clear(self) -> None:
        """Drop every overlay (they are rebuilt on demand)."""
        with _writable_temp(self.conn):
            for entry in self._entries.values():
                self._garbage.extend(entry.objects)
            self._entries.clear()
            self._collect()

    def _expire(self, working: tuple[int | None, int]) -> None:
        """Forget overlays built against another working copy (history moved)."""
        stale = [k for k, e in self._entries.items() if e.working != working]
        for key in stale:
            self._garbage.extend(self._entries.pop(key).objects)
        self._collect()

    def _trim(self) -> None:
        while len(self._entries) > _CACHE_SIZE:
            _, entry = self._entries.popitem(last=False)
            self._garbage.extend(entry.objects)
        self._collect()

    def _collect(self) -> None:
        """Drop discarded temp objects; one a running statement still reads waits."""
        kept: list[tuple[str, str]] = []
        for kind, name in self._garbage:
            try:
                self.conn.execute(f"DROP {kind} IF EXISTS temp.{quote_identifier(name)}")
            except apsw.Error:
                kept.append((kind, name))
        self._garbage = kept

    def _name(self) -> str:
        """A fresh name (another History on this connection may have used some)."""
        taken = "SELECT 1 FROM temp.sqlite_schema WHERE name IN (?, ?, ?)"
        while True:
            self._serial += 1
            name = f"{PREFIX}{self._serial}"
            if not self.conn.execute(taken, (name, f"{name}_keys", f"{name}_rows")).get:
                return name

    def _build(self, table: str, state: rf.State, working: tuple[int | None, int]) -> _Entry:
        conn = self.conn
        steps = path_steps(conn, working[0], state.record)
        current = sch.snapshot(conn)
        target = schema_after(current, steps)
        entry = target.get(("table", table))
        if entry is None:
            raise _missing(conn, table, state, target)
        name = self._name()
        if current.get(("table", table)) == entry and not _redefined(steps, table):
            objects = _overlay(conn, name, table, steps)
        else:
            objects = _materialise(conn, name, table, entry[3], steps)
        return _Entry(name, objects, working)


def _working(conn: apsw.Connection) -> tuple[int | None, int]:
    last = store.last_record(conn)
    return (last.id if last else None, int(conn.execute("PRAGMA main.schema_version").get))


def _redefined(steps: list[Step], table: str) -> bool:
    return any(isinstance(s, SchemaStep) and table in s.tables() for s in steps)


def _missing(
    conn: apsw.Connection, table: str, state: rf.State, target: sch.SchemaMap
) -> HistoryError:
    for kind in ("view", "index", "trigger"):
        if (kind, table) in target:
            return HistoryError(f"AS OF reads tables; {table} is a {kind} at {state.label}")
    names = sorted(sch.tables(target))
    listed = ", ".join(names[:10]) if names else "none"
    return HistoryError(
        f"table {table} did not exist at {state.label}",
        hint=f"tables at {state.label}: {listed}",
    )


@contextmanager
def _writable_temp(conn: apsw.Connection) -> Iterator[None]:
    """Lift a read-only connection's authorizer while zen writes its temp objects.

    Only temp objects are written here; the read-only guard is back before any
    user statement runs.
    """
    saved = conn.authorizer
    conn.authorizer = None
    try:
        yield
    finally:
        conn.authorizer = saved


# -- building ------------------------------------------------------------------------


def _columns(conn: apsw.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    """``(name, declared type)`` of the stored columns of ``schema.table``."""
    info = conn.execute(f"PRAGMA {schema}.table_info({quote_identifier(table)})")
    return [(str(row[1]), str(row[2] or "")) for row in info]


def _column_defs(columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"{quote_identifier(n)} {t}".rstrip() for n, t in columns)


def _overlay(
    conn: apsw.Connection, name: str, table: str, steps: list[Step]
) -> tuple[tuple[str, str], ...]:
    """Temp tables of changed keys and target rows, and the view over main + them."""
    layout = sch.layout(conn, table)
    columns = _columns(conn, "main", table)
    keys_at = sorted(layout.key)
    key_names = [f"k{i}" for i in range(len(keys_at))]
    keys, rows = f"{name}_keys", f"{name}_rows"
    key_list = ", ".join(key_names)
    conn.execute(
        f"CREATE TEMP TABLE {quote_identifier(keys)}({key_list}, PRIMARY KEY ({key_list})) "
        f"WITHOUT ROWID;"
        f"CREATE TEMP TABLE {quote_identifier(rows)}({_column_defs(columns)})"
    )
    _fill(conn, layout, table, steps, (keys, rows))
    cols = ", ".join(quote_identifier(n) for n, _ in columns)
    main_keys = ", ".join(
        "rowid" if layout.implicit_rowid and i == 0 else quote_identifier(layout.columns[i])
        for i in keys_at
    )
    conn.execute(
        f"CREATE TEMP VIEW {quote_identifier(name)} AS "
        f"SELECT {cols} FROM main.{quote_identifier(table)} "
        f"WHERE ({main_keys}) NOT IN (SELECT {key_list} FROM temp.{quote_identifier(keys)}) "
        f"UNION ALL SELECT {cols} FROM temp.{quote_identifier(rows)}"
    )
    return (("VIEW", name), ("TABLE", keys), ("TABLE", rows))


def _fill(
    conn: apsw.Connection,
    layout: sch.Layout,
    table: str,
    steps: list[Step],
    targets: tuple[str, str],
) -> None:
    """Load the changed keys and the target's rows for them (O(changes))."""
    keys_at = sorted(layout.key)
    start = 1 if layout.implicit_rowid else 0  # the rowid is not a column of the view
    lookup = (
        f"SELECT {layout.select_list} FROM main.{quote_identifier(table)} "
        f"WHERE {layout.key_where()}"
    )
    marks = ", ".join("?" for _ in keys_at)
    add_key = f"INSERT OR IGNORE INTO temp.{quote_identifier(targets[0])} VALUES ({marks})"
    width = len(layout.columns) - start
    add_row = f"INSERT INTO temp.{quote_identifier(targets[1])} VALUES ({_marks(width)})"
    for change in table_changes(steps, table, after_schema=False):
        side = change.new if change.op == "INSERT" else change.old
        key = [side[i] for i in keys_at] if side is not None else []
        conn.execute(add_key, key)
        row = _target_row(conn, change, lookup, key)
        if row is not None:
            conn.execute(add_row, row[start:])


def _marks(count: int) -> str:
    return ", ".join("?" for _ in range(count))


def _target_row(
    conn: apsw.Connection, change: apsw.TableChange, lookup: str, key: list[Any]
) -> list[Any] | None:
    """The row the target state has for the change's key (None: no row there)."""
    if change.op == "DELETE":
        return None
    new = list(change.new or ())
    if change.op == "INSERT":
        return new
    current = conn.execute(lookup, key).fetchone()
    if current is None:
        raise HistoryError(
            f"{change.name}: the working copy lacks a row history records ({key})",
            hint="run zen status and zen fsck",
        )
    return [c if v is apsw.no_change else v for c, v in zip(current, new, strict=True)]


def _materialise(
    conn: apsw.Connection, name: str, table: str, create_sql: str, steps: list[Step]
) -> tuple[tuple[str, str], ...]:
    """A temp table holding every row of ``table`` at the target (its definition differs)."""
    scratch = apsw.Connection(":memory:")
    try:
        scratch.execute(create_sql)
        columns = _columns(scratch, "main", table)
        layout = sch.layout(scratch, table)
    finally:
        scratch.close()
    conn.execute(f"CREATE TEMP TABLE {quote_identifier(name)}({_column_defs(columns)})")
    start = 1 if layout.implicit_rowid else 0
    insert = f"INSERT INTO temp.{quote_identifier(name)} VALUES ({_marks(len(columns))})"
    for change in table_changes(steps, table, after_schema=True):
        if change.op != "INSERT" or change.new is None:
            raise HistoryError(f"{table}: unexpected {change.op} in a table image")
        conn.execute(insert, change.new[start:])
    return (("TABLE", name),)
