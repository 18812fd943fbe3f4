"""``zen demo`` runs its whole tour on a fresh folder."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ZenRunner


def test_demo_runs_every_step(run_zen: ZenRunner, tmp_path: Path) -> None:
    done = run_zen("demo", tmp_path / "tour", timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "did you mean" in done.stdout  # the step that shows a hint
    assert (tmp_path / "tour" / "demo.db").exists()
    again = run_zen("demo", tmp_path / "tour")
    assert again.returncode == 1 and "already holds a demo" in again.stderr
