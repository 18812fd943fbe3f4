"""``zen migrate`` benchmarks: planning a wide schema, rebuilding a big table.

Bars (from the migrate issue):

* Plan on a 200-table schema in <= 0.5 s (``zen migrate plan``, the whole process).
* Rebuilding a 1M-row table for a type change (``zen migrate apply``) <= 1.5x the
  hand-written ``CREATE new; INSERT INTO new SELECT ...; DROP; RENAME`` measured in
  the same run, through the same SQLite library (APSW) with zen's pragmas. The
  sqlite3 CLI running the same hand-written script is shown for scale.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from bench._harness import Bar, BenchError, Call, Case, Command, Context, Suite

SUITE = Suite("migrate", "zen migrate: plan a wide schema, rebuild a big table")

SQLITE3 = "/usr/bin/sqlite3"
_TABLES = 200

# Runs the zen CLI as the console script does.
_ZEN_MAIN = "import sys; sys.argv[0] = 'zen'\nfrom zen.cli import main\nmain()\n"

_PEOPLE = (
    "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, "
    "age {age}, score REAL, city TEXT, joined TEXT, active INTEGER, note TEXT)"
)
_HAND = (
    "PRAGMA foreign_keys = OFF;\n"
    "BEGIN IMMEDIATE;\n"
    + _PEOPLE.replace("CREATE TABLE t(", "CREATE TABLE t_new(").format(age="TEXT")
    + ";\nINSERT INTO t_new SELECT * FROM t;\n"
    "DROP TABLE t;\n"
    "ALTER TABLE t_new RENAME TO t;\n"
    "COMMIT;\n"
)


def _wide_schema(tables: int, *, changed: bool) -> str:
    """``tables`` tables (8 columns, an index, a foreign key each), views and triggers.

    ``changed`` adds a column to every 20th table and changes a type in every 40th.
    """
    parts = []
    for i in range(tables):
        parent = f", parent_id INTEGER REFERENCES t{i - 1}(id) ON DELETE CASCADE" if i else ""
        kind = "TEXT" if changed and i % 40 == 0 else "INTEGER"
        extra = ", added TEXT DEFAULT 'x'" if changed and i % 20 == 5 else ""
        parts.append(
            f"CREATE TABLE t{i}(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, "
            f"qty {kind}, price REAL, created TEXT DEFAULT CURRENT_TIMESTAMP, "
            f"note TEXT CHECK (length(note) < 500){parent}{extra});\n"
            f"CREATE INDEX t{i}_name ON t{i}(name) WHERE name IS NOT NULL;"
        )
        if i % 10 == 0:
            parts.append(f"CREATE VIEW v{i} AS SELECT id, name, qty FROM t{i};")
            parts.append(
                f"CREATE TRIGGER tr{i} AFTER INSERT ON t{i} BEGIN "
                f"UPDATE t{i} SET note = 'new;' WHERE id = new.id; END;"
            )
    return "\n".join(parts) + "\n"


def _zen(ctx: Context, *args: str | Path) -> list[str | Path]:
    return [ctx.python, "-c", _ZEN_MAIN, "migrate", *args]


@SUITE.case("plan")
def plan_wide(ctx: Context) -> Case:
    tables = ctx.size(_TABLES, quick=40)
    current = ctx.path("current.sql")
    current.write_text(_wide_schema(tables, changed=False))
    desired = ctx.path("desired.sql")
    desired.write_text(_wide_schema(tables, changed=True))
    db = ctx.path("wide.db")
    with sqlite3.connect(db) as conn:
        conn.executescript(current.read_text())
    conn.close()

    def cold() -> None:
        from zen.migrate import sqltext

        for cached in (sqltext.normalize, sqltext.identifiers, sqltext.parse_table):
            cached.cache_clear()  # every run starts cold, as a fresh process does

    def in_process() -> object:
        from zen.engine.core import Engine
        from zen.migrate import load_file, plan

        with Engine(db) as engine:
            return plan(engine, load_file(desired)).steps

    def check(out: Path | object) -> None:
        text = out.read_text() if isinstance(out, Path) else str(out)
        if "ADD COLUMN" not in text and "added" not in text:
            raise BenchError("the plan has no ADD COLUMN step")

    return Case(
        title=f"plan on a {tables}-table schema (indexes, FKs, views, triggers; 15 changes)",
        contenders={
            "zen-cli": Command(_zen(ctx, "plan", "--db", db, "--schema", desired), check=check),
            "zen-api": Call(in_process, setup=cold, check=check),
        },
        bars=[Bar("zen-cli", "<=", 0.5), Bar("zen-api", "<=", 0.5)],
        repeat=ctx.repeats(10, quick=2),
        notes=["zen-cli is the whole process (start-up included); zen-api is load_file + plan"],
    )


@SUITE.case("rebuild")
def rebuild(ctx: Context) -> Case:
    rows = ctx.size(1_000_000, quick=5_000)
    source = ctx.data.people_db(rows)
    db = ctx.path("rebuild.db")
    desired = ctx.path("desired.sql")
    desired.write_text(_PEOPLE.format(age="TEXT") + ";\n")
    hand = ctx.path("hand.sql")
    hand.write_text(_HAND)

    def fresh() -> None:
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, db)

    def by_hand() -> None:
        import apsw

        conn = apsw.Connection(str(db))
        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        conn.execute(_HAND)
        conn.close()

    def check(_: object) -> None:
        conn = sqlite3.connect(db)
        try:
            kind = conn.execute("SELECT type FROM pragma_table_info('t') WHERE name = 'age'")
            count = conn.execute("SELECT count(*) FROM t").fetchone()[0]
            if kind.fetchone()[0] != "TEXT" or count != rows:
                raise BenchError(f"age was not rebuilt as TEXT with {rows} rows")
        finally:
            conn.close()

    zen_apply = _zen(ctx, "apply", "--db", db, "--schema", desired, "--yes")
    return Case(
        title=f"rebuild a {rows:,}-row table for a type change (INTEGER to TEXT)",
        contenders={
            "zen": Command(zen_apply, setup=fresh, check=check),
            "hand-apsw": Call(by_hand, setup=fresh, check=check),
            "hand-sqlite3-CLI": Command(
                [SQLITE3, db],
                stdin=hand,
                setup=fresh,
                check=check,
                requires=lambda: None if Path(SQLITE3).exists() else "sqlite3 CLI not installed",
            ),
        },
        bars=[Bar("zen", "<=", 1.5, peer="hand-apsw")],
        repeat=ctx.repeats(5, quick=2),
        notes=["every run starts from a fresh copy of the table (copied untimed)"],
    )
