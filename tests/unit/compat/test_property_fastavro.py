"""Property: where the engine says a reader can read a writer, fastavro really decodes the writer's data."""

from __future__ import annotations

import io
import os
from typing import Any

import fastavro
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mesh.compat import check_pair, parse_schema
from tests.unit.compat.generators import datum, schema_pairs


@settings(max_examples=int(os.environ.get('COMPAT_EXAMPLES', '150')), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_compatible_pairs_decode_with_fastavro(data: st.DataObject) -> None:
    writer_raw, reader_raw = data.draw(schema_pairs(), label="writer, reader")
    writer, reader = parse_schema(writer_raw), parse_schema(reader_raw)
    found = check_pair(reader, writer)
    event("incompatible" if found else "compatible")
    if found:
        return
    values: list[Any] = data.draw(st.lists(datum(writer_raw), min_size=1, max_size=3), label="data")
    for value in values:
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, writer.parsed, value)
        buffer.seek(0)
        decoded = fastavro.schemaless_reader(buffer, writer.parsed, reader.parsed)
        assert isinstance(decoded, dict)
        assert buffer.tell() == len(buffer.getvalue())  # the reader consumed exactly the writer's bytes
