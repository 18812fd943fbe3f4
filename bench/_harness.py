"""The harness: contenders, cases, bars, suites and the interleaved run loop.

A suite module registers itself by defining ``SUITE`` and decorating case factories::

    from bench._harness import Bar, Case, Command, Context, Suite

    SUITE = Suite("history", "zen history against doltlite")

    @SUITE.case("commit")
    def commit(ctx: Context) -> Case:
        db = ctx.copy(ctx.data.people_db(ctx.size(1_000_000, quick=2_000)), "commit.db")
        return Case(
            title="zen commit after a 1-row update",
            contenders={"zen": Command([ctx.zen, "commit", ...]), "doltlite": Command([...])},
            bars=[Bar("zen", "<=", 1.0, peer="doltlite")],
            repeat=ctx.repeats(10),
        )

The first contender is the subject: its ratio against every other contender is
printed. Contenders run interleaved (one run of each, in a rotating order, per
round), so a burst of load from other processes hits all of them alike.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from bench._data import DataStore

Metric = Literal["seconds", "peak_rss"]
Op = Literal["<=", "<", ">=", ">"]

# ru_maxrss is in kilobytes on Linux and in bytes on macOS.
_RSS_UNIT = 1 if sys.platform == "darwin" else 1024
_ERR_TAIL = 600


class BenchError(Exception):
    """A contender failed (non-zero exit or wrong output): reported, and the run exits 1."""


class Unavailable(Exception):
    """Raised by a case factory that cannot run here (a peer or package is missing)."""


@dataclass(frozen=True)
class Sample:
    """One timed run: wall seconds and the process's peak RSS in bytes (None in-process)."""

    seconds: float
    peak_rss: int | None = None


class Contender(Protocol):
    """Something to time. :class:`Command` and :class:`Call` implement it."""

    def unavailable(self) -> str | None:
        """None when it can run here, else why not (a missing tool or command)."""

    def run(self, *, verify: bool = False) -> Sample:
        """Run once (its untimed setup first); with ``verify``, check the output too."""


@dataclass
class Command:
    """A subprocess, timed from spawn to exit; its peak RSS comes from ``wait4``.

    Attributes:
        argv: The command; ``argv[0]`` must be an executable path or on PATH.
        stdin: A file fed to standard input (else /dev/null).
        stdout: Where standard output goes on timed runs (else /dev/null).
        setup: Runs before every run, untimed (e.g. delete the target database).
        check: Verifies the warm-up run: gets the file holding its standard output.
        requires: Extra availability test: None when fine, else the reason.
        cwd: Working directory.
    """

    argv: Sequence[str | os.PathLike[str]]
    stdin: Path | None = None
    stdout: Path | None = None
    setup: Callable[[], None] | None = None
    check: Callable[[Path], None] | None = None
    requires: Callable[[], str | None] | None = None
    cwd: Path | None = None

    def unavailable(self) -> str | None:
        """None when the executable exists and ``requires`` agrees."""
        exe = os.fspath(self.argv[0])
        if not (Path(exe).is_file() or shutil.which(exe)):
            return f"{exe} not found"
        return self.requires() if self.requires else None

    def run(self, *, verify: bool = False) -> Sample:
        """Run once; with ``verify`` the output is captured to a file and checked."""
        if self.setup:
            self.setup()
        if not (verify and self.check):
            return spawn(self.argv, stdin=self.stdin, stdout=self.stdout, cwd=self.cwd)
        with tempfile.TemporaryDirectory(prefix="zen-bench-") as tmp:
            out = Path(tmp) / "stdout"
            sample = spawn(self.argv, stdin=self.stdin, stdout=out, cwd=self.cwd)
            self.check(out)
        return sample


@dataclass
class Call:
    """An in-process call, for peers that are libraries (no RSS: it is our own process)."""

    fn: Callable[[], object]
    setup: Callable[[], None] | None = None
    check: Callable[[object], None] | None = None
    requires: Callable[[], str | None] | None = None

    def unavailable(self) -> str | None:
        """None unless ``requires`` says otherwise."""
        return self.requires() if self.requires else None

    def run(self, *, verify: bool = False) -> Sample:
        """Call once and time it; with ``verify`` the return value is checked."""
        if self.setup:
            self.setup()
        start = time.perf_counter()
        value = self.fn()
        seconds = time.perf_counter() - start
        if verify and self.check:
            self.check(value)
        return Sample(seconds)


def spawn(
    argv: Sequence[str | os.PathLike[str]],
    *,
    stdin: Path | None = None,
    stdout: Path | None = None,
    cwd: Path | None = None,
) -> Sample:
    """Run ``argv`` to completion; returns its wall time and peak RSS.

    Raises:
        BenchError: The process exited non-zero (the message ends with its stderr).
    """
    args = [os.fspath(a) for a in argv]
    with ExitStack() as stack:
        fin: IO[bytes] | int = subprocess.DEVNULL
        if stdin is not None:
            fin = stack.enter_context(stdin.open("rb"))
        fout = stack.enter_context(open(stdout or os.devnull, "wb"))
        ferr = stack.enter_context(tempfile.TemporaryFile())
        own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _RSS_UNIT
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdin=fin, stdout=fout, stderr=ferr, cwd=cwd)
        watcher = _HighWater(proc.pid)
        # wait4 rather than Popen.wait: it also gives this child's own rusage.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        polled = watcher.stop()
        if proc.returncode != 0:
            ferr.seek(0)
            tail = ferr.read().decode(errors="replace")[-_ERR_TAIL:].strip()
            raise BenchError(f"{' '.join(args)!r} exited {proc.returncode}: {tail}")
    maxrss = usage.ru_maxrss * _RSS_UNIT
    return Sample(seconds, _peak_rss(maxrss, own_peak, polled, seconds))


def _peak_rss(maxrss: int, own_peak: int, polled: int | None, seconds: float) -> int | None:
    """The child's peak RSS from ``wait4`` when exact, else the polled high-water mark.

    A child's ru_maxrss starts from the RSS of the process that forked it (Linux
    keeps the pre-exec high-water mark), so it is exact only when it exceeds ours.
    Polling is trusted only for a child that lived through many polls: a first
    poll right after exec sees almost nothing.
    """
    if maxrss > own_peak:
        return maxrss
    return polled if seconds >= _HighWater.TRUSTED_AFTER else None


class _HighWater:
    """Polls ``/proc/PID/status`` for VmHWM (Linux) while a child runs.

    Only needed for children smaller than this process, whose ``wait4`` figure
    is our own size; a very short child may end before the first poll (None).
    """

    _INTERVAL = 0.002
    TRUSTED_AFTER = 0.05  # seconds of life after which the polled peak is believed

    def __init__(self, pid: int) -> None:
        self._path = Path(f"/proc/{pid}/status")
        self._done = threading.Event()
        self.peak: int | None = None
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._done.is_set():
            try:
                text = self._path.read_text()
            except OSError:
                return
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    kb = int(line.split()[1])
                    self.peak = max(self.peak or 0, kb * 1024)
            self._done.wait(self._INTERVAL)

    def stop(self) -> int | None:
        """Stop polling; the largest VmHWM seen, in bytes."""
        self._done.set()
        self._thread.join()
        return self.peak


@dataclass(frozen=True)
class Stats:
    """Summary of one contender's timed runs."""

    samples: tuple[Sample, ...]

    @property
    def median(self) -> float:
        """Median wall seconds."""
        return statistics.median(s.seconds for s in self.samples)

    @property
    def min(self) -> float:
        """Fastest run, in seconds."""
        return min(s.seconds for s in self.samples)

    @property
    def peak_rss(self) -> int | None:
        """The largest peak RSS over the runs (bytes), or None when not measured."""
        values = [s.peak_rss for s in self.samples if s.peak_rss is not None]
        return max(values) if values else None

    def metric(self, name: Metric) -> float | None:
        """The value a bar compares: median seconds or the largest peak RSS."""
        if name == "seconds":
            return self.median
        rss = self.peak_rss
        return float(rss) if rss is not None else None


_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}


@dataclass(frozen=True)
class Bar:
    """A bar from an issue: ``subject OP limit``, or ``subject/peer OP limit`` as a ratio.

    Examples:
        ``Bar("zen", "<=", 0.150)``: zen's median is at most 150 ms.
        ``Bar("zen", "<=", 3.0, peer="sqlite3-CLI")``: zen within 3x of the CLI.
        ``Bar("sqlite-utils", ">=", 2.0, peer="zen")``: zen at least 2x faster.
        ``Bar("zen", "<", 150e6, metric="peak_rss")``: peak RSS under 150 MB.
        ``Bar("zen-1M", "<=", 2.0, peer="zen-10k", floors=("apsw-1M", "apsw-10k"))``:
        zen's time above SQLite's own cost grows at most 2x (a ratio of differences).
    """

    subject: str
    op: Op
    limit: float
    _: KW_ONLY
    peer: str | None = None
    metric: Metric = "seconds"
    floors: tuple[str, str] | None = None  # subtracted from subject and peer first

    @property
    def text(self) -> str:
        """The bar as people write it: ``zen/sqlite3-CLI <= 3x``, ``zen <= 150 ms``."""
        if self.peer is not None and self.floors is not None:
            mine, theirs = self.floors
            return f"({self.subject} - {mine})/({self.peer} - {theirs}) {self.op} {self.limit:g}x"
        if self.peer is not None:
            return f"{self.subject}/{self.peer} {self.op} {self.limit:g}x"
        what = "peak RSS " if self.metric == "peak_rss" else ""
        return f"{self.subject} {what}{self.op} {format_value(self.limit, self.metric)}"

    def value(self, stats: Mapping[str, Stats]) -> float | None:
        """The measured value the bar judges, or None when a side did not run."""
        value = _measured(stats, self.subject, self.metric)
        if self.peer is None or value is None:
            return value
        other = _measured(stats, self.peer, self.metric)
        if self.floors is not None and other is not None:
            floor, peer_floor = (_measured(stats, n, self.metric) for n in self.floors)
            if floor is None or peer_floor is None:
                return None
            value, other = value - floor, other - peer_floor
        return value / other if other else None

    def shown(self, value: float) -> str:
        """A measured value as the bar reads it: a ratio (``1.06x``), a time or a size."""
        return f"{value:.2f}x" if self.peer is not None else format_value(value, self.metric)

    def verdict(self, value: float | None) -> bool | None:
        """True (PASS), False (FAIL), or None (not measured)."""
        return None if value is None else _OPS[self.op](value, self.limit)


def _measured(stats: Mapping[str, Stats], name: str, metric: Metric) -> float | None:
    found = stats.get(name)
    return found.metric(metric) if found else None


def format_value(value: float, metric: Metric) -> str:
    """Seconds as ms or s, bytes as MB."""
    if metric == "peak_rss":
        return f"{value / 1e6:.1f} MB"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


@dataclass
class Case:
    """One measurement: contenders timed interleaved, ratios of the first against the rest."""

    title: str
    contenders: dict[str, Contender]
    bars: Sequence[Bar] = ()
    repeat: int = 5
    notes: Sequence[str] = ()


CaseFactory = Callable[["Context"], Case]


class Suite:
    """A named group of cases; a module in ``bench/`` defines one as ``SUITE``.

    Example:
        >>> SUITE = Suite("demo", "an example")
        >>> @SUITE.case("noop")
        ... def noop(ctx):
        ...     return Case("nothing", {"zen": Call(lambda: None)})
        >>> list(SUITE.cases)
        ['noop']
    """

    def __init__(self, name: str, title: str) -> None:
        self.name = name
        self.title = title
        self.cases: dict[str, CaseFactory] = {}

    def case(self, name: str) -> Callable[[CaseFactory], CaseFactory]:
        """Register a case factory under ``name`` (run in registration order)."""

        def register(factory: CaseFactory) -> CaseFactory:
            if name in self.cases:
                raise ValueError(f"{self.name}: case {name!r} registered twice")
            self.cases[name] = factory
            return factory

        return register


@dataclass
class Context:
    """What a case factory gets: sizes, repeat counts, data, scratch space, tools."""

    quick: bool
    data: DataStore
    work: Path
    repeat: int | None = None
    zen: Path = field(default_factory=lambda: Path(sys.executable).parent / "zen")
    python: Path = field(default_factory=lambda: Path(sys.executable))

    def size(self, full: int, quick: int) -> int:
        """``quick`` in a ``--quick`` run, else ``full``."""
        return quick if self.quick else full

    def repeats(self, full: int, quick: int = 2) -> int:
        """Timed runs per contender: ``--repeat`` if given, else by mode."""
        if self.repeat is not None:
            return self.repeat
        return quick if self.quick else full

    def tool(self, name: str) -> Path:
        """A console script installed next to this Python (e.g. ``sqlite-utils``)."""
        return self.python.parent / name

    def copy(self, source: Path, name: str) -> Path:
        """A private working copy of a cached file, so a run never alters the cache."""
        target = self.work / name
        shutil.copyfile(source, target)
        return target

    def path(self, name: str) -> Path:
        """A path in this run's scratch directory (removed when the run ends)."""
        return self.work / name


@dataclass
class Outcome:
    """What happened to one contender in a case."""

    samples: list[Sample] = field(default_factory=list)
    skipped: str | None = None
    error: str | None = None

    @property
    def stats(self) -> Stats | None:
        """Statistics of the timed runs (None when it did not run)."""
        return Stats(tuple(self.samples)) if self.samples and not self.error else None


@dataclass
class CaseResult:
    """A finished case: per-contender outcomes plus the case's bars."""

    name: str
    case: Case
    outcomes: dict[str, Outcome]

    @property
    def stats(self) -> dict[str, Stats]:
        """Statistics of the contenders that ran."""
        return {n: s for n, o in self.outcomes.items() if (s := o.stats) is not None}

    def ratio_pairs(self) -> list[tuple[str, str]]:
        """Subject/peer pairs to print: the subject against each peer, in the bars' order."""
        names = list(self.case.contenders)
        pairs = [(names[0], peer) for peer in names[1:]] if names else []
        for bar in self.case.bars:
            if bar.peer is None or bar.metric != "seconds":
                continue
            pair, flipped = (bar.subject, bar.peer), (bar.peer, bar.subject)
            if flipped in pairs:
                pairs[pairs.index(flipped)] = pair
            elif pair not in pairs:
                pairs.append(pair)
        return pairs

    @property
    def failed(self) -> bool:
        """True when a contender errored."""
        return any(o.error for o in self.outcomes.values())


Log = Callable[[str], None]


def run_case(name: str, case: Case, log: Log) -> CaseResult:
    """Check availability, warm up (verifying output), then time ``repeat`` interleaved rounds."""
    outcomes = {n: Outcome() for n in case.contenders}
    live = []
    for cname, contender in case.contenders.items():
        reason = contender.unavailable()
        if reason:
            outcomes[cname].skipped = reason
        else:
            live.append(cname)
    # The warm-up run fills the page cache and checks the output: an untimed
    # run that proves a fast contender is not fast because it did nothing.
    live = [n for n in live if _attempt(n, case, outcomes, verify=True)]
    for round_no in range(case.repeat):
        log(f"\r  {name}: round {round_no + 1}/{case.repeat}")
        shift = round_no % len(live) if live else 0
        for cname in live[shift:] + live[:shift]:
            _attempt(cname, case, outcomes, verify=False)
        live = [n for n in live if not outcomes[n].error]
    log("\n")
    return CaseResult(name, case, outcomes)


def _attempt(name: str, case: Case, outcomes: dict[str, Outcome], *, verify: bool) -> bool:
    outcome = outcomes[name]
    try:
        sample = case.contenders[name].run(verify=verify)
    except BenchError as exc:
        outcome.error = str(exc)
        return False
    if not verify:
        outcome.samples.append(sample)
    return True
