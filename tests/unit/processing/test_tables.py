"""A table value type makes faust write our codec's bytes and hand back our objects on recovery."""

from __future__ import annotations

import json
from typing import Any

from faust.serializers import codecs

from mesh.processing.tables import table_value_type


def test_the_registered_codec_round_trips_objects() -> None:
    value_type = table_value_type("test-pairs", dumps=lambda p: json.dumps(list(p)).encode(),
                                  loads=lambda b: tuple(json.loads(b)))
    assert value_type._options.serializer == "test-pairs"
    data = codecs.dumps("test-pairs", (1, "a"))
    assert data == b'[1, "a"]'
    assert codecs.loads("test-pairs", data) == (1, "a")


def test_decoded_values_pass_through_from_data() -> None:
    value_type: Any = table_value_type("test-any", dumps=bytes, loads=bytes)
    marker = object()
    assert value_type.from_data(marker, preferred_type=value_type) is marker
