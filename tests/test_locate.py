"""One rule for finding the database: --db, then ZEN_DB, then zen.toml upwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from zen.engine.errors import UsageError
from zen.engine.locate import resolve_database, write_project_file


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("ZEN_DB", raising=False)
    (tmp_path / "zen.toml").write_text('database = "data/app.db"\n')
    nested = tmp_path / "src" / "pkg"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    return tmp_path


def test_project_file_found_in_a_parent(project: Path) -> None:
    assert resolve_database(None) == project / "data/app.db"


def test_env_beats_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEN_DB", "/elsewhere/env.db")
    assert resolve_database(None) == Path("/elsewhere/env.db")


def test_flag_beats_env(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEN_DB", "/elsewhere/env.db")
    assert resolve_database("flag.db") == Path("flag.db")


def test_nothing_names_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZEN_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="no database given") as info:
        resolve_database(None)
    assert info.value.exit_code == 2


def test_project_without_database_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZEN_DB", raising=False)
    (tmp_path / "zen.toml").write_text("[vector]\ntrees = 10\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="has no"):
        resolve_database(None)


def test_invalid_toml_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZEN_DB", raising=False)
    (tmp_path / "zen.toml").write_text("database = \n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=r"zen\.toml: invalid TOML"):
        resolve_database(None)


def test_write_project_file_is_relative_and_never_overwrites(tmp_path: Path) -> None:
    written = write_project_file(tmp_path, tmp_path / "sub dir" / 'o"dd.db')
    assert written is not None
    assert resolve_database_from(tmp_path) == tmp_path / "sub dir" / 'o"dd.db'
    assert write_project_file(tmp_path, tmp_path / "other.db") is None


def resolve_database_from(folder: Path) -> Path:
    import tomllib

    data = tomllib.loads((folder / "zen.toml").read_text())
    return folder / data["database"]
