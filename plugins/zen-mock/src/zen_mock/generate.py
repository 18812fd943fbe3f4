"""Filling tables with fake rows that SQLite accepts.

Rows are made a chunk at a time, column by column, and inserted with one
``executemany`` per chunk. SQLite itself is the judge of every constraint: a
chunk it rejects (a CHECK, a composite UNIQUE) is rolled back to a savepoint
and inserted row by row, a rejected row being made again up to
:data:`MAX_TRIES` times. Everything runs in one transaction.

Example:
    >>> import zen
    >>> db = zen.open(":memory:")
    >>> db.script("create table users(id integer primary key, email text unique not null)")
    0
    >>> fill(db, rows=5, seed=1).rows
    {'users': 5}
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import apsw

from zen.engine.catalog import quote_identifier
from zen.engine.errors import UsageError
from zen_mock.plan import ForeignKey, MockError, TablePlan, plan_tables
from zen_mock.values import Generator, Hints, Pools, Unique, for_column

if TYPE_CHECKING:
    from zen.api import Database

CHUNK = 2_000
MAX_TRIES = 25
POOL_SIZE = 300
NULL_ROOTS = 0.2  # share of rows of a nullable self-reference that are roots (NULL)

# Called with a table's name, the rows just added to it, and the rows planned in all.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class MockReport:
    """What :func:`fill` did: rows added per table, the seed, and the time taken."""

    rows: dict[str, int]
    seed: int
    seconds: float

    @property
    def total(self) -> int:
        """Rows added over all tables."""
        return sum(self.rows.values())

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {"rows": self.rows, "total": self.total, "seed": self.seed, "seconds": self.seconds}


def fill(
    db: Database,
    *,
    rows: int = 100,
    tables: Sequence[str] | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
) -> MockReport:
    """Add ``rows`` fake rows to each table (or to ``tables``), parents first, atomically.

    Args:
        db: The open database.
        rows: Rows to add per table.
        tables: Only these tables (their parents must already have rows).
        seed: Same seed, same schema, same starting data: the same rows.
        progress: Called with a table name, the rows just added to it, and the
            number of rows planned over all tables.

    Raises:
        UsageError: A negative ``rows``.
        NotFoundError: An unknown table.
        MockError: Constraints no generated row could satisfy (nothing is written).
    """
    if rows < 0:
        raise UsageError(f"--rows must be 0 or more, not {rows}")
    chosen = random.SystemRandom().randrange(2**32) if seed is None else seed
    from faker import Faker  # imported here: Faker takes a while to load

    faker = Faker()
    faker.seed_instance(chosen)
    rng = random.Random(chosen)
    started = time.perf_counter()
    added: dict[str, int] = {}
    conn = db.engine.conn
    with db.transaction():
        pools = Pools(faker, rng, size=min(max(rows, 1), POOL_SIZE))
        plans = plan_tables(conn, list(tables) if tables else None)
        planned = rows * len(plans)
        for plan in plans:
            filler = _TableFiller(conn, plan, pools)
            added[plan.name] = filler.fill(rows, progress and _bound(progress, planned))
    return MockReport(added, chosen, round(time.perf_counter() - started, 3))


def _bound(progress: Progress, planned: int) -> Callable[[str, int], None]:
    return lambda name, k: progress(name, k, planned)


class _TableFiller:
    """Makes and inserts the rows of one table."""

    def __init__(self, conn: apsw.Connection, plan: TablePlan, pools: Pools) -> None:
        self.conn = conn
        self.plan = plan
        self.rng = pools.rng
        self.self_keys = [fk for fk in plan.foreign_keys if fk.self_reference and not fk.cyclic]
        self.explicit_id = self._needs_explicit_id()
        self.names = self._insert_columns()
        self.generators = self._generators(pools)
        self.choosers = [_KeyChooser.of(conn, plan, fk, self.rng) for fk in self._parent_keys()]
        self.self_pool: list[list[tuple[Any, ...]]] = [_keys(conn, fk) for fk in self.self_keys]
        self.next_id = _next_rowid(conn, plan.name) if self.explicit_id else 0
        columns = ", ".join(quote_identifier(n) for n in self.names)
        marks = ", ".join("?" for _ in self.names)
        self.sql = f"INSERT INTO {quote_identifier(plan.name)} ({columns}) VALUES ({marks})"

    def _needs_explicit_id(self) -> bool:
        """Rowids are chosen here when a self-reference points at them."""
        alias = self.plan.rowid_alias
        return any(fk.parent_columns in ((alias,), ("rowid",)) for fk in self.self_keys)

    def _insert_columns(self) -> list[str]:
        alias = self.plan.rowid_alias
        names = [
            c.name
            for c in self.plan.columns
            if c.name != alias or alias in self.plan.fk_columns or self.explicit_id
        ]
        if self.explicit_id and alias is None:
            names.insert(0, "rowid")
        return names

    def _generators(self, pools: Pools) -> dict[str, Generator]:
        unique = {u[0] for u in self.plan.unique if len(u) == 1}
        out: dict[str, Generator] = {}
        for column in self.plan.columns:
            if column.name in self.plan.fk_columns or column.name == self.plan.rowid_alias:
                continue
            hints = self.plan.hints.get(column.name.lower(), Hints())
            gen = for_column(column.name, column.type, pools, hints)
            if column.name in unique:
                gen = Unique(gen, _existing(self.conn, self.plan.name, column.name))
            out[column.name] = gen
        return out

    def _parent_keys(self) -> list[ForeignKey]:
        return [fk for fk in self.plan.foreign_keys if not fk.self_reference]

    # -- making rows -------------------------------------------------------------

    def fill(self, rows: int, progress: Callable[[str, int], None] | None) -> int:
        """Insert ``rows`` rows, a chunk at a time; returns how many."""
        done = 0
        while done < rows:
            k = min(CHUNK, rows - done)
            self._insert(self.make(k))
            done += k
            if progress:
                progress(self.plan.name, k)
        return done

    def make(self, k: int) -> list[list[Any]]:
        """``k`` new rows, in :attr:`names` order."""
        values: dict[str, list[Any]] = {n: g.take(k) for n, g in self.generators.items()}
        for chooser in self.choosers:
            chooser.fill(values, k)
        for fk in self.plan.foreign_keys:
            if fk.cyclic:
                for column in fk.columns:
                    values[column] = [None] * k
        if self.explicit_id:
            ids = list(range(self.next_id, self.next_id + k))
            self.next_id += k
            values[self.plan.rowid_alias or "rowid"] = ids
        self._fill_self_references(values, k)
        return [list(row) for row in zip(*(values[n] for n in self.names), strict=True)]

    def _fill_self_references(self, values: dict[str, list[Any]], k: int) -> None:
        """Each row points at an earlier row (or itself when NULL is not allowed)."""
        for fk, pool in zip(self.self_keys, self.self_pool, strict=True):
            targets = [values[c] for c in fk.parent_columns]
            picks: list[tuple[Any, ...]] = []
            for i in range(k):
                own = tuple(column[i] for column in targets)
                if fk.nullable and (not pool or self.rng.random() < NULL_ROOTS):
                    picks.append((None,) * len(fk.columns))
                else:
                    picks.append(self.rng.choice(pool) if pool else own)
                pool.append(own)
            for j, column in enumerate(fk.columns):
                values[column] = [pick[j] for pick in picks]

    # -- inserting ---------------------------------------------------------------

    def _insert(self, rows: list[list[Any]]) -> None:
        self.conn.execute("SAVEPOINT zen_mock")
        try:
            self.conn.executemany(self.sql, rows)
        except apsw.ConstraintError:
            self.conn.execute("ROLLBACK TO zen_mock")
            self._insert_each(rows)
        finally:
            self.conn.execute("RELEASE zen_mock")

    def _insert_each(self, rows: list[list[Any]]) -> None:
        """Row by row: a row SQLite rejects is made again (keys it is referenced by kept)."""
        kept = self._kept_positions()
        for row in rows:
            for attempt in range(MAX_TRIES):
                try:
                    self.conn.execute(self.sql, row)
                    break
                except apsw.ConstraintError as exc:
                    if attempt == MAX_TRIES - 1:
                        raise self._gave_up(exc) from None
                    fresh = self.make(1)[0]
                    row = [row[i] if i in kept else fresh[i] for i in range(len(row))]

    def _kept_positions(self) -> set[int]:
        """Columns a retry must not change: explicit ids and self-reference keys."""
        keep = {c for fk in self.self_keys for c in (*fk.columns, *fk.parent_columns)}
        if self.explicit_id:
            keep.add(self.plan.rowid_alias or "rowid")
        return {i for i, name in enumerate(self.names) if name in keep}

    def _gave_up(self, exc: apsw.Error) -> MockError:
        return MockError(
            f"cannot make a row for table {self.plan.name} that satisfies its constraints "
            f"({MAX_TRIES} tries; last error: {exc})",
            hint="loosen the CHECK/UNIQUE constraint, ask for fewer --rows, "
            "or fill that table yourself; nothing was written",
        )


class _KeyChooser:
    """Picks parent keys for a foreign key (without repeats when the key is unique)."""

    def __init__(
        self, fk: ForeignKey, keys: list[tuple[Any, ...]], unique: bool, rng: random.Random
    ) -> None:
        self.fk = fk
        self.keys = keys
        self.unique = unique
        self.rng = rng
        if unique:
            rng.shuffle(self.keys)

    @classmethod
    def of(
        cls, conn: apsw.Connection, plan: TablePlan, fk: ForeignKey, rng: random.Random
    ) -> _KeyChooser:
        keys = [] if fk.cyclic else _keys(conn, fk)
        unique = _is_unique(plan, fk)
        if unique:
            used = set(_existing_tuples(conn, plan.name, fk.columns))
            keys = [key for key in keys if key not in used]
        if not keys and not fk.nullable and not fk.cyclic:
            raise MockError(
                f"table {plan.name} needs rows in {fk.parent} (foreign key "
                f"{', '.join(fk.columns)}), and {fk.parent} has none to spare",
                hint=f"fill {fk.parent} too: zen mock PATH --table {fk.parent} --table {plan.name}",
            )
        return cls(fk, keys, unique, rng)

    def fill(self, values: dict[str, list[Any]], k: int) -> None:
        picks = self._take(k)
        for j, column in enumerate(self.fk.columns):
            values[column] = [pick[j] for pick in picks]

    def _take(self, k: int) -> list[tuple[Any, ...]]:
        nulls = (None,) * len(self.fk.columns)
        if not self.keys:
            return [nulls] * k
        if not self.unique:
            return self.rng.choices(self.keys, k=k)
        if len(self.keys) < k and not self.fk.nullable:
            raise MockError(
                f"{self.fk.parent} has only {len(self.keys)} unused keys for the one-to-one "
                f"foreign key {', '.join(self.fk.columns)}",
                hint=f"ask for fewer --rows, or add rows to {self.fk.parent} first",
            )
        taken, self.keys = self.keys[:k], self.keys[k:]
        return taken + [nulls] * (k - len(taken))


def _is_unique(plan: TablePlan, fk: ForeignKey) -> bool:
    columns = set(fk.columns)
    if plan.rowid_alias and columns == {plan.rowid_alias}:
        return True
    return any(set(u) <= columns for u in plan.unique)


def _keys(conn: apsw.Connection, fk: ForeignKey) -> list[tuple[Any, ...]]:
    return _existing_tuples(conn, fk.parent, fk.parent_columns, distinct=True)


def _existing_tuples(
    conn: apsw.Connection, table: str, columns: Sequence[str], *, distinct: bool = False
) -> list[tuple[Any, ...]]:
    names = ", ".join(quote_identifier(c) if c != "rowid" else "rowid" for c in columns)
    present = " AND ".join(
        f"{quote_identifier(c) if c != 'rowid' else 'rowid'} IS NOT NULL" for c in columns
    )
    head = "SELECT DISTINCT" if distinct else "SELECT"
    sql = f"{head} {names} FROM {quote_identifier(table)} WHERE {present} ORDER BY {names}"
    return [tuple(row) for row in conn.execute(sql)]


def _existing(conn: apsw.Connection, table: str, column: str) -> set[Any]:
    return {row[0] for row in _existing_tuples(conn, table, [column])}


def _next_rowid(conn: apsw.Connection, table: str) -> int:
    top = conn.execute(f"SELECT max(rowid) FROM {quote_identifier(table)}").get
    return int(top or 0) + 1
