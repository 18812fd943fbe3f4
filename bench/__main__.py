"""``python -m bench``: run benchmark suites and print ratios against peers.

Usage::

    python -m bench [NAME ...] [--quick] [--repeat N] [--check] [--list]
                    [--out DIR] [--data-dir DIR]

A NAME is a suite (``foundation``) or one case of it (``foundation.startup``).
Exit code 1 when a contender failed (or, with ``--check``, when a bar failed).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bench
from bench._data import DataStore
from bench._harness import Case, CaseResult, Context, Outcome, Suite, Unavailable, run_case
from bench._report import case_json, header, machine, render_case, stderr, write_json

HERE = Path(__file__).resolve().parent


def discover() -> tuple[dict[str, Suite], dict[str, str]]:
    """Suites defined by modules of this package, and modules that failed to import."""
    suites: dict[str, Suite] = {}
    broken: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"bench.{info.name}")
        except ImportError as exc:
            broken[info.name] = str(exc)
            continue
        suite = getattr(module, "SUITE", None)
        if isinstance(suite, Suite):
            suites[suite.name] = suite
    return suites, broken


def select(suites: dict[str, Suite], names: Sequence[str]) -> dict[str, list[str]]:
    """Suite name -> case names to run, from ``suite`` or ``suite.case`` arguments."""
    if not names:
        return {name: list(suite.cases) for name, suite in suites.items()}
    chosen: dict[str, list[str]] = {}
    for name in names:
        suite_name, _, case_name = name.partition(".")
        suite = suites.get(suite_name)
        if suite is None:
            raise SystemExit(f"error: no suite {suite_name!r}; have: {', '.join(suites)}")
        if case_name and case_name not in suite.cases:
            raise SystemExit(f"error: no case {name!r}; have: {', '.join(suite.cases)}")
        wanted = chosen.setdefault(suite_name, [])
        for case in [case_name] if case_name else list(suite.cases):
            if case not in wanted:
                wanted.append(case)
    return chosen


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="suites or suite.case to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--repeat", type=int, help="timed runs per contender (default per case)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a bar fails")
    parser.add_argument("--list", action="store_true", help="list suites and cases, then exit")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="JSON results folder")
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data", help="generated data")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen suites; returns the exit code."""
    args = _parser().parse_args(argv)
    suites, broken = discover()
    for name, reason in broken.items():
        stderr(f"warning: bench/{name}.py could not be imported: {reason}\n")
    if args.list:
        for name, suite in suites.items():
            print(f"{name}: {suite.title}\n  " + " ".join(suite.cases))
        return 0
    status = 1 if broken and not args.names else 0
    _byte_compile()
    for name, cases in select(suites, args.names).items():
        status = max(status, run_suite(suites[name], cases, args))
    return status


def _byte_compile() -> None:
    """Write zen's .pyc files first, as ``pip install`` does: an editable checkout (or
    ``PYTHONDONTWRITEBYTECODE``) would otherwise compile every module in every timed
    process, and start-up figures would measure the compiler."""
    import compileall

    import zen

    compileall.compile_dir(Path(zen.__file__).parent, quiet=2)


def run_suite(suite: Suite, cases: list[str], args: argparse.Namespace) -> int:
    """Run ``cases`` of ``suite``; print them, merge them into the suite's JSON file."""
    print(header(suite.name, suite.title, machine(), args.quick), flush=True)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=args.data_dir, prefix="work-"))
    ctx = Context(quick=args.quick, data=DataStore(args.data_dir), work=work, repeat=args.repeat)
    results: list[dict[str, Any]] = []
    status = 0
    try:
        for name in cases:
            result = _run_one(suite, name, ctx)
            print(render_case(result) + "\n", flush=True)
            status = max(status, _status(result, args.check))
            results.append({**case_json(result), "machine": machine()})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    suffix = ".quick.json" if args.quick else ".json"
    _merge_results(args.out / f"{suite.name}{suffix}", suite, results, args.quick)
    return status


def _run_one(suite: Suite, name: str, ctx: Context) -> CaseResult:
    full = f"{suite.name}.{name}"
    stderr(f"{full}: preparing\n")
    try:
        case = suite.cases[name](ctx)
    except Unavailable as exc:
        skipped = Case(title=f"not available: {exc}", contenders={})
        return CaseResult(full, skipped, {"zen": Outcome(skipped=str(exc))})
    return run_case(full, case, _progress)


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        stderr(text)


def _status(result: CaseResult, check: bool) -> int:
    if result.failed:
        return 1
    stats = result.stats
    if check and any(bar.verdict(bar.value(stats)) is False for bar in result.case.bars):
        return 1
    return 0


def _merge_results(path: Path, suite: Suite, cases: list[dict[str, Any]], quick: bool) -> None:
    """Replace the run cases in the suite's JSON file, keeping the other cases' last results."""
    try:
        old = json.loads(path.read_text(encoding="utf-8"))["cases"]
    except (OSError, ValueError, KeyError, TypeError):
        old = []
    fresh = {c["name"] for c in cases}
    kept = [c for c in old if isinstance(c, dict) and c.get("name") not in fresh]
    order = {f"{suite.name}.{n}": i for i, n in enumerate(suite.cases)}
    merged = sorted(kept + cases, key=lambda c: order.get(c["name"], len(order)))
    data = {
        "suite": suite.name,
        "title": suite.title,
        "quick": quick,
        "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cases": merged,
    }
    write_json(path, data)


if __name__ == "__main__":
    sys.exit(main())
