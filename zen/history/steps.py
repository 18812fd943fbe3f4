"""The steps a change record holds, and their encoding.

A record's data is an ordered list of steps. A *rows step* is a SQLite
changeset. A *schema step* lists the schema entries that differ between the
state before and after it; tables it creates or drops are always empty at that
point (their rows are moved by the rows steps around it), so a schema step can
be applied in either direction by dropping one side's objects and creating the
other's from their exact stored SQL.

A *range step* (tag ``B``) names rows a bulk insert added by their rowid range;
only the newest record can hold one, until it is sealed (:mod:`zen.history.bulk`).

Encoding: one flag byte (0 raw, 1 zlib) then, per step, a tag byte (``R``, ``S``
or ``B``), an 8-byte big-endian length and the payload (changeset bytes, or the
canonical JSON ``{"before": [...], "after": [...]}``, or for a range step
``{"table", "first", "last", "sql"}``).
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import apsw

from zen.history.errors import CorruptObjectError, UnsealedError
from zen.history.hashing import canonical_json

_LENGTH = struct.Struct(">Q")
_COMPRESS_ABOVE = 512

SchemaEntry = tuple[str, str, str, str]
"""``(type, name, tbl_name, sql)`` as in ``sqlite_schema``."""


@dataclass(frozen=True)
class RowsStep:
    """Row changes, as a SQLite changeset."""

    changeset: bytes

    def inverted(self) -> RowsStep:
        """The step that undoes this one."""
        return RowsStep(apsw.Changeset.invert(self.changeset))


@dataclass(frozen=True)
class SchemaStep:
    """Schema entries that differ: ``before`` are replaced by ``after``."""

    before: tuple[SchemaEntry, ...]
    after: tuple[SchemaEntry, ...]

    def inverted(self) -> SchemaStep:
        """The step that undoes this one."""
        return SchemaStep(self.after, self.before)

    def tables(self) -> set[str]:
        """Names of the tables this step creates, drops or redefines."""
        before = {e[1]: e[3] for e in self.before if e[0] == "table"}
        after = {e[1]: e[3] for e in self.after if e[0] == "table"}
        return {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}


Step = RowsStep | SchemaStep


@dataclass(frozen=True)
class RangeStep:
    """Rows a bulk insert added to ``table``: rowids ``first`` to ``last`` (inclusive).

    Their values are those rows as the insert left them (see :mod:`zen.history.bulk`);
    ``sql`` is the table's ``CREATE TABLE`` statement then.
    """

    table: str
    first: int
    last: int
    sql: str


AnyStep = Step | RangeStep


def invert_steps(steps: Sequence[Step]) -> list[Step]:
    """The steps that undo ``steps`` (each inverted, in reverse order)."""
    return [step.inverted() for step in reversed(steps)]


def table_changes(
    steps: Sequence[Step], table: str, *, after_schema: bool
) -> Iterator[apsw.TableChange]:
    """The changes of ``table`` in the rows steps before (or after) the first schema step.

    Example:
        >>> list(table_changes([], "t", after_schema=False))
        []
    """
    seen_schema = False
    for step in steps:
        if isinstance(step, SchemaStep):
            seen_schema = True
        elif seen_schema == after_schema and step.changeset:
            for change in apsw.Changeset.iter(step.changeset):
                if change.name == table:
                    yield change


def encode_steps(steps: Iterable[AnyStep]) -> bytes:
    """Encode steps as a record's data (compressed when large).

    Example:
        >>> decode_steps(encode_steps([SchemaStep((), ())]))
        [SchemaStep(before=(), after=())]
    """
    parts: list[bytes] = []
    for step in steps:
        if isinstance(step, RowsStep):
            payload, tag = step.changeset, b"R"
        elif isinstance(step, RangeStep):
            range_ = {"table": step.table, "first": step.first, "last": step.last, "sql": step.sql}
            payload, tag = canonical_json(range_), b"B"
        else:
            payload = canonical_json({"before": step.before, "after": step.after})
            tag = b"S"
        parts.append(tag + _LENGTH.pack(len(payload)) + payload)
    raw = b"".join(parts)
    if len(raw) > _COMPRESS_ABOVE:
        return b"\x01" + zlib.compress(raw, 1)
    return b"\x00" + raw


def decode_steps(data: bytes) -> list[Step]:
    """Decode a record's data.

    Raises:
        CorruptObjectError: The data is not a valid encoding.
        UnsealedError: The record still names rows by rowid range (not sealed yet).
    """
    steps = decode_any_steps(data)
    if any(isinstance(step, RangeStep) for step in steps):
        raise UnsealedError()
    return steps  # type: ignore[return-value]


def decode_any_steps(data: bytes) -> list[AnyStep]:
    """Decode a record's data, range steps included (see :mod:`zen.history.bulk`).

    Raises:
        CorruptObjectError: The data is not a valid encoding.
    """
    try:
        return _decode(data)
    except (zlib.error, struct.error, ValueError, KeyError, TypeError) as exc:
        raise CorruptObjectError(f"undecodable change data ({exc})") from None


def _decode(data: bytes) -> list[AnyStep]:
    if not data:
        raise ValueError("empty")
    raw = zlib.decompress(data[1:]) if data[0] == 1 else data[1:]
    if data[0] not in (0, 1):
        raise ValueError("unknown flag")
    steps: list[AnyStep] = []
    pos = 0
    while pos < len(raw):
        tag = raw[pos : pos + 1]
        (length,) = _LENGTH.unpack_from(raw, pos + 1)
        payload = raw[pos + 9 : pos + 9 + length]
        if len(payload) != length:
            raise ValueError("truncated")
        pos += 9 + length
        steps.append(_decode_step(tag, payload))
    return steps


def _decode_step(tag: bytes, payload: bytes) -> AnyStep:
    if tag == b"R":
        return RowsStep(payload)
    if tag == b"B":
        body = json.loads(payload)
        return RangeStep(
            str(body["table"]), int(body["first"]), int(body["last"]), str(body["sql"])
        )
    if tag != b"S":
        raise ValueError(f"unknown step tag {tag!r}")
    body = json.loads(payload)
    return SchemaStep(_entries(body["before"]), _entries(body["after"]))


def _entries(raw: list[list[str]]) -> tuple[SchemaEntry, ...]:
    return tuple((str(t), str(n), str(tb), str(s)) for t, n, tb, s in raw)


def merge_rows(steps: Sequence[Step]) -> list[Step]:
    """Concatenate runs of consecutive rows steps (SQLite merges repeated rows).

    Empty rows steps are dropped; schema steps stay where they are.
    """
    merged: list[Step] = []
    run: list[bytes] = []
    for step in steps:
        if isinstance(step, RowsStep):
            if step.changeset:
                run.append(step.changeset)
            continue
        _flush(run, merged)
        merged.append(step)
    _flush(run, merged)
    return merged


def _flush(run: list[bytes], merged: list[Step]) -> None:
    if not run:
        return
    combined = concat(run)
    if combined:
        merged.append(RowsStep(combined))
    run.clear()


def concat(changesets: Sequence[bytes]) -> bytes:
    """One changeset equivalent to applying ``changesets`` in order (net changes)."""
    if len(changesets) == 1:
        return changesets[0]
    builder = apsw.ChangesetBuilder()  # type: ignore[no-untyped-call]
    for changeset in changesets:
        if changeset:
            builder.add(changeset)
    return bytes(builder.output())
