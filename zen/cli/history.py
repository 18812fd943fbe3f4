"""History commands: ``zen commit``, ``log``, ``status``, ``show``, ``diff``, ``rewind``,
``tag``, ``reflog``, ``gc``, ``fsck``.

Thin: parse, call ``db.history.<method>``, render (:mod:`zen.cli._history_render`).
The database comes from ``--db``, ``ZEN_DB`` or ``zen.toml``, as for git's ``.git``.
Exit codes: 0 ok, 1 error, 2 usage; ``commit`` with nothing to commit, ``diff
--exit-code`` with differences and ``fsck`` with problems exit 1 (as git does).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from zen.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    color_enabled,
    emit_json,
    message,
    open_db,
    resolve_db_option,
)
from zen.engine.errors import UsageError

if TYPE_CHECKING:
    from zen.api import Database
    from zen.cli._history_render import GraphNode
    from zen.history.errors import RefNotFoundError
    from zen.history.history import History, LogEntry

EXIT_DIFFERENT = 1
_NAMED = re.compile(r"(?:unknown revision|unknown ref|no such tag|no reflog for): (\S+)")


def register(app: typer.Typer) -> None:
    """Add the history commands to the app (top level, like git's)."""
    for name, command in (
        ("commit", commit_command),
        ("log", log_command),
        ("status", status_command),
        ("show", show_command),
        ("diff", diff_command),
        ("rewind", rewind_command),
        ("tag", tag_command),
        ("reflog", reflog_command),
        ("gc", gc_command),
        ("fsck", fsck_command),
    ):
        app.command(name)(command)


# -- shared plumbing -------------------------------------------------------------------


@contextmanager
def _history(db: str | None) -> Iterator[History]:
    """The history of the chosen database; unknown refs get "did you mean" hints."""
    from zen.history.errors import RefNotFoundError

    database: Database = open_db(resolve_db_option(db))
    with database:
        history = database.history
        try:
            yield history
        except RefNotFoundError as exc:
            raise _with_suggestions(exc, history) from None


def _ref_names(history: History) -> list[str]:
    """Names a user can type for a ref: HEAD, branches, tags."""
    from zen.history import store

    names = ["HEAD"]
    for full, _target in store.list_refs(history.conn, "refs/"):
        names.append(full.removeprefix("refs/heads/").removeprefix("refs/tags/"))
    return names


def _with_suggestions(exc: RefNotFoundError, history: History) -> RefNotFoundError:
    """``exc`` with a hint naming the refs closest to the unknown name, when there are any."""
    import difflib

    from zen.history.errors import RefNotFoundError

    match = _NAMED.search(exc.message)
    if not match:
        return exc
    near = difflib.get_close_matches(match.group(1), _ref_names(history), n=3, cutoff=0.5)
    if not near:
        return exc
    return RefNotFoundError(exc.message, hint=f"did you mean {' or '.join(near)}?")


def _branch(history: History) -> str | None:
    """The branch HEAD is on (None when detached), for ``HEAD -> main`` decorations."""
    from zen.history import commits

    ref = commits.head_branch(history.conn)
    return ref.removeprefix(commits.BRANCH_PREFIX) if ref else None


def _print(lines: Sequence[str]) -> None:
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")


# -- commit ----------------------------------------------------------------------------


def commit_command(
    msg: str = typer.Option(..., "--message", "-m", help="The commit message.", show_default=False),
    author: str | None = typer.Option(
        None, "--author", help="Who made it (default: the database's author, else your login)."
    ),
    allow_empty: bool = typer.Option(
        False, "--allow-empty", help="Commit even when nothing changed since HEAD."
    ),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Commit the working copy's changes since HEAD.

    With nothing to commit it says so and exits 1, as git does (with `--json`:
    `{"committed": false, ...}`). Under the `transaction` autocommit policy every
    write is already a commit, so there is usually nothing left to commit.

    **Examples**

    * `zen commit -m "load customers"`
    * `zen commit -m "checkpoint" --allow-empty --author "Ada <ada@example.com>"`
    * `zen commit -m "seed" --db app.db --json`
    """
    with _history(db) as history:
        made = history.commit(msg, author=author, allow_empty=allow_empty)
        branch = _branch(history)
        policy = history.policy
    if as_json:
        emit_json({"committed": made is not None, "commit": made.to_json() if made else None})
    elif made is not None:
        from zen.cli._history_render import first_line

        message(f"[{branch or 'detached HEAD'} {made.short}] {first_line(made.message)}")
    else:
        why = " (autocommit policy: every transaction is already committed)"
        message("nothing to commit, working copy clean" + (why if policy == "transaction" else ""))
    if made is None:
        raise typer.Exit(EXIT_DIFFERENT)


# -- log -------------------------------------------------------------------------------


def log_command(
    table: str | None = typer.Argument(
        None, help="Only commits that changed this table's rows or schema.", show_default=False
    ),
    n: int | None = typer.Option(
        None, "-n", "--max-count", min=1, help="Show at most N commits.", show_default=False
    ),
    graph: bool = typer.Option(
        False, "--graph", help="Draw the commit graph (follows every parent of a merge)."
    ),
    all_parents: bool = typer.Option(
        False, "--all-parents", help="Follow every parent of merges, not only the first."
    ),
    start: str = typer.Option("HEAD", "--from", help="Start from this revision."),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List commits, newest first: short id, refs, time, author, message.

    **Examples**

    * `zen log -n 10`
    * `zen log users` (only commits that changed the users table)
    * `zen log --graph`
    * `zen log --from v1 --json`
    """
    from zen.cli import _history_render as render

    every = all_parents or graph
    with _history(db) as history:
        entries = history.log(n, start=start, table=table, all_parents=every)
        nodes = _graph_nodes(history, entries, start, table) if graph and not as_json else []
        branch = _branch(history)
    if as_json:
        emit_json([e.to_json() for e in entries])
        return
    color = color_enabled()
    if graph:
        _print(render.graph_lines(entries, nodes, branch, color))
    else:
        _print([render.log_line(e, branch, color) for e in entries])


def _graph_nodes(
    history: History, entries: list[LogEntry], start: str, table: str | None
) -> list[GraphNode]:
    """The graph of the shown commits; with a table, hidden commits are skipped over."""
    from zen.cli._history_render import GraphNode, simplify

    if table is None:
        return [GraphNode(e.commit.id, e.commit.parents) for e in entries]
    # The shown commits' links go through commits that did not touch the table:
    # walk the whole graph from the start and link each shown commit to its nearest shown ones.
    full = history.log(None, start=start, all_parents=True)
    nodes = [GraphNode(e.commit.id, e.commit.parents) for e in full]
    return simplify(nodes, {e.commit.id for e in entries})


# -- status, show, diff -------------------------------------------------------------------


def status_command(db: str | None = DB_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Where the working copy stands: branch, HEAD, policy, uncommitted changes per table.

    **Examples**

    * `zen status`
    * `zen status --db app.db --json`
    """
    from zen.cli._history_render import status_lines

    with _history(db) as history:
        status = history.status()
    if as_json:
        emit_json(status.to_json())
    else:
        _print(status_lines(status, color_enabled()))


def show_command(
    ref: str = typer.Argument("HEAD", help="The commit to show.", show_default=True),
    stat: bool = typer.Option(False, "--stat", help="Counts per table instead of rows."),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a commit: its header and its changes against its first parent.

    **Examples**

    * `zen show` (HEAD)
    * `zen show HEAD~2`
    * `zen show v1 --stat`
    * `zen show 9c1f2a --json`
    """
    from zen.cli import _history_render as render

    with _history(db) as history:
        shown = history.show(ref)
        entry = history.log(1, start=shown.commit.id)[0]
        branch = _branch(history)
    if as_json:
        emit_json({**shown.to_json(), "refs": list(entry.refs)})
        return
    color = color_enabled()
    lines = render.commit_header(entry, branch, color)
    if shown.diff is None:
        lines.append("(the root commit: the state history started from)")
    elif stat:
        lines.extend(render.stat_lines(shown.diff, color) or ["(no changes)"])
    else:
        lines.extend(render.diff_lines(shown.diff, color) or ["(no changes)"])
    _print(lines)


def diff_command(
    revisions: list[str] | None = typer.Argument(
        None,
        help="No revision: HEAD against the working copy. One: it against the working copy. "
        "Two: the first against the second.",
        show_default=False,
        metavar="[REF [REF]]",
    ),
    stat: bool = typer.Option(False, "--stat", help="Counts per table instead of rows."),
    tables: list[str] | None = typer.Option(
        None, "--table", "-t", help="Only this table's rows (repeatable).", show_default=False
    ),
    schema_only: bool = typer.Option(False, "--schema-only", help="Only schema changes."),
    exit_code: bool = typer.Option(
        False, "--exit-code", help="Exit 1 when there are differences, 0 when none (like git)."
    ),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Schema and row differences: rows added and removed, changed cells old -> new.

    **Examples**

    * `zen diff` (uncommitted changes)
    * `zen diff HEAD~3 HEAD --stat`
    * `zen diff v1 --table users`
    * `zen diff "1 hour ago" --schema-only`
    * `zen diff HEAD~1 HEAD --exit-code --json`
    """
    from zen.cli import _history_render as render

    given = list(revisions or [])
    if len(given) > 2:
        raise UsageError("diff takes at most two revisions", hint="zen diff [FROM [TO]]")
    source, target = [*given, None, None][:2]
    with _history(db) as history:
        found = history.diff(
            source, target, tables=tables or None, schema_only=schema_only, stat=stat
        )
        _check_tables(history, tables or [])
    if as_json:
        emit_json({**found.to_json(), "different": not found.empty})
    else:
        color = color_enabled()
        _print(render.stat_lines(found, color) if stat else render.diff_lines(found, color))
        if found.empty:
            message(f"no differences between {found.source} and {found.target}")
    if exit_code and not found.empty:
        raise typer.Exit(EXIT_DIFFERENT)


def _check_tables(history: History, tables: list[str]) -> None:
    """Warn about a ``--table`` that names no table now (a typo would show "no differences")."""
    import difflib

    from zen.engine import catalog

    if not tables:
        return
    known = catalog.table_names(history.conn, views=False)
    for table in tables:
        if table not in known:
            near = difflib.get_close_matches(table, known, n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            message(f"warning: no table named {table} in the working copy{hint}")


# -- rewind ----------------------------------------------------------------------------


def rewind_command(
    ref: str | None = typer.Argument(
        None, help="The revision to return to (HEAD~2, a tag, a hash).", show_default=False
    ),
    to: str | None = typer.Option(
        None,
        "--to",
        help='A time: "10 minutes ago", "2026-11-20 10:42", "yesterday" '
        "(lands on the last transaction before it).",
        show_default=False,
    ),
    author: str | None = typer.Option(None, "--author", help="Author of the rewind commit."),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Return the working copy (rows and schema) to an earlier state.

    The rewind is itself a new commit, so nothing is lost: `zen rewind HEAD~1`
    right after it undoes it.

    **Examples**

    * `zen rewind HEAD~2`
    * `zen rewind v1`
    * `zen rewind --to "10 minutes ago"`
    * `zen rewind --to "2026-11-20 10:42" --json`
    """
    if (ref is None) == (to is None):
        raise UsageError("give a revision or --to TIME (one of them)", hint="zen rewind HEAD~1")
    spec = ref if ref is not None else "@{" + str(to).strip() + "}"
    with _history(db) as history:
        before = history.status()
        started_ms = _now_ms()
        result = history.rewind(spec, author=author)
    undo = "zen rewind HEAD~1"
    pending_undo = f'zen rewind --to "{_precise_time(started_ms - 1)}"' if before.pending else None
    if as_json:
        emit_json(
            {**result.to_json(), "from": before.head, "undo": pending_undo or undo,
             "uncommitted_undone": before.pending}
        )  # fmt: skip
        return
    if result.commit is None:
        message(f"already at {result.target}: nothing to do")
        return
    old = before.head[:12] if before.head else "(none)"
    message(
        f"rewound to {result.target}: {result.rows} row change(s), "
        f"{result.schema_steps} schema step(s)"
    )
    message(f"HEAD {old} -> {result.commit.short} ({result.commit.message})")
    if pending_undo:
        message(f"{before.pending} uncommitted transaction(s) were undone; to get them back:")
        message(f"  {pending_undo}")
    else:
        message(f"undo with: {undo}")


def _now_ms() -> int:
    import time

    return time.time_ns() // 1_000_000


def _precise_time(time_ms: int) -> str:
    """A local time to the millisecond, in a form ``--to`` reads back."""
    from datetime import datetime

    return datetime.fromtimestamp(time_ms / 1000).isoformat(sep=" ", timespec="milliseconds")


# -- tags and reflog ---------------------------------------------------------------------

# `zen tag -d NAME` deletes, as in git, so --db has no -d short form here.
_TAG_DB_OPTION = typer.Option(
    None, "--db", help="Database file (default: $ZEN_DB, then zen.toml).", show_default=False
)


def tag_command(
    name: str | None = typer.Argument(None, help="The tag to create.", show_default=False),
    ref: str = typer.Argument("HEAD", help="The commit to tag."),
    msg: str | None = typer.Option(
        None, "--message", "-m", help="Make an annotated tag with this message.", show_default=False
    ),
    delete: str | None = typer.Option(
        None, "--delete", "-d", help="Delete this tag.", show_default=False
    ),
    force: bool = typer.Option(False, "--force", "-f", help="Move an existing tag."),
    db: str | None = _TAG_DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List tags (no arguments), create one, or delete one.

    As in git, `-d` here means `--delete`; the database is `--db` (no short form).

    **Examples**

    * `zen tag` (list)
    * `zen tag v1`
    * `zen tag v0.9 HEAD~3 -m "before the import"`
    * `zen tag v1 HEAD~1 --force`
    * `zen tag -d v1`
    """
    from zen.cli._history_render import tag_line

    if delete is not None and name is not None:
        raise UsageError("give either a tag to create or -d NAME, not both")
    if name is None and (msg is not None or force):
        raise UsageError("-m and --force need a tag name", hint='zen tag v1 -m "..."')
    with _history(db) as history:
        if delete is not None:
            _delete_tag(history, delete, as_json)
            return
        if name is None:
            tags = history.tags()
            if as_json:
                emit_json([t.to_json() for t in tags])
            else:
                _print([tag_line(t, color_enabled()) for t in tags])
            return
        made = history.tag(name, ref, message=msg, force=force)
    if as_json:
        emit_json(made.to_json())
    else:
        message(f"tagged {made.commit[:12]} as {made.name}")


def _delete_tag(history: History, name: str, as_json: bool) -> None:
    commit = next((t.commit for t in history.tags() if t.name == name), None)
    history.delete_tag(name)
    if as_json:
        emit_json({"deleted": name, "commit": commit})
    else:
        message(f"deleted tag {name} (was {str(commit)[:12]})")


def reflog_command(
    ref: str = typer.Argument("HEAD", help="HEAD or a branch."),
    n: int | None = typer.Option(
        None, "-n", "--max-count", min=1, help="Show at most N entries.", show_default=False
    ),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every movement of a ref (HEAD by default), newest first.

    `REF@{N}` names the N-th entry, so `zen rewind HEAD@{2}` goes back to it.

    **Examples**

    * `zen reflog`
    * `zen reflog main -n 5`
    * `zen reflog --json`
    """
    from zen.cli._history_render import reflog_line
    from zen.history.errors import RefNotFoundError

    with _history(db) as history:
        entries = history.reflog(ref, n)
        if not entries and ref not in ("HEAD", "@"):
            raise RefNotFoundError(f"no reflog for: {ref}", hint="zen reflog HEAD lists HEAD's")
    if as_json:
        emit_json([e.to_json() for e in entries])
        return
    color = color_enabled()
    _print([reflog_line(e, i, ref, color) for i, e in enumerate(entries)])


# -- maintenance -----------------------------------------------------------------------


def gc_command(
    keep: str = typer.Option(
        "30d", "--keep", help="Keep reflog entries and unreachable history younger than this."
    ),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Expire old reflog entries and delete history nothing can reach any more.

    History leading to the working copy is never deleted, so every commit `zen log`
    shows stays reachable.

    **Examples**

    * `zen gc`
    * `zen gc --keep 2w`
    * `zen gc --keep 0 --json` (expire everything unreachable now)
    """
    with _history(db) as history:
        report = history.gc(keep)
    if as_json:
        emit_json(report.to_json())
        return
    message(
        f"removed {report.reflog_entries} reflog entries, {report.commits} commits, "
        f"{report.objects} objects, {report.records} change records"
    )


def fsck_command(
    quick: bool = typer.Option(
        False, "--quick", help="Skip replaying history against every commit's tree."
    ),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Verify every object's hash, every change record, every ref, and the working copy.

    Exits 1 when anything is wrong, listing each problem.

    **Examples**

    * `zen fsck`
    * `zen fsck --quick`
    * `zen fsck --json`
    """
    with _history(db) as history:
        report = history.fsck(deep=not quick)
    if as_json:
        emit_json(report.to_json())
    else:
        _print([f"problem: {p}" for p in report.problems])
        checked = (
            f"{report.objects} objects, {report.records} change records, {report.refs} refs, "
            f"{report.states} states checked"
        )
        message(f"{checked}: " + ("ok" if report.ok else f"{len(report.problems)} problem(s)"))
    if not report.ok:
        raise typer.Exit(EXIT_DIFFERENT)
