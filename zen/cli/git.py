"""Git remotes: ``zen remote add|list|remove``, ``zen push``, ``zen fetch``, ``zen pull``,
``zen clone``; and ``zen git follow`` (the database branch follows the app's Git branch).

Thin: parse, call :mod:`zen.history.remotes`, print. URLs are shown without
credentials. Messages go to stderr, data (``--json``, ``remote list``) to stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from zen.cli.common import DB_OPTION, JSON_OPTION, emit_json, message, open_db, resolve_db_option

if TYPE_CHECKING:
    from zen.history.history import History

remote_app = typer.Typer(name="remote", no_args_is_help=True)
git_app = typer.Typer(name="git", no_args_is_help=True)


@remote_app.callback()
def _remote_group() -> None:
    """Manage the Git remotes this database pushes to and pulls from.

    **Examples**

    * `zen remote add origin ../data.git`
    * `zen remote list --json`
    * `zen remote remove origin`
    """


@git_app.callback()
def _git_group() -> None:
    """Tie the database to your application's Git repository.

    **Examples**

    * `zen git follow` (switch the database branch on every `git checkout`)
    * `zen git follow --remove`
    """


def register(app: typer.Typer) -> None:
    """Add ``remote``, ``push``, ``fetch``, ``pull``, ``clone`` and ``git`` to the app."""
    app.add_typer(remote_app, name="remote")
    app.add_typer(git_app, name="git")
    for name, command in (
        ("push", push_command),
        ("fetch", fetch_command),
        ("pull", pull_command),
        ("clone", clone_command),
    ):
        app.command(name)(command)


@contextmanager
def _history(db: str | None) -> Iterator[History]:
    with open_db(resolve_db_option(db)) as database:
        yield database.history


# -- zen remote ---------------------------------------------------------------------------------


@remote_app.command("add")
def remote_add(
    name: str = typer.Argument(..., help="A short name, e.g. origin."),
    url: str = typer.Argument(..., help="Any URL or path git understands."),
    db: str | None = DB_OPTION,
) -> None:
    """Add a remote.

    **Examples**

    * `zen remote add origin git@github.com:me/app-data.git`
    * `zen remote add backup file:///srv/backup.git`
    """
    from zen.history.remotes import add_remote

    with _history(db) as history:
        added = add_remote(history, name, url)
    message(f"added remote {added.name} ({added.shown})")


@remote_app.command("list")
def remote_list(db: str | None = DB_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List remotes (credentials in URLs are hidden).

    **Examples**

    * `zen remote list`
    * `zen remote list --json`
    """
    from zen.history.remotes import remotes

    with _history(db) as history:
        found = remotes(history)
    if as_json:
        emit_json([r.to_json() for r in found])
        return
    for remote in found:
        sys.stdout.write(f"{remote.name}\t{remote.shown}\n")


@remote_app.command("remove")
def remote_remove(
    name: str = typer.Argument(..., help="The remote to remove."),
    db: str | None = DB_OPTION,
) -> None:
    """Remove a remote (the Git objects and the commit mapping stay).

    **Examples**

    * `zen remote remove backup`
    """
    from zen.history.remotes import remove_remote

    with _history(db) as history:
        remove_remote(history, name)
    message(f"removed remote {name}")


# -- push, fetch, pull, clone ---------------------------------------------------------------------

REMOTE_ARGUMENT = typer.Argument(
    None, help="The remote (default: the only one, else origin).", show_default=False
)


def push_command(
    remote: str | None = REMOTE_ARGUMENT,
    branch: str | None = typer.Argument(
        None, help="The branch (default: the current one).", show_default=False
    ),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Push a branch's commits to a Git remote, as schema.sql and sorted row files.

    Only commits not pushed before are exported, each from the rows that changed.

    **Examples**

    * `zen push`
    * `zen push origin main`
    """
    from zen.history.remotes import push

    with _history(db) as history:
        result = push(history, remote, branch)
    if as_json:
        emit_json(result.to_json())
    else:
        message(
            f"pushed {result.branch} to {result.remote} at {result.sha[:12]} "
            f"({result.exported} new commit{'s' if result.exported != 1 else ''})"
        )


def fetch_command(
    remote: str | None = REMOTE_ARGUMENT,
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Download a remote's branches (the database is not changed).

    **Examples**

    * `zen fetch`
    * `zen fetch origin --json`
    """
    from zen.history.remotes import fetch

    with _history(db) as history:
        tips = fetch(history, remote)
    if as_json:
        emit_json(tips)
        return
    for name, sha in sorted(tips.items()):
        sys.stdout.write(f"{sha[:12]}\t{name}\n")


def pull_command(
    remote: str | None = REMOTE_ARGUMENT,
    branch: str | None = typer.Argument(
        None, help="The remote branch (default: the current branch's name).", show_default=False
    ),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Fetch, then bring the remote branch's commits into the current branch.

    Fast-forwards when the branch is behind (each remote commit becomes one commit
    here, with its message and author); when both sides moved, the remote's commits
    land on branch REMOTE/BRANCH and are merged (exit 1 when conflicts stop the
    merge, as git does). The working copy must be clean.

    **Examples**

    * `zen pull`
    * `zen pull origin main`
    """
    from zen.history.remotes import pull

    with _history(db) as history:
        result = pull(history, remote, branch)
    if as_json:
        emit_json(result.to_json())
    elif result.status == "up to date":
        message(f"already up to date with {result.remote}/{result.branch}")
    elif result.status == "conflicts":
        message(
            f"merge of {result.remote}/{result.branch} stopped: {result.conflicts} conflict(s)\n"
            "hint: see them with zen conflicts, resolve them (zen conflicts resolve "
            "--ours|--theirs|TABLE KEY --value V), then zen merge --continue and zen push"
        )
    else:
        message(f"{result.status}: {result.applied} commit(s) from {result.remote}/{result.branch}")
    if result.status == "conflicts":
        raise typer.Exit(1)


def clone_command(
    url: str = typer.Argument(..., help="The Git remote (URL or path)."),
    path: str = typer.Argument(..., help="The database file to create."),
    branch: str | None = typer.Option(
        None,
        "--branch",
        "-b",
        help="The branch to clone (default: the remote's HEAD).",
        show_default=False,
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Build a new database from a Git remote's branch, with history on.

    The branch tip becomes the root commit; `origin` names the remote.

    **Examples**

    * `zen clone git@github.com:me/app-data.git app.db`
    * `zen clone file:///srv/app.git copy.db --branch staging`
    """
    from zen.history.gitclone import clone

    result = clone(url, path, branch=branch)
    if as_json:
        emit_json(result.to_json())
    else:
        message(
            f"cloned {result.branch} at {result.sha[:12]} into {result.path}: "
            f"{result.tables} table(s), {result.rows} row(s)"
        )


# -- zen git follow ----------------------------------------------------------------------------


@git_app.command("follow")
def follow_command(
    repo: Path = typer.Option(
        Path(), "--repo", help="The application's Git repository (default: here)."
    ),
    run: bool = typer.Option(
        False, "--run", help="Switch now, without installing the hook (what the hook runs)."
    ),
    remove: bool = typer.Option(False, "--remove", help="Remove zen's post-checkout hook."),
    force: bool = typer.Option(
        False, "--force", help="Replace a post-checkout hook zen did not write."
    ),
    db: str | None = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Make the database branch follow the repository's checked-out branch.

    Installs a `post-checkout` hook: after `git checkout`/`git switch` the database
    switches to the branch of the same name, created from the current one when new
    (uncommitted database changes are carried along, as git does with files). It
    also switches once now.

    **Examples**

    * `zen git follow`
    * `zen git follow --repo ../app --db app.db`
    * `zen git follow --remove`
    """
    from zen.history import follow

    if remove:
        removed = follow.remove_hook(repo)
        message(f"removed {removed}" if removed else "no zen hook to remove")
        return
    database = resolve_db_option(db)
    with _history(str(database)) as history:
        if not run:
            installed = follow.install_hook(repo, database, force=force)
            message(f"installed {installed}")
        result = follow.follow(history, repo)
    if as_json:
        emit_json(result.to_json())
    elif result.action == "detached":
        message("Git HEAD is detached: the database branch is unchanged")
    elif result.action == "unchanged":
        message(f"database already on branch {result.branch}")
    else:
        message(f"database {result.action} branch {result.branch} ({result.rows} row changes)")
