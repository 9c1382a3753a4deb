"""Property: where the engine says a reader can read a writer, fastavro really decodes the writer's data.

Run longer with `COMPAT_EXAMPLES=3000` in the environment (the default keeps the unit suite fast).
"""

from __future__ import annotations

import io
import os
from typing import Any

import fastavro
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mesh.compat import Level, check, check_pair, parse_schema
from tests.unit.compat.generators import datum, schema_pairs


@settings(max_examples=int(os.environ.get("COMPAT_EXAMPLES", "80")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pair=schema_pairs())
def test_paths_are_json_pointers_into_the_new_schema(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Generated schemas define every named type inline, so every path must resolve in the new schema's JSON."""
    old_raw, new_raw = pair
    new, old = parse_schema(new_raw), parse_schema(old_raw)
    for level in (Level.BACKWARD, Level.FORWARD):
        for item in check(new, [(1, old)], level).incompatibilities:
            node: Any = new_raw
            for segment in item.path.strip("/").split("/") if item.path != "/" else []:
                node = node[int(segment)] if isinstance(node, list) else node[segment]
            assert item.version == 1
