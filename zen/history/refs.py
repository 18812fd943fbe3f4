"""Naming revisions: ``HEAD~3``, ``HEAD^2``, hash prefixes, tags, branches, times.

Grammar (a subset of Git's)::

    spec   := base suffix*
    base   := NAME | NAME "@{" inner "}" | "@{" inner "}" | TIME
    suffix := "~" [N] | "^" [N]
    inner  := N (the N-th reflog entry) | TIME

``NAME`` is ``HEAD`` (or ``@``), a full ref (``refs/heads/main``), a tag, a branch,
or a commit-hash prefix of at least 4 hex digits (refs win over prefixes).
A bare time or ``@{TIME}`` names the working copy's state at that moment, at
transaction precision (possibly between commits); ``NAME@{TIME}`` names the commit
the ref pointed to then (from the reflog).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import apsw

from zen.engine.errors import UsageError
from zen.history import commits as cm
from zen.history import store
from zen.history.errors import AmbiguousRefError, RefNotFoundError

_HEX = re.compile(r"[0-9a-fA-F]{4,64}")
_AT = re.compile(r"^(?P<name>.*?)@\{(?P<inner>[^}]*)\}(?P<rest>.*)$")
_SUFFIX = re.compile(r"([~^])(\d*)")
_AGO = re.compile(
    r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|"
    r"days?|d|weeks?|w|months?|years?|y)\s+ago$",
    re.IGNORECASE,
)
_UNIT_SECONDS = {
    "s": 1, "sec": 1, "second": 1,
    "m": 60, "min": 60, "minute": 60,
    "h": 3600, "hr": 3600, "hour": 3600,
    "d": 86400, "day": 86400,
    "w": 7 * 86400, "week": 7 * 86400,
    "month": 30 * 86400,
    "y": 365 * 86400, "year": 365 * 86400,
}  # fmt: skip


@dataclass(frozen=True)
class State:
    """A resolved revision.

    Attributes:
        record: The change record whose state it is (None: the state history started from).
        commit: The commit naming it, when the revision named a commit.
        label: How to show it (the spec as given).
    """

    record: int | None
    commit: str | None
    label: str


def resolve(conn: apsw.Connection, spec: str, *, now_ms: int | None = None) -> State:
    """Resolve a revision to a state.

    Example:
        >>> resolve(conn, "HEAD~1").commit  # doctest: +SKIP
        '5f0c...'

    Raises:
        RefNotFoundError: Nothing by that name, or a time before history began.
        AmbiguousRefError: A hash prefix matches several commits.
        UsageError: The spec is malformed.
    """
    text = spec.strip()
    if not text:
        raise UsageError("empty revision", hint="give a ref such as HEAD, HEAD~1 or a commit hash")
    time_ms = _try_time(text, now_ms)
    if time_ms is not None:
        return _state_at(conn, time_ms, text)
    base, rest = _split(conn, text, now_ms)
    if not rest:
        return base
    if base.commit is None:
        raise UsageError(f"{text}: ~ and ^ need a commit, and {base.label} is not one")
    commit = _suffixes(conn, base.commit, rest, text)
    return State(cm.load_commit(conn, commit).record, commit, text)


def resolve_commit(conn: apsw.Connection, spec: str) -> cm.Commit:
    """Resolve a revision that must name a commit.

    Raises:
        RefNotFoundError: The revision names no commit (e.g. a time between commits).
    """
    state = resolve(conn, spec)
    if state.commit is None:
        raise RefNotFoundError(
            f"{spec} is a moment between commits, not a commit",
            hint="use a ref or hash here; times work with diff, rewind and AS OF",
        )
    return cm.load_commit(conn, state.commit)


def _split(conn: apsw.Connection, text: str, now_ms: int | None) -> tuple[State, str]:
    match = _AT.match(text)
    if match:
        name, inner, rest = match.group("name"), match.group("inner"), match.group("rest")
        return _at(conn, name, inner.strip(), text, now_ms), rest
    cut = min((i for i in (text.find("~"), text.find("^")) if i >= 0), default=len(text))
    name, rest = text[:cut], text[cut:]
    commit = _name(conn, name)
    return State(cm.load_commit(conn, commit).record, commit, name), rest


def _suffixes(conn: apsw.Connection, commit: str, rest: str, text: str) -> str:
    pos = 0
    while pos < len(rest):
        match = _SUFFIX.match(rest, pos)
        if not match:
            raise UsageError(f"cannot parse revision {text!r} at {rest[pos:]!r}")
        pos = match.end()
        op, digits = match.group(1), match.group(2)
        count = int(digits) if digits else 1
        if op == "~":
            for _ in range(count):
                commit = _parent(conn, commit, 1, text)
        elif count:
            commit = _parent(conn, commit, count, text)
    return commit


def _parent(conn: apsw.Connection, commit: str, number: int, text: str) -> str:
    parents = cm.load_commit(conn, commit).parents
    if number > len(parents):
        raise RefNotFoundError(f"{text}: commit {commit[:12]} has no parent #{number}")
    return parents[number - 1]


def _name(conn: apsw.Connection, name: str) -> str:
    """The commit a name points to (refs first, then hash prefixes)."""
    if name in ("HEAD", "@", ""):
        found = cm.head_id(conn)
        if found is None:
            raise RefNotFoundError("HEAD has no commit yet")
        return found
    for ref in (name, cm.TAG_PREFIX + name, cm.BRANCH_PREFIX + name):
        target = store.get_ref(conn, ref) if ref.startswith("refs/") else None
        if target is not None:
            return _peel(conn, target)
    if _HEX.fullmatch(name):
        return _prefix(conn, name.lower())
    raise RefNotFoundError(
        f"unknown revision: {name}",
        hint="use HEAD, HEAD~N, a branch, a tag, a commit hash or a time (zen log lists commits)",
    )


def _peel(conn: apsw.Connection, target: str) -> str:
    """A tag object's commit, or the target itself."""
    stored = store.get_object(conn, bytes.fromhex(target))
    if stored.kind == "tag":
        import json

        return str(json.loads(stored.body)["object"])
    return target


def _prefix(conn: apsw.Connection, prefix: str) -> str:
    found = store.objects_with_prefix(conn, prefix, ("commit",))
    if not found:
        raise RefNotFoundError(f"no commit starts with {prefix}")
    if len(found) > 1:
        raise AmbiguousRefError(
            f"{prefix} matches {len(found)} commits", hint="give more digits of the hash"
        )
    return found[0].hex()


def _at(conn: apsw.Connection, name: str, inner: str, text: str, now_ms: int | None) -> State:
    if inner.isdigit():
        return _reflog_entry(conn, name or "HEAD", int(inner), text)
    time_ms = parse_time(inner, now_ms)
    if not name:
        return _state_at(conn, time_ms, text)
    ref = _ref_name(conn, name)
    for _id, _ref, _old, new, when, _msg in store.read_reflog(conn, ref):
        if when <= time_ms and new:
            return State(cm.load_commit(conn, new).record, new, text)
    raise RefNotFoundError(f"{text}: {name} did not exist yet at that time")


def _reflog_entry(conn: apsw.Connection, name: str, number: int, text: str) -> State:
    rows = store.read_reflog(conn, _ref_name(conn, name), number + 1)
    if number >= len(rows) or rows[number][3] is None:
        raise RefNotFoundError(f"{text}: the reflog of {name} has no entry #{number}")
    commit = str(rows[number][3])
    return State(cm.load_commit(conn, commit).record, commit, text)


def _ref_name(conn: apsw.Connection, name: str) -> str:
    if name in ("HEAD", "@"):
        return cm.HEAD
    for ref in (name, cm.BRANCH_PREFIX + name, cm.TAG_PREFIX + name):
        if store.get_ref(conn, ref) is not None:
            return ref
    raise RefNotFoundError(f"unknown ref: {name}")


def _state_at(conn: apsw.Connection, time_ms: int, text: str) -> State:
    """The working copy's state at ``time_ms``: the newest record written by then."""
    row = conn.execute(
        "SELECT id FROM _zen_changes WHERE time_ms <= ? ORDER BY id DESC LIMIT 1", (time_ms,)
    ).fetchone()
    started = int(store.meta_get(conn, "started_ms", 0))
    if row is None and time_ms < started:
        raise RefNotFoundError(
            f"{text}: history starts at {format_time(started)}",
            hint="zen log shows the oldest commit",
        )
    return State(int(row[0]) if row else None, None, text)


# -- times ----------------------------------------------------------------------


def _try_time(text: str, now_ms: int | None) -> int | None:
    """``text`` as a time when it reads as one (and not as a ref), else None."""
    if _AGO.match(text) or text.lower() in ("now", "yesterday", "today"):
        return parse_time(text, now_ms)
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return parse_time(text, now_ms)
    return None


def parse_time(text: str, now_ms: int | None = None) -> int:
    """Milliseconds since the epoch for ``2026-11-20 10:42``, ``10 minutes ago``, ``now``...

    Naive dates and times are local time.

    Example:
        >>> parse_time("10 minutes ago", now_ms=3_600_000)
        3000000

    Raises:
        UsageError: The text is not a time zen understands.
    """
    now = store.now_ms() if now_ms is None else now_ms
    word = text.strip().lower()
    if word == "now":
        return now
    if word in ("today", "yesterday"):
        midnight = datetime.fromtimestamp(now / 1000).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        if word == "yesterday":
            midnight -= timedelta(days=1)
        return int(midnight.timestamp() * 1000)
    match = _AGO.match(word)
    if match:
        unit = match.group("unit").lower().rstrip("s") or "s"
        seconds = _UNIT_SECONDS[unit] * float(match.group("n"))
        return now - int(seconds * 1000)
    if word.startswith("@") and word[1:].isdigit():
        return int(word[1:]) * 1000
    try:
        return int(datetime.fromisoformat(text.strip()).timestamp() * 1000)
    except ValueError:
        raise UsageError(
            f"not a time: {text!r}",
            hint='use e.g. "2026-11-20 10:42", "10 minutes ago", "yesterday" or "@UNIXSECONDS"',
        ) from None


def format_time(time_ms: int) -> str:
    """A local ``YYYY-MM-DD HH:MM:SS`` rendering of a history time."""
    return datetime.fromtimestamp(time_ms / 1000).strftime("%Y-%m-%d %H:%M:%S")
