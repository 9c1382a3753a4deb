"""The CloudEvents Kafka binding: header mapping both ways, structured JSON, and the cloudevents SDK agreeing."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from cloudevents.v1 import kafka as ce_kafka
from cloudevents.v1.http import CloudEvent as SdkCloudEvent

from mesh.core.errors import EventFormatError
from mesh.sdk.envelope import (
    PRODUCER_HEADER_ORDER,
    Event,
    avro_binary_event,
    binary_event,
    binary_headers,
    check_extension_name,
    format_time,
    json_default,
    parse_structured,
    render_structured,
    split_headers,
    structured_event,
    to_structured,
)

FULL = Event(
    id="abc-1",
    source="/claims/intake",
    type="com.healthco.claims.ClaimSubmitted.v1",
    data=None,
    time="2026-11-22T02:19:00.123Z",
    subject="C-1",
    dataschema="http://registry/schemas/ids/3",
    datacontenttype="application/avro",
    extensions={"traceparent": "00-abc-01", "tenant": "nl"},
)
MINIMAL = Event(id="1", source="s", type="com.healthco.claims.X.v1", data=None)


@pytest.mark.parametrize("event", [FULL, MINIMAL], ids=["all-attributes", "required-only"])
def test_binary_headers_round_trip(event: Event) -> None:
    attrs, content_type = split_headers(binary_headers(event))
    assert binary_event(attrs, content_type, None) == event


def test_partitionkey_is_the_kafka_key_not_a_header() -> None:
    event = Event(id="1", source="s", type="t", data=None, key=b"M-1")
    assert all(name != "ce_partitionkey" for name, _ in binary_headers(event))
    assert event.partitionkey == "M-1"


def test_our_headers_read_by_the_cloudevents_sdk_attribute_for_attribute() -> None:
    message = ce_kafka.KafkaMessage(dict(binary_headers(FULL)), b"M-1", b"\x00")
    sdk_event = ce_kafka.from_binary(message, data_unmarshaller=lambda value: value)
    expected = {**FULL.attributes(), "partitionkey": b"M-1"}
    assert sdk_event.get_attributes() == expected


def test_cloudevents_sdk_headers_read_by_us() -> None:
    attributes = {"id": "x-9", "source": "/other/tool", "type": "org.other.Thing.v2", "time": "2026-01-01T00:00:00Z",
                  "datacontenttype": "application/avro", "partitionkey": "k1", "tenant": "be"}
    message = ce_kafka.to_binary(SdkCloudEvent(attributes, b"\x00"), data_marshaller=lambda data: data)
    attrs, content_type = split_headers(list(message.headers.items()))
    key = message.key.encode() if isinstance(message.key, str) else message.key
    event = binary_event(attrs, content_type, None, key=key)
    assert (event.id, event.source, event.type, event.time) == ("x-9", "/other/tool", "org.other.Thing.v2",
                                                                 "2026-01-01T00:00:00Z")
    assert (event.datacontenttype, event.extensions, event.partitionkey) == ("application/avro", {"tenant": "be"}, "k1")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([], "'id'"),
        ([("ce_id", b"1"), ("ce_source", b"s"), ("ce_type", b"t")], "'specversion'"),
        ([("ce_id", b"1"), ("ce_source", b"s"), ("ce_specversion", b"1.0")], "'type'"),
        ([("ce_id", b""), ("ce_source", b"s"), ("ce_specversion", b"1.0"), ("ce_type", b"t")], "'id' must be"),
        ([("ce_id", b"1"), ("ce_source", b"s"), ("ce_specversion", b"0.3"), ("ce_type", b"t")], "'0.3'"),
        ([("ce_id", b"\xff"), ("ce_source", b"s"), ("ce_specversion", b"1.0"), ("ce_type", b"t")], "not UTF-8"),
    ],
    ids=["no-headers", "missing-specversion", "missing-type", "empty-id", "old-specversion", "not-utf8"],
)
def test_invalid_binary_events_name_the_attribute(headers: list[tuple[str, bytes]], message: str) -> None:
    with pytest.raises(EventFormatError, match=message):
        attrs, content_type = split_headers(headers)
        binary_event(attrs, content_type, None)


def test_structured_mode_round_trip_through_json() -> None:
    event = Event(id="1", source="s", type="t", data={"amount": "1.50"}, time="2026-11-22T00:00:00Z",
                  extensions={"tenant": "nl"}, key=b"k")
    attrs, data, binary = parse_structured(render_structured(event).encode())
    got = structured_event(attrs, data, key=b"k")
    assert binary is None
    assert got.attributes() == {**event.attributes(), "datacontenttype": "application/json"}
    assert (got.data, got.key) == (event.data, event.key)


def test_structured_data_base64_comes_back_as_bytes() -> None:
    value = json.dumps({"specversion": "1.0", "id": "1", "source": "s", "type": "t",
                        "datacontenttype": "application/avro", "data_base64": "AAAAAAFhYmM="})
    attrs, data, binary = parse_structured(value)
    assert (data, binary, attrs["datacontenttype"]) == (None, b"\x00\x00\x00\x00\x01abc", "application/avro")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"specversion": "1.0", "id": "1", "source": "s"}', "'type'"),
        (b'{"specversion": "1.0", "id": 5, "source": "s", "type": "t"}', "'id' must be a non-empty string"),
        (b'{"specversion": "1.0", "id": "1", "source": "s", "type": "t", "data_base64": "@@"}', "data_base64"),
        (None, "not valid JSON"),
    ],
    ids=["not-json", "not-object", "missing-type", "id-not-string", "bad-base64", "tombstone"],
)
def test_invalid_structured_events_are_refused(value: bytes | None, message: str) -> None:
    with pytest.raises(EventFormatError, match=message):
        parse_structured(value)


def test_structured_json_is_what_the_cloudevents_sdk_reads() -> None:
    line = render_structured(FULL)
    sdk_event = ce_kafka.from_structured(ce_kafka.KafkaMessage({}, None, line.encode()))
    assert sdk_event["id"] == FULL.id
    assert sdk_event["type"] == FULL.type
    assert sdk_event["tenant"] == "nl"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2026, 11, 22, 2, 19, tzinfo=dt.UTC), "2026-11-22T02:19:00Z"),
        (dt.datetime(2026, 11, 22, 3, 19, 0, 5000, tzinfo=dt.timezone(dt.timedelta(hours=1))),
         "2026-11-22T02:19:00.005000Z"),
    ],
    ids=["utc", "offset-converted-to-utc"],
)
def test_time_is_rfc3339_utc(moment: dt.datetime, expected: str) -> None:
    assert format_time(moment) == expected


def test_naive_time_is_refused() -> None:
    with pytest.raises(EventFormatError, match="no time zone"):
        format_time(dt.datetime(2026, 11, 22))


@pytest.mark.parametrize("name", ["Tenant", "partition_key", "x" * 21, "id", "data", ""],
                         ids=["upper", "underscore", "too-long", "core-name", "data", "empty"])
def test_invalid_extension_names_are_refused(name: str) -> None:
    with pytest.raises(EventFormatError, match="extension name"):
        check_extension_name(name)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.50"), "1234.50"),
        (dt.date(2026, 11, 2), "2026-11-02"),
        (dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC), "2026-11-02T09:30:00Z"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (b"\x00\x01", "AAE="),
    ],
    ids=["decimal-exact", "date", "timestamp", "uuid", "bytes-base64"],
)
def test_avro_values_render_as_json_text(value: Any, expected: str) -> None:
    assert json_default(value) == expected


def test_rendered_event_says_json_and_keeps_the_schema_link() -> None:
    document = to_structured(FULL)
    assert document["datacontenttype"] == "application/json"
    assert document["dataschema"] == FULL.dataschema


def test_text_and_empty_header_values_take_the_checked_path() -> None:
    attrs, content_type = split_headers([("ce_id", "text"), ("ce_tenant", None), ("content-type", "application/avro")])
    assert (attrs, content_type) == ({"id": "text", "tenant": ""}, "application/avro")


OURS = [("ce_id", b"abc-1"), ("ce_type", b"com.healthco.claims.ClaimSubmitted.v1"), ("ce_time", b"2026-11-22T02:19:00.123Z"),
        ("ce_specversion", b"1.0"), ("ce_source", b"/claims/intake"), ("ce_dataschema", b"http://r/schemas/ids/3"),
        ("content-type", b"application/avro")]
HOT_PATH_CASES = {
    "our layout": OURS,
    "reordered": OURS[::-1],
    "with subject": [*OURS, ("ce_subject", b"C-1")],
    "without time": [h for h in OURS if h[0] != "ce_time"],
    "with an extension": [*OURS, ("ce_tenant", b"nl")],
    "with a foreign header": [*OURS, ("traceparent", b"00-abc-01")],
    "str values": [(name, value.decode()) for name, value in OURS],
    "empty id": [("ce_id", b""), *OURS[1:]],
    "specversion 0.3": [*OURS[:3], ("ce_specversion", b"0.3"), *OURS[4:]],
    "json content": [*OURS[:6], ("content-type", b"application/json")],
    "not utf-8": [("ce_id", b"\xff\xfe"), *OURS[1:]],
    "missing source": [h for h in OURS if h[0] != "ce_source"],
}


@pytest.mark.parametrize("case", list(HOT_PATH_CASES))
def test_hot_path_gives_the_checked_paths_event_or_leaves_it_to_them(case: str) -> None:
    headers = HOT_PATH_CASES[case]
    fast = avro_binary_event(headers, b"k", "t", 0, 7)
    try:
        attrs, content_type = split_headers(headers)
        checked: Event | None = binary_event(attrs, content_type, None, key=b"k", topic="t", partition=0, offset=7)
    except EventFormatError:
        checked = None
    if fast is not None:  # whatever the hot path accepts, it reads exactly as the checked path does
        assert fast == checked
    # our own producer's layout, and other orders of the same headers, take the hot path
    assert (fast is not None) == (case in {"our layout", "reordered", "with subject", "without time"})


def test_producer_header_order_is_the_layout_the_hot_path_expects() -> None:
    assert [name for name, _ in OURS] == list(PRODUCER_HEADER_ORDER)
