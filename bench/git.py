"""Git remotes benchmarks (issue 5): push a 1M-row database, clone it, push a small change.

Bars, from the issue's *Bounds*:

* push of a 1M-row database to a bare repository, then clone: the round trip is
  equal (checked: the clone's ``.dump`` of the user's objects equals the original's);
* a 10-row change pushes in <= 2 s (``zen push``, the whole process).

Scale peers, measured in the same run (informational): ``sqlite3 DB .dump`` (just
writing the database as text) next to the first push, and restoring that dump
with ``sqlite3`` next to the clone.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from bench._harness import Bar, BenchError, Case, Command, Context, Suite

SUITE = Suite("git", "zen push / clone through Git remotes")

SQLITE3 = "/usr/bin/sqlite3"


def _bare(path: Path) -> str:
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path.as_uri()


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        for extra in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            if extra.is_file():
                extra.unlink()


def _template(ctx: Context, rows: int, remote: Path) -> Path:
    """A copy of the people database with history on and ``origin`` = ``remote``."""
    import zen
    from zen.history.remotes import add_remote

    db = ctx.copy(ctx.data.people_db(rows), f"template-{rows}.db")
    with zen.open(db) as opened:
        opened.enable_history(author="bench <bench@example.com>")
        add_remote(opened.history, "origin", _bare(remote))
    return db


def _fresh(template: Path, db: Path, remote: Path) -> Callable[[], None]:
    def setup() -> None:
        _remove(db, Path(f"{db}.git"))
        shutil.copyfile(template, db)
        _bare(remote)

    return setup


def user_dump_hash(db: Path) -> str:
    """sha256 of ``sqlite3 .dump`` of a copy without zen's ``_zen_*`` objects."""
    import apsw

    copy = db.with_name(db.name + ".dumpcopy")
    shutil.copyfile(db, copy)
    conn = apsw.Connection(str(copy))
    for kind, name in conn.execute(
        "SELECT type, name FROM sqlite_schema WHERE name LIKE '\\_zen\\_%' ESCAPE '\\' "
        "AND type IN ('table', 'trigger') ORDER BY type = 'table'"
    ).fetchall():
        conn.execute(f'DROP {kind} IF EXISTS "{name}"')
    conn.close()
    digest = hashlib.sha256()
    with subprocess.Popen([SQLITE3, str(copy), ".dump"], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        for block in iter(lambda: proc.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
            digest.update(block)
    copy.unlink()
    return digest.hexdigest()


def _pushed(remote: Path) -> Callable[[Path], None]:
    def check(_out: Path) -> None:
        done = subprocess.run(
            ["git", f"--git-dir={remote}", "ls-tree", "-r", "--name-only", "main"],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0 or "tables/t/index.jsonl" not in done.stdout.split():
            raise BenchError(f"nothing was pushed to {remote}: {done.stderr.strip()}")

    return check


@SUITE.case("push")
def push_first(ctx: Context) -> Case:
    rows = ctx.size(1_000_000, quick=5_000)
    remote = ctx.path("push-remote.git")
    template = _template(ctx, rows, remote)
    db = ctx.path("push.db")
    return Case(
        title=f"first `zen push` of a {rows:,}-row database to a bare repository",
        contenders={
            "zen": Command(
                [ctx.zen, "push", "--db", db],
                setup=_fresh(template, db, remote),
                check=_pushed(remote),
            ),
            "sqlite3-dump": Command([SQLITE3, template, ".dump"]),
        },
        repeat=ctx.repeats(3, quick=1),
        notes=["sqlite3-dump only writes the database as SQL text: shown for scale"],
    )


@SUITE.case("clone")
def clone(ctx: Context) -> Case:
    rows = ctx.size(1_000_000, quick=5_000)
    remote = ctx.path("clone-remote.git")
    template = _template(ctx, rows, remote)
    source = ctx.path("clone-source.db")
    _fresh(template, source, remote)()
    subprocess.run([ctx.zen, "push", "--db", source], check=True, capture_output=True)
    target = ctx.path("clone.db")
    dump = ctx.path("clone-source.sql")
    with dump.open("wb") as out:
        subprocess.run([SQLITE3, template, ".dump"], stdout=out, check=True)
    restored = ctx.path("restored.db")
    expected = user_dump_hash(source)

    def check(_out: Path) -> None:
        if user_dump_hash(target) != expected:
            raise BenchError("the clone's .dump differs from the original's")

    return Case(
        title=f"`zen clone` of a {rows:,}-row database (round trip checked with .dump)",
        contenders={
            "zen": Command(
                [ctx.zen, "clone", remote.as_uri(), target],
                setup=lambda: _remove(target, Path(f"{target}.git")),
                check=check,
            ),
            "sqlite3-restore": Command(
                [SQLITE3, restored], stdin=dump, setup=lambda: _remove(restored)
            ),
        },
        repeat=ctx.repeats(3, quick=1),
        notes=["sqlite3-restore rebuilds the database from its .dump text: shown for scale"],
    )


@SUITE.case("push-small")
def push_small(ctx: Context) -> Case:
    rows = ctx.size(1_000_000, quick=5_000)
    remote = ctx.path("small-remote.git")
    template = _template(ctx, rows, remote)
    db = ctx.path("small.db")
    _fresh(template, db, remote)()
    subprocess.run([ctx.zen, "push", "--db", db], check=True, capture_output=True)
    rng = random.Random(5)

    def change() -> None:
        import zen

        ids = ", ".join(str(i) for i in rng.sample(range(1, rows + 1), 10))
        with zen.open(db) as opened:
            opened.script(f"UPDATE t SET score = random() WHERE id IN ({ids})")

    def one_commit(out: Path) -> None:
        _pushed(remote)(out)
        if json.loads(out.read_text())["exported"] != 1:
            raise BenchError(f"expected one new commit pushed, got {out.read_text()}")

    return Case(
        title=f"`zen push` of a 10-row change on a {rows:,}-row database (already pushed)",
        contenders={
            "zen": Command([ctx.zen, "push", "--json", "--db", db], setup=change, check=one_commit)
        },
        bars=[Bar("zen", "<=", 2.0)],
        repeat=ctx.repeats(5, quick=2),
        notes=["each run commits 10 updated rows first (untimed), then times the whole push"],
    )
