"""Hashes: object ids, row digests and the additive multiset hash of a table.

Every format here is part of the on-disk contract (fsck recomputes them), so the
encodings are explicit rather than borrowed from Python's ``repr``.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

DIGEST_SIZE = 32
MODULUS = 1 << 256
_PACK_INT = struct.Struct(">q").pack
_PACK_FLOAT = struct.Struct(">d").pack
_BLAKE = hashlib.blake2b
_NO_BASE = bytes(DIGEST_SIZE)


def object_id(kind: str, body: bytes) -> bytes:
    """The id of an object: ``blake2b-256(kind || 0x00 || body)``.

    Example:
        >>> object_id("commit", b"{}").hex()[:12]
        '0f8ac7d1c7f4'
    """
    h = hashlib.blake2b(kind.encode("ascii"), digest_size=DIGEST_SIZE)
    h.update(b"\x00")
    h.update(body)
    return h.digest()


def record_hash(base: bytes | None, kind: str, time_ms: int, data: bytes) -> bytes:
    """The chain hash of a change record: covers its base record's hash and its data.

    Example:
        >>> len(record_hash(None, "txn", 0, b""))
        32
    """
    head = b"zen-record\x00%s%s\x00%d\x00" % (base or _NO_BASE, kind.encode("ascii"), time_ms)
    return _BLAKE(head + data, digest_size=DIGEST_SIZE).digest()


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON: sorted keys, no spaces, UTF-8.

    Example:
        >>> canonical_json({"b": 1, "a": [True, None]})
        b'{"a":[true,null],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def encode_value(value: Any) -> bytes:
    """A self-delimiting encoding of one SQLite value (the row digest's input).

    Example:
        >>> encode_value(None), encode_value("é")
        (b'n', b't2:\\xc3\\xa9')
    """
    kind = type(value)
    if kind is int:
        return b"i" + _PACK_INT(value)
    if kind is str:
        raw: bytes = value.encode("utf-8", "surrogatepass")
        return b"t%d:" % len(raw) + raw
    if value is None:
        return b"n"
    if kind is float:
        # -0.0 and 0.0 are one value to SQLite's comparisons and to the session
        # extension (which records no change between them), so they hash alike.
        return b"f" + _PACK_FLOAT(value + 0.0)
    raw = bytes(value)
    return b"b%d:" % len(raw) + raw


def row_digest(values: Sequence[Any]) -> int:
    """The digest of one row (values in column order) as an integer.

    The encoding is :func:`encode_value`'s, inlined: bulk commits hash every row.

    Example:
        >>> row_digest((1, "a")) == row_digest((1, "a")) != row_digest((1, "b"))
        True
    """
    parts: list[bytes] = []
    add = parts.append
    for value in values:
        kind = type(value)
        if kind is int:
            add(b"i")
            add(_PACK_INT(value))
        elif kind is str:
            raw = value.encode("utf-8", "surrogatepass")
            add(b"t%d:" % len(raw))
            add(raw)
        elif value is None:
            add(b"n")
        elif kind is float:
            add(b"f")
            add(_PACK_FLOAT(value + 0.0))
        else:
            add(encode_value(value))
    digest = _BLAKE(b"".join(parts), digest_size=DIGEST_SIZE).digest()
    return int.from_bytes(digest, "little")


@dataclass
class TableHash:
    """The additive multiset hash of a table's rows, and their count.

    The sum of row digests mod 2**256 does not depend on row order, so equal
    contents hash equal whatever the history; it is updated in O(changed rows).

    Example:
        >>> h = TableHash()
        >>> h.add((1, "a")); h.add((2, "b")); h.remove((1, "a"))
        >>> h == TableHash.of([(2, "b")])
        True
    """

    value: int = 0
    rows: int = 0

    @classmethod
    def of(cls, rows: Iterable[Sequence[Any]]) -> TableHash:
        """The hash of a whole table's rows."""
        total = 0
        count = 0
        for row in rows:
            total += row_digest(row)
            count += 1
        return cls(total % MODULUS, count)

    @classmethod
    def from_hex(cls, digest: str, rows: int) -> TableHash:
        """Parse the form stored in tree objects."""
        return cls(int.from_bytes(bytes.fromhex(digest), "little"), rows)

    def add(self, row: Sequence[Any]) -> None:
        """Count one more row."""
        self.value = (self.value + row_digest(row)) % MODULUS
        self.rows += 1

    def remove(self, row: Sequence[Any]) -> None:
        """Count one row less."""
        self.value = (self.value - row_digest(row)) % MODULUS
        self.rows -= 1

    @property
    def hex(self) -> str:
        """The hash as 64 hex digits (little-endian bytes, as stored)."""
        return self.value.to_bytes(DIGEST_SIZE, "little").hex()

    def copy(self) -> TableHash:
        """An independent copy."""
        return TableHash(self.value, self.rows)
