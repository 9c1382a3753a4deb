"""The Confluent wire format: round trips, and every malformed payload rejected with what was seen."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesh.core.errors import FramingError
from mesh.sdk.framing import HEADER_SIZE, frame, frame_prefix, schema_id_of, unframe


@settings(max_examples=50, deadline=None)
@given(schema_id=st.integers(min_value=0, max_value=2**32 - 1), body=st.binary(max_size=64))
def test_frame_then_unframe_gives_back_id_and_body(schema_id: int, body: bytes) -> None:
    payload = frame(schema_id, body)
    got_id, got_body = unframe(payload)
    assert (got_id, bytes(got_body)) == (schema_id, body)
    assert len(payload) == HEADER_SIZE + len(body)


@pytest.mark.parametrize(
    ("schema_id", "expected"),
    [(1, b"\x00\x00\x00\x00\x01"), (258, b"\x00\x00\x00\x01\x02"), (2**32 - 1, b"\x00\xff\xff\xff\xff")],
    ids=["one", "big-endian", "max-id"],
)
def test_prefix_is_magic_zero_then_big_endian_id(schema_id: int, expected: bytes) -> None:
    assert frame_prefix(schema_id) == expected


@pytest.mark.parametrize("schema_id", [-1, 2**32], ids=["negative", "too-big"])
def test_ids_outside_four_unsigned_bytes_are_refused(schema_id: int) -> None:
    with pytest.raises(ValueError, match=str(schema_id)):
        frame_prefix(schema_id)


@pytest.mark.parametrize(
    ("payload", "says", "shows"),
    [
        (b"", "truncated", "0 byte(s) starting (empty)"),
        (b"\x00\x00\x01", "truncated", "3 byte(s) starting 00 00 01"),
        (b"\x01\x00\x00\x00\x01body", "magic byte is 1", "9 byte(s) starting 01 00 00 00 01 62 6f 64..."),
        (b'{"json": true}', "magic byte is 123", "7b 22 6a 73"),
    ],
    ids=["empty", "shorter-than-header", "wrong-magic", "json-not-avro"],
)
def test_malformed_payloads_raise_framing_error_showing_what_was_seen(payload: bytes, says: str, shows: str) -> None:
    with pytest.raises(FramingError) as caught:
        schema_id_of(payload)
    assert says in str(caught.value)
    assert shows in str(caught.value)


def test_unframe_returns_a_view_not_a_copy() -> None:
    payload = frame(7, b"abc")
    _, body = unframe(payload)
    assert isinstance(body, memoryview)
    assert body.obj is payload
