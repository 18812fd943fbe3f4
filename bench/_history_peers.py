"""Peers and fixtures of the history suite: a doltlite worker process and zen databases.

Doltlite is a SQLite fork that replaces the ``sqlite3_*`` symbols of the whole
process (``import doltlite`` loads it ``RTLD_GLOBAL``, and re-executes the
interpreter when the stdlib ``sqlite3`` was imported first). The harness imports
``sqlite3`` and APSW, so doltlite runs in a worker process of its own
(``python -m bench._history_peers``) that times its work *in-process* and reports
the seconds: the figures are comparable with zen's in-process calls, without
the pipe round trip.

The worker speaks JSON lines on stdin/stdout. A request names a connection and
gives SQL to run untimed (``setup``) and timed (``timed``, repeated ``loops``
times); the reply holds the timed seconds and the first cell of the last result.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench._data import PEOPLE_COLUMNS, PEOPLE_DDL
from bench._harness import BenchError, Call, Context, Sample

_ROOT = Path(__file__).resolve().parent.parent
INSERT = f"INSERT INTO t VALUES ({', '.join('?' * len(PEOPLE_COLUMNS))})"
Request = dict[str, Any]


_ZEN_CACHE: dict[tuple[Path, int, str], Path] = {}


# -- the doltlite worker (parent side) ------------------------------------------------


def doltlite_missing() -> str | None:
    """None when doltlite can be loaded here, else why not."""
    if importlib.util.find_spec("doltlite") is None:
        return "doltlite not installed (pip install doltlite)"
    return None


def doltlite_version() -> str:
    """The installed doltlite package version (part of cached file names)."""
    from importlib.metadata import version

    return version("doltlite")


class DoltWorker:
    """One worker process running doltlite; started on first use, ended at exit."""

    _shared: DoltWorker | None = None

    def __init__(self, python: Path) -> None:
        self._proc = subprocess.Popen(
            [os.fspath(python), "-m", "bench._history_peers"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=_ROOT,
            text=True,
        )
        atexit.register(self.close)

    @classmethod
    def shared(cls, python: Path) -> DoltWorker:
        """The process-wide worker (one doltlite process serves every case)."""
        if cls._shared is None or cls._shared._proc.poll() is not None:
            cls._shared = cls(python)
        return cls._shared

    def call(self, request: Request) -> dict[str, Any]:
        """Send one request, wait for its reply; a worker-side error raises BenchError."""
        stdin, stdout = self._pipes()
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise BenchError(f"doltlite worker died (exit {self._proc.wait()})")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise BenchError(f"doltlite: {reply['error']}")
        return reply

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def close(self) -> None:
        """End the worker (closing its stdin makes it exit)."""
        if self._proc.poll() is None:
            stdin, _ = self._pipes()
            stdin.close()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


@dataclass
class Dolt:
    """A timed doltlite contender: SQL run in the worker, which reports its own time.

    Attributes:
        ctx: The run's context (for the Python that starts the worker).
        db: The doltlite database file.
        timed: Statements timed, in order, ``loops`` times per run.
        setup: Statements run untimed before each run.
        prepare: Run once, before the first run (e.g. building the data).
        fresh: Run before every run, untimed (e.g. a new copy of the data).
        loops: Repetitions of ``timed`` per run.
        sync: ``PRAGMA synchronous`` for the connection.
        check: Verifies the worker's reply on the warm-up run (``value``: the first cell
            of the last timed result; ``rows``: its number of rows).
    """

    ctx: Context
    db: Path
    timed: Sequence[str]
    setup: Sequence[str] = ()
    prepare: Callable[[], None] | None = None
    loops: int = 1
    sync: str = "NORMAL"
    check: Callable[[dict[str, Any]], None] | None = None
    fresh: Callable[[], None] | None = None
    _ready: bool = field(default=False, init=False)

    def unavailable(self) -> str | None:
        """None when doltlite is installed."""
        return doltlite_missing()

    def run(self, *, verify: bool = False) -> Sample:
        """One run in the worker; its in-process seconds."""
        if not self._ready:
            if self.prepare:
                self.prepare()
            self._ready = True
        if self.fresh:
            self.fresh()
        reply = DoltWorker.shared(self.ctx.python).call(
            {
                "db": os.fspath(self.db),
                "sync": self.sync,
                "setup": list(self.setup),
                "timed": list(self.timed),
                "loops": self.loops,
            }
        )
        if verify and self.check:
            self.check(reply)
        return Sample(float(reply["seconds"]))


def dolt_people(ctx: Context, rows: int) -> Path:
    """A cached doltlite file holding the people table ``t`` (``rows`` rows), committed."""
    name = f"dolt-people-{rows}-s{ctx.data.seed}-doltlite{doltlite_version()}.db"

    def build(path: Path) -> None:
        DoltWorker.shared(ctx.python).call(
            {"db": os.fspath(path), "load": rows, "seed": ctx.data.seed}
        )
        DoltWorker.shared(ctx.python).call({"db": os.fspath(path), "close": True})

    return ctx.data.cached(name, build)


def dolt_copy(ctx: Context, rows: int, name: str) -> Path:
    """A private copy of :func:`dolt_people` (closing any worker connection on it first)."""
    target = ctx.path(name)
    DoltWorker.shared(ctx.python).call({"db": os.fspath(target), "close": True})
    shutil.copyfile(dolt_people(ctx, rows), target)
    return target


# -- zen fixtures ------------------------------------------------------------------------


def open_zen(path: Path) -> Any:
    """``zen.open(path)`` (zen imported on first use)."""
    import zen

    return zen.open(path)


def open_apsw(path: Path, sync: str = "NORMAL") -> Any:
    """A stock APSW connection in WAL mode with ``synchronous=sync``."""
    import apsw

    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {sync}")
    return conn


def expect(count: int) -> Callable[[object], None]:
    """A check that a call returned ``count``."""

    def check(value: object) -> None:
        if value != count:
            raise BenchError(f"expected {count}, got {value}")

    return check


def flush_owed(db: Any) -> None:
    """Make the commits zen deferred (``History.flush``, where autocommits are lazy)."""
    flush = getattr(db.history, "flush", None)
    if flush is not None:
        flush()


def records_check(db: Any, count: int, *, commits: bool) -> Callable[[object], None]:
    """Checks that the warm-up run changed ``count`` rows and recorded them in history."""
    conn = db.engine.conn
    query = "SELECT count(*) FROM _zen_objects WHERE kind = 'commit'"
    if not commits:
        query = "SELECT count(*) FROM _zen_changes"
    before = [conn.execute(query).get]

    def check(value: object) -> None:
        now = conn.execute(query).get
        if value != count or now - before[0] != count:
            raise BenchError(
                f"{count} transactions: {value} rows changed, {now - before[0]} "
                f"{'commits' if commits else 'records'} made"
            )
        before[0] = now

    return check


def zen_commits(ctx: Context, commits: int, hot: int | None = None) -> Path:
    """A 1,000-row people database (policy ``transaction``) after ``commits`` 1-row commits.

    With ``hot``, every commit updates one of the first ``hot`` rows, so the net change
    from the root stays ``hot`` rows however long the history.
    """
    key = (ctx.work, commits, f"commits-{hot}")
    if key not in _ZEN_CACHE:
        name = f"zen-commits-{commits}-{hot}.db"
        path = ctx.copy(zen_people(ctx, 1_000, "transaction"), name)
        with open_zen(path) as db:
            for salt in range(commits):
                ids = [salt % hot + 1] if hot else spread_ids(1_000, 1, salt)
                db.sql(update_ids(ids))
            flush_owed(db)
        _ZEN_CACHE[key] = path
    return _ZEN_CACHE[key]


def zen_people(ctx: Context, rows: int, policy: str = "explicit") -> Path:
    """A people database with history enabled, built once per run (history's format moves).

    Cases take private copies (``ctx.copy``): never write to the returned file.
    """
    key = (ctx.work, rows, policy)
    if key not in _ZEN_CACHE:
        import zen

        target = ctx.copy(ctx.data.people_db(rows), f"zen-people-{rows}-{policy}.db")
        with zen.open(target) as db:
            db.enable_history(policy="explicit" if policy == "explicit" else "transaction")
        _ZEN_CACHE[key] = target
    return _ZEN_CACHE[key]


def file_bytes(path: Path) -> int:
    """A database's bytes on disk: the file plus its WAL, if any."""
    total = 0
    for suffix in ("", "-wal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            total += part.stat().st_size
    return total


def remove_db(path: Path, *, keep_main: bool = False) -> None:
    """Delete a database file and its companions (doltlite's lock file too)."""
    for suffix in ("-wal", "-shm", "-journal") if keep_main else ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    Path(path.parent, f".{path.name}-lock").unlink(missing_ok=True)


# -- workload SQL ------------------------------------------------------------------------------


def update_random(rows: int) -> str:
    """One random row's score bumped: the same SQL text for every contender."""
    return f"UPDATE t SET score = score + 1 WHERE id = abs(random()) % {rows} + 1"


def update_ids(ids: Sequence[int]) -> str:
    """An UPDATE bumping the score of rows ``ids`` (literal ids: the same text for all)."""
    return f"UPDATE t SET score = score + 1 WHERE id IN ({', '.join(map(str, ids))})"


def spread_ids(rows: int, count: int, salt: int) -> list[int]:
    """``count`` distinct ids spread over the table, different for each ``salt``."""
    rng = random.Random(salt)
    return sorted(rng.sample(range(1, rows + 1), count))


def size_label(rows: int) -> str:
    """``10k``, ``1M``: a table size in a contender's name."""
    if rows >= 1_000_000 and rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    return f"{rows // 1000}k" if rows >= 1000 and rows % 1000 == 0 else str(rows)


# -- bulk insert -------------------------------------------------------------------------------


def bulk_zen(ctx: Context, name: str, policy: str | None, rows: list[Any]) -> Call:
    """Insert ``rows`` into a new zen table (history per ``policy``), in one transaction."""
    path = ctx.path(name)
    held: dict[str, Any] = {}

    def setup() -> None:
        if "db" in held:
            held.pop("db").close()
        remove_db(path)
        db = open_zen(path)
        db.script(PEOPLE_DDL)
        if policy:
            db.enable_history(policy="transaction" if policy == "transaction" else "explicit")
        held["db"] = db

    def run() -> object:
        db = held["db"]
        db.executemany(INSERT, rows)  # one transaction; history records it by rowid range
        if policy == "sealed":
            db.history.sync()  # the range record sealed into a changeset
        elif policy:
            flush_owed(db)
        return db.count("t")

    return Call(run, setup=setup, check=expect(len(rows)))


def bulk_apsw(ctx: Context, rows: list[Any]) -> Call:
    """The same insert through stock APSW."""
    path = ctx.path("bulk-apsw.db")
    held: dict[str, Any] = {}

    def setup() -> None:
        if "conn" in held:
            held.pop("conn").close()
        remove_db(path)
        held["conn"] = conn = open_apsw(path)
        conn.execute(PEOPLE_DDL)

    def run() -> object:
        conn = held["conn"]
        with conn:  # one transaction
            conn.executemany(INSERT, rows)
        return conn.execute("SELECT count(*) FROM t").get

    return Call(run, setup=setup, check=expect(len(rows)))


# -- notes computed after the runs -----------------------------------------------------------


class LazyNotes(Sequence[str]):
    """Notes computed when first read: after the timed runs, which they describe."""

    def __init__(self, make: Callable[[], list[str]]) -> None:
        self._make = make
        self._lines: list[str] | None = None

    def _get(self) -> list[str]:
        if self._lines is None:
            self._lines = self._make()
        return self._lines

    def __getitem__(self, index: Any) -> Any:
        return self._get()[index]

    def __len__(self) -> int:
        return len(self._get())

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())


def storage_notes(zen: Path, plain: Path, dolt: Path, rows: int, commits: int) -> list[str]:
    """The storage case's verdict: file sizes after the timed runs, as note lines."""
    zen_size, plain_size = file_bytes(zen), file_bytes(plain)
    ratio = zen_size / plain_size
    lines = [
        f"file after {commits:,} commits: zen {zen_size / 1e6:.1f} MB, plain SQLite "
        f"{plain_size / 1e6:.1f} MB: zen/plain = {ratio:.2f}x  (bar <= 1.5x)  "
        f"{'PASS' if ratio <= 1.5 else 'FAIL'}"
    ]
    if dolt.exists():
        dolt_size = file_bytes(dolt)
        lines.append(
            f"doltlite {dolt_size / 1e6:.1f} MB: doltlite/plain = {dolt_size / plain_size:.2f}x"
        )
    lines.append("no gc, no VACUUM; sizes include the WAL after closing every connection")
    return lines


# -- the doltlite worker (worker side) ---------------------------------------------------


def _serve() -> None:
    """Answer requests from stdin until it closes."""
    # doltlite first: loading it replaces the SQLite engine under the stdlib sqlite3.
    importlib.import_module("doltlite")
    sqlite3 = importlib.import_module("sqlite3")
    conns: dict[str, Any] = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = _handle(sqlite3, conns, request)
        except Exception as exc:  # reported to the parent, which raises BenchError
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    for conn in conns.values():
        conn.close()


def _handle(sqlite3: Any, conns: dict[str, Any], request: Request) -> dict[str, Any]:
    db = request["db"]
    if request.get("close"):
        conn = conns.pop(db, None)
        if conn is not None:
            conn.close()
        return {}
    if db not in conns:
        conns[db] = sqlite3.connect(db, isolation_level=None)
    conn = conns[db]
    if "load" in request:
        _load(conn, int(request["load"]), int(request["seed"]))
        return {}
    conn.execute(f"PRAGMA synchronous = {request.get('sync', 'NORMAL')}")
    for sql in request.get("setup", ()):
        conn.execute(sql).fetchall()
    return _timed(conn, request["timed"], int(request.get("loops", 1)))


def _timed(conn: Any, statements: Sequence[str], loops: int) -> dict[str, Any]:
    rows: list[Any] = []
    start = time.perf_counter()
    for _ in range(loops):
        for sql in statements:
            rows = conn.execute(sql).fetchall()
    seconds = time.perf_counter() - start
    value = rows[0][0] if rows and rows[0] else None
    return {"seconds": seconds, "value": value, "rows": len(rows)}


def _load(conn: Any, rows: int, seed: int) -> None:
    from bench._data import people_rows

    marks = ", ".join("?" * len(PEOPLE_COLUMNS))
    conn.execute(PEOPLE_DDL)
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO t VALUES ({marks})", people_rows(rows, seed))
    conn.execute("COMMIT")
    conn.execute("SELECT dolt_commit('-A', '-m', 'load')").fetchall()


if __name__ == "__main__":
    _serve()
