"""Rendering results: a plain-text table with ratios and bar verdicts, and JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._harness import Bar, CaseResult, Outcome, Stats, format_value


def verdict_text(verdict: bool | None) -> str:
    """PASS, FAIL or N/A."""
    return {True: "PASS", False: "FAIL", None: "N/A"}[verdict]


def render_case(result: CaseResult) -> str:
    """The case as a table of contenders, then ratio lines and bar verdicts."""
    lines = [f"{result.name}  {result.case.title}"]
    lines.append(f"  {'contender':<16}{'median':>12}{'min':>12}{'runs':>6}{'peak RSS':>12}")
    for name, outcome in result.outcomes.items():
        lines.append("  " + _contender_row(name, outcome))
    stats = result.stats
    ratio_bars = [
        b
        for b in result.case.bars
        if b.peer is not None and b.metric == "seconds" and b.floors is None
    ]
    for subject, peer in result.ratio_pairs():
        lines.append("  " + _ratio_line(subject, peer, stats, ratio_bars))
    for bar in result.case.bars:
        if bar not in ratio_bars:
            value = bar.value(stats)
            shown = "not measured" if value is None else bar.shown(value)
            lines.append(f"  bar {bar.text}: {shown}  {verdict_text(bar.verdict(value))}")
    lines.extend(f"  note: {note}" for note in result.case.notes)
    return "\n".join(lines)


def _contender_row(name: str, outcome: Outcome) -> str:
    if outcome.skipped:
        return f"{name:<16}not available: {outcome.skipped}"
    if outcome.error:
        return f"{name:<16}ERROR: {outcome.error}"
    stats = outcome.stats
    if stats is None:
        return f"{name:<16}no runs"
    rss = stats.peak_rss
    rss_text = format_value(rss, "peak_rss") if rss is not None else "-"
    median, fastest = format_value(stats.median, "seconds"), format_value(stats.min, "seconds")
    return f"{name:<16}{median:>12}{fastest:>12}{len(stats.samples):>6}{rss_text:>12}"


def _ratio_line(subject: str, peer: str, stats: dict[str, Stats], bars: list[Bar]) -> str:
    label = f"{subject}/{peer}"
    a, b = stats.get(subject), stats.get(peer)
    text = f"{label} = {a.median / b.median:.2f}x" if a and b else f"{label} = n/a"
    for bar in bars:
        if (bar.subject, bar.peer) == (subject, peer):
            verdict = verdict_text(bar.verdict(bar.value(stats)))
            text += f"  (bar {bar.op} {bar.limit:g}x)  {verdict}"
    return text


def machine() -> dict[str, Any]:
    """Facts that explain the numbers: CPUs, load, versions."""
    import apsw

    from zen._version import __version__

    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "sqlite_apsw": apsw.sqlite_lib_version(),
        "sqlite_cli": _command_output(["sqlite3", "-version"]),
        "zen": __version__,
        "git_commit": _command_output(["git", "rev-parse", "--short", "HEAD"]),
    }


def _command_output(argv: list[str]) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.split(" ")[0].strip() or None


def header(suite: str, title: str, facts: dict[str, Any], quick: bool) -> str:
    """The suite's first line: what, and how loaded the machine was."""
    load = ", ".join(f"{x:.2f}" for x in facts["load_average"])
    mode = "quick smoke run (sizes too small to judge bars)" if quick else "full run"
    return (
        f"== {suite}: {title}\n"
        f"   {mode}; {facts['cpus']} CPUs, load {load}; SQLite {facts['sqlite_apsw']} (APSW), "
        f"{facts['sqlite_cli']} (CLI); zen {facts['zen']} {facts['git_commit'] or ''}".rstrip()
    )


def case_json(result: CaseResult) -> dict[str, Any]:
    """A finished case as plain data."""
    stats = result.stats
    contenders: dict[str, Any] = {}
    for name, outcome in result.outcomes.items():
        st = outcome.stats
        contenders[name] = {
            "skipped": outcome.skipped,
            "error": outcome.error,
            "samples": [{"seconds": s.seconds, "peak_rss": s.peak_rss} for s in outcome.samples],
            "median_s": st.median if st else None,
            "min_s": st.min if st else None,
            "peak_rss": st.peak_rss if st else None,
        }
    ratios = {
        f"{a}/{b}": stats[a].median / stats[b].median if a in stats and b in stats else None
        for a, b in result.ratio_pairs()
    }
    bars = [_bar_json(bar, stats) for bar in result.case.bars]
    return {"name": result.name, "title": result.case.title, "repeat": result.case.repeat,
            "contenders": contenders, "ratios": ratios, "bars": bars,
            "notes": list(result.case.notes)}  # fmt: skip


def _bar_json(bar: Bar, stats: dict[str, Stats]) -> dict[str, Any]:
    value = bar.value(stats)
    return {"bar": bar.text, "value": value, "verdict": verdict_text(bar.verdict(value))}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` (folders created), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def stderr(text: str) -> None:
    """Progress to stderr (results go to stdout)."""
    sys.stderr.write(text)
    sys.stderr.flush()
