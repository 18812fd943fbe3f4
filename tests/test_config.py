"""Settings: precedence (flag > env > project > user > default), validation, the TOML editor."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ZenRunner
from zen import config
from zen.engine.errors import NotFoundError, UsageError
from zen.engine.locate import resolve_database


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user config folder of our own, no ZEN_* variables, cwd in an empty folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for spec in config.KEYS.values():
        monkeypatch.delenv(spec.env, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def write_user(text: str) -> Path:
    path = config.user_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_user_file_lives_under_xdg_config_home(home: Path) -> None:
    assert config.user_file() == home.parent / "xdg" / "zen" / "config.toml"


# -- precedence ----------------------------------------------------------------------------

LAYERS = ["flag", "env", "project", "user"]


@pytest.mark.parametrize("present", [LAYERS[i:] for i in range(len(LAYERS))] + [[]])
def test_first_present_layer_wins(
    home: Path, monkeypatch: pytest.MonkeyPatch, present: list[str]
) -> None:
    value_of = {"flag": "json", "env": "tsv", "project": "markdown", "user": "jsonl"}
    if "env" in present:
        monkeypatch.setenv("ZEN_FORMAT", value_of["env"])
    if "project" in present:
        (home / "zen.toml").write_text(f'format = "{value_of["project"]}"\n')
    if "user" in present:
        write_user(f'format = "{value_of["user"]}"\n')
    flag = value_of["flag"] if "flag" in present else None
    value, source = config.resolve("format", flag)
    winner = present[0] if present else "default"
    assert source.kind == winner
    assert value == value_of.get(winner)


def test_dotted_keys_live_in_tables(home: Path) -> None:
    (home / "zen.toml").write_text(
        '[history]\nautocommit = "explicit"\n[shell]\nhistory_size = 5\n'
    )
    assert config.get("history.autocommit") == "explicit"
    assert config.get("shell.history_size") == 5
    assert config.resolve("color") == config.Setting("auto", config.Source("default"))


def test_project_file_is_found_from_a_subfolder(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "zen.toml").write_text('author = "ada"\n')
    (home / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(home / "a" / "b")
    assert config.resolve("author") == ("ada", config.Source("project", str(home / "zen.toml")))


def test_paths_are_relative_to_the_file_naming_them(home: Path) -> None:
    user = write_user('database = "user.db"\nschema = "~/schema.sql"\n')
    assert config.get("database") == user.parent / "user.db"
    assert config.get("schema") == Path("~/schema.sql").expanduser()
    (home / "zen.toml").write_text('database = "data/app.db"\n')
    assert config.get("database") == home / "data" / "app.db"


def test_locate_falls_back_to_the_user_file(home: Path) -> None:
    (home / "zen.toml").write_text("[vector]\ntrees = 10\n")  # a project without a database
    with pytest.raises(UsageError, match="has no"):
        resolve_database(None)
    user = write_user('database = "/data/shared.db"\n')
    assert resolve_database(None) == Path("/data/shared.db")
    assert resolve_database("flag.db") == Path("flag.db")
    assert user.is_file()


def test_merge_lists_every_key_in_table_order(home: Path) -> None:
    merged = config.merge()
    assert list(merged) == list(config.KEYS)
    assert merged["shell.history_size"].value == 1000


def test_format_choices_match_the_writers() -> None:
    from zen.io.writers import FORMATS

    assert config.FORMAT_CHOICES == FORMATS


# -- validation ------------------------------------------------------------------------------

BAD_VALUES = [
    ("format", "xml", "unknown value 'xml'"),
    ("history.autocommit", "sometimes", "choose one of transaction, explicit"),
    ("color", "blue", "choose one of auto, always, never"),
    ("shell.history_size", "-1", "whole number >= 0"),
    ("shell.history_size", "ten", "whole number >= 0"),
    ("database", " ", "non-empty string"),
    ("formt", "json", "did you mean format"),
    ("nope", "1", "known keys: database"),
]


@pytest.mark.parametrize(("name", "text", "match"), BAD_VALUES)
def test_bad_values_are_usage_errors(home: Path, name: str, text: str, match: str) -> None:
    with pytest.raises(UsageError) as info:
        config.set(name, text, scope="user")
    assert match in info.value.render()
    assert info.value.exit_code == 2
    assert not config.user_file().exists()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('format = "xml"\n', r"zen\.toml: format: unknown value"),
        ('[shell]\nhistory_size = "many"\n', r"zen\.toml: shell\.history_size must be"),
        ("[shell]\nhistory_size = true\n", r"zen\.toml: shell\.history_size must be"),
        ("format = \n", r"zen\.toml: invalid TOML"),
    ],
)
def test_a_bad_file_names_itself_and_the_key(home: Path, text: str, match: str) -> None:
    (home / "zen.toml").write_text(text)
    with pytest.raises(UsageError, match=match):
        config.merge()


def test_a_bad_environment_value_names_the_variable(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZEN_COLOR", "sometimes")
    with pytest.raises(UsageError, match=r"\$ZEN_COLOR"):
        config.resolve("color")


# -- writing ---------------------------------------------------------------------------------

EDITS = [
    pytest.param(
        '# my project\ndatabase = "app.db"\n\n# vectors\n[vector]\ntrees = 10\n',
        ("format", "csv"),
        '# my project\ndatabase = "app.db"\nformat = "csv"\n\n# vectors\n[vector]\ntrees = 10\n',
        id="top-level key goes before the first table and its comment",
    ),
    pytest.param(
        'format = "csv"  # for scripts\n',
        ("format", "json"),
        'format = "json"\n',
        id="existing key replaced",
    ),
    pytest.param(
        '[history]\n# how commits are made\nautocommit = "transaction"\n\n[other]\nx = 1\n',
        ("history.autocommit", "explicit"),
        '[history]\n# how commits are made\nautocommit = "explicit"\n\n[other]\nx = 1\n',
        id="key inside its table",
    ),
    pytest.param(
        '[shell]\nprompt = "> "\n\n[vector]\ntrees = 3\n',
        ("shell.history_size", "20"),
        '[shell]\nprompt = "> "\nhistory_size = 20\n\n[vector]\ntrees = 3\n',
        id="new key appended to an existing table",
    ),
    pytest.param(
        'database = "app.db"\n',
        ("author", 'Ada "the first" Lovelace\\'),
        'database = "app.db"\nauthor = "Ada \\"the first\\" Lovelace\\\\"\n',
        id="strings are escaped",
    ),
    pytest.param(
        "",
        ("history.autocommit", "explicit"),
        '[history]\nautocommit = "explicit"\n',
        id="new table in an empty file",
    ),
]


@pytest.mark.parametrize(("before", "change", "after"), EDITS)
def test_set_edits_in_place(home: Path, before: str, change: tuple[str, str], after: str) -> None:
    (home / "zen.toml").write_text(before)
    written = config.set(*change)
    assert written == home / "zen.toml"
    assert written.read_text() == after
    assert config.get(change[0]) == config.parse(*change)


def test_unset_removes_only_that_line(home: Path) -> None:
    text = '# top\ndatabase = "app.db"\nformat = "csv"\n[history]\nautocommit = "explicit"\n'
    (home / "zen.toml").write_text(text)
    config.unset("history.autocommit")
    config.unset("format")
    assert (home / "zen.toml").read_text() == '# top\ndatabase = "app.db"\n[history]\n'
    with pytest.raises(NotFoundError, match="format is not set"):
        config.unset("format")


def test_a_form_the_editor_does_not_handle_is_refused_and_left_alone(home: Path) -> None:
    text = 'history.autocommit = "transaction"\n'  # a dotted key at the top level
    (home / "zen.toml").write_text(text)
    with pytest.raises(UsageError, match=r"cannot edit history\.autocommit") as info:
        config.set("history.autocommit", "explicit")
    assert "edit the file by hand" in (info.value.hint or "")
    assert (home / "zen.toml").read_text() == text


def test_scope_rules(home: Path) -> None:
    with pytest.raises(UsageError, match=r"no zen\.toml") as info:
        config.set("format", "csv")  # no project file: nothing is created silently
    assert "--project" in (info.value.hint or "")
    assert config.set("format", "csv", scope="project") == home / "zen.toml"
    assert config.set("format", "tsv", scope="user") == config.user_file()
    assert config.resolve("format").source.kind == "project"
    config.unset("format")
    assert config.resolve("format") == ("tsv", config.Source("user", str(config.user_file())))


def test_database_path_is_stored_relative_to_the_project_file(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "zen.toml").write_text("")
    (home / "sub").mkdir()
    monkeypatch.chdir(home / "sub")
    config.set("database", "data/app.db")
    assert tomllib.loads((home / "zen.toml").read_text()) == {"database": "sub/data/app.db"}
    assert resolve_database(None) == home / "sub" / "data" / "app.db"
    config.set("database", "app.db", scope="user")
    stored = tomllib.loads(config.user_file().read_text())["database"]
    assert stored == (home / "sub" / "app.db").as_posix()


@given(st.text())
def test_toml_strings_round_trip(text: str) -> None:
    assert tomllib.loads(f"v = {config.toml_string(text)}")["v"] == text


# -- the command -------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}


def test_cli_set_get_list_unset(
    run_zen: ZenRunner, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    (tmp_path / "zen.toml").write_text('database = "app.db"\n')
    done = run_zen("config", "set", "history.autocommit", "explicit", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert "zen.toml" in done.stderr
    assert run_zen("config", "set", "author", "ada", "--user", env=cli_env).returncode == 0
    got = run_zen("config", "get", "history.autocommit", env=cli_env)
    assert (got.returncode, got.stdout) == (0, "explicit\n")
    listed = run_zen("config", "list", "--json", env={**cli_env, "ZEN_FORMAT": "tsv"})
    rows = {row["key"]: row for row in json.loads(listed.stdout)}
    assert rows["database"]["value"] == str(tmp_path / "app.db")
    assert rows["history.autocommit"]["source"]["kind"] == "project"
    assert rows["author"]["source"] == {
        "kind": "user",
        "where": str(tmp_path / "xdg/zen/config.toml"),
    }
    assert rows["format"]["source"] == {"kind": "env", "where": "ZEN_FORMAT"}
    assert rows["color"] == {
        "key": "color",
        "value": "auto",
        "source": {"kind": "default", "where": ""},
    }
    text = run_zen("config", "list", env=cli_env).stdout
    assert any(line.split()[:3] == ["author", "ada", "user"] for line in text.splitlines())
    assert run_zen("config", "unset", "author", "--user", env=cli_env).returncode == 0
    missing = run_zen("config", "get", "author", env=cli_env)
    assert (missing.returncode, missing.stdout) == (1, "")
    assert "author is not set" in missing.stderr


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("set", "format", "xml", "--user"), "unknown value 'xml'"),
        (("get", "colour"), "did you mean color"),
        (("set", "format", "csv", "--user", "--project"), "not both"),
        (("set", "format", "csv"), "no zen.toml"),
    ],
)
def test_cli_mistakes_exit_2(
    run_zen: ZenRunner, cli_env: dict[str, str], args: tuple[str, ...], match: str
) -> None:
    done = run_zen("config", *args, env=cli_env)
    assert done.returncode == 2
    assert match in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_path(run_zen: ZenRunner, tmp_path: Path, cli_env: dict[str, str]) -> None:
    done = run_zen("config", "path", "--json", env=cli_env)
    assert json.loads(done.stdout) == {
        "project": None,
        "user": str(tmp_path / "xdg" / "zen" / "config.toml"),
        "user_exists": False,
    }


def test_platformdirs_stays_unloaded_when_env_or_project_answers(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "zen.toml").write_text('format = "csv"\n')
    code = (
        "import sys; from zen import config; "
        "assert config.resolve('format').source.kind == 'project'; "
        "print('platformdirs' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEN_")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "False"
