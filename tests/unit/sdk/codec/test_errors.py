"""Invalid data raises DataValidationError naming the field path; bad bytes raise DecodingError."""

from __future__ import annotations

import datetime
import decimal
import enum
from typing import Any

import fastavro
import pydantic
import pytest

from mesh.core.errors import DataValidationError, DecodingError, SchemaParseError, SerializationError
from mesh.sdk import codec
from mesh.sdk.codec import compile_decoder, compile_encoder
from mesh.sdk.codec.encoding import fastavro_encode

AMOUNT = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
LINE = {"type": "record", "name": "Line", "fields": [
    {"name": "code", "type": "string"}, {"name": "amount", "type": AMOUNT}]}
CLAIM = {"type": "record", "name": "Claim", "namespace": "mesh.claims", "fields": [
    {"name": "claim_id", "type": "string"},
    {"name": "count", "type": "int"},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["OPEN", "PAID"]}},
    {"name": "lines", "type": {"type": "array", "items": LINE}},
    {"name": "address", "type": ["null", {"type": "record", "name": "Address", "fields": [
        {"name": "zip", "type": "string"}]}], "default": None},
    {"name": "tags", "type": {"type": "map", "values": "long"}},
    {"name": "filed", "type": {"type": "int", "logicalType": "date"}},
]}


def good() -> dict[str, Any]:
    return {"claim_id": "c-1", "count": 2, "status": "OPEN",
            "lines": [{"code": "A", "amount": decimal.Decimal("1.00")},
                      {"code": "B", "amount": decimal.Decimal("2.50")}],
            "address": {"zip": "8000"}, "tags": {"k": 1}, "filed": datetime.date(2024, 1, 31)}


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = good()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _without(field: str) -> dict[str, Any]:
    data = good()
    del data[field]
    return data


INVALID = {
    "wrong_type_string": (_with(("claim_id",), 42), "Claim.claim_id", "string"),
    "wrong_type_int_given_float": (_with(("count",), 2.5), "Claim.count", "int"),
    "int_out_of_range": (_with(("count",), 2**40), "Claim.count", "int"),
    "int_one_beyond_32_bits": (_with(("count",), 2**31), "Claim.count", "int"),
    "int_one_below_32_bits": (_with(("count",), -(2**31) - 1), "Claim.count", "int"),
    "long_one_beyond_64_bits": (_with(("tags", "k"), 2**63), "Claim.tags['k']", "long"),
    "long_far_below_64_bits": (_with(("tags", "k"), -(2**70)), "Claim.tags['k']", "long"),
    "missing_required_field": (_without("claim_id"), "Claim.claim_id", "string"),
    "bad_enum_symbol": (_with(("status",), "CLOSED"), "Claim.status", "enum mesh.claims.Status {OPEN, PAID}"),
    "nested_array_record_field": (_with(("lines", 1, "amount"), "2.50"), "Claim.lines[1].amount", "decimal(12,2)"),
    "decimal_with_too_many_places": (_with(("lines", 0, "amount"), decimal.Decimal("1.001")),
                                     "Claim.lines[0].amount", "decimal(12,2)"),
    "decimal_beyond_precision": (_with(("lines", 0, "amount"), decimal.Decimal("9999999999.99") * 100),
                                 "Claim.lines[0].amount", "decimal(12,2)"),
    "decimal_nan": (_with(("lines", 0, "amount"), decimal.Decimal("NaN")), "Claim.lines[0].amount", "decimal(12,2)"),
    "optional_nested_record_field": (_with(("address", "zip"), 8000), "Claim.address.zip", "string"),
    "map_value": (_with(("tags", "k"), "one"), "Claim.tags['k']", "long"),
    "array_given_a_dict": (_with(("lines",), {"code": "A"}), "Claim.lines",
                           "array<record mesh.claims.Line>"),
    "record_given_a_string": ("not a record", "Claim", "record mesh.claims.Claim"),
    "date_given_text_that_is_no_date": (_with(("filed",), "yesterday"), "Claim.filed", "date"),
}


@pytest.mark.parametrize("data, path, expected", list(INVALID.values()), ids=list(INVALID))
def test_invalid_data_names_field_and_expected_type(data: Any, path: str, expected: str) -> None:
    with pytest.raises(DataValidationError) as info:
        compile_encoder(CLAIM)(data)
    assert (info.value.path, info.value.expected) == (path, expected)
    assert path in str(info.value) and expected in str(info.value)


class Status(enum.Enum):
    OPEN = "OPEN"
    PAID = "PAID"


class Line(pydantic.BaseModel):
    code: str
    amount: decimal.Decimal


class Claim(pydantic.BaseModel):
    claim_id: str
    count: int
    status: Status
    lines: list[Line]
    address: dict[str, str] | None = None
    tags: dict[str, int]
    filed: datetime.date


def test_pydantic_model_encodes_like_its_dict() -> None:
    model = Claim.model_validate({**good(), "status": Status.PAID})
    expected = fastavro_encode(fastavro.parse_schema(CLAIM), {**good(), "status": "PAID"})
    assert compile_encoder(CLAIM)(model) == expected


BODY = fastavro_encode(fastavro.parse_schema(CLAIM), good())
UNDECODABLE = {
    "empty": b"",
    "truncated_in_the_middle": BODY[: len(BODY) // 2],
    "truncated_last_byte": BODY[:-1],
    "trailing_bytes": BODY + b"\x00",
    "union_index_out_of_range": b"\x02c1\x04\x00\x00\x08",
    "negative_string_length": b"\x03abc",
    "invalid_utf8": b"\x04\xff\xfe",
    "endless_varint": b"\xff" * 12,
}


@pytest.mark.parametrize("body", list(UNDECODABLE.values()), ids=list(UNDECODABLE))
def test_undecodable_bytes_raise_decoding_error(body: bytes) -> None:
    with pytest.raises(DecodingError) as info:
        compile_decoder(CLAIM)(body)
    assert "Claim" in str(info.value)
    assert isinstance(info.value, SerializationError)


def test_decoder_accepts_memoryview_and_bytearray() -> None:
    decode = compile_decoder(CLAIM)
    assert decode(memoryview(BODY)) == decode(bytearray(BODY)) == decode(BODY)


@pytest.mark.parametrize("schema", ['{"type": "record"', {"type": "nonsense"}], ids=["bad_json", "bad_type"])
def test_invalid_schema_raises_schema_parse_error(schema: Any) -> None:
    with pytest.raises(SchemaParseError):
        compile_encoder(schema)


def test_public_api_is_pinned() -> None:
    assert sorted(codec.__all__) == ["Decoder", "Encoder", "compile_decoder", "compile_encoder", "compile_encoders"]


def test_schema_given_as_json_text_or_parsed_gives_same_codec() -> None:
    import json

    body = compile_encoder(json.dumps(CLAIM))(good())
    assert body == compile_encoder(fastavro.parse_schema(CLAIM))(good()) == BODY
    assert compile_decoder(json.dumps(CLAIM))(body) == compile_decoder(fastavro.parse_schema(CLAIM))(body)


BIG_ENUM = {"type": "record", "name": "Big", "fields": [
    {"name": "e", "type": {"type": "enum", "name": "Many", "symbols": [f"S{i}" for i in range(100)]}}]}


def test_decoder_falls_back_to_fastavro_where_the_generator_stops(caplog: pytest.LogCaptureFixture) -> None:
    body = fastavro_encode(fastavro.parse_schema(BIG_ENUM), {"e": "S99"})
    decode = compile_decoder(BIG_ENUM, native=False)  # (the C decoder has no such limit)
    assert "using fastavro" in caplog.text
    assert decode(body) == {"e": "S99"}
    with pytest.raises(DecodingError):
        decode(body + b"\x00")
    with pytest.raises(DecodingError):
        decode(b"")


def test_encoder_falls_back_to_fastavro_when_generation_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from mesh.sdk.codec import encoding

    def broken(parsed: Any, named: Any) -> Any:
        raise NotImplementedError("simulated generator gap")

    monkeypatch.setattr(encoding, "generate_encoder", broken)
    encode = compile_encoder(CLAIM)
    assert encode(good()) == BODY
    with pytest.raises(DataValidationError) as info:
        encode(_with(("status",), "CLOSED"))
    assert info.value.path == "Claim.status"


HEADER = b"\x00\x00\x00\x00\x2a"


def test_prefix_is_written_before_the_body() -> None:
    assert compile_encoder(CLAIM, prefix=HEADER)(good()) == HEADER + BODY


def test_offset_skips_the_header_without_slicing() -> None:
    assert compile_decoder(CLAIM, offset=len(HEADER))(HEADER + BODY) == compile_decoder(CLAIM)(BODY)
    with pytest.raises(DecodingError):
        compile_decoder(CLAIM, offset=len(HEADER))(HEADER)


def test_prefix_and_offset_also_apply_on_the_fastavro_fallback() -> None:
    body = fastavro_encode(fastavro.parse_schema(BIG_ENUM), {"e": "S7"})
    assert compile_encoder(BIG_ENUM, prefix=HEADER)({"e": "S7"}) == HEADER + body
    assert compile_decoder(BIG_ENUM, offset=len(HEADER))(HEADER + body) == {"e": "S7"}
    floats = {"type": "record", "name": "F", "fields": [{"name": "f", "type": "float"}]}
    big = {"f": 1e300}  # beyond 32 bits: the generated encoder raises, fastavro writes infinity
    assert compile_encoder(floats, prefix=HEADER)(big) == HEADER + fastavro_encode(fastavro.parse_schema(floats), big)
