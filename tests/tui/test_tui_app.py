"""The app driven with Textual's Pilot: typing, running, cancelling, sorting, the views."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, TabbedContent

import zen
from tests.tui.helpers import COUNTER, ENDLESS, open_view, plain, sync, until
from zen.tui.app import ZenApp
from zen.tui.catalog import Catalog
from zen.tui.diff_views import DataDiffView, SchemaDiffView
from zen.tui.editor import SqlEditor
from zen.tui.grid import ResultsGrid
from zen.tui.history_view import HistoryView
from zen.tui.query_pane import QueryPane
from zen.tui.screens import ConfirmScreen, HelpScreen, QueryHistoryScreen, TextScreen
from zen.tui.state import StateStore

MakeApp = Callable[[Path], ZenApp]


def user_count(path: Path) -> int:
    # A connection of the test's own: the app's belongs to its worker threads.
    with zen.open(path, read_only=True) as db:
        return int(db.sql("select count(*) from users").scalar())


def pane(app: ZenApp) -> QueryPane:
    return app.query_one(QueryPane)


def rows(app: ZenApp) -> list[tuple[object, ...]]:
    source = pane(app).tab.source
    assert source is not None
    return list(source.rows())


async def run_and_wait(app: ZenApp, pilot: object, key: str = "f5") -> None:
    await pilot.press(key)  # type: ignore[attr-defined]
    await until(lambda: not pane(app).running and pane(app).tab.source is not None)


@sync
async def test_the_editor_has_focus_and_f5_runs(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.focused, SqlEditor)
        await pilot.press(*"select name from users order by id")
        await run_and_wait(app, pilot)
        assert rows(app) == [("ada",), ("linus",), ("grace",)]
        assert "3 rows" in pane(app).tab.status


@sync
async def test_highlighting_arrives_after_the_first_frame_and_keeps_the_typing(
    shop_db: Path, make_app: MakeApp, store: StateStore
) -> None:
    store.save_tabs(["select 1;\nselect 2;"])
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = app.query_one(SqlEditor)
        assert editor.text == "select 1;\nselect 2;"  # the saved tab, loaded once
        editor.move_cursor((1, 6))
        editor._highlight()  # what the first refresh runs: the cursor must stay
        assert editor.language == "sql" and editor.cursor_location == (1, 6)
        await pilot.press("end", *" -- two")
        assert editor.text == "select 1;\nselect 2; -- two"


@pytest.mark.parametrize("key", ["ctrl+j", "ctrl+enter"])
@sync
async def test_run_keys_take_the_statement_under_the_cursor(
    shop_db: Path, make_app: MakeApp, key: str
) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = app.query_one(SqlEditor)
        editor.text = "select 1 as a;\nselect 2 as b;\nselect 3 as c;"
        editor.move_cursor((1, 3))
        await run_and_wait(app, pilot, key)
        assert rows(app) == [(2,)]
        assert pane(app).tab.source is not None and pane(app).tab.source.columns == ["b"]


@sync
async def test_the_selection_runs_when_there_is_one(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = app.query_one(SqlEditor)
        editor.text = "insert into users(name) values ('zed'); select count(*) from users; select 9"
        editor.select_all()
        await pilot.press("f5")
        await until(lambda: not pane(app).running and pane(app).tab.source is not None)
        assert rows(app) == [(9,)]
        editor.text = "select count(*) from users"
        await run_and_wait(app, pilot)
        assert rows(app) == [(4,)]


@sync
async def test_an_error_shows_in_the_status_line(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"select * from userz", "f5")
        await until(lambda: not pane(app).running and "error" in pane(app).tab.status)
        assert "no such table: userz" in pane(app).tab.status


@sync
async def test_escape_cancels_a_running_query(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(SqlEditor).text = ENDLESS
        await pilot.press("f5")
        await until(lambda: pane(app).running)
        await pilot.pause(0.2)
        assert pane(app).running  # still going: the UI is free while SQLite works
        await pilot.press("escape")
        await until(lambda: not pane(app).running)
        assert "interrupted" in pane(app).tab.status
        app.query_one(SqlEditor).text = "select 5"
        await pilot.press("f5")
        await until(lambda: not pane(app).running and pane(app).tab.source is not None)
        assert rows(app) == [(5,)]


@sync
async def test_sort_and_filter_re_query(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(SqlEditor).text = "select id, name, age from users"
        await run_and_wait(app, pilot)
        app.query_one(ResultsGrid).focus()
        await pilot.press("right", "right", "s")
        await until(lambda: pane(app).tab.view.sort == (2, False) and not pane(app).running)
        assert [r[2] for r in rows(app)] == [28, 36, 45]
        await pilot.press("s")
        await until(lambda: pane(app).tab.view.sort == (2, True) and not pane(app).running)
        assert [r[2] for r in rows(app)] == [45, 36, 28]
        await pilot.press("left", "f")
        await until(lambda: isinstance(app.screen.focused, Input))
        await pilot.press(*"a", "enter")
        await until(lambda: bool(pane(app).tab.view.filters) and not pane(app).running)
        assert [r[1] for r in rows(app)] == ["grace", "ada"]
        assert pane(app).tab.sql == "select id, name, age from users"


@sync
async def test_copy_cell_and_row(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(SqlEditor).text = "select id, name, email from users order by id"
        await run_and_wait(app, pilot)
        app.query_one(ResultsGrid).focus()
        await pilot.press("down", "right", "c")
        assert app.clipboard == "linus"
        await pilot.press("y")
        assert app.clipboard == "2\tlinus\tNULL"


@sync
async def test_export_writes_every_row(shop_db: Path, make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(shop_db)
    target = tmp_path / "out.csv"
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(SqlEditor).text = f"{COUNTER.format(n=1000)} select x, x * 2 AS y from c"
        await run_and_wait(app, pilot)
        app.query_one(ResultsGrid).focus()
        await pilot.press("e")
        await until(lambda: isinstance(app.screen.focused, Input))
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await until(lambda: target.exists() and target.stat().st_size > 8_000)
        await pilot.pause(0.2)
    with target.open() as handle:
        read = list(csv.reader(handle))
    assert read[0] == ["x", "y"]
    assert len(read) == 1_001
    assert read[-1] == ["1000", "2000"]


@sync
async def test_large_results_load_lazily(tmp_path: Path, make_app: MakeApp) -> None:
    app = make_app(tmp_path / "big.db")
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(SqlEditor).text = f"{COUNTER.format(n=100_000)} select x from c"
        await run_and_wait(app, pilot)
        source = pane(app).tab.source
        assert source is not None and source.known < 1_000 and not source.complete
        app.query_one(ResultsGrid).focus()
        await pilot.press("end")
        await until(lambda: source.complete and app.query_one(ResultsGrid).cursor[0] == 99_999)
        await until(lambda: source.cached_row(99_999) == (100_000,))


@sync
async def test_tabs_survive_a_restart(shop_db: Path, make_app: MakeApp, store: StateStore) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"select 1")
        await pilot.press("ctrl+t", *"select 2")
        assert pane(app).active == 1
        await pilot.press("ctrl+q")
    assert store.load_tabs() == ["select 1", "select 2"]
    again = make_app(shop_db)
    async with again.run_test(size=(80, 24)) as pilot:
        assert again.query_one(SqlEditor).text == "select 1"
        await pilot.press("ctrl+pagedown")
        await pilot.pause()
        assert again.query_one(SqlEditor).text == "select 2"


@sync
async def test_tab_completes_like_the_shell(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"select * from use", "tab")
        await until(lambda: app.query_one(SqlEditor).text == "select * from users")
        await pilot.press(*" where ag", "tab")
        menu = app.query_one("#completions", OptionList)
        await until(lambda: menu.has_class("-open"))  # age, and lag() by substring
        await pilot.press("enter")
        assert app.query_one(SqlEditor).text == "select * from users where age"


@sync
async def test_completion_menu_offers_choices(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"select * from ", "ctrl+space")
        menu = app.query_one("#completions", OptionList)
        await until(lambda: menu.has_class("-open"))
        assert menu.option_count >= 3
        await pilot.press("down", "enter")
        assert not menu.has_class("-open")
        assert app.query_one(SqlEditor).text != "select * from "


@sync
async def test_catalog_preview_and_ddl(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        catalog = app.query_one(Catalog)
        await until(lambda: bool(catalog.root.children))
        labels = [str(node.label) for node in catalog.root.children]
        assert labels[:4] == ["Tables (2)", "Views (1)", "Indexes (1)", "Triggers (0)"]
        tables = catalog.root.children[0]
        await until(lambda: len(tables.children) == 2)
        catalog.focus()
        catalog.move_cursor(tables.children[1])  # users
        await pilot.press("enter")
        users = tables.children[1]
        await until(lambda: len(users.children) == 4)
        assert str(users.children[1].label).startswith("name")
        await pilot.press("d")
        await until(lambda: isinstance(app.screen, TextScreen))
        assert "CREATE TABLE users" in app.screen.sql
        await pilot.press("escape", "n")
        assert app.clipboard == "users"
        await pilot.press("p")
        await until(lambda: pane(app).active == 1 and pane(app).tab.source is not None)
        assert len(rows(app)) == 3


@sync
async def test_a_big_catalog_opens_closed(tmp_path: Path, make_app: MakeApp) -> None:
    path = tmp_path / "wide.db"
    with zen.open(path) as db:
        db.script("".join(f"CREATE TABLE t{i}(a, b);" for i in range(2_000)))
    app = make_app(path)
    async with app.run_test(size=(80, 24)):
        catalog = app.query_one(Catalog)
        await until(lambda: bool(catalog.root.children))
        tables = catalog.root.children[0]
        assert str(tables.label) == "Tables (2000)"
        assert not tables.is_expanded and not tables.children
        tables.expand()
        await until(lambda: len(tables.children) == 2_000)


@sync
async def test_history_view_shows_commits_and_rewinds(history_db: Path, make_app: MakeApp) -> None:
    app = make_app(history_db)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_view(pilot, "f3", HistoryView)
        await until(lambda: len(view.commit_ids) == 5)
        await until(lambda: "ADD COLUMN email" in plain(view.shown))
        await pilot.press("down")
        await until(lambda: "'bob'" in plain(view.shown))
        assert "'BOB'" in plain(view.shown)
        await pilot.press("down")  # the insert commit: ada, bob, cy
        target = view.selected_commit()
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause(0.2)
        assert user_count(history_db) == 2
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(lambda: user_count(history_db) == 3)
        await until(lambda: len(view.commit_ids) == 6)  # the rewind is a new commit
        with zen.open(history_db) as other:
            assert other.history.log(1)[0].commit.message == f"rewind to {target}"


@sync
async def test_schema_diff_view(history_db: Path, make_app: MakeApp) -> None:
    app = make_app(history_db)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_view(pilot, "f4", SchemaDiffView)
        assert app.query_one(TabbedContent).active == "schema"
        app.query_one("#schema-from", Input).value = "HEAD~1"
        app.query_one("#schema-from", Input).focus()
        await pilot.press("enter")
        await until(lambda: "migration plan" in plain(view.shown))
        text = plain(view.shown)
        assert "+ email TEXT" in text
        assert "ALTER TABLE" in text


@sync
async def test_data_diff_view(history_db: Path, make_app: MakeApp) -> None:
    app = make_app(history_db)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_view(pilot, "f6", DataDiffView)
        app.query_one("#data-from", Input).value = "HEAD~2"
        app.query_one("#data-to", Input).value = "HEAD~1"
        app.query_one("#data-from", Input).focus()
        await pilot.press("enter")
        await until(lambda: "users:" in plain(view.shown))
        text = plain(view.shown)
        assert "users: +0 -1 ~1" in text
        assert "'bob' → 'BOB'" in text


@sync
async def test_views_say_when_there_is_no_history(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        history = await open_view(pilot, "f3", HistoryView)
        assert "no history" in plain(history.shown)
        view = await open_view(pilot, "f6", DataDiffView)
        app.query_one("#data-from", Input).focus()
        await pilot.press("enter")
        await until(lambda: "no history" in plain(view.shown))


@sync
async def test_views_are_built_when_first_shown(shop_db: Path, make_app: MakeApp) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(100, 30)) as pilot:
        assert not app.query(HistoryView) and not app.query(SchemaDiffView)
        await pilot.click("#--content-tab-history")  # the mouse, not F3
        await until(lambda: bool(app.query(HistoryView)))
        assert app.query_one(TabbedContent).active == "history"
        assert not app.query(SchemaDiffView) and not app.query(DataDiffView)


@sync
async def test_query_history_search(shop_db: Path, make_app: MakeApp, store: StateStore) -> None:
    store.record_query("select name from users", str(shop_db), "ok")
    store.record_query("select total from orders", str(shop_db), "ok")
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+r")
        await until(lambda: isinstance(app.screen, QueryHistoryScreen))
        await pilot.press(*"users", "enter")
        await until(lambda: app.query_one(SqlEditor).text == "select name from users")


@sync
async def test_help_and_no_color(
    shop_db: Path, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@sync
async def test_the_theme_is_remembered(shop_db: Path, make_app: MakeApp, store: StateStore) -> None:
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)):
        app.theme = "nord"
    assert store.load_settings()["theme"] == "nord"
    again = make_app(shop_db)
    assert again.theme == "nord"
