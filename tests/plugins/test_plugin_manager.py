"""The plugin manager in-process: registration, isolation of failures, hook helpers."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import zen
from tests.plugins.helpers import EXPECTED, fake_site
from zen import plugins as zp
from zen.plugins import ExportFormat, Plugins, SqlFunction, hookimpl


class Upper:
    """A class-based plugin: an SQL function and an export format."""

    @hookimpl
    def zen_sql_functions(self) -> list[SqlFunction]:
        return [SqlFunction("shout", lambda s: s.upper() + "!", nargs=1)]

    @hookimpl
    def zen_export_formats(self) -> list[ExportFormat]:
        return [ExportFormat("bars", lambda cols, rows, out: _bars(cols, rows, out), (".bars",))]


def _bars(columns, rows, out) -> int:
    out.write("|".join(columns) + "\n")
    written = [out.write("|".join(map(str, row)) + "\n") for row in rows]
    return len(written)


class Raising:
    @hookimpl
    def zen_sql_functions(self) -> list[SqlFunction]:
        raise RuntimeError("boom")


class Shadow:
    @hookimpl
    def zen_sql_functions(self) -> list[SqlFunction]:
        return [SqlFunction("shout", lambda s: "shadowed", nargs=1)]


def _plugins(*pairs: tuple[object, str]) -> Plugins:
    found = Plugins.empty()
    for plugin, name in pairs:
        assert found.register(plugin, name)
    return found


def test_sql_functions_are_registered_on_a_database_connection() -> None:
    found = _plugins((Upper(), "upper"))
    with zen.open(":memory:") as db:
        assert zp.register_sql_functions(db.engine.conn, found) == ["shout"]
        assert db.sql("select shout('hi')").scalar() == "HI!"


def test_a_raising_hook_is_recorded_once_and_hides_no_other_plugin() -> None:
    found = _plugins((Raising(), "raising"), (Upper(), "upper"))
    assert [f.name for f in found.sql_functions()] == ["shout"]
    assert [f.name for f in found.sql_functions()] == ["shout"]
    assert [(f.name, f.stage) for f in found.failures] == [("raising", "zen_sql_functions")]
    assert "RuntimeError: boom" in found.failures[0].error


def test_the_first_plugin_to_name_a_function_wins() -> None:
    found = _plugins((Upper(), "upper"), (Shadow(), "shadow"))
    with zen.open(":memory:") as db:
        zp.register_sql_functions(db.engine.conn, found)
        assert db.sql("select shout('a')").scalar() == "A!"


def test_provide_sql_function_registers_only_for_a_known_name() -> None:
    found = _plugins((Upper(), "upper"))
    with zen.open(":memory:") as db:
        assert zp.provide_sql_function(db.engine.conn, "nope", found) is False
        assert zp.provide_sql_function(db.engine.conn, "SHOUT", found) is True
        assert db.sql("select shout('x')").scalar() == "X!"


@pytest.mark.parametrize("name", ["bars", "BARS", ".bars"])
def test_export_formats_are_found_by_name_or_suffix(name: str) -> None:
    found = _plugins((Upper(), "upper"))
    fmt = zp.export_format(name, found)
    assert fmt is not None
    out = io.StringIO()
    assert fmt.write(["a", "b"], [(1, 2), (3, 4)], out) == 2
    assert out.getvalue() == "a|b\n1|2\n3|4\n"
    assert zp.export_format("csv", found) is None


def test_a_hook_with_an_unknown_argument_is_refused() -> None:
    bad = SimpleNamespace(zen_cli=hookimpl(lambda application: None))
    found = Plugins.empty()
    assert found.register(bad, "bad") is False
    assert found.infos == [] and found.failures[0].stage == "register"
    assert "application" in found.failures[0].error


def test_discover_reads_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = fake_site(tmp_path, ["hello", "broken-import"])
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv(zp.DISABLE_ENV, raising=False)
    found = zp.discover()
    names = {info.name for info in found.infos}
    assert "hello" in names and "broken-import" not in names
    assert [(f.name, f.stage) for f in found.failures if f.name == "broken-import"] == [
        ("broken-import", "load")
    ]
    assert [p.name for p in found.tui_panels()] == ["tables"]
    assert zp.import_format(".kv", found) is not None
    sys.modules.pop(EXPECTED["hello"]["module"], None)


def test_disabled_discovery_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(zp.DISABLE_ENV, "1")
    found = zp.discover()
    assert (found.infos, found.failures) == ([], [])


def test_load_is_cached_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(zp.DISABLE_ENV, "1")
    zp.reset()
    try:
        first = zp.load()
        assert zp.loaded() is first and zp.load() is first
        zp.reset()
        assert zp.loaded() is None
    finally:
        zp.reset()
