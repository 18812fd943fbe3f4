"""Generated benchmark data: seeded, so every run measures the same rows; cached on disk.

Files live in ``bench/.data/`` (gitignored) under names that carry the size, the
seed and a format version, so a change to the generator never reuses stale data.
A file is built under a temporary name and renamed when complete, so an
interrupted build never leaves a half-written file in the cache.
"""

from __future__ import annotations

import csv
import os
import random
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SEED = 20240601
_VERSION = 1  # bump when the generated rows change

PEOPLE_COLUMNS = ("id", "name", "email", "age", "score", "city", "joined", "active", "note")
PEOPLE_DDL = (
    "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, "
    "age INTEGER, score REAL, city TEXT, joined TEXT, active INTEGER, note TEXT)"
)

_FIRST = ("ada", "grace", "linus", "alan", "barbara", "donald", "edsger", "frances", "ken")
_LAST = ("lovelace", "hopper", "torvalds", "turing", "liskov", "knuth", "dijkstra", "allen")
_CITIES = ("london", "paris", "berlin", "tokyo", "lagos", "lima", "oslo", "cairo", "delhi")
_NOTES = (
    "prefers email",
    'said "call me later", then left',
    "vip, renewal due",
    "moved; new address pending",
    "no notes",
)


def people_rows(rows: int, seed: int = SEED) -> Iterator[tuple[Any, ...]]:
    """``rows`` deterministic rows of a people table (ints, reals, text, NULLs, quotes).

    Example:
        >>> next(people_rows(1))[0]
        1
    """
    rng = random.Random(seed)
    for i in range(1, rows + 1):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        joined = f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        note = rng.choice(_NOTES) if rng.random() < 0.7 else None
        yield (
            i,
            f"{first} {last}",
            f"{first}.{last}{i}@example.com",
            rng.randint(18, 90),
            round(rng.uniform(0, 1000), 2),
            rng.choice(_CITIES),
            joined,
            rng.randint(0, 1),
            note,
        )


class DataStore:
    """The cache of generated files under one folder.

    Example:
        >>> store = DataStore(Path(".data"))  # doctest: +SKIP
        >>> store.people_db(1_000)  # doctest: +SKIP
        PosixPath('.data/people-1000-s20240601-v1.db')
    """

    def __init__(self, root: Path, seed: int = SEED) -> None:
        self.root = root
        self.seed = seed

    def cached(self, name: str, build: Callable[[Path], None]) -> Path:
        """``root/name``, built by ``build(path)`` the first time it is asked for."""
        target = self.root / name
        if target.exists():
            return target
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name_tmp = tempfile.mkstemp(dir=self.root, prefix=f".{name}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(name_tmp)
        tmp.unlink()  # builders create the file themselves
        try:
            build(tmp)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    def _name(self, kind: str, rows: int, ext: str) -> str:
        return f"{kind}-{rows}-s{self.seed}-v{_VERSION}.{ext}"

    def people_db(self, rows: int) -> Path:
        """A SQLite file with table ``t`` holding ``rows`` people rows."""
        return self.cached(self._name("people", rows, "db"), lambda p: self._build_db(p, rows))

    def people_csv(self, rows: int) -> Path:
        """The same rows as :meth:`people_db` as CSV with a header (NULL as empty)."""
        return self.cached(self._name("people", rows, "csv"), lambda p: self._build_csv(p, rows))

    def _build_db(self, path: Path, rows: int) -> None:
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute(PEOPLE_DDL)
            marks = ", ".join("?" * len(PEOPLE_COLUMNS))
            conn.executemany(f"INSERT INTO t VALUES ({marks})", people_rows(rows, self.seed))
            conn.commit()
        finally:
            conn.close()

    def _build_csv(self, path: Path, rows: int) -> None:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(PEOPLE_COLUMNS)
            writer.writerows(people_rows(rows, self.seed))


def count_rows(db: Path, table: str = "t") -> int:
    """Rows in ``table`` (read with the stdlib driver, independent of zen)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
    finally:
        conn.close()


def count_lines(path: Path) -> int:
    """Newlines in a file, read in blocks (the generated data has none inside fields)."""
    total = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            total += block.count(b"\n")
    return total
