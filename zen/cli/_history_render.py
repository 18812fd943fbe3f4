"""Text rendering for the history commands: log lines, the commit graph, diffs, status.

Pure functions from the history API's dataclasses to lines of text, so they are
tested without a database. Colour is plain ANSI (no Rich: these commands stay light)
and only used when the caller says so (a terminal without NO_COLOR).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zen.history.diff import Diff, RowChange, SchemaChange, TableDiff
    from zen.history.history import LogEntry, ReflogEntry, Status, TagInfo

_CODES = {
    "added": "32",
    "removed": "31",
    "changed": "33",
    "id": "33",
    "ref": "36",
    "head": "1;36",
    "tag": "1;33",
    "dim": "2",
    "bold": "1",
}
_MARKS = {"added": "+", "removed": "-", "changed": "~"}
_BLOB_SHOWN = 32  # bytes of a BLOB printed before eliding the rest


def paint(text: str, style: str, color: bool) -> str:
    """``text`` in the ANSI style named ``style`` when ``color``, else unchanged.

    Example:
        >>> paint("+ row", "added", False)
        '+ row'
    """
    return f"\x1b[{_CODES[style]}m{text}\x1b[0m" if color else text


def literal(value: Any) -> str:
    """A SQLite value as a short SQL literal (long BLOBs are elided).

    Example:
        >>> literal("it's"), literal(None), literal(b"\\x00\\xff")
        ("'it''s'", 'NULL', "x'00ff'")
    """
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if len(data) > _BLOB_SHOWN:
            return f"x'{data[:_BLOB_SHOWN].hex()}...' ({len(data)} bytes)"
        return f"x'{data.hex()}'"
    return repr(value) if isinstance(value, float) else str(value)


def first_line(text: str) -> str:
    """The first line of a (commit) message."""
    return text.splitlines()[0] if text.strip() else ""


# -- refs and log ---------------------------------------------------------------------


def decorations(refs: Sequence[str], branch: str | None, color: bool) -> str:
    """Git-style ``(HEAD -> main, tag: v1)`` for the refs pointing at a commit.

    Example:
        >>> decorations(["HEAD", "main", "tags/v1"], "main", False)
        '(HEAD -> main, tag: v1)'
    """
    names: list[str] = []
    rest = [r for r in refs if r != "HEAD"]
    if "HEAD" in refs:
        if branch in rest:
            names.append(paint(f"HEAD -> {branch}", "head", color))
            rest.remove(branch)
        else:
            names.append(paint("HEAD", "head", color))
    for ref in rest:
        if ref.startswith("tags/"):
            names.append(paint(f"tag: {ref[5:]}", "tag", color))
        else:
            names.append(paint(ref, "ref", color))
    return f"({', '.join(names)})" if names else ""


def log_line(entry: LogEntry, branch: str | None, color: bool) -> str:
    """One commit on one line: short id, refs, time, author, message."""
    from zen.history.refs import format_time

    commit = entry.commit
    parts = [paint(commit.short, "id", color)]
    decorated = decorations(entry.refs, branch, color)
    if decorated:
        parts.append(decorated)
    parts.append(paint(format_time(commit.time_ms), "dim", color))
    parts.append(f"[{commit.author}]")
    parts.append(first_line(commit.message))
    return " ".join(parts)


# -- the commit graph ----------------------------------------------------------------------


@dataclass(frozen=True)
class GraphNode:
    """A commit as the graph sees it: its id and the parents to draw edges to."""

    id: str
    parents: tuple[str, ...]


def graph(nodes: Sequence[GraphNode]) -> list[tuple[str, int | None]]:
    """Lay out commits (children before parents) as Git draws them.

    Returns one ``(prefix, index)`` per output line: the graph characters, and the
    index of the node whose text goes on that line (None for connector lines).
    Each column holds the commit expected next in it; a merge opens a column per
    extra parent (``|\\``), and columns waiting for the same commit join (``|/``).

    Example:
        >>> [p for p, _ in graph([GraphNode("b", ("a",)), GraphNode("a", ())])]
        ['*', '*']
    """
    lines: list[tuple[str, int | None]] = []
    columns: list[str] = []
    for index, node in enumerate(nodes):
        if node.id not in columns:
            columns.append(node.id)
        at = columns.index(node.id)
        row = ["*" if i == at else "|" for i in range(len(columns))]
        lines.append((" ".join(row), index))
        edges, columns = _next_columns(columns, at, node.parents)
        lines.extend((text, None) for text in _connectors(edges))
    return lines


def _next_columns(
    columns: list[str], at: int, parents: tuple[str, ...]
) -> tuple[list[tuple[int, int]], list[str]]:
    """The columns after drawing ``columns[at]``, and each edge (from column, to column)."""
    targets: list[tuple[int, str]] = []
    for i, expected in enumerate(columns):
        if i == at:
            targets.extend((i, parent) for parent in parents)
        else:
            targets.append((i, expected))
    after: list[str] = []
    for _, commit in targets:
        if commit not in after:
            after.append(commit)
    return [(i, after.index(commit)) for i, commit in targets], after


def _connectors(edges: list[tuple[int, int]]) -> list[str]:
    """Lines that move every edge one column per line toward its target column."""
    lines: list[str] = []
    where = [start for start, _ in edges]
    while any(pos != end for pos, (_, end) in zip(where, edges, strict=True)):
        cells: dict[int, str] = {}
        for k, (_, end) in enumerate(edges):
            pos = where[k]
            if pos == end:
                cells[2 * pos] = "|"
            elif end > pos:
                cells[2 * pos + 1] = "\\"
                where[k] = pos + 1
            else:
                cells[2 * pos - 1] = "/"
                where[k] = pos - 1
        lines.append("".join(cells.get(i, " ") for i in range(max(cells) + 1)))
    return lines


def simplify(nodes: Sequence[GraphNode], shown: Iterable[str]) -> list[GraphNode]:
    """Only the ``shown`` commits, each linked to its nearest shown ancestors.

    Used when ``log TABLE --graph`` hides commits that did not touch the table.

    Example:
        >>> full = [GraphNode("c", ("b",)), GraphNode("b", ("a",)), GraphNode("a", ())]
        >>> simplify(full, {"c", "a"})
        [GraphNode(id='c', parents=('a',)), GraphNode(id='a', parents=())]
    """
    keep = set(shown)
    parents = {n.id: n.parents for n in nodes}
    return [
        GraphNode(node.id, _nearest_shown(node.parents, parents, keep))
        for node in nodes
        if node.id in keep
    ]


def _nearest_shown(
    start: tuple[str, ...], parents: Mapping[str, tuple[str, ...]], keep: set[str]
) -> tuple[str, ...]:
    # Iterative (histories are long, recursion is not), depth first in parent order.
    found: list[str] = []
    stack, seen = list(reversed(start)), set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in keep:
            found.append(current)
        else:
            stack.extend(reversed(parents.get(current, ())))
    return tuple(found)


def graph_lines(
    entries: Sequence[LogEntry], nodes: Sequence[GraphNode], branch: str | None, color: bool
) -> list[str]:
    """``log --graph``: the graph on the left, each commit's log line beside its ``*``."""
    laid = graph(nodes)
    width = max((len(prefix) for prefix, _ in laid), default=0)
    out: list[str] = []
    for prefix, index in laid:
        if index is None:
            out.append(prefix.rstrip())
        else:
            out.append(f"{prefix.ljust(width)}  {log_line(entries[index], branch, color)}")
    return out


# -- diff -------------------------------------------------------------------------------


def diff_lines(diff: Diff, color: bool) -> list[str]:
    """The whole diff: a header, the schema changes, then each table's rows."""
    if diff.empty:
        return []
    out = [paint(f"diff {diff.source} -> {diff.target}", "bold", color)]
    if diff.schema:
        out.append(paint("schema", "bold", color))
        for change in diff.schema:
            out.extend(_schema_lines(change, color))
    for table in diff.tables:
        out.append(paint(f"table {table.table}: {_counts(table)}", "bold", color))
        out.extend(row_line(row, color) for row in table.rows)
    return out


def _schema_lines(change: SchemaChange, color: bool) -> list[str]:
    head = paint(f"{_MARKS[change.kind]} {change.type} {change.name}", change.kind, color)
    if change.kind == "changed":
        return [
            head,
            paint(f"    - {change.old_sql}", "removed", color),
            paint(f"    + {change.new_sql}", "added", color),
        ]
    sql = change.new_sql if change.kind == "added" else change.old_sql
    return [head, f"    {sql}"] if sql else [head]


def _counts(table: TableDiff) -> str:
    return f"{table.added} added, {table.removed} removed, {table.changed} changed"


def _cells(values: Mapping[str, Any]) -> str:
    return "  ".join(f"{column}={literal(value)}" for column, value in values.items())


def row_line(row: RowChange, color: bool) -> str:
    """One changed row: ``+``/``-`` with the whole row, ``~`` with each cell's old -> new.

    Example:
        >>> from zen.history.diff import CellChange, RowChange
        >>> row_line(RowChange("changed", {"id": 1}, cells=(CellChange("n", "a", "b"),)), False)
        "~ id=1  n: 'a' -> 'b'"
    """
    if row.kind == "changed":
        cells = "  ".join(
            f"{c.column}: {paint(literal(c.old), 'removed', color)} -> "
            f"{paint(literal(c.new), 'added', color)}"
            for c in row.cells
        )
        return f"{paint('~', 'changed', color)} {_cells(row.key)}  {cells}"
    values = row.new if row.kind == "added" else row.old
    return paint(f"{_MARKS[row.kind]} {_cells(values or row.key)}", row.kind, color)


def stat_lines(diff: Diff, color: bool) -> list[str]:
    """``diff --stat``: one line per table and schema object, then a summary."""
    if diff.empty:
        return []
    names = [t.table for t in diff.tables] + [f"{c.type} {c.name}" for c in diff.schema]
    width = max(len(name) for name in names)
    out = []
    for change in diff.schema:
        label = f"{change.type} {change.name}".ljust(width)
        out.append(f" {label} | schema {paint(change.kind, change.kind, color)}")
    for table in diff.tables:
        counts = " ".join(
            paint(f"{_MARKS[kind]}{getattr(table, kind)}", kind, color)
            for kind in ("added", "removed", "changed")
        )
        out.append(f" {table.table.ljust(width)} | {counts}")
    out.append(" " + summary(diff))
    return out


def summary(diff: Diff) -> str:
    """``2 tables changed: 3 rows added, 1 removed, 4 changed; 1 schema change``."""
    added = sum(t.added for t in diff.tables)
    removed = sum(t.removed for t in diff.tables)
    changed = sum(t.changed for t in diff.tables)
    tables = len(diff.tables)
    text = (
        f"{tables} table{'s' if tables != 1 else ''} changed: "
        f"{added} rows added, {removed} removed, {changed} changed"
    )
    if diff.schema:
        text += f"; {len(diff.schema)} schema change{'s' if len(diff.schema) != 1 else ''}"
    return text


# -- show, status, tags, reflog --------------------------------------------------------------


def commit_header(entry: LogEntry, branch: str | None, color: bool) -> list[str]:
    """``show``'s header: id with refs, parents of a merge, author, date, message."""
    from zen.history.refs import format_time

    commit = entry.commit
    decorated = decorations(entry.refs, branch, color)
    out = [paint(f"commit {commit.id}", "id", color) + (f" {decorated}" if decorated else "")]
    if len(commit.parents) > 1:
        out.append("Merge:  " + " ".join(p[:12] for p in commit.parents))
    out.append(f"Author: {commit.author}")
    out.append(f"Date:   {format_time(commit.time_ms)}")
    out.append("")
    out.extend(f"    {line}" for line in commit.message.splitlines() or [""])
    out.append("")
    return out


def status_lines(status: Status, color: bool) -> list[str]:
    """``status``: branch, HEAD, policy, pending transactions, changes per table."""
    head = status.head[:12] if status.head else "(none)"
    where = f"On branch {status.branch}" if status.branch else f"HEAD detached at {head}"
    out = [where, f"HEAD {paint(head, 'id', color)}  (autocommit: {status.policy})"]
    if status.merging:
        from zen.cli.branch import conflict_lines

        still = status.open_conflicts
        out.append(
            f"merging {status.merging[:12]}: {still} conflict(s) open, "
            f"{len(status.conflicts) - still} resolved"
        )
        out.extend("  " + line for line in conflict_lines(status.conflicts))
        out.append(
            "  (zen conflicts resolve --ours|--theirs|TABLE KEY --value V, then "
            "zen merge --continue; or zen merge --abort)"
        )
    if status.clean and not status.pending:
        out.append("nothing to commit, working copy clean")
        return out
    if status.pending:
        plural = "s" if status.pending != 1 else ""
        out.append(
            f"{status.pending} transaction{plural} not committed yet "
            '(commit with: zen commit -m "...")'
        )
    if status.clean:
        out.append("the working copy equals HEAD (the pending transactions cancel out)")
    for change in status.changes.schema:
        out.append(
            paint(f"  {_MARKS[change.kind]} {change.type} {change.name}", change.kind, color)
        )
    for table in status.changes.tables:
        counts = " ".join(
            paint(f"{_MARKS[kind]}{getattr(table, kind)}", kind, color)
            for kind in ("added", "removed", "changed")
        )
        out.append(f"  {table.table}: {counts}")
    return out


def tag_line(tag: TagInfo, color: bool) -> str:
    """``name  commit  message`` (the message only for annotated tags)."""
    text = f"{tag.name}\t{paint(tag.commit[:12], 'id', color)}"
    return f"{text}\t{first_line(tag.message)}" if tag.message else text


def reflog_line(entry: ReflogEntry, number: int, name: str, color: bool) -> str:
    """Git-style ``abc123 HEAD@{0}: commit: message`` with the time."""
    from zen.history.refs import format_time

    commit = entry.new[:12] if entry.new else "(deleted)"
    return (
        f"{paint(commit, 'id', color)} {name}@{{{number}}} "
        f"{paint(format_time(entry.time_ms), 'dim', color)}  {entry.message}"
    )
