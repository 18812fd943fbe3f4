"""Branch commands: ``zen branch``, ``switch``, ``merge``, ``conflicts``, ``revert``,
``cherry-pick``, ``reset``.

Thin, like :mod:`zen.cli.history`: parse, call ``db.history.<method>``, render.
Exit codes: 0 ok, 1 error (and ``merge`` stopped by conflicts, as git does), 2 usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer

from zen.cli.common import JSON_OPTION, emit_json, message
from zen.engine.errors import UsageError

if TYPE_CHECKING:
    from zen.history.branches import BranchInfo
    from zen.history.conflicts import Conflict

EXIT_CONFLICTS = 1

# `-d` deletes a branch, as in git, so --db has no short form in these commands.
_DB = typer.Option(
    None, "--db", help="Database file (default: $ZEN_DB, then zen.toml).", show_default=False
)
_AUTHOR = typer.Option(None, "--author", help="Author of the new commit.", show_default=False)


def register(app: typer.Typer) -> None:
    """Add the branch commands to the app (top level, like git's)."""
    for name, command in (
        ("branch", branch_command),
        ("switch", switch_command),
        ("merge", merge_command),
        ("revert", revert_command),
        ("cherry-pick", cherry_pick_command),
        ("reset", reset_command),
    ):
        app.command(name)(command)
    conflicts = typer.Typer(
        name="conflicts",
        invoke_without_command=True,
        no_args_is_help=False,
    )
    conflicts.callback(invoke_without_command=True)(conflicts_command)
    conflicts.command("resolve")(resolve_command)
    app.add_typer(conflicts)


def _print(lines: Sequence[str]) -> None:
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")


def _history(db: str | None) -> Any:
    from zen.cli.history import _history as opened

    return opened(db)


# -- branch ----------------------------------------------------------------------------------


def branch_command(
    name: str | None = typer.Argument(None, help="The branch to create.", show_default=False),
    start: str | None = typer.Argument(
        None, help="Where it starts (default HEAD).", show_default=False
    ),
    from_ref: str | None = typer.Option(
        None, "--from", help="Where the new branch starts (same as START).", show_default=False
    ),
    delete: str | None = typer.Option(
        None,
        "--delete",
        "-d",
        help="Delete this branch (only when merged into HEAD).",
        show_default=False,
    ),
    force_delete: str | None = typer.Option(
        None, "-D", help="Delete this branch even when not merged.", show_default=False
    ),
    force: bool = typer.Option(False, "--force", "-f", help="Move an existing branch."),
    list_: bool = typer.Option(False, "--list", "-l", help="List branches (the default)."),
    db: str | None = _DB,
    as_json: bool = JSON_OPTION,
) -> None:
    """List branches (current one marked `*`), create one, or delete one.

    A new database starts on branch `main`. Creating a branch writes one ref: it
    costs the same whatever the database size.

    **Examples**

    * `zen branch` (list)
    * `zen branch feature`
    * `zen branch hotfix --from v1`
    * `zen branch -d feature` (refused when not merged; `-D` forces)
    * `zen branch --list --json`
    """
    if start is not None and from_ref is not None:
        raise UsageError("give the start point once: START or --from")
    doomed = delete if delete is not None else force_delete
    if doomed is not None and (
        name is not None or (delete is not None and force_delete is not None)
    ):
        raise UsageError("give either a branch to create or -d/-D NAME")
    with _history(db) as history:
        if doomed is not None:
            gone = history.delete_branch(doomed, force=force_delete is not None)
            _done(as_json, {"deleted": gone.name, "commit": gone.commit},
                  f"deleted branch {gone.name} (was {gone.commit[:12]})")  # fmt: skip
            return
        if name is None or list_:
            _list(history.branches(), as_json)
            return
        made = history.create_branch(name, start or from_ref or "HEAD", force=force)
    _done(as_json, made.to_json(), f"created branch {made.name} at {made.commit[:12]}")


def _list(branches: list[BranchInfo], as_json: bool) -> None:
    if as_json:
        emit_json([b.to_json() for b in branches])
        return
    width = max((len(b.name) for b in branches), default=0)
    _print(
        [
            f"{'*' if b.current else ' '} {b.name:<{width}}  {b.commit[:12]}  "
            f"{b.message.splitlines()[0] if b.message else ''}"
            for b in branches
        ]
    )


def _done(as_json: bool, data: Any, text: str) -> None:
    if as_json:
        emit_json(data)
    else:
        message(text)


# -- switch ----------------------------------------------------------------------------------


def switch_command(
    name: str = typer.Argument(..., help="The branch to switch to.", show_default=False),
    create: bool = typer.Option(False, "--create", "-c", help="Create the branch first."),
    from_ref: str = typer.Option("HEAD", "--from", help="With -c: where the branch starts."),
    carry: bool = typer.Option(
        False, "--carry", help="Bring uncommitted changes along (they must apply cleanly)."
    ),
    discard: bool = typer.Option(False, "--discard", help="Throw uncommitted changes away."),
    db: str | None = _DB,
    as_json: bool = JSON_OPTION,
) -> None:
    """Make a branch current: the working copy (rows and schema) becomes its state.

    Uncommitted changes block the switch unless `--carry` or `--discard`.

    **Examples**

    * `zen switch feature`
    * `zen switch -c experiment` (create from HEAD and switch)
    * `zen switch -c hotfix --from v1`
    * `zen switch main --carry`
    """
    if carry and discard:
        raise UsageError("--carry and --discard exclude each other")
    pending = "carry" if carry else "discard" if discard else "refuse"
    with _history(db) as history:
        result = history.switch(name, create=create, start=from_ref, pending=pending)
    if as_json:
        emit_json(result.to_json())
        return
    verb = "switched to a new branch" if result.created else "switched to branch"
    message(
        f"{verb} {result.branch} ({result.commit[:12]}): {result.rows} row change(s), "
        f"{result.schema_steps} schema step(s)"
    )
    if result.carried:
        message(f"carried {result.carried} uncommitted transaction(s) along")
    if result.discarded:
        message(f"discarded {result.discarded} uncommitted transaction(s)")


# -- merge -----------------------------------------------------------------------------------


def merge_command(
    ref: str | None = typer.Argument(
        None, help="The branch (or any revision) to merge into HEAD.", show_default=False
    ),
    no_ff: bool = typer.Option(
        False, "--no-ff", help="Make a merge commit even when HEAD could fast-forward."
    ),
    msg: str | None = typer.Option(
        None, "--message", "-m", help="The merge commit's message.", show_default=False
    ),
    continue_: bool = typer.Option(
        False, "--continue", help="Finish a merge once its conflicts are resolved."
    ),
    abort: bool = typer.Option(False, "--abort", help="Forget the merge in progress."),
    author: str | None = _AUTHOR,
    db: str | None = _DB,
    as_json: bool = JSON_OPTION,
) -> None:
    """Merge a branch into the current one: fast-forward, or three-way on rows and schema.

    Different columns of one row changed on each side merge cleanly. When both
    sides changed one cell differently (or one deleted a row the other changed),
    nothing is applied: the conflicts are listed in `zen conflicts` (and the
    `_zen_conflicts` table), then `zen conflicts resolve ...` and
    `zen merge --continue`, or `zen merge --abort`. Incompatible schema changes
    stop the merge with nothing applied. Exit 1 when conflicts stop the merge.

    **Examples**

    * `zen merge feature`
    * `zen merge feature --no-ff -m "bring in feature"`
    * `zen merge --continue`
    * `zen merge --abort`
    """
    chosen = sum([ref is not None, continue_, abort])
    if chosen != 1:
        raise UsageError("give a branch to merge, --continue or --abort (one of them)")
    with _history(db) as history:
        if abort:
            theirs = history.merge_abort()
            _done(as_json, {"aborted": theirs}, f"merge of {theirs[:12]} aborted")
            return
        if continue_:
            result = history.merge_continue(author=author)
        else:
            assert ref is not None
            result = history.merge(ref, no_ff=no_ff, message=msg, author=author)
        found = history.conflicts() if result.outcome == "conflicts" else []
    if as_json:
        emit_json({**result.to_json(), "conflict_list": [c.to_json() for c in found]})
    else:
        _merge_text(result.outcome, result.commit, result.rows, found)
    if result.outcome == "conflicts":
        raise typer.Exit(EXIT_CONFLICTS)


def _merge_text(outcome: str, commit: str | None, rows: int, found: list[Conflict]) -> None:
    if outcome == "up-to-date":
        message("already up to date")
    elif outcome == "fast-forward":
        message(f"fast-forward to {str(commit)[:12]}: {rows} row change(s)")
    elif outcome == "merged":
        message(f"merged: commit {str(commit)[:12]}, {rows} row change(s)")
    else:
        _print(conflict_lines(found))
        message(
            f"{len(found)} conflict(s): nothing was merged yet. Resolve them with "
            "zen conflicts resolve --ours|--theirs|TABLE KEY --value V, then zen merge --continue "
            "(or zen merge --abort)"
        )


# -- conflicts -------------------------------------------------------------------------------


def conflicts_command(
    ctx: typer.Context,
    db: str | None = _DB,
    as_json: bool = JSON_OPTION,
) -> None:
    """List the conflicts of the merge in progress (also `SELECT * FROM _zen_conflicts`).

    **Examples**

    * `zen conflicts`
    * `zen conflicts --json`
    * `zen conflicts resolve --theirs`
    """
    if ctx.invoked_subcommand is not None:
        return
    with _history(db) as history:
        found = history.conflicts()
    if as_json:
        emit_json([c.to_json() for c in found])
    elif found:
        _print(conflict_lines(found))
    else:
        message("no conflicts")


def conflict_lines(found: Sequence[Conflict]) -> list[str]:
    """One line per conflict: ``table key column: kind  base | ours | theirs [resolution]``."""
    lines = []
    for c in found:
        where = f"{c.table} {json.dumps(c.key)} {c.column or '(row)'}"
        base, ours, theirs = (_shown(v) for v in (c.base, c.ours, c.theirs))
        state = f"  -> {c.resolution}" if c.resolution else ""
        if c.resolution == "value":
            state += f" {_shown(c.value)}"
        lines.append(f"{where}: {c.kind}  base {base} | ours {ours} | theirs {theirs}{state}")
    return lines


def _shown(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    return repr(value) if isinstance(value, str) else str(value)


def resolve_command(
    table: str | None = typer.Argument(
        None, help="Only this table's conflicts.", show_default=False
    ),
    key: str | None = typer.Argument(
        None,
        help='Only this row: its key (5, abc, or a JSON array [1, "x"]).',
        show_default=False,
    ),
    ours: bool = typer.Option(False, "--ours", help="Keep the current branch's values."),
    theirs: bool = typer.Option(False, "--theirs", help="Take the merged branch's values."),
    column: str | None = typer.Option(
        None, "--column", help="Only this column.", show_default=False
    ),
    value: str | None = typer.Option(
        None,
        "--value",
        help='Set this value (JSON: 5, null, "text"; else taken as text).',
        show_default=False,
    ),
    db: str | None = _DB,
    as_json: bool = JSON_OPTION,
) -> None:
    """Choose a side, or a value, for conflicts; then `zen merge --continue`.

    **Examples**

    * `zen conflicts resolve --theirs` (every open conflict)
    * `zen conflicts resolve users --ours`
    * `zen conflicts resolve users 7 --column email --value '"ada@example.com"'`
    """
    if sum([ours, theirs, value is not None]) != 1:
        raise UsageError("choose one of --ours, --theirs or --value")
    how = "ours" if ours else "theirs" if theirs else "value"
    with _history(db) as history:
        count = history.resolve_conflicts(
            how, table=table, key=key, column=column, value=_parse_value(value)
        )
        left = sum(1 for c in history.conflicts() if not c.resolved)
    _done(as_json, {"resolved": count, "open": left},
          f"resolved {count} conflict(s), {left} open"
          + ("; finish with: zen merge --continue" if not left else ""))  # fmt: skip


def _parse_value(text: str | None) -> Any:
    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if isinstance(parsed, dict | list):
        raise UsageError("--value takes one SQL value (a number, text, or null)")
    return parsed


# -- revert, cherry-pick, reset ----------------------------------------------------------------


def revert_command(
    commit: str = typer.Argument(..., help="The commit whose changes to undo.", show_default=False),
    author: str | None = _AUTHOR,
    db: str | None = _DB,
    as_json: bool = JSON_OPTION,
) -> None:
    """Undo one commit's changes in a new commit (cell level: later edits of other
    columns stay). Conflicting later changes stop it with nothing applied.

    **Examples**

    * `zen revert HEAD~2`
    * `zen revert 9c1f2a --json`
    """
    with _history(db) as history:
        result = history.revert(commit, author=author)
    _picked(result.to_json(), as_json, "reverted")


def cherry_pick_command(
    commit: str = typer.Argument(
        ..., help="The commit whose changes to apply.", show_default=False
    ),
    author: str | None = _AUTHOR,
    db: str | None = _DB,
    as_json: bool = JSON_OPTION,
) -> None:
    """Apply one commit's changes (against its first parent) here, as a new commit.

    **Examples**

    * `zen cherry-pick feature`
    * `zen cherry-pick 9c1f2a`
    """
    with _history(db) as history:
        result = history.cherry_pick(commit, author=author)
    _picked(result.to_json(), as_json, "picked")


def reset_command(
    ref: str = typer.Argument(..., help="The commit to reset to.", show_default=False),
    hard: bool = typer.Option(
        False, "--hard", help="Required: also make the working copy that commit's state."
    ),
    db: str | None = _DB,
    as_json: bool = JSON_OPTION,
) -> None:
    """Point the current branch at a commit and make the working copy its state.

    Uncommitted changes are thrown away; commits left behind stay reachable
    through `zen reflog` until `zen gc`. Only `--hard` is supported.

    **Examples**

    * `zen reset --hard HEAD~1`
    * `zen reset --hard main@{1}`
    """
    if not hard:
        raise UsageError("only zen reset --hard is supported", hint="zen reset --hard REF")
    with _history(db) as history:
        result = history.reset(ref)
    _picked(result.to_json(), as_json, "reset to")


def _picked(data: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(data)
    elif data["commit"] is None:
        message(f"nothing to do: {data['source'][:12]} changes nothing here")
    else:
        message(
            f"{verb} {data['source'][:12]}: HEAD is now {data['commit'][:12]} "
            f"({data['rows']} row change(s), {data['schema_steps']} schema step(s))"
        )
