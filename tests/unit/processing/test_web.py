"""Views served over HTTP render Avro logical values as the SDK renders event data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from mesh.processing.web import as_json, json_body

RENDERING = [
    ({"amount": Decimal("12.30")}, {"amount": "12.30"}),
    ({"at": datetime(2025, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)}, {"at": "2025-01-02T03:04:05.006000Z"}),
    ({"day": date(2025, 1, 2)}, {"day": "2025-01-02"}),
    ({"nested": [{"n": 1, "s": "é"}], "none": None}, {"nested": [{"n": 1, "s": "é"}], "none": None}),
]


@pytest.mark.parametrize(("record", "expected"), RENDERING)
def test_logical_values_render_as_text(record: dict[str, Any], expected: dict[str, Any]) -> None:
    assert as_json(record) == expected


def test_body_is_utf8_json() -> None:
    assert json_body({"s": "é"}).decode("utf-8") == '{"s":"é"}'
