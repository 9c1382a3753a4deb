"""JSON records to Avro-ready values, the conversion `mesh produce` applies to stdin lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from mesh.sdk.jsonvalues import from_json
from mesh.sdk.serde import ValueSerializer
from tests.support.sdk_events import CLAIM_V1, claim

DEC = {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        (DEC, "12.30", Decimal("12.30")),
        (DEC, 12.3, Decimal("12.3")),
        ({"type": "int", "logicalType": "date"}, "2026-11-02", dt.date(2026, 11, 2)),
        ({"type": "long", "logicalType": "timestamp-millis"}, "2026-11-02T09:30:00Z",
         dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)),
        (["null", DEC], "1.5", Decimal("1.5")),
        (["null", DEC], {"bytes": "1.5"}, Decimal("1.5")),
        (["null", "string"], "plain", "plain"),
        ("bytes", "AAE=", b"\x00\x01"),
        ({"type": "array", "items": {"type": "int", "logicalType": "date"}}, ["2026-01-01"], [dt.date(2026, 1, 1)]),
        ({"type": "int", "logicalType": "date"}, "not a date", "not a date"),
    ],
    ids=["decimal-text", "decimal-number", "date", "timestamp", "union-plain", "union-wrapped", "union-string",
         "bytes-base64", "array-of-dates", "bad-value-left-for-the-encoder"],
)
def test_json_values_become_avro_values(schema: Any, value: Any, expected: Any) -> None:
    assert from_json(schema, value) == expected


def test_a_claim_through_json_encodes_like_the_original() -> None:
    original = claim(4)
    as_json = {**original, "amount": str(original["amount"]), "service_date": "2026-11-02",
               "submitted_at": "2026-11-03T09:30:15.123Z",
               "adjudication": {"adjudicator": "auto", "decided_on": "2026-11-04", "approved_amount": "1000.00"}}
    serialize = ValueSerializer(CLAIM_V1, 1)
    assert serialize(from_json(CLAIM_V1, as_json)) == serialize(original)
