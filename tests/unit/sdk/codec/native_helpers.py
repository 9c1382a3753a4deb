"""Calling the C decoder directly (no fastavro fallback behind it), as `compile_decoder` sets it up."""

from __future__ import annotations

from typing import Any

from mesh.sdk.codec.native import native_decoder
from mesh.sdk.codec.schema import named_types, parse


def native_decode(writer_schema: Any, reader_schema: Any, body: bytes) -> tuple[bool, Any]:
    """(True, value) from the C decoder, which must read exactly `body`; (False, None) where it is not built."""
    named: dict[str, dict[str, Any]] = {"writer": {}, "reader": {}}
    writer = parse(writer_schema, named["writer"])
    named["writer"].update(named_types(writer))
    reader = None
    if reader_schema is not None and reader_schema != writer_schema:
        reader = parse(reader_schema, named["reader"])
        named["reader"].update(named_types(reader))
    decoder = native_decoder(writer, reader, named)
    if decoder is None:
        return False, None
    value, end = decoder(body)
    assert end == len(body), f"the C decoder stopped at {end} of {len(body)} bytes"
    return True, value
