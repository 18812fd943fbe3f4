"""The on-disk formats: value encoding, multiset hashes, step encoding."""

from __future__ import annotations

import random

import pytest

from zen.history.errors import CorruptObjectError
from zen.history.hashing import TableHash, encode_value, object_id, row_digest
from zen.history.steps import RowsStep, SchemaStep, decode_steps, encode_steps


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (None, b"n"),
        (1, b"i\x00\x00\x00\x00\x00\x00\x00\x01"),
        (-1, b"i\xff\xff\xff\xff\xff\xff\xff\xff"),
        (1.5, b"f?\xf8\x00\x00\x00\x00\x00\x00"),
        ("ab", b"t2:ab"),
        (b"ab", b"b2:ab"),
    ],
)
def test_value_encoding(value: object, encoded: bytes) -> None:
    assert encode_value(value) == encoded


def test_negative_zero_is_zero() -> None:
    # SQLite's session extension sees no change from -0.0 to 0.0, so neither may the hash.
    assert encode_value(-0.0) == encode_value(0.0)


def test_types_never_collide() -> None:
    assert len({row_digest((v,)) for v in (1, 1.0, "1", b"1", None)}) == 5
    assert row_digest(("a", "bc")) != row_digest(("ab", "c"))


def test_table_hash_ignores_order_and_tracks_count() -> None:
    rows = [(i, f"r{i}", i * 0.5) for i in range(50)]
    shuffled = rows[:]
    random.Random(4).shuffle(shuffled)
    assert TableHash.of(rows) == TableHash.of(shuffled)
    partial = TableHash.of(rows[:10])
    for row in rows[10:]:
        partial.add(row)
    assert partial == TableHash.of(rows)
    partial.remove(rows[0])
    assert partial.rows == 49 and partial != TableHash.of(rows)
    assert TableHash.from_hex(partial.hex, partial.rows) == partial


def test_object_ids_depend_on_kind_and_body() -> None:
    assert object_id("commit", b"x") != object_id("tree", b"x")
    assert object_id("commit", b"x") == object_id("commit", b"x")


def test_steps_round_trip_and_compress() -> None:
    steps = [RowsStep(b"\x01" * 2000), SchemaStep((("table", "t", "t", "CREATE TABLE t(x)"),), ())]
    data = encode_steps(steps)
    assert data[0] == 1 and len(data) < 500
    assert decode_steps(data) == steps
    assert decode_steps(encode_steps([])) == []


@pytest.mark.parametrize(
    "data", [b"", b"\x07abc", b"\x00R\x00\x00\x00\x00\x00\x00\x00\x09ab", b"\x01notzlib"]
)
def test_damaged_step_data_is_refused(data: bytes) -> None:
    with pytest.raises(CorruptObjectError):
        decode_steps(data)
