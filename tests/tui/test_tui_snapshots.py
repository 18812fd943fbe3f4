"""Snapshots of each view at 80x24 (pytest-textual-snapshot; update with --snapshot-update).

The history database is made at fixed times, so commit ids are stable, and the
query timing on the status line is frozen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.helpers import open_view, plain, until
from zen.tui import query_pane
from zen.tui.app import ZenApp
from zen.tui.catalog import Catalog
from zen.tui.diff_views import DataDiffView, SchemaDiffView
from zen.tui.editor import SqlEditor
from zen.tui.history_view import HistoryView
from zen.tui.query_pane import QueryPane
from zen.tui.screens import ConfirmScreen

MakeApp = Callable[[Path], ZenApp]
SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_pane, "_clock", lambda: 0.0)


async def _catalog_ready(pilot: Pilot[Any]) -> None:
    catalog = pilot.app.query_one(Catalog)
    await until(lambda: bool(catalog.root.children))
    await pilot.pause()


def test_query_view(snap_compare: SnapCompare, history_db: Path, make_app: MakeApp) -> None:
    async def run_query(pilot: Pilot[Any]) -> None:
        await _catalog_ready(pilot)
        app = pilot.app
        app.query_one(SqlEditor).text = "select id, name, email from users order by id"
        await pilot.press("f5")
        pane = app.query_one(QueryPane)
        await until(lambda: not pane.running and pane.tab.source is not None)
        await pilot.pause()

    assert snap_compare(make_app(history_db), run_before=run_query)


def test_history_view(snap_compare: SnapCompare, history_db: Path, make_app: MakeApp) -> None:
    async def open_history(pilot: Pilot[Any]) -> None:
        await _catalog_ready(pilot)
        view = await open_view(pilot, "f3", HistoryView)
        await until(lambda: "commit " in str(view.shown))
        await pilot.pause()

    assert snap_compare(make_app(history_db), run_before=open_history)


def test_history_view_across_branches(
    snap_compare: SnapCompare, forked_db: Path, make_app: MakeApp
) -> None:
    async def ask_to_switch(pilot: Pilot[Any]) -> None:
        await _catalog_ready(pilot)
        view = await open_view(pilot, "f3", HistoryView)
        await until(lambda: "commit " in str(view.shown) and len(view.graph.branches) == 2)
        await pilot.press("s")
        await until(lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.pause()

    assert snap_compare(make_app(forked_db), run_before=ask_to_switch)


def test_schema_diff_view(snap_compare: SnapCompare, history_db: Path, make_app: MakeApp) -> None:
    async def compare(pilot: Pilot[Any]) -> None:
        await _catalog_ready(pilot)
        await open_view(pilot, "f4", SchemaDiffView)
        app = pilot.app
        app.query_one("#schema-from", Input).value = "HEAD~1"
        app.query_one("#schema-from", Input).focus()
        await pilot.press("enter")
        view = app.query_one(SchemaDiffView)
        await until(lambda: "migration plan" in plain(view.shown))
        await pilot.pause()

    assert snap_compare(make_app(history_db), run_before=compare)


def test_data_diff_view(snap_compare: SnapCompare, history_db: Path, make_app: MakeApp) -> None:
    async def compare(pilot: Pilot[Any]) -> None:
        await _catalog_ready(pilot)
        await open_view(pilot, "f6", DataDiffView)
        app = pilot.app
        app.query_one("#data-from", Input).value = "HEAD~3"
        app.query_one("#data-from", Input).focus()
        await pilot.press("enter")
        view = app.query_one(DataDiffView)
        await until(lambda: "users:" in plain(view.shown))
        await pilot.pause()

    assert snap_compare(make_app(history_db), run_before=compare)


def test_help(snap_compare: SnapCompare, shop_db: Path, make_app: MakeApp) -> None:
    assert snap_compare(make_app(shop_db), press=["f1"])
