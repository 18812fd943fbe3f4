"""States as Git trees: ``schema.sql`` plus every table's rows as sorted text files.

Layout of a tree::

    schema.sql                      every user schema entry, in creation order
    tables/<table>/index.jsonl      the table's columns and key, then one line per chunk
    tables/<table>/<chunk>.jsonl    rows, one JSON array per line, sorted by primary key

A table's rows are cut into chunks at *content-defined* boundaries: a row ends a
chunk when a hash of its key is 0 modulo :data:`CHUNK_ROWS`, so boundaries depend
only on the keys present and a change touches only the chunks holding its keys
(an insert or delete of a boundary row splits or joins two). The same rows
therefore always give the same files, whatever the history that led to them.

Values are JSON with typed encodings so every SQLite value round-trips: integers
and finite reals as JSON numbers (a real always has a ``.`` or exponent),
text as strings, NULL as ``null``, blobs as ``{"blob": BASE64}``, infinities as
``{"real": "inf"}``/``{"real": "-inf"}``.

Objects are written as loose objects straight into the repository (no process
per object); reads go through GitPython's object database.

Example:
    >>> snap = export_working(conn, objects)                 # doctest: +SKIP
    >>> snap.apply_steps(objects, steps); root = snap.write(objects)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import math
import os
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _encode_text
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import apsw

from zen.engine.catalog import quote_identifier
from zen.history import schema as sch
from zen.history.errors import HistoryError
from zen.history.steps import RowsStep, SchemaEntry, SchemaStep, Step

CHUNK_ROWS = 1024
"""Average rows per chunk file (a power of two)."""

SCHEMA_FILE = "schema.sql"
TABLES_DIR = "tables"
INDEX_FILE = "index.jsonl"
TAIL = "tail.jsonl"
_BLOB_MODE = "100644"
_TREE_MODE = "40000"
_HEADER = "-- zen "

Row = tuple[Any, ...]
Key = tuple[Any, ...]


# -- values ------------------------------------------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"blob": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot store {type(value).__name__}")


def _portable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"real": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    return value


def _parts(values: Sequence[Any]) -> list[str] | None:
    """Each value's JSON text for the common types (None: some value needs the slow path).

    ``json.dumps`` per row dominates an export; this gives the same text ~3x faster.
    """
    parts: list[str] = []
    for value in values:
        kind = type(value)
        if kind is int:
            parts.append(int.__repr__(value))
        elif kind is str:
            parts.append(_encode_text(value))
        elif value is None:
            parts.append("null")
        elif kind is float and math.isfinite(value):
            parts.append(float.__repr__(value))
        else:
            return None
    return parts


def encode_values(values: Sequence[Any]) -> str:
    """One line of JSON for a row (or key); see the module docstring for the types.

    Example:
        >>> encode_values((1, 2.0, "a\\nb", None, b"\\x00", float("inf")))
        '[1,2.0,"a\\\\nb",null,{"blob":"AA=="},{"real":"inf"}]'
    """
    parts = _parts(values)
    if parts is not None:
        return "[" + ",".join(parts) + "]"
    return json.dumps(
        [_portable(v) for v in values],
        ensure_ascii=False,
        separators=(",", ":"),
        default=_default,
    )


def _hook(obj: dict[str, Any]) -> Any:
    if "blob" in obj:
        return base64.b64decode(obj["blob"])
    if "real" in obj:
        return float(obj["real"])
    raise HistoryError(f"unknown value encoding in a row file: {obj}")


def decode_values(line: str) -> Row:
    """The values of a line written by :func:`encode_values`.

    Example:
        >>> decode_values('[1,2.0,{"blob":"AA=="}]')
        (1, 2.0, b'\\x00')
    """
    return tuple(json.loads(line, object_hook=_hook))


def order_key(key: Key) -> tuple[tuple[int, Any], ...]:
    """A sort key giving SQLite's order (NULL < numbers < text < blobs, BINARY text)."""
    return tuple(_rank(v) for v in key)


def _rank(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, bytes(value))


def _is_boundary(key_text: str) -> bool:
    # CRC-32 spreads keys evenly enough for chunking and costs ~0.1 us a key
    return zlib.crc32(key_text.encode("utf-8", "surrogatepass")) % CHUNK_ROWS == 0


def _chunk_name(key_text: str) -> str:
    data = key_text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=10).hexdigest() + ".jsonl"


def dir_name(table: str) -> str:
    """The directory of a table's files (percent-encoded when needed)."""
    name = quote(table, safe=" -_.,+=@()")
    return "%2E" + name[1:] if name.startswith(".") else name


# -- Git objects -----------------------------------------------------------------------


class GitObjects:
    """Read and write objects of one Git repository (``git_dir`` is its .git or bare dir)."""

    def __init__(self, git_dir: str | os.PathLike[str]) -> None:
        self.git_dir = Path(git_dir)
        self.written = 0  # new objects written (a push of many sends them without deltas)
        self._odb: Any = None

    def write(self, kind: str, data: bytes) -> str:
        """Store an object (a loose object; a no-op when present) and return its sha."""
        header = f"{kind} {len(data)}\0".encode("ascii")
        sha = hashlib.sha1(header + data, usedforsecurity=False).hexdigest()
        target = self.git_dir / "objects" / sha[:2] / sha[2:]
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            temp = target.with_name(f".tmp-{os.getpid()}-{sha[2:]}")
            temp.write_bytes(zlib.compress(header + data, 1))
            temp.replace(target)
            self.written += 1
        return sha

    def read(self, sha: str) -> bytes:
        """An object's content (loose objects directly, packed ones through git)."""
        loose = self.git_dir / "objects" / sha[:2] / sha[2:]
        if loose.exists():
            raw = zlib.decompress(loose.read_bytes())
            return raw[raw.index(b"\0") + 1 :]
        return bytes(self._db().stream(bytes.fromhex(sha)).read())

    def _db(self) -> Any:
        if self._odb is None:
            from git.cmd import Git
            from git.db import GitCmdObjectDB

            self._odb = GitCmdObjectDB(str(self.git_dir / "objects"), Git(str(self.git_dir)))
        return self._odb

    def close(self) -> None:
        """Stop the ``git cat-file`` helper processes, if any were started."""
        if self._odb is not None:
            self._odb._git.clear_cache()
            self._odb = None


def make_tree(entries: Mapping[str, tuple[str, str]]) -> bytes:
    """A Git tree object's content from ``{name: (mode, sha)}``."""

    def sort_key(name: str) -> bytes:
        raw = name.encode("utf-8")
        return raw + b"/" if entries[name][0] == _TREE_MODE else raw

    parts = []
    for name in sorted(entries, key=sort_key):
        mode, sha = entries[name]
        parts.append(f"{mode} {name}\0".encode() + bytes.fromhex(sha))
    return b"".join(parts)


def parse_tree(data: bytes) -> dict[str, tuple[str, str]]:
    """``{name: (mode, sha)}`` of a Git tree object's content."""
    out: dict[str, tuple[str, str]] = {}
    pos = 0
    while pos < len(data):
        nul = data.index(b"\0", pos)
        mode, name = data[pos:nul].decode("utf-8").split(" ", 1)
        out[name] = (mode, data[nul + 1 : nul + 21].hex())
        pos = nul + 21
    return out


# -- one table's files -------------------------------------------------------------------


@dataclass
class Chunk:
    """One rows file: its name, blob sha, row count and last key (None: the tail)."""

    name: str
    sha: str
    rows: int
    last: Key | None


@dataclass
class TableFiles:
    """The files of one table: layout, chunks in key order, and the cached tree sha."""

    table: str
    columns: tuple[str, ...]
    key: tuple[int, ...]
    rowid: bool
    chunks: list[Chunk] = field(default_factory=list)
    tree: str | None = None

    @classmethod
    def empty(cls, table: str, create_sql: str) -> TableFiles:
        """The files of an empty table created by ``create_sql``."""
        found = sch.layout_from_sql(create_sql, table)
        return cls(table, found.columns, found.key, found.implicit_rowid)

    @property
    def row_count(self) -> int:
        """Rows in the table."""
        return sum(c.rows for c in self.chunks)

    def key_of(self, row: Row) -> Key:
        """The primary-key values of a row."""
        return tuple(row[i] for i in self.key)

    def write(self, objects: GitObjects) -> str:
        """Write the index and the table's tree (when changed) and return the tree sha."""
        if self.tree is None:
            head = {"columns": list(self.columns), "key": list(self.key), "rowid": self.rowid,
                    "table": self.table}  # fmt: skip
            lines = [json.dumps(head, ensure_ascii=False, sort_keys=True)]
            for c in self.chunks:
                last = json.loads(encode_values(c.last)) if c.last is not None else None
                lines.append(encode_values((c.name, c.rows, last)))
            index = objects.write("blob", ("\n".join(lines) + "\n").encode("utf-8"))
            entries = {c.name: (_BLOB_MODE, c.sha) for c in self.chunks}
            entries[INDEX_FILE] = (_BLOB_MODE, index)
            self.tree = objects.write("tree", make_tree(entries))
        return self.tree

    @classmethod
    def load(cls, objects: GitObjects, tree_sha: str) -> TableFiles:
        """Read a table's index (not its rows) from its tree."""
        entries = parse_tree(objects.read(tree_sha))
        lines = _lines(objects.read(entries[INDEX_FILE][1]))
        head = json.loads(lines[0])
        files = cls(
            head["table"], tuple(head["columns"]), tuple(head["key"]), bool(head["rowid"]),
            tree=tree_sha,
        )  # fmt: skip
        for line in lines[1:]:
            name, rows, last = decode_values(line)
            files.chunks.append(Chunk(name, entries[name][1], rows, _key_from(last)))
        return files

    def rows(self, objects: GitObjects) -> Iterator[Row]:
        """Every row, in key order."""
        for chunk in self.chunks:
            yield from self.chunk_rows(objects, chunk)

    def chunk_rows(self, objects: GitObjects, chunk: Chunk) -> Iterator[Row]:
        """The rows of one chunk."""
        text = objects.read(chunk.sha).decode("utf-8", "surrogatepass")
        if text:  # one parse per file: a raw newline only ever ends a row
            rows = json.loads("[" + text[:-1].replace("\n", ",") + "]", object_hook=_hook)
            yield from (tuple(row) for row in rows)

    # -- changing rows --

    def apply(self, objects: GitObjects, ops: Mapping[Key, list[tuple[str, Row | None]]]) -> None:
        """Apply row changes (``insert``/``update``/``delete`` per key) to the chunks."""
        if not ops:
            return
        self.tree = None
        chunks = list(self.chunks)
        if not chunks or chunks[-1].last is not None:
            chunks.append(Chunk(TAIL, "", 0, None))  # an empty tail takes keys past the end
        lasts = [order_key(c.last) for c in chunks if c.last is not None]
        by_chunk: dict[int, dict[Key, list[tuple[str, Row | None]]]] = {}
        for key, changes in ops.items():
            by_chunk.setdefault(bisect.bisect_left(lasts, order_key(key)), {})[key] = changes
        out: list[Chunk] = []
        done = 0
        for start in sorted(by_chunk):
            if start < done:
                continue  # already rewritten as part of an earlier run
            out.extend(chunks[done:start])
            done, pieces = self._rewrite_run(objects, chunks, start, by_chunk)
            out.extend(pieces)
        out.extend(chunks[done:])
        self.chunks = [c for c in out if c.rows or c.last is not None]

    def _rewrite_run(
        self,
        objects: GitObjects,
        chunks: list[Chunk],
        start: int,
        by_chunk: Mapping[int, Mapping[Key, list[tuple[str, Row | None]]]],
    ) -> tuple[int, list[Chunk]]:
        """Rewrite chunks from ``start`` until a boundary survives; returns (next, chunks)."""
        run = _Run(self.key)
        index = start
        while True:
            chunk = chunks[index]
            if chunk.sha:
                run.extend(_lines(objects.read(chunk.sha)), ends_chunk=chunk.last is not None)
            for key, changes in sorted(
                by_chunk.get(index, {}).items(), key=lambda item: order_key(item[0])
            ):
                run.change(key, changes)
            index += 1
            if chunk.last is None or run.ends_at_boundary() or index == len(chunks):
                break
        return index, run.cut(objects)


class _Run:
    """The sorted row lines of consecutive chunks, edited in place by key.

    Rows are decoded only where a binary search or an update looks at them, so a
    small change to a chunk costs O(changes x log rows) decodes, not O(rows).
    """

    def __init__(self, key: tuple[int, ...]) -> None:
        self.key = key
        self.lines: list[str] = []
        self.marks: list[bool] = []  # True where a line ends a chunk (a boundary row)

    def extend(self, lines: list[str], *, ends_chunk: bool) -> None:
        self.lines.extend(lines)
        self.marks.extend([False] * len(lines))
        if lines and ends_chunk:
            self.marks[-1] = True

    def key_at(self, index: int) -> Key:
        row = decode_values(self.lines[index])
        return tuple(row[i] for i in self.key)

    def find(self, key: Key) -> tuple[int, bool]:
        """Where ``key`` is (True) or would go (False)."""
        target = order_key(key)
        low, high = 0, len(self.lines)
        while low < high:
            middle = (low + high) // 2
            if order_key(self.key_at(middle)) < target:
                low = middle + 1
            else:
                high = middle
        return low, low < len(self.lines) and order_key(self.key_at(low)) == target

    def change(self, key: Key, changes: list[tuple[str, Row | None]]) -> None:
        at, found = self.find(key)
        for op, values in changes:
            if op == "DELETE":
                if found:
                    del self.lines[at], self.marks[at]
                found = False
            elif op == "INSERT" and values is not None:
                line, mark = encode_values(values), _is_boundary(encode_values(key))
                if found:
                    self.lines[at], self.marks[at] = line, mark
                else:
                    self.lines.insert(at, line)
                    self.marks.insert(at, mark)
                found = True
            elif values is not None:
                if not found:
                    raise HistoryError(f"cannot export an update of a missing row {key}")
                merged = zip(decode_values(self.lines[at]), values, strict=True)
                self.lines[at] = encode_values([o if n is apsw.no_change else n for o, n in merged])

    def ends_at_boundary(self) -> bool:
        return bool(self.marks) and self.marks[-1]

    def cut(self, objects: GitObjects) -> list[Chunk]:
        """The lines as chunks: one ending at each boundary row, then the tail."""
        pieces: list[Chunk] = []
        first = 0
        for index, mark in enumerate(self.marks):
            if mark:
                key = self.key_at(index)
                name = _chunk_name(encode_values(key))
                pieces.append(_flush(objects, self.lines[first : index + 1], name, key))
                first = index + 1
        if first < len(self.lines):
            pieces.append(_flush(objects, self.lines[first:], TAIL, None))
        return pieces


def _lines(data: bytes) -> list[str]:
    """The lines of a file (split on newlines only: text may hold U+2028 and friends)."""
    text = data.decode("utf-8", "surrogatepass")
    return text[:-1].split("\n") if text else []


def _key_from(value: Any) -> Key | None:
    return tuple(value) if value is not None else None


def _flush(objects: GitObjects, lines: list[str], name: str, last: Key | None) -> Chunk:
    sha = objects.write("blob", ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    return Chunk(name, sha, len(lines), last)


# -- a whole state -----------------------------------------------------------------------


@dataclass
class Snapshot:
    """A state as Git files: the schema (in creation order) and every table's files."""

    schema: list[SchemaEntry]
    tables: dict[str, TableFiles]

    def schema_text(self) -> str:
        """``schema.sql``: each entry after a ``-- zen {...}`` header line."""
        parts = []
        for kind, name, table, sql in self.schema:
            head = {"lines": sql.count("\n") + 1, "name": name, "table": table, "type": kind}
            parts.append(_HEADER + json.dumps(head, ensure_ascii=False, sort_keys=True))
            parts.append(sql + ";")
        return "\n".join(parts) + "\n" if parts else ""

    def write(self, objects: GitObjects) -> str:
        """Write every changed file and tree; returns the root tree's sha."""
        tables = {
            dir_name(name): (_TREE_MODE, files.write(objects))
            for name, files in self.tables.items()
        }
        root = {SCHEMA_FILE: (_BLOB_MODE, objects.write("blob", self.schema_text().encode()))}
        if tables:
            root[TABLES_DIR] = (_TREE_MODE, objects.write("tree", make_tree(tables)))
        return objects.write("tree", make_tree(root))

    @classmethod
    def load(cls, objects: GitObjects, tree_sha: str) -> Snapshot:
        """Read a state's schema and table indexes from a root tree."""
        root = parse_tree(objects.read(tree_sha))
        if SCHEMA_FILE not in root:
            raise HistoryError(f"Git tree {tree_sha[:12]} is not a zen database (no schema.sql)")
        schema = parse_schema(objects.read(root[SCHEMA_FILE][1]).decode("utf-8"))
        tables: dict[str, TableFiles] = {}
        if TABLES_DIR in root:
            for name, (_mode, sha) in parse_tree(objects.read(root[TABLES_DIR][1])).items():
                tables[unquote(name)] = TableFiles.load(objects, sha)
        return cls(schema, tables)

    def apply_steps(self, objects: GitObjects, steps: Sequence[Step]) -> None:
        """Move the files from their state along ``steps`` (history's normal form)."""
        for index, step in enumerate(steps):
            if isinstance(step, SchemaStep):
                self._apply_schema(step)
                continue
            # a table that a later schema step recreates is emptied anyway: skip its rows
            later = {t for s in steps[index + 1 :] if isinstance(s, SchemaStep) for t in s.tables()}
            self._apply_rows(objects, step, later)

    def _apply_schema(self, step: SchemaStep) -> None:
        dropped = {(e[0], e[1]) for e in step.before}
        kept = [e for e in self.schema if (e[0], e[1]) not in dropped]
        positions = {(e[0], e[1]): i for i, e in enumerate(self.schema)}
        added = sorted(step.after, key=lambda e: positions.get((e[0], e[1]), len(positions)))
        self.schema = kept + added
        after = sch.tables(sch.from_entries(step.after))
        for table in step.tables():
            if table in after:
                self.tables[table] = TableFiles.empty(table, after[table])
            else:
                self.tables.pop(table, None)

    def _apply_rows(self, objects: GitObjects, step: RowsStep, skip: set[str]) -> None:
        ops: dict[str, dict[Key, list[tuple[str, Row | None]]]] = {}
        for change in apsw.Changeset.iter(step.changeset):
            files = self.tables.get(change.name)
            if change.name in skip:
                continue
            if files is None:
                raise HistoryError(f"cannot export changes to unknown table {change.name}")
            side = change.new if change.op == "INSERT" else change.old
            assert side is not None
            key = tuple(side[i] for i in files.key)
            values = change.old if change.op == "DELETE" else change.new
            ops.setdefault(change.name, {}).setdefault(key, []).append((change.op, values))
        for table, changes in ops.items():
            self.tables[table].apply(objects, changes)


def parse_schema(text: str) -> list[SchemaEntry]:
    """The entries of a ``schema.sql`` written by :meth:`Snapshot.schema_text`."""
    lines = text.split("\n")
    out: list[SchemaEntry] = []
    pos = 0
    while pos < len(lines):
        if not lines[pos].startswith(_HEADER):
            pos += 1
            continue
        head = json.loads(lines[pos][len(_HEADER) :])
        body = "\n".join(lines[pos + 1 : pos + 1 + int(head["lines"])])
        out.append((str(head["type"]), str(head["name"]), str(head["table"]), body[:-1]))
        pos += 1 + int(head["lines"])
    return out


# -- from and into a database ---------------------------------------------------------------


def export_working(conn: apsw.Connection, objects: GitObjects) -> Snapshot:
    """The working copy's state as files, rows streamed in key order (O(rows), once)."""
    schema = _schema_in_order(conn)
    tables = {
        e[1]: _export_table(conn, objects, sch.layout(conn, e[1]))
        for e in schema
        if e[0] == "table"
    }
    return Snapshot(schema, tables)


def _schema_in_order(conn: apsw.Connection) -> list[SchemaEntry]:
    known = sch.snapshot(conn)
    rows = conn.execute("SELECT type, name FROM main.sqlite_schema ORDER BY rowid")
    return [known[(kind, name)] for kind, name in rows if (kind, name) in known]


def _export_table(conn: apsw.Connection, objects: GitObjects, found: sch.Layout) -> TableFiles:
    files = TableFiles(found.table, found.columns, found.key, found.implicit_rowid)
    order = ", ".join(_order_term(found, i) for i in found.key)
    sql = f"SELECT {found.select_list} FROM main.{quote_identifier(found.table)} ORDER BY {order}"
    lines: list[str] = []
    key_at = found.key
    for row in conn.execute(sql):
        parts = _parts(row)
        if parts is None:
            lines.append(encode_values(row))
            key_text = encode_values([row[i] for i in key_at])
        else:
            lines.append("[" + ",".join(parts) + "]")
            key_text = "[" + ",".join([parts[i] for i in key_at]) + "]"
        if _is_boundary(key_text):
            key = tuple(row[i] for i in key_at)
            files.chunks.append(_flush(objects, lines, _chunk_name(key_text), key))
            lines = []
    if lines:
        files.chunks.append(_flush(objects, lines, TAIL, None))
    return files


def _order_term(found: sch.Layout, index: int) -> str:
    if found.implicit_rowid and index == 0:
        return "rowid"
    # BINARY whatever the column's collation: the files' order is SQLite's BINARY order
    return f"{quote_identifier(found.columns[index])} COLLATE BINARY"
