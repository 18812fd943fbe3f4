"""Fake plugin distributions for the plugin-system tests.

A plugin is found through its distribution's ``entry_points.txt``; these helpers
write such a distribution (a ``.dist-info`` folder beside the fixture modules)
into a temporary folder that is put on ``PYTHONPATH`` (subprocesses) or
``sys.path`` (in-process), so nothing is installed into the real environment.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED: dict[str, Any] = {
    name: spec
    for name, spec in json.loads((FIXTURES / "expected.json").read_text()).items()
    if not name.startswith("_")
}


def fake_site(root: Path, names: list[str] | None = None) -> Path:
    """A folder holding the fixture plugins ``names`` (default: all) as one distribution."""
    site = root / "site"
    dist = site / "zen_fake_plugins-1.0.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    chosen = names if names is not None else list(EXPECTED)
    for name in chosen:
        module = EXPECTED[name]["module"]
        shutil.copy(FIXTURES / "plugins" / f"{module}.py", site / f"{module}.py")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: zen-fake-plugins\nVersion: 1.0\n")
    lines = [f"{name} = {EXPECTED[name]['module']}" for name in chosen]
    (dist / "entry_points.txt").write_text("[zen.plugins]\n" + "\n".join(lines) + "\n")
    return site


def plugin_env(site: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``zen`` subprocess that sees the plugins in ``site``."""
    env = {k: v for k, v in os.environ.items() if k not in {"ZEN_DB", "ZEN_NO_PLUGINS"}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    env.update(extra)
    return env
