"""zen's plugin system: pluggy hook specs and the manager that loads ``zen.plugins``.

A plugin is a module (or any object) named by an entry point in the group
``zen.plugins`` whose functions, marked with :data:`hookimpl`, implement some
of the hooks in :class:`ZenHookSpecs`: CLI commands, SQL functions,
import/export formats and TUI panels. Discovery is lazy: nothing here runs
until a front end asks for plugins (``zen sql`` never does), and a plugin that
fails to import, or whose hook raises, is recorded in :attr:`Plugins.failures`
and skipped; it never stops zen.

This module sits beside :mod:`zen.api`: it imports nothing from zen above the
engine's errors, so lower layers may consult it lazily for names they do not
know (an unknown export format, an unknown SQL function).

Example:
    >>> # in the plugin package, module my_plugin.py
    >>> from zen.plugins import SqlFunction, hookimpl
    >>> @hookimpl
    ... def zen_sql_functions():
    ...     return [SqlFunction("reverse", lambda s: s[::-1], nargs=1, deterministic=True)]
    >>> # pyproject.toml: [project.entry-points."zen.plugins"] my = "my_plugin"
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import apsw
    import typer
    from typer.core import TyperGroup

PROJECT = "zen"
ENTRY_POINT_GROUP = "zen.plugins"
# Set to 1 to skip entry-point discovery (reproducible runs, completions, debugging).
DISABLE_ENV = "ZEN_NO_PLUGINS"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class SqlFunction:
    """A scalar SQL function a plugin adds to every connection zen opens.

    Attributes:
        name: The SQL name (``select reverse('abc')``).
        func: Called with the SQL arguments; returns an int, float, str, bytes or None.
        nargs: Number of arguments, -1 for any.
        deterministic: Same inputs, same output (lets SQLite use it in indexes).
    """

    name: str
    func: Callable[..., Any]
    nargs: int = -1
    deterministic: bool = False


@dataclass(frozen=True)
class ExportFormat:
    """An output format for ``zen export`` and :meth:`zen.api.Database.export`.

    Attributes:
        name: The ``--format`` value.
        write: ``write(columns, rows, out)`` writes every row to the text stream
            ``out`` and returns the number of rows written.
        suffixes: File suffixes (``.xml``) that imply this format.
    """

    name: str
    write: Callable[[Sequence[str], Iterable[Sequence[Any]], IO[str]], int]
    suffixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportFormat:
    """An input format for ``zen import`` and :meth:`zen.api.Database.import_file`.

    Attributes:
        name: The ``--format`` value.
        read: ``read(path)`` returns the column names and an iterable of rows.
        suffixes: File suffixes (``.xml``) that imply this format.
    """

    name: str
    read: Callable[[Path], tuple[list[str], Iterable[Sequence[Any]]]]
    suffixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TuiPanel:
    """A panel factory for the TUI (planned: no TUI ships yet, the hook is reserved).

    Attributes:
        name: The panel's title and id.
        factory: Called with the open :class:`zen.api.Database`; returns the widget.
    """

    name: str
    factory: Callable[[Any], Any]


class ZenHookSpecs:
    """The hooks a plugin may implement (each one optional).

    Every hook is called once per plugin; its result is collected per plugin,
    so one plugin's error never hides another's contribution.
    """

    @hookspec
    def zen_cli(self, app: typer.Typer) -> None:
        """Add commands to the ``zen`` command line.

        Args:
            app: A Typer app private to the plugin; register commands or
                sub-apps on it (``@app.command("mock")``, ``app.add_typer(...)``).
                They join ``zen``'s top level; a name a built-in command or an
                earlier plugin already uses is reported and skipped.

        Example:
            >>> @hookimpl
            ... def zen_cli(app):
            ...     @app.command("hello")
            ...     def hello() -> None:
            ...         print("hello")
        """

    @hookspec
    def zen_sql_functions(self) -> Sequence[SqlFunction]:
        """SQL functions to register on every connection zen opens.

        Returns:
            A sequence of :class:`SqlFunction`.
        """
        raise NotImplementedError  # pragma: no cover - hook specs have no body

    @hookspec
    def zen_export_formats(self) -> Sequence[ExportFormat]:
        """Output formats for exports.

        Returns:
            A sequence of :class:`ExportFormat`.
        """
        raise NotImplementedError  # pragma: no cover

    @hookspec
    def zen_import_formats(self) -> Sequence[ImportFormat]:
        """Input formats for imports.

        Returns:
            A sequence of :class:`ImportFormat`.
        """
        raise NotImplementedError  # pragma: no cover

    @hookspec
    def zen_tui_panels(self) -> Sequence[TuiPanel]:
        """Panel factories for the TUI (reserved: the TUI does not exist yet).

        Returns:
            A sequence of :class:`TuiPanel`.
        """
        raise NotImplementedError  # pragma: no cover


HOOK_NAMES: tuple[str, ...] = tuple(name for name in vars(ZenHookSpecs) if name.startswith("zen_"))


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin, as ``zen plugins`` lists it."""

    name: str
    module: str
    package: str | None
    version: str | None
    hooks: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The plugin as a JSON-ready dict."""
        return {
            "name": self.name,
            "module": self.module,
            "package": self.package,
            "version": self.version,
            "hooks": list(self.hooks),
        }


@dataclass(frozen=True)
class PluginFailure:
    """A plugin, or one of its hooks, that failed and was skipped."""

    name: str
    stage: str
    error: str

    def render(self) -> str:
        """One line for humans: ``plugin 'x' failed (load): ImportError: ...``."""
        return f"plugin {self.name!r} failed ({self.stage}): {self.error}"

    def to_json(self) -> dict[str, str]:
        """The failure as a JSON-ready dict."""
        return {"name": self.name, "stage": self.stage, "error": self.error}


@dataclass
class Plugins:
    """The loaded plugins, their failures, and typed access to their hooks.

    Example:
        >>> plugins = Plugins.empty()
        >>> plugins.register(my_plugin, "mine")  # doctest: +SKIP
        >>> [f.name for f in plugins.sql_functions()]  # doctest: +SKIP
        ['reverse']
    """

    manager: pluggy.PluginManager
    infos: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)
    commands: dict[str, str] = field(default_factory=dict)
    provided: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _collected: dict[str, list[Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def empty(cls) -> Plugins:
        """A manager with the hook specs and no plugins."""
        manager = pluggy.PluginManager(PROJECT)
        manager.add_hookspecs(ZenHookSpecs)
        return cls(manager)

    def register(self, plugin: object, name: str, *, dist: Any = None) -> bool:
        """Register ``plugin``; on an invalid plugin record a failure and return False."""
        try:
            self.manager.register(plugin, name=name)
            _check_hooks(self.manager, plugin)
        except Exception as exc:
            if self.manager.is_registered(plugin):
                self.manager.unregister(plugin)
            self.failures.append(PluginFailure(name, "register", _describe(exc)))
            return False
        self.infos.append(_info(self.manager, plugin, name, dist))
        self._collected.clear()
        return True

    def call(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook`` on each plugin in turn: ``(plugin name, result)`` pairs.

        A plugin whose hook raises is recorded as a failure and left out.
        """
        results: list[tuple[str, Any]] = []
        caller = getattr(self.manager.hook, hook)
        # get_hookimpls() is in registration order (pluggy's own calls run it backwards).
        for impl in caller.get_hookimpls():
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                results.append((impl.plugin_name, impl.function(**args)))
            except Exception as exc:
                self.failures.append(PluginFailure(impl.plugin_name, hook, _describe(exc)))
        return results

    def sql_functions(self) -> list[SqlFunction]:
        """Every plugin's SQL functions (the first plugin to name one wins)."""
        return _first_by_name(self._collect("zen_sql_functions", SqlFunction))

    def export_formats(self) -> list[ExportFormat]:
        """Every plugin's export formats."""
        return _first_by_name(self._collect("zen_export_formats", ExportFormat))

    def import_formats(self) -> list[ImportFormat]:
        """Every plugin's import formats."""
        return _first_by_name(self._collect("zen_import_formats", ImportFormat))

    def tui_panels(self) -> list[TuiPanel]:
        """Every plugin's TUI panel factories."""
        return _first_by_name(self._collect("zen_tui_panels", TuiPanel))

    def add_commands(self, group: TyperGroup, builtin: Iterable[str]) -> None:
        """Add every plugin's commands to ``group``; clashes are failures, skipped."""
        taken = set(builtin)
        for impl in self.manager.hook.zen_cli.get_hookimpls():
            try:
                commands = _plugin_commands(impl.function, impl.argnames)
            except Exception as exc:
                self.failures.append(PluginFailure(impl.plugin_name, "zen_cli", _describe(exc)))
                continue
            for command_name, command in commands.items():
                if command_name in taken:
                    owner = self.commands.get(command_name, "zen")
                    error = f"command {command_name!r} is already provided by {owner}"
                    self.failures.append(PluginFailure(impl.plugin_name, "zen_cli", error))
                    continue
                taken.add(command_name)
                self.commands[command_name] = impl.plugin_name
                group.add_command(command, command_name)

    def _collect(self, hook: str, kind: type[Any]) -> list[Any]:
        # Hooks run once: a failing hook is reported once, and results stay stable.
        if hook not in self._collected:
            self._collected[hook] = self._gather(hook, kind)
        return self._collected[hook]

    def _gather(self, hook: str, kind: type[Any]) -> list[Any]:
        found: list[Any] = []
        for name, result in self.call(hook):
            try:
                items = list(result or ())
                bad = [item for item in items if not isinstance(item, kind)]
                if bad:
                    raise TypeError(f"expected {kind.__name__} items, got {type(bad[0]).__name__}")
            except TypeError as exc:
                self.failures.append(PluginFailure(name, hook, _describe(exc)))
                continue
            found.extend(items)
            names = [item.name for item in items]
            self.provided.setdefault(name, {})[hook] = names
        return found

    def gather_all(self) -> None:
        """Run every data hook (not ``zen_cli``), so :attr:`provided` and failures are complete."""
        self.sql_functions()
        self.export_formats()
        self.import_formats()
        self.tui_panels()


def _plugin_commands(hook: Callable[..., Any], argnames: Sequence[str]) -> dict[str, Any]:
    """The commands one ``zen_cli`` implementation registers, as Click commands by name."""
    import typer
    import typer.main

    # Same help style as zen's own commands (Markdown docstrings).
    app = typer.Typer(rich_markup_mode="markdown")
    hook(**{name: app for name in argnames})
    if not (app.registered_commands or app.registered_groups):
        return {}
    return dict(typer.main.get_group(app).commands)


def _check_hooks(manager: pluggy.PluginManager, plugin: object) -> None:
    """Reject a plugin that implements a ``zen_*`` hook zen does not define (a typo)."""
    for attr in dir(plugin):
        unknown = attr.startswith("zen_") and attr not in HOOK_NAMES
        if unknown and manager.parse_hookimpl_opts(plugin, attr) is not None:
            known = ", ".join(HOOK_NAMES)
            raise ValueError(f"unknown hook {attr!r} (zen's hooks: {known})")


def _info(manager: pluggy.PluginManager, plugin: object, name: str, dist: Any) -> PluginInfo:
    hooks = tuple(caller.name for caller in manager.get_hookcallers(plugin) or ())
    module = getattr(plugin, "__name__", type(plugin).__module__)
    package = dist.metadata["Name"] if dist is not None else None
    version = dist.version if dist is not None else None
    return PluginInfo(name, module, package, version, tuple(sorted(hooks)))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _first_by_name(items: list[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for item in items:
        seen.setdefault(item.name, item)
    return list(seen.values())


# -- discovery -------------------------------------------------------------------

_lock = threading.Lock()
_loaded: Plugins | None = None


def load(*, group: str = ENTRY_POINT_GROUP) -> Plugins:
    """Discover and register the entry-point plugins (once per process).

    Returns:
        The process-wide :class:`Plugins`; broken plugins are in its ``failures``.

    Example:
        >>> from zen import plugins
        >>> [p.name for p in plugins.load().infos]  # doctest: +SKIP
        ['docs', 'mock']
    """
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = discover(group=group)
        return _loaded


def loaded() -> Plugins | None:
    """The process-wide plugins if :func:`load` already ran, else None (no discovery)."""
    return _loaded


def reset() -> None:
    """Forget the loaded plugins (tests; a later :func:`load` discovers again)."""
    global _loaded
    with _lock:
        _loaded = None


def discover(*, group: str = ENTRY_POINT_GROUP) -> Plugins:
    """A fresh :class:`Plugins` with every entry point of ``group`` (no caching).

    Honours ``ZEN_NO_PLUGINS=1``, which skips discovery.
    """
    plugins = Plugins.empty()
    if os.environ.get(DISABLE_ENV, "").strip() not in ("", "0"):
        return plugins
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group=group), key=lambda e: e.name):
        try:
            plugin = entry.load()
        except Exception as exc:
            plugins.failures.append(PluginFailure(entry.name, "load", _describe(exc)))
            continue
        plugins.register(plugin, entry.name, dist=entry.dist)
    return plugins


# -- helpers for the layers that consult plugins -------------------------------------


def register_sql_functions(conn: apsw.Connection, plugins: Plugins | None = None) -> list[str]:
    """Register every plugin SQL function on ``conn``; returns their names.

    Example:
        >>> db = zen.open(":memory:")  # doctest: +SKIP
        >>> register_sql_functions(db.engine.conn)  # doctest: +SKIP
        ['reverse']
    """
    chosen = plugins or load()
    names = []
    for function in chosen.sql_functions():
        conn.create_scalar_function(
            function.name, function.func, function.nargs, deterministic=function.deterministic
        )
        names.append(function.name)
    return names


def provide_sql_function(conn: apsw.Connection, name: str, plugins: Plugins | None = None) -> bool:
    """Register plugin SQL functions on ``conn`` if one is called ``name``.

    For the engine's "no such function" path: discovery happens only when a
    statement names a function SQLite does not know, so plain queries never pay.
    """
    chosen = plugins or load()
    if not any(f.name.lower() == name.lower() for f in chosen.sql_functions()):
        return False
    register_sql_functions(conn, chosen)
    return True


def export_format(name: str, plugins: Plugins | None = None) -> ExportFormat | None:
    """The plugin export format called ``name`` (or claiming suffix ``name``), if any."""
    found: ExportFormat | None = _format((plugins or load()).export_formats(), name)
    return found


def import_format(name: str, plugins: Plugins | None = None) -> ImportFormat | None:
    """The plugin import format called ``name`` (or claiming suffix ``name``), if any."""
    found: ImportFormat | None = _format((plugins or load()).import_formats(), name)
    return found


def _format(formats: Sequence[Any], name: str) -> Any:
    wanted = name.lower()
    for fmt in formats:
        if fmt.name.lower() == wanted or wanted in (s.lower() for s in fmt.suffixes):
            return fmt
    return None


def format_choices(kind: str, builtin: Sequence[str]) -> str:
    """The hint for an unknown ``kind`` ("import"/"export") format: built-in names,
    plugin names (a plugin format with a built-in name is never used: not offered),
    and how many plugins are broken."""
    loaded = load()
    found = loaded.import_formats() if kind == "import" else loaded.export_formats()
    extra = [fmt.name for fmt in found if fmt.name.lower() not in builtin]
    hint = f"choose one of {', '.join(builtin)} (built in)"
    hint += f"; {', '.join(extra)} (plugins)" if extra else f"; no plugin adds {kind} formats"
    if loaded.failures:
        hint += f"; {len(loaded.failures)} plugin problem(s): see `zen plugins`"
    return hint
