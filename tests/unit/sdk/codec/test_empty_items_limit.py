"""Arrays whose items take no bytes: a count cannot be checked against the data left, so each decoder (C
and generated Python) allows one value at most EMPTY_ITEMS_LIMIT of them and refuses more with a
DecodingError, never asking fastavro (which would allocate the whole count: a 5-byte body once took a
test process to 23 GB)."""

from __future__ import annotations

from typing import Any

import pytest

from mesh.core.errors import DecodingError
from mesh.sdk.codec import compile_decoder, native
from mesh.sdk.codec._wire import EMPTY_ITEMS_LIMIT

NOTHING = {"type": "record", "name": "Nothing", "fields": []}
WRITER = {"type": "record", "name": "T", "fields": [
    {"name": "nulls", "type": {"type": "array", "items": "null"}},
    {"name": "empties", "type": {"type": "array", "items": NOTHING}},
    {"name": "n", "type": "long"},
]}
READER = {"type": "record", "name": "T", "fields": [{"name": "n", "type": "long"}]}  # skips both arrays
CODECS = [pytest.param(False, id="generated")] + (
    [pytest.param(True, id="native")] if native.AVAILABLE else [])


def varint(n: int) -> bytes:
    z, out = (n << 1) ^ (n >> 63), bytearray()
    while z > 0x7F:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


def body(nulls: list[int], empties: list[int]) -> bytes:
    """Blocks of the given counts for each array (items take no bytes), then n = 7."""
    return b"".join(varint(c) for c in nulls) + b"\x00" + b"".join(varint(c) for c in empties) + b"\x00" + varint(7)


@pytest.mark.parametrize("use_native", CODECS)
@pytest.mark.parametrize("reader", [None, READER], ids=["read", "skipped"])
def test_up_to_the_limit_decodes(use_native: bool, reader: Any) -> None:
    decode = compile_decoder(WRITER, reader, native=use_native)
    value = decode(body([EMPTY_ITEMS_LIMIT - 3], [1, 2]))
    if reader is None:
        assert len(value["nulls"]) == EMPTY_ITEMS_LIMIT - 3 and value["empties"] == [{}, {}, {}]
    assert value["n"] == 7


@pytest.mark.parametrize("use_native", CODECS)
@pytest.mark.parametrize("reader", [None, READER], ids=["read", "skipped"])
@pytest.mark.parametrize("nulls, empties", [
    ([2**31], []),  # one hostile block
    ([EMPTY_ITEMS_LIMIT // 2, EMPTY_ITEMS_LIMIT // 2 + 1], []),  # blocks that add up
    ([EMPTY_ITEMS_LIMIT], [1]),  # two arrays of one value share the budget
    ([-(2**40), 3], []),  # a negative count (a block with its byte size) counts too
], ids=["one-block", "blocks", "two-arrays", "sized-block"])
def test_over_the_limit_is_refused_with_a_decoding_error(
    use_native: bool, reader: Any, nulls: list[int], empties: list[int]
) -> None:
    data = body(nulls, empties) if nulls[0] >= 0 else varint(nulls[0]) + varint(nulls[1]) + b"\x00\x00" + varint(7)
    decode = compile_decoder(WRITER, reader, native=use_native)
    with pytest.raises(DecodingError, match="items that take no bytes") as refused:
        decode(data)
    assert "hostile count" in str(refused.value)
