"""The settings a session's dot-commands change (``.mode``, ``.headers``, ``.timer``...)."""

from __future__ import annotations

from dataclasses import dataclass

from zen.engine.errors import UsageError

MODES: tuple[str, ...] = ("box", "table", "list", "csv", "tsv", "line", "json", "jsonl", "markdown")
_ON = frozenset({"on", "yes", "true", "1"})
_OFF = frozenset({"off", "no", "false", "0"})


@dataclass
class Settings:
    """What a session shows and how.

    Attributes:
        mode: Result format, one of :data:`MODES`.
        headers: Print column names in the list, csv and tsv modes.
        nullvalue: Text shown for NULL (None: ``NULL`` in grids, empty elsewhere).
        timer: Print the elapsed time after each statement.
        eqp: Print each statement's query plan before its result.
        show_sql: Print the SQLite text of SQL transpiled from ``--dialect``.
        bail: Stop at the first error (scripts and ``.read`` always do).
        pager: Page results longer than the screen (interactive only).
        pager_command: The pager to run; None means ``$ZEN_PAGER``, ``$PAGER``, ``less``.
        expert_next: Analyse the next statement for indexes instead of running it.
    """

    mode: str = "box"
    headers: bool = True
    nullvalue: str | None = None
    timer: bool = False
    eqp: bool = False
    show_sql: bool = False
    bail: bool = False
    pager: bool = True
    pager_command: str | None = None
    expert_next: bool = False


def parse_switch(value: str, *, setting: str) -> bool:
    """``on``/``off`` (or yes/no, true/false, 1/0) as a bool.

    Example:
        >>> parse_switch("ON", setting=".timer")
        True
    """
    word = value.lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise UsageError(f"{setting} takes on or off, not {value!r}")


def check_mode(mode: str) -> str:
    """``mode`` when it is one of :data:`MODES`, else a usage error with a hint."""
    from zen.engine.errors import suggest

    if mode.lower() in MODES:
        return mode.lower()
    raise UsageError(
        f"unknown mode: {mode}",
        hint=suggest(mode, MODES) or f"choose one of {', '.join(MODES)}",
    )
