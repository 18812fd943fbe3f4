"""Settings: one table of keys, read from flags, the environment and two TOML files.

Precedence, first match wins: a command-line flag, then the key's environment
variable, then the nearest project ``zen.toml`` (current folder or a parent, as
git finds ``.git``), then the user file ``config.toml`` in the XDG config
folder (``~/.config/zen/`` on Linux, via platformdirs), then the default.

| key | environment variable | value |
| --- | --- | --- |
| ``database`` | ``ZEN_DB`` | database file for commands that take ``--db`` |
| ``schema`` | ``ZEN_SCHEMA`` | desired schema file or folder (``zen migrate``) |
| ``migrations`` | ``ZEN_MIGRATIONS`` | versioned migrations folder (``zen migrate``) |
| ``format`` | ``ZEN_FORMAT`` | default output format (table, csv, ...) |
| ``history.autocommit`` | ``ZEN_AUTOCOMMIT`` | ``transaction`` or ``explicit`` |
| ``author`` | ``ZEN_AUTHOR`` | default commit author |
| ``shell.history_size`` | ``ZEN_SHELL_HISTORY_SIZE`` | lines of shell history kept (>= 0) |
| ``color`` | ``ZEN_COLOR`` | ``auto``, ``always`` or ``never`` |

A dotted key lives in a TOML table (``history.autocommit`` is ``autocommit``
under ``[history]``). A relative path in a file is relative to that file's
folder. Other keys and tables in the files are left alone (plugins and tools may
keep their own settings there). Files are edited line by line, so comments and
unknown settings survive ``zen config set``.

This module sits beside the engine (it imports only ``zen.engine.errors``), so
every layer may use it; it is cheap to import (platformdirs loads on demand).

Example:
    >>> from zen import config
    >>> config.resolve("history.autocommit")  # doctest: +SKIP
    Setting(value='transaction', source=Source(kind='default', where=''))
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

from zen.engine.errors import NotFoundError, UsageError, suggest

PROJECT_FILE = "zen.toml"
USER_FILE = "config.toml"

Scope = Literal["project", "user"]
SourceKind = Literal["flag", "env", "project", "user", "default"]
Value = str | int | Path
# Kept equal to zen.io.writers.FORMATS by a test (io sits above this layer).
FORMAT_CHOICES = ("table", "csv", "tsv", "json", "jsonl", "markdown")


@dataclass(frozen=True)
class Key:
    """One setting: its name, type, environment variable and default."""

    name: str
    kind: Literal["path", "text", "choice", "count"]
    env: str
    help: str
    default: Value | None = None
    choices: tuple[str, ...] = ()

    @property
    def table(self) -> tuple[str, ...]:
        """The TOML table path holding this key (``()`` for a top-level key)."""
        return tuple(self.name.split(".")[:-1])

    @property
    def leaf(self) -> str:
        """The key's name inside its table."""
        return self.name.rsplit(".", 1)[-1]


KEYS: dict[str, Key] = {
    key.name: key
    for key in (
        Key("database", "path", "ZEN_DB", "Database file for commands that take --db."),
        Key("schema", "path", "ZEN_SCHEMA", "Desired schema (.sql file or folder) for migrate."),
        Key("migrations", "path", "ZEN_MIGRATIONS", "Versioned migrations folder for migrate."),
        Key(
            "format",
            "choice",
            "ZEN_FORMAT",
            "Default output format (unset: table on a terminal, csv otherwise).",
            choices=FORMAT_CHOICES,
        ),
        Key(
            "history.autocommit",
            "choice",
            "ZEN_AUTOCOMMIT",
            "History autocommit: every write transaction, or only zen commit (overrides the "
            "policy stored in the database when set).",
            default="transaction",
            choices=("transaction", "explicit"),
        ),
        Key("author", "text", "ZEN_AUTHOR", "Default commit author (else git's user, $USER)."),
        Key(
            "shell.history_size",
            "count",
            "ZEN_SHELL_HISTORY_SIZE",
            "Lines of shell history kept.",
            default=1000,
        ),
        Key(
            "color",
            "choice",
            "ZEN_COLOR",
            "Colour: auto (on a terminal, unless NO_COLOR is set), always or never.",
            default="auto",
            choices=("auto", "always", "never"),
        ),
    )
}


@dataclass(frozen=True)
class Source:
    """Where a value came from: ``kind`` plus the variable name or file path."""

    kind: SourceKind
    where: str = ""

    def __str__(self) -> str:
        return f"{self.kind} ({self.where})" if self.where else self.kind


class Setting(NamedTuple):
    """A resolved value and its :class:`Source` (``value`` is None when unset)."""

    value: Value | None
    source: Source


# -- keys and values --------------------------------------------------------------------


def key(name: str) -> Key:
    """The :class:`Key` called ``name``; an unknown name is a usage error.

    Example:
        >>> key("format").choices[:2]
        ('table', 'csv')
    """
    found = KEYS.get(name)
    if found is None:
        hint = suggest(name, KEYS) or f"known keys: {', '.join(KEYS)}"
        raise UsageError(f"unknown config key: {name}", hint=hint)
    return found


def parse(name: str, text: str, *, where: str | None = None) -> Value:
    """A value typed on the command line or in an environment variable, validated.

    Args:
        name: The key.
        text: The value as typed.
        where: What to call the value in an error (default: the key's name).

    Example:
        >>> parse("shell.history_size", "500")
        500
    """
    spec = key(name)
    if spec.kind == "count":
        if not re.fullmatch(r"\s*\+?\d+\s*", text):
            raise UsageError(f"{where or name} must be a whole number >= 0, not {text!r}")
        return int(text)
    return _checked(spec, text, where=where or name)


def _checked(spec: Key, value: Any, *, where: str) -> Value:
    """``value`` read from a file (or parsed), checked against the key's type."""
    if spec.kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UsageError(f"{where} must be a whole number >= 0, not {value!r}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{where} must be a non-empty string, not {value!r}")
    if spec.choices and value not in spec.choices:
        raise UsageError(
            f"{where}: unknown value {value!r}", hint=f"choose one of {', '.join(spec.choices)}"
        )
    return value


# -- files ------------------------------------------------------------------------------


def find_project_file(start: Path | None = None) -> Path | None:
    """The nearest ``zen.toml`` in ``start`` (default: cwd) or a parent folder."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / PROJECT_FILE
        if path.is_file():
            return path
    return None


def user_file() -> Path:
    """The user's config file: ``<XDG config dir>/zen/config.toml`` (may not exist).

    Example:
        >>> user_file().name
        'config.toml'
    """
    if sys.platform.startswith("linux"):
        # platformdirs' answer on Linux, without importing it on every start-up.
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or "~/.config"
        return Path(base).expanduser() / "zen" / USER_FILE
    from platformdirs import user_config_path

    return user_config_path("zen", appauthor=False) / USER_FILE


def load(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error is a usage error naming the file.

    Example:
        >>> load(Path("zen.toml"))  # doctest: +SKIP
        {'database': 'app.db'}
    """
    import tomllib  # only when a settings file exists: start-up time is a feature

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def file_value(path: Path, data: dict[str, Any], name: str) -> Value | None:
    """Key ``name`` in the parsed file ``data`` (None when absent), validated.

    Paths come back relative to the file's folder.
    """
    spec = key(name)
    node: Any = data
    for part in (*spec.table, spec.leaf):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    value = _checked(spec, node, where=f"{path}: {name}")
    if spec.kind == "path":
        return path.parent / Path(str(value)).expanduser()
    return value


# -- resolution -------------------------------------------------------------------------


class _Layers:
    """The environment and the two files, each read at most once.

    The user file is located only when a key is not found before it: platformdirs
    stays unloaded when the environment or the project answers.
    """

    def __init__(self, start: Path | None) -> None:
        self.project = find_project_file(start)
        self._parsed: dict[Path, dict[str, Any]] = {}

    def files(self) -> Iterator[tuple[SourceKind, Path]]:
        if self.project is not None:
            yield "project", self.project
        user = user_file()
        if user.is_file():
            yield "user", user

    def lookup(self, name: str, flag: Any = None) -> Setting:
        spec = key(name)
        if flag is not None and flag != "":
            return Setting(_from_flag(spec, flag), Source("flag"))
        from_env = os.environ.get(spec.env)
        if from_env:
            value = parse(name, from_env, where=f"${spec.env}")
            return Setting(_env_path(spec, value), Source("env", spec.env))
        for kind, path in self.files():
            if path not in self._parsed:
                self._parsed[path] = load(path)
            found = file_value(path, self._parsed[path], name)
            if found is not None:
                return Setting(found, Source(kind, str(path)))
        return Setting(spec.default, Source("default"))


def _from_flag(spec: Key, flag: Any) -> Value:
    if isinstance(flag, os.PathLike):
        return Path(flag)
    if isinstance(flag, str):
        value = parse(spec.name, flag)
    else:
        value = _checked(spec, flag, where=spec.name)
    return _env_path(spec, value)


def _env_path(spec: Key, value: Value) -> Value:
    return Path(str(value)).expanduser() if spec.kind == "path" else value


def resolve(name: str, flag: Any = None, *, start: Path | None = None) -> Setting:
    """The value of key ``name`` and where it came from.

    Args:
        name: A key of :data:`KEYS` (``database``, ``format``, ``history.autocommit``...).
        flag: The command-line value, if the user gave one (wins over everything).
        start: Folder where the search for ``zen.toml`` begins (default: cwd).

    Raises:
        UsageError: Unknown key, a bad value, or a file that is not valid TOML.

    Example:
        >>> resolve("format", "json")
        Setting(value='json', source=Source(kind='flag', where=''))
    """
    return _Layers(start).lookup(name, flag)


def get(name: str, *, start: Path | None = None) -> Value | None:
    """The effective value of ``name`` (None when unset and without default).

    Example:
        >>> get("color") in ("auto", "always", "never")
        True
    """
    return resolve(name, start=start).value


def merge(start: Path | None = None) -> dict[str, Setting]:
    """Every key's effective value and source, in the order of :data:`KEYS`.

    Example:
        >>> merge()["color"].value  # doctest: +SKIP
        'auto'
    """
    layers = _Layers(start)
    return {name: layers.lookup(name) for name in KEYS}


# -- writing ----------------------------------------------------------------------------


def target_file(scope: Scope | None, *, start: Path | None = None) -> Path:
    """The file ``set``/``unset`` edits.

    ``user`` is the user file; ``project`` the nearest ``zen.toml`` (else a new one
    in ``start``); no scope means the nearest ``zen.toml``, which must exist, so a
    setting never lands in a file the user did not expect.
    """
    if scope == "user":
        return user_file()
    folder = (start or Path.cwd()).resolve()
    project = find_project_file(folder)
    if project is not None:
        return project
    if scope == "project":
        return folder / PROJECT_FILE
    raise UsageError(
        "no zen.toml in this folder or a parent",
        hint="pass --project to create ./zen.toml, or --user for your own settings",
    )


# Named like the verb it implements (zen.config.set); the builtin is not used in this module.
def set(name: str, text: str, *, scope: Scope | None = None, start: Path | None = None) -> Path:
    """Validate ``text`` for key ``name`` and write it; returns the file written.

    A relative ``database``/``schema``/``migrations`` path is taken relative to
    the current folder and stored relative to the file's folder (the user file
    stores it absolute).

    Example:
        >>> set("format", "json", scope="user")  # doctest: +SKIP
        PosixPath('/home/ada/.config/zen/config.toml')
    """
    spec = key(name)
    value = parse(name, text)
    path = target_file(scope, start=start)
    if spec.kind == "path":
        value = _stored_path(Path(str(value)), path, scope == "user", start)
    _edit(path, spec, _toml_value(value))
    return path


def unset(name: str, *, scope: Scope | None = None, start: Path | None = None) -> Path:
    """Remove key ``name`` from the project (or user) file; returns that file.

    Raises:
        NotFoundError: The file does not set ``name``.
    """
    spec = key(name)
    path = target_file(scope, start=start)
    if not path.is_file() or file_value(path, load(path), name) is None:
        raise NotFoundError(f"{name} is not set in {path}")
    _edit(path, spec, None)
    return path


def _stored_path(value: Path, file: Path, absolute: bool, start: Path | None) -> str:
    full = ((start or Path.cwd()) / value.expanduser()).resolve()
    if absolute:
        return full.as_posix()
    try:
        return full.relative_to(file.parent.resolve()).as_posix()
    except ValueError:
        return full.as_posix()


def _toml_value(value: Value) -> str:
    if isinstance(value, int):
        return str(value)
    return toml_string(str(value))


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string.

    Example:
        >>> print(toml_string('say "hi"\\n'))
        "say \\"hi\\"\\n"
    """
    escaped = []
    for char in text:
        if char in _ESCAPES:
            escaped.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b"}


# -- the minimal TOML editor --------------------------------------------------------------
# tomllib only reads. A setting is one `leaf = value` line inside its table, so it is
# edited in place: comments, other keys and other tables stay as they were. The result
# is parsed again and must say exactly what was asked, else nothing is written.

_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-\s\"]+?)\s*\]\s*(#.*)?$")
_ARRAY_HEADER = re.compile(r"^\s*\[\[")


def _edit(path: Path, spec: Key, literal: str | None) -> None:
    """Set (``literal``) or remove (None) ``spec`` in ``path``, verified before writing."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = text.splitlines()
    if literal is None:
        lines = _without_key(lines, spec)
    else:
        lines = _with_key(lines, spec, f"{spec.leaf} = {literal}")
    new_text = "\n".join(lines) + "\n"
    _verify(path, new_text, spec, literal)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(path)  # atomic: a crash leaves the old file or the new one


def _table_of(line: str) -> tuple[str, ...] | None:
    """The table a header line opens, ``("",)`` for an array of tables, else None."""
    if _ARRAY_HEADER.match(line):
        return ("",)
    match = _HEADER.match(line)
    if match is None:
        return None
    return tuple(part.strip().strip('"') for part in match.group(1).split("."))


def _key_line(line: str, leaf: str) -> bool:
    return re.match(rf'^\s*"?{re.escape(leaf)}"?\s*=', line) is not None


def _spans(lines: list[str]) -> list[tuple[tuple[str, ...], int, int]]:
    """Each table as (name, first line, end line); the top level is ``()``."""
    spans: list[tuple[tuple[str, ...], int, int]] = []
    name: tuple[str, ...] = ()
    begin = 0
    for index, line in enumerate(lines):
        table = _table_of(line)
        if table is not None:
            spans.append((name, begin, index))
            name, begin = table, index + 1
    spans.append((name, begin, len(lines)))
    return spans


def _find(lines: list[str], spec: Key) -> tuple[int | None, int | None]:
    """(line of the key, end of its table), each None when missing."""
    for name, begin, end in _spans(lines):
        if name != spec.table:
            continue
        for index in range(begin, end):
            if _key_line(lines[index], spec.leaf):
                return index, end
        return None, end
    return None, None


def _with_key(lines: list[str], spec: Key, entry: str) -> list[str]:
    found, end = _find(lines, spec)
    if found is not None:
        return [*lines[:found], entry, *lines[found + 1 :]]
    if end is None:  # a new table at the end of the file
        gap = [""] if lines and lines[-1].strip() else []
        return [*lines, *gap, f"[{'.'.join(spec.table)}]", entry]
    # Before the blank lines that end the table and, when a table follows, before the
    # comments that introduce that table.
    followed = end < len(lines)
    while end > 0 and (not lines[end - 1].strip() or (followed and _comment(lines[end - 1]))):
        end -= 1
    return [*lines[:end], entry, *lines[end:]]


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _without_key(lines: list[str], spec: Key) -> list[str]:
    found, _ = _find(lines, spec)
    return lines if found is None else [*lines[:found], *lines[found + 1 :]]


def _verify(path: Path, text: str, spec: Key, literal: str | None) -> None:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        data = None
    expected = None if literal is None else tomllib.loads(f"v = {literal}")["v"]
    got: Any = data
    for part in (*spec.table, spec.leaf):
        got = got.get(part) if isinstance(got, dict) else None
    if data is None or got != expected:
        raise UsageError(
            f"{path}: cannot edit {spec.name} automatically (it is written in a form "
            "this editor does not change)",
            hint=f"edit the file by hand: {spec.leaf} under [{'.'.join(spec.table)}]"
            if spec.table
            else f"edit the file by hand: {spec.leaf} at the top",
        )
