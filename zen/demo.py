"""The guided tour behind ``zen demo``: real commands on a small demo database.

Each step is a ``zen`` command line, run as a subprocess in the demo folder, so
what the tour shows is exactly what a user gets by typing it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from zen.engine.errors import ZenError

DATABASE = "demo.db"

_BOOKS_CSV = """\
id,title,author,year,price,genre
1,The Pragmatic Programmer,Hunt & Thomas,1999,42.50,software
2,Structure and Interpretation of Computer Programs,Abelson & Sussman,1985,55.00,software
3,"Gödel, Escher, Bach",Douglas Hofstadter,1979,24.99,science
4,The Left Hand of Darkness,Ursula K. Le Guin,1969,12.00,fiction
5,Designing Data-Intensive Applications,Martin Kleppmann,2017,49.90,software
6,A Wizard of Earthsea,Ursula K. Le Guin,1968,9.99,fiction
7,The Art of Computer Programming,Donald Knuth,1968,199.00,software
8,Snow Crash,Neal Stephenson,1992,14.50,fiction
9,The Selfish Gene,Richard Dawkins,1976,16.00,science
10,Database Internals,Alex Petrov,2019,45.00,software
"""

_REVIEWS_JSONL = """\
{"book_id": 1, "stars": 5, "reader": "ada", "text": "Still the best advice on craft."}
{"book_id": 3, "stars": 4, "reader": "linus", "text": "Strange loops everywhere."}
{"book_id": 5, "stars": 5, "reader": "grace", "text": "Every backend engineer should read it."}
{"book_id": 5, "stars": 4, "reader": "ken", "text": "Dense but rewarding."}
{"book_id": 7, "stars": 3, "reader": "ada", "text": "I have read volume one. Twice."}
{"book_id": 10, "stars": 5, "reader": "edgar", "text": "B-trees finally made sense."}
"""


@dataclass(frozen=True)
class Step:
    """One step of the tour: why, and the command that shows it."""

    title: str
    explain: str
    args: tuple[str, ...]
    expect_failure: bool = False

    @property
    def command(self) -> str:
        """The command line as a user would type it (double quotes around SQL)."""
        return "zen " + " ".join(_quote(arg) for arg in self.args)


@dataclass(frozen=True)
class StepResult:
    """What running a step printed."""

    step: Step
    stdout: str
    stderr: str
    returncode: int
    seconds: float

    @property
    def ok(self) -> bool:
        """True when the step behaved as the tour expects (some steps show an error)."""
        return (self.returncode != 0) == self.step.expect_failure


def _quote(arg: str) -> str:
    if shlex.quote(arg) == arg:
        return arg
    if not any(ch in arg for ch in '"$`\\!'):
        return f'"{arg}"'
    return shlex.quote(arg)


def steps() -> list[Step]:
    """The tour, in order."""
    db = DATABASE
    return [
        Step(
            "Create a database",
            "A plain SQLite file (WAL mode) with history on, and a zen.toml beside it.",
            ("init", db),
        ),
        Step(
            "Import a CSV file",
            "Types are inferred; the whole import is one transaction.",
            ("import", db, "books", "books.csv", "--pk", "id"),
        ),
        Step(
            "Import JSON lines",
            "JSON values keep their types.",
            ("import", db, "reviews", "reviews.jsonl"),
        ),
        Step(
            "See what is inside",
            "Tables, columns and row counts.",
            ("tables", db, "--counts", "--format", "table"),
        ),
        Step(
            "Query with SQL",
            "Results stream from SQLite; --format picks the output.",
            (
                "sql",
                db,
                "SELECT b.title, round(avg(r.stars), 1) AS stars, count(*) AS reviews "
                "FROM books b JOIN reviews r ON r.book_id = b.id "
                "GROUP BY b.id ORDER BY stars DESC, reviews DESC",
                "--format",
                "table",
            ),
        ),
        Step(
            "Parameters",
            "Named parameters are bound, never pasted into SQL.",
            (
                "sql",
                db,
                "SELECT title, year FROM books WHERE author = :who ORDER BY year",
                "-p",
                "who=Ursula K. Le Guin",
                "--format",
                "table",
            ),
        ),
        Step(
            "Speak PostgreSQL",
            "--dialect transpiles other dialects to SQLite with sqlglot.",
            (
                "sql",
                db,
                "SELECT genre, count(*) AS books, round(avg(price), 2)::text AS avg_price "
                "FROM books "
                "WHERE title ILIKE '%the%' GROUP BY genre ORDER BY genre",
                "--dialect",
                "postgres",
                "--format",
                "table",
            ),
        ),
        Step(
            "Mistakes get hints",
            "A typo is an error with a suggestion, and exit code 1.",
            ("sql", db, "SELECT titel FROM bookz"),
            expect_failure=True,
        ),
        Step(
            "A failed script changes nothing",
            "Several statements run in one transaction.",
            ("sql", db, "DELETE FROM reviews; INSERT INTO reviews(stars) VALUES ('x', 'y')"),
            expect_failure=True,
        ),
        Step(
            "Nothing was deleted",
            "The DELETE above was rolled back with the failed INSERT.",
            ("sql", db, "SELECT count(*) AS reviews FROM reviews", "--format", "table"),
        ),
        Step(
            "Read-only mode",
            "--read-only denies every write before it runs.",
            ("sql", db, "DROP TABLE books", "--read-only"),
            expect_failure=True,
        ),
        Step(
            "Export",
            "Stream a table or a query as CSV, TSV, JSON, JSON lines or Markdown.",
            (
                "export",
                db,
                "--sql",
                "SELECT title, price FROM books WHERE genre = 'fiction'",
                "--format",
                "markdown",
            ),
        ),
        Step(
            "Every change is history",
            "Each write transaction was recorded as a commit, in demo.db itself.",
            ("log", "-n", "4"),
        ),
        Step(
            "An expensive mistake",
            "Oops: every price times ten.",
            ("sql", db, "UPDATE books SET price = round(price * 10, 2)"),
        ),
        Step(
            "What changed",
            "Row-level diff between two commits, cell by cell.",
            ("diff", "HEAD~1", "HEAD", "--table", "books", "--stat"),
        ),
        Step(
            "Time travel in SQL",
            "AS OF reads a table as it was at any commit (or time).",
            (
                "sql",
                db,
                "SELECT n.id, o.price AS before, n.price AS now FROM books n "
                "JOIN books AS OF 'HEAD~1' o ON o.id = n.id ORDER BY n.id LIMIT 3",
                "--format",
                "table",
            ),
        ),
        Step(
            "Rewind",
            "The working copy goes back; the rewind is a commit too, so it can be undone.",
            ("rewind", "HEAD~1"),
        ),
        Step(
            "Prices are back",
            "Only the changed rows were touched.",
            ("sql", db, "SELECT id, price FROM books ORDER BY id LIMIT 3", "--format", "table"),
        ),
        Step("The schema", "Plain SQLite DDL: any SQLite tool can open demo.db.", ("schema", db)),
    ]


def prepare(folder: Path | None) -> Path:
    """Create the demo folder with its sample files; refuses to reuse a demo folder.

    Raises:
        ZenError: ``folder`` already holds a demo database, or is a file.
    """
    target = folder or Path(tempfile.mkdtemp(prefix="zen-demo-"))
    if target.exists() and not target.is_dir():
        raise ZenError(f"{target} is a file", hint="give a folder for the demo")
    if (target / DATABASE).exists():
        raise ZenError(
            f"{target} already holds a demo ({DATABASE})",
            hint="choose a new folder, or delete that one first",
        )
    target.mkdir(parents=True, exist_ok=True)
    (target / "books.csv").write_text(_BOOKS_CSV, encoding="utf-8")
    (target / "reviews.jsonl").write_text(_REVIEWS_JSONL, encoding="utf-8")
    return target


def run(folder: Path) -> Iterator[StepResult]:
    """Run each step in ``folder`` and yield what it printed."""
    env = {**os.environ, "COLUMNS": os.environ.get("COLUMNS", "100")}
    env.pop("ZEN_DB", None)
    for step in steps():
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "zen", *step.args],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        seconds = time.perf_counter() - started
        yield StepResult(step, done.stdout, done.stderr, done.returncode, seconds)
