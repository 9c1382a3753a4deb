"""Calling the C decoder directly (no fastavro fallback behind it), as `compile_decoder` sets it up."""

from __future__ import annotations

from typing import Any

from mesh.sdk.codec.decoding import parse_pair
from mesh.sdk.codec.native import native_decoder


def native_decode(writer_schema: Any, reader_schema: Any, body: bytes) -> tuple[bool, Any]:
    """(True, value) from the C decoder, which must read exactly `body`; (False, None) where it is not built."""
    decoder = native_decoder(*parse_pair(writer_schema, reader_schema))
    if decoder is None:
        return False, None
    value, end = decoder(body)
    assert end == len(body), f"the C decoder stopped at {end} of {len(body)} bytes"
    return True, value
