"""The consumer-aware check: a writer schema against every registered reader of its subject."""

from __future__ import annotations

import json

import pytest

from mesh.compat import Level, parse_schema
from mesh.governance.reader_check import RegisteredReader, check_readers, field_paths
from mesh.governance.schema_check import LocalSchema
from tests.unit.governance.avro_samples import field, record

SUBJECT = "prod.claims.claims.v1-mesh.claims.ClaimAdjudicated"
MONEY = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
WRITER_V1 = record("ClaimAdjudicated", field("claim_id"), field("outcome"), field("allowed_amount", MONEY),
                   field("denial_reason", ["null", "string"], default=None))
READER = record("ClaimAdjudicated", field("claim_id"), field("allowed_amount", MONEY))


def reader(text: str = READER, *, fields: tuple[str, ...] = ("claim_id", "allowed_amount"),
           consumer: str = "care.member_360", subject: str = SUBJECT) -> RegisteredReader:
    return RegisteredReader(consumer, "claims.claims", "com.healthco.claims.ClaimAdjudicated.v1", subject,
                            parse_schema(text), fields, "domains/care/contracts/claims.yaml")


def writer(text: str, subject: str = SUBJECT) -> LocalSchema:
    return LocalSchema("schemas/claims/claim_adjudicated.avsc", parse_schema(text), subject, Level.BACKWARD)


def test_the_current_writer_passes_every_reader() -> None:
    assert check_readers([writer(WRITER_V1)], [reader()]) == ()


def test_a_removed_field_read_without_default_names_the_consumer_it_breaks() -> None:
    without = record("ClaimAdjudicated", field("claim_id"), field("outcome"))
    (finding,) = check_readers([writer(without)], [reader()])
    assert finding.rule_id == "GOV301" and finding.is_error
    assert finding.message.startswith(
        "breaks care.member_360's reader: field `allowed_amount` removed, read without a default")
    assert "domains/care/contracts/claims.yaml" in finding.message
    assert (finding.file, finding.subject, finding.path) == ("schemas/claims/claim_adjudicated.avsc", SUBJECT,
                                                             "/fields/1")
    assert finding.hint and "allowed_amount" in finding.hint


def test_a_changed_type_names_the_field_and_the_types() -> None:
    changed = record("ClaimAdjudicated", field("claim_id", "int"), field("allowed_amount", MONEY))
    (finding,) = check_readers([writer(changed)], [reader()])
    assert "field `claim_id`" in finding.message and "int" in finding.message


def test_a_dropped_field_the_reader_defaults_is_a_warning_not_an_error() -> None:
    defaulted = record("ClaimAdjudicated", field("claim_id"), field("outcome", default="approved"))
    without = record("ClaimAdjudicated", field("claim_id"), field("allowed_amount", MONEY))
    (finding,) = check_readers([writer(without)], [reader(defaulted, fields=("claim_id", "outcome"))])
    assert (finding.rule_id, finding.path, finding.is_error) == ("GOV302", "outcome", False)
    assert "care.member_360 uses field `outcome`" in finding.message


def test_a_field_the_writer_drops_but_nobody_uses_is_fine() -> None:
    without_reason = record("ClaimAdjudicated", field("claim_id"), field("outcome"), field("allowed_amount", MONEY))
    assert check_readers([writer(without_reason)], [reader()]) == ()


def test_readers_of_other_subjects_are_not_checked() -> None:
    without = record("ClaimAdjudicated", field("claim_id"))
    assert check_readers([writer(without)], [reader(subject="prod.claims.claims.v2-mesh.claims.X")]) == ()


def test_every_reader_of_a_subject_gets_its_own_finding() -> None:
    without = record("ClaimAdjudicated", field("claim_id"), field("outcome"))
    findings = check_readers([writer(without)], [reader(consumer="finance.reserves"), reader()])
    assert [f.message.split("'s")[0] for f in findings] == ["breaks care.member_360", "breaks finance.reserves"]


@pytest.mark.parametrize(("schema", "expected"), [
    (json.loads(record("R", field("a"), field("b", {"type": "record", "name": "B", "fields": [field("c")]}))),
     {"a", "b", "b.c"}),
    (json.loads(record("R", field("a", ["null", {"type": "record", "name": "A", "fields": [field("x")]}]))),
     {"a", "a.x"}),
    ("string", set()),
])
def test_field_paths_are_dotted_through_nested_records(schema: object, expected: set[str]) -> None:
    assert field_paths(schema) == expected


def test_a_time_unit_change_breaks_the_reader_although_avro_resolves_it() -> None:
    millis = {"type": "long", "logicalType": "timestamp-millis"}
    micros = {"type": "long", "logicalType": "timestamp-micros"}
    old_reader = record("ClaimAdjudicated", field("claim_id"), field("adjudicated_at", millis))
    changed = record("ClaimAdjudicated", field("claim_id"), field("adjudicated_at", micros))
    (finding,) = check_readers([writer(changed)], [reader(old_reader, fields=("adjudicated_at",))])
    assert (finding.rule_id, finding.is_error) == ("GOV301", True)
    assert finding.message.startswith("breaks care.member_360's reader: field `adjudicated_at`: this schema writes")


def test_a_new_enum_symbol_the_reader_defaults_is_a_warning_that_it_loses_information() -> None:
    def outcome(*symbols: str) -> dict[str, object]:
        return {"type": "enum", "name": "Outcome", "symbols": list(symbols), "default": "approved"}

    old_reader = record("ClaimAdjudicated", field("claim_id"), field("outcome", outcome("approved", "denied")))
    changed = record("ClaimAdjudicated", field("claim_id"), field("outcome", outcome("approved", "denied", "pended")))
    (finding,) = check_readers([writer(changed)], [reader(old_reader, fields=("outcome",))])
    assert (finding.rule_id, finding.is_error) == ("GOV305", False)
    assert "loses information in care.member_360's reader: field `outcome`" in finding.message
