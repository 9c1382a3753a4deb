"""The claim event the SDK tests and `bench/sdk_bench.py` share: ~15 fields, a decimal amount, dates,
arrays, an enum and an optional nested record; plus compatible v2 evolutions of it."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

CLAIM_TYPE = "com.healthco.claims.ClaimSubmitted.v1"
SOURCE = "/claims/intake"

CLAIM_V1: dict[str, Any] = {
    "type": "record",
    "name": "ClaimSubmitted",
    "namespace": "mesh.claims",
    "fields": [
        {"name": "claim_id", "type": "string"},
        {"name": "member_id", "type": "string"},
        {"name": "provider_id", "type": "string"},
        {"name": "claim_type", "type": {"type": "enum", "name": "ClaimType",
                                        "symbols": ["MEDICAL", "DENTAL", "PHARMACY", "VISION"]}},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
        {"name": "currency", "type": "string", "default": "EUR"},
        {"name": "service_date", "type": {"type": "int", "logicalType": "date"}},
        {"name": "submitted_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "diagnosis_codes", "type": {"type": "array", "items": "string"}},
        {"name": "procedure_codes", "type": {"type": "array", "items": "string"}},
        {"name": "is_emergency", "type": "boolean"},
        {"name": "priority", "type": "int"},
        {"name": "channel", "type": "string"},
        {"name": "notes", "type": ["null", "string"], "default": None},
        {"name": "adjudication", "default": None, "type": ["null", {
            "type": "record", "name": "Adjudication",
            "fields": [
                {"name": "adjudicator", "type": "string"},
                {"name": "decided_on", "type": {"type": "int", "logicalType": "date"}},
                {"name": "approved_amount",
                 "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
            ]}]},
    ],
}


def claim_v2() -> dict[str, Any]:
    """A compatible evolution: `notes` removed (it had a default), `plan_code` added with a default."""
    schema = copy.deepcopy(CLAIM_V1)
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "notes"]
    schema["fields"].append({"name": "plan_code", "type": "string", "default": "BASIC"})
    return schema


def claim(n: int = 1, *, adjudicated: bool = True) -> dict[str, Any]:
    """A v1 claim record, distinct per `n`."""
    return {
        "claim_id": f"C-{n:08d}",
        "member_id": f"M-{n % 9973:06d}",
        "provider_id": "P-004211",
        "claim_type": "MEDICAL",
        "amount": Decimal("1234.56") + n,
        "currency": "EUR",
        "service_date": dt.date(2026, 11, 2),
        "submitted_at": dt.datetime(2026, 11, 3, 9, 30, 15, 123000, tzinfo=dt.UTC),
        "diagnosis_codes": ["J06.9", "R50.9"],
        "procedure_codes": ["99213"],
        "is_emergency": False,
        "priority": n % 5,
        "channel": "portal",
        "notes": "follow-up visit" if n % 2 else None,
        "adjudication": {"adjudicator": "auto", "decided_on": dt.date(2026, 11, 4),
                         "approved_amount": Decimal("1000.00")} if adjudicated else None,
    }
