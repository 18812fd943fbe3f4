"""The root group builds command modules on demand; its name map must match them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from zen.cli.app import _COMMANDS, module_commands, root_command


@pytest.mark.parametrize("module", sorted(set(_COMMANDS.values())))
def test_command_map_matches_what_each_module_registers(module: str) -> None:
    mapped = sorted(name for name, owner in _COMMANDS.items() if owner == module)
    assert sorted(module_commands(module)) == mapped


def test_root_command_builds_every_builtin_in_help_order() -> None:
    assert list(root_command().commands) == list(_COMMANDS)


def test_a_command_loads_only_its_own_module() -> None:
    code = (
        "import sys\n"
        "from zen.cli import main\n"
        "sys.argv = ['zen', 'sql', ':memory:', 'select 1']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MODULES', *sorted(m for m in sys.modules if m.startswith('zen.cli.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("MODULES"))
    loaded = set(line.split()[1:])
    command_modules = {f"zen.cli.{module}" for module in _COMMANDS.values()}
    # zen.cli.plugins holds the root group's base class, so it is always there.
    assert loaded & command_modules == {"zen.cli.sql", "zen.cli.plugins"}
