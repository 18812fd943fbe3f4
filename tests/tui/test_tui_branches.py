"""The history view's branch actions: the graph of every branch, switch, create a branch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

import zen
from tests.tui.helpers import open_view, sync, until
from zen.api import init
from zen.tui.app import ZenApp
from zen.tui.catalog import Catalog
from zen.tui.history_graph import graph_rows, load_graph
from zen.tui.history_view import HistoryView
from zen.tui.screens import ChoiceScreen, ConfirmScreen, PromptScreen

MakeApp = Callable[[Path], ZenApp]


@pytest.fixture
def explicit_db(tmp_path: Path) -> Path:
    """Explicit commits: main has 2 rows, ``other`` (HEAD~1) has none, 1 row is uncommitted."""
    path = tmp_path / "explicit.db"
    init(path, project=False, policy="explicit", author="ada")
    with zen.open(path) as db:
        db.script("CREATE TABLE t(x INTEGER)")
        db.history.commit("create t")
        db.script("INSERT INTO t VALUES (1), (2)")
        db.history.commit("two rows")
        db.history.create_branch("other", "HEAD~1")
        db.script("INSERT INTO t VALUES (3)")
    return path


def branch_state(path: Path) -> tuple[str | None, list[int], int]:
    """The current branch, the rows of ``t`` and the uncommitted transactions."""
    with zen.open(path) as db:
        rows = [int(r[0]) for r in db.sql("select x from t order by x")]
        status = db.history.status()
        return status.branch, rows, status.pending


def commit_of(db: zen.Database, ref: str) -> str:
    commit = db.history.resolve(ref).commit
    assert commit is not None
    return commit


def users_ddl(app: ZenApp) -> str:
    tables = app.query_one(Catalog).groups.get("table", [])
    return next(item.sql for item in tables if item.name == "users")


def notes(app: ZenApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_history(app: ZenApp, pilot: Pilot[None], commits: int) -> HistoryView:
    view = await open_view(pilot, "f3", HistoryView)
    await until(lambda: len([c for c in view.commit_ids if c]) == commits)
    return view


async def select(view: HistoryView, pilot: object, commit: str) -> None:
    """Move the highlight down to ``commit``."""
    while view.selected_commit() != commit:
        await pilot.press("down")  # type: ignore[attr-defined]


async def select_ref(view: HistoryView, pilot: object, path: Path, ref: str) -> str:
    """Move the highlight to the commit ``ref`` names in ``path``; return its id."""
    with zen.open(path) as db:
        commit = commit_of(db, ref)
    await select(view, pilot, commit)
    return commit


def test_the_graph_holds_every_branch(forked_db: Path) -> None:
    with zen.open(forked_db) as db:
        graph = load_graph(db.history, 100)
        side = next(b for b in graph.branches if b.name == "side")
        main_log = {e.commit.id for e in db.history.log(100, all_parents=True)}
        side_log = {e.commit.id for e in db.history.log(100, start="side")}
    ids = [e.commit.id for e in graph.entries]
    assert set(ids) == main_log | side_log and len(ids) == len(main_log) + 1
    assert graph.current == "main" and graph.branches_at(side.commit) == ["side"]
    for index, entry in enumerate(graph.entries):  # every commit before its parents
        assert all(ids.index(p) > index for p in entry.commit.parents)
    lines = [line for line, _ in graph_rows(graph.entries, graph.current)]
    assert any(line.startswith("| *") or line.startswith("* |") for line in lines)
    assert any("(side)" in line for line in lines)
    assert any("(HEAD -> main)" in line for line in lines)


@sync
async def test_create_a_branch_then_switch_to_it(history_db: Path, make_app: MakeApp) -> None:
    app = make_app(history_db)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_history(app, pilot, 5)
        target = await select_ref(view, pilot, history_db, "HEAD~2")
        await pilot.press("b")
        await until(lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"feature", "enter")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        assert "feature" in app.screen.question and target[:12] in app.screen.question
        await pilot.press("y")
        await until(lambda: view.graph.branches_at(target) == ["feature"])
        assert view.selected_commit() == target  # the highlight stays on the commit
        await pilot.press("s")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        assert "Switch to branch feature" in app.screen.question
        await pilot.press("y")
        await until(lambda: view.graph.current == "feature")
        with zen.open(history_db) as other:
            assert other.history.branch == "feature"
            names = [r[0] for r in other.sql("select name from users order by id")]
        assert names == ["ada", "bob", "cy"]  # the state of the insert commit
        await until(lambda: "email" not in users_ddl(app))  # the catalog was read again
        assert any(n.startswith("switched to branch feature") for n in notes(app))


@sync
async def test_refusing_a_dialog_changes_nothing(history_db: Path, make_app: MakeApp) -> None:
    app = make_app(history_db)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_history(app, pilot, 5)
        await pilot.press("down", "b")
        await until(lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"nope", "enter")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.press("b")
        await until(lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert isinstance(app.screen.focused, OptionList)
        assert [b.name for b in view.graph.branches] == ["main"]
    with zen.open(history_db) as db:
        assert [b.name for b in db.history.branches()] == ["main"]


@sync
async def test_a_bad_branch_name_is_an_error_in_the_ui(history_db: Path, make_app: MakeApp) -> None:
    app = make_app(history_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot, 5)
        await pilot.press("b")
        await until(lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = "main"
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(lambda: any("already exists" in n for n in notes(app)))


@sync
async def test_switch_picks_among_branches(forked_db: Path, make_app: MakeApp) -> None:
    app = make_app(forked_db)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_history(app, pilot, 6)
        with zen.open(forked_db) as db:
            db.history.create_branch("twin", "main")
            head = commit_of(db, "main")
        await pilot.press("g")
        await until(lambda: len(view.graph.branches) == 3)
        assert view.selected_commit() != head  # side's newer commit is on top
        await select(view, pilot, head)
        await pilot.press("s")  # main (current) and twin are there
        await until(lambda: isinstance(app.screen, ChoiceScreen))
        assert [k for k, _ in app.screen.choices] == ["main", "twin", "side"]
        await pilot.press("down", "down", "enter")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        assert "branch side" in app.screen.question
        await pilot.press("y")
        await until(lambda: view.graph.current == "side")
    with zen.open(forked_db) as db:
        names = [r[0] for r in db.sql("select name from users order by id")]
    assert names == ["ada", "bob", "cy", "dee"]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("carry", ("other", [3], 1)),
        ("discard", ("other", [], 0)),
        ("cancel", ("main", [1, 2, 3], 1)),
    ],
)
@sync
async def test_uncommitted_changes_offer_carry_or_discard(
    explicit_db: Path,
    make_app: MakeApp,
    choice: str,
    expected: tuple[str, list[int], int],
) -> None:
    app = make_app(explicit_db)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_history(app, pilot, 3)
        await select_ref(view, pilot, explicit_db, "other")
        await pilot.press("s")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(lambda: isinstance(app.screen, ChoiceScreen))
        assert "uncommitted" in app.screen.message  # the error, shown as the question
        keys = [k for k, _ in app.screen.choices]
        for _ in range(keys.index(choice)):
            await pilot.press("down")
        await pilot.press("enter")
        if choice != "cancel":
            await until(lambda: view.graph.current == "other")
        await pilot.pause(0.2)
    assert branch_state(explicit_db) == expected
