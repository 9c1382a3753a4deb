"""The CloudEvents envelope: the `Event` a consumer sees and its mapping to and from Kafka messages.

Pure: no Kafka client, no registry, no Avro. Implements CloudEvents 1.0's Kafka protocol binding:

- binary mode: each attribute is a `ce_<name>` header (UTF-8), `datacontenttype` is the `content-type`
  header, the `partitionkey` extension is the Kafka message key (never a header), the value is the data;
- structured mode: the value is the event as JSON (`content-type: application/cloudevents+json`),
  data in `data` (JSON) or `data_base64` (bytes).

Anything that is not a valid CloudEvent raises `EventFormatError` saying which attribute is wrong.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mesh.core.errors import EventFormatError

SPECVERSION = "1.0"
AVRO_CONTENT_TYPE = "application/avro"
JSON_CONTENT_TYPE = "application/json"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
HEADER_PREFIX = "ce_"
CONTENT_TYPE_HEADER = "content-type"
PARTITIONKEY = "partitionkey"

REQUIRED = ("id", "source", "specversion", "type")
OPTIONAL = ("time", "subject", "dataschema")
# The attributes that are fields of Event; everything else is an extension.
CORE_ATTRIBUTES = frozenset((*REQUIRED, *OPTIONAL, "datacontenttype"))
_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")

# Header name -> attribute name for the attributes every event carries (the consumer's hot path).
_KNOWN_HEADERS = {
    **{HEADER_PREFIX + name: name for name in (*REQUIRED, *OPTIONAL)},
    CONTENT_TYPE_HEADER: "datacontenttype",
}

Headers = Sequence[tuple[str, bytes | str | None]]


@dataclass(slots=True)
class Event:
    """One CloudEvent with its decoded data and, when it came from Kafka, where it was read.

    Treat it as read-only. (Not a frozen dataclass on purpose: a frozen init costs ~7x a plain one,
    which is a visible share of the per-event budget of a consumer.)

    `time` stays the RFC 3339 text of the event (use `timestamp` for a datetime); `key` is the Kafka
    key, which the Kafka binding maps to the `partitionkey` extension.
    """

    id: str
    source: str
    type: str
    data: Any
    specversion: str = SPECVERSION
    time: str | None = None
    subject: str | None = None
    dataschema: str | None = None
    datacontenttype: str | None = None
    extensions: Mapping[str, str] = field(default_factory=dict)
    key: bytes | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    @property
    def partitionkey(self) -> str | None:
        """The `partitionkey` extension: the Kafka key as text."""
        return None if self.key is None else self.key.decode("utf-8", "replace")

    @property
    def timestamp(self) -> dt.datetime | None:
        """`time` parsed to an aware datetime."""
        return None if self.time is None else dt.datetime.fromisoformat(self.time)

    def attributes(self) -> dict[str, str]:
        """Every context attribute that is set, extensions included (not `partitionkey`)."""
        attrs = {"specversion": self.specversion, "id": self.id, "source": self.source, "type": self.type}
        for name in ("time", "subject", "dataschema", "datacontenttype"):
            value = getattr(self, name)
            if value is not None:
                attrs[name] = value
        attrs.update(self.extensions)
        return attrs


def format_time(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with a `Z`, e.g. `2026-11-22T02:19:00.123456Z`; naive datetimes are refused."""
    if moment.tzinfo is None:
        raise EventFormatError(
            f"Event time {moment.isoformat()} has no time zone",
            hint="pass an aware datetime, e.g. datetime.now(timezone.utc)",
        )
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def check_extension_name(name: str) -> str:
    """CloudEvents extension names are 1-20 lower-case letters or digits."""
    if not _EXTENSION_NAME.match(name) or name in CORE_ATTRIBUTES or name == "data":
        raise EventFormatError(
            f"Invalid CloudEvents extension name {name!r}",
            hint="use 1-20 lower-case letters or digits that are not a core attribute name",
        )
    return name


def binary_headers(event: Event) -> list[tuple[str, bytes]]:
    """The Kafka headers of `event` in binary mode (its data goes in the value, its key in the key)."""
    headers: list[tuple[str, bytes]] = []
    for name, value in event.attributes().items():
        if name == PARTITIONKEY:
            continue
        header = CONTENT_TYPE_HEADER if name == "datacontenttype" else HEADER_PREFIX + name
        headers.append((header, value.encode("utf-8")))
    return headers


_AVRO_BYTES = AVRO_CONTENT_TYPE.encode()


PRODUCER_HEADER_ORDER = ("ce_id", "ce_type", "ce_time", "ce_specversion", "ce_source", "ce_dataschema",
                         CONTENT_TYPE_HEADER)
"""The headers of an event from `mesh.Producer` (no subject, no extensions), in the order it writes them."""


def avro_binary_event(
    headers: Headers | None, key: bytes | None, topic: str | None, partition: int | None, offset: int | None
) -> Event | None:
    """The Event (data not yet set) of the common message shape, or None for anything else.

    The consumer's hot path: binary mode, `content-type: application/avro`, the required attributes
    plus any of time/subject/dataschema as UTF-8 bytes, no other headers. Everything else (extensions,
    foreign headers, str values, missing or invalid attributes, other content types) returns None, and
    `split_headers` + `binary_event` handle it, raising the precise error where there is one.
    """
    layout: Any = headers  # checked by unpacking and comparing: anything unexpected raises or misses
    try:  # the exact layout our producers write (PRODUCER_HEADER_ORDER): unpacked in place, no dict
        (n0, id_), (n1, type_), (n2, time_), (n3, version), (n4, source), (n5, schema), (n6, content) = layout
        if (n0 == "ce_id" and n1 == "ce_type" and n2 == "ce_time" and n3 == "ce_specversion" and n4 == "ce_source"
                and n5 == "ce_dataschema" and n6 == CONTENT_TYPE_HEADER and content == _AVRO_BYTES
                and version == b"1.0" and id_ and type_ and source):
            return Event(id_.decode(), source.decode(), type_.decode(), None, SPECVERSION, time_.decode(), None,
                         schema.decode(), AVRO_CONTENT_TYPE, {}, key, topic, partition, offset)
    except (TypeError, ValueError, AttributeError):  # another layout (UnicodeDecodeError is a ValueError)
        pass
    return _avro_binary_event_any_order(headers, key, topic, partition, offset)


def _avro_binary_event_any_order(
    headers: Headers | None, key: bytes | None, topic: str | None, partition: int | None, offset: int | None
) -> Event | None:
    if not headers:
        return None
    h: dict[str, Any] = dict(headers)  # values are bytes here; anything else fails below and returns None
    try:
        if h.pop(CONTENT_TYPE_HEADER) != _AVRO_BYTES:
            return None
        event_id = h.pop("ce_id").decode()
        source = h.pop("ce_source").decode()
        event_type = h.pop("ce_type").decode()
        specversion = h.pop("ce_specversion").decode()
        raw_time, raw_subject, raw_schema = h.pop("ce_time", None), h.pop("ce_subject", None), h.pop("ce_dataschema", None)
        time = None if raw_time is None else raw_time.decode()
        subject = None if raw_subject is None else raw_subject.decode()
        dataschema = None if raw_schema is None else raw_schema.decode()
    except (KeyError, AttributeError, UnicodeDecodeError):
        return None
    if h or specversion != SPECVERSION or not event_id or not source or not event_type:
        return None
    return Event(event_id, source, event_type, None, specversion, time, subject, dataschema, AVRO_CONTENT_TYPE,
                 {}, key, topic, partition, offset)


def split_headers(headers: Headers | None) -> tuple[dict[str, str], str | None]:
    """(ce_* attributes by name, content-type) of a message; header names other than these are ignored."""
    attrs: dict[str, str] = {}
    content_type = None
    if headers:
        # Hot path: every consumed event. Known names map without slicing; bytes values decode in
        # place; anything odd (str or None values, invalid UTF-8) takes the checked path.
        known = _KNOWN_HEADERS
        try:
            for name, value in headers:
                short = known.get(name)
                if short is not None:
                    attrs[short] = value.decode()  # type: ignore[union-attr]
                elif name[:3] == "ce_":
                    attrs[name[3:]] = value.decode()  # type: ignore[union-attr]
        except (AttributeError, UnicodeDecodeError):
            return _split_headers_checked(headers)
        content_type = attrs.pop("datacontenttype", None)
    return attrs, content_type


def _split_headers_checked(headers: Headers) -> tuple[dict[str, str], str | None]:
    attrs: dict[str, str] = {}
    content_type = None
    for name, value in headers:
        if name.startswith(HEADER_PREFIX):
            attrs[name[3:]] = _text(name, value)
        elif name == CONTENT_TYPE_HEADER:
            content_type = _text(name, value)
    return attrs, content_type or attrs.pop("datacontenttype", None)


def _text(name: str, value: bytes | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EventFormatError(
            f"Header {name!r} is not UTF-8: {value[:32]!r}", hint="CloudEvents headers carry UTF-8 text"
        ) from exc


def is_structured(content_type: str | None) -> bool:
    """Whether a message's content-type says structured mode."""
    return content_type is not None and content_type.startswith(STRUCTURED_CONTENT_TYPE)


def binary_event(
    attrs: dict[str, str],
    content_type: str | None,
    data: Any,
    *,
    key: bytes | None = None,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
) -> Event:
    """Build the Event of a binary-mode message from its split headers and decoded data."""
    try:
        event_id = attrs.pop("id")
        source = attrs.pop("source")
        specversion = attrs.pop("specversion")
        event_type = attrs.pop("type")
    except KeyError as exc:
        raise _missing(exc.args[0], present=attrs) from None
    if specversion != SPECVERSION or not event_id or not source or not event_type:
        _check_required({"id": event_id, "source": source, "specversion": specversion, "type": event_type})
    return Event(
        event_id,
        source,
        event_type,
        data,
        specversion,
        attrs.pop("time", None),
        attrs.pop("subject", None),
        attrs.pop("dataschema", None),
        content_type,
        attrs,
        key,
        topic,
        partition,
        offset,
    )


def _missing(name: str, *, present: Mapping[str, str]) -> EventFormatError:
    return EventFormatError(
        f"Not a CloudEvent: required attribute {name!r} (header 'ce_{name}') is missing; "
        f"present: {', '.join(sorted(present)) or 'none'}",
        hint="binary-mode events carry ce_id, ce_source, ce_specversion and ce_type headers; "
        "structured-mode events use content-type application/cloudevents+json",
    )


def _check_required(attrs: Mapping[str, Any]) -> None:
    for name in REQUIRED:
        value = attrs.get(name)
        if not isinstance(value, str) or not value:
            raise EventFormatError(
                f"Not a CloudEvent: required attribute {name!r} must be a non-empty string, got {value!r}",
                hint="set id, source, specversion and type on every event",
            )
    if attrs["specversion"] != SPECVERSION:
        raise EventFormatError(
            f"Unsupported CloudEvents specversion {attrs['specversion']!r}",
            hint=f"this mesh reads CloudEvents {SPECVERSION}",
        )


def parse_structured(value: bytes | str | None) -> tuple[dict[str, Any], Any, bytes | None]:
    """Parse a structured-mode value into (attributes, JSON data, binary data).

    Exactly one of the two data items is set when the event has data: `data` (already JSON) or the
    bytes of `data_base64` (to be decoded according to `datacontenttype`).
    """
    try:
        document = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventFormatError(
            f"Structured-mode CloudEvent is not valid JSON: {exc}; saw {(value or b'')[:40]!r}",
            hint="the value of an application/cloudevents+json message is one JSON object",
        ) from exc
    if not isinstance(document, dict):
        raise EventFormatError(
            f"Structured-mode CloudEvent must be a JSON object, got {type(document).__name__}",
            hint="the value of an application/cloudevents+json message is one JSON object",
        )
    _check_required(document)
    data = document.pop("data", None)
    binary = None
    if "data_base64" in document:
        try:
            binary = base64.b64decode(document.pop("data_base64"), validate=True)
        except (binascii.Error, TypeError) as exc:
            raise EventFormatError(
                f"Structured-mode CloudEvent {document['id']!r} has invalid data_base64: {exc}",
                hint="data_base64 must be standard base64",
            ) from exc
    for name, attr in document.items():
        if not isinstance(attr, str):
            # Attributes of other types (integers, booleans) are legal; the Kafka binding carries text.
            document[name] = json.dumps(attr) if not isinstance(attr, bool) else str(attr).lower()
    return document, data, binary


def structured_event(
    attrs: dict[str, Any],
    data: Any,
    *,
    key: bytes | None = None,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
) -> Event:
    """Build the Event of a structured-mode message from its parsed attributes and decoded data."""
    attrs = dict(attrs)
    attrs.pop(PARTITIONKEY, None)
    return binary_event(
        attrs, attrs.pop("datacontenttype", None), data, key=key, topic=topic, partition=partition, offset=offset
    )


def to_structured(event: Event) -> dict[str, Any]:
    """The structured-mode JSON object of an event whose data was decoded (rendered as JSON data).

    `datacontenttype` becomes application/json because the data is now JSON; `dataschema` still points
    at the Avro schema the data was written with, and the Kafka key appears as `partitionkey`.
    """
    document: dict[str, Any] = event.attributes()
    document["datacontenttype"] = JSON_CONTENT_TYPE
    if event.key is not None:
        document[PARTITIONKEY] = event.partitionkey
    document["data"] = event.data
    return document


def render_structured(event: Event) -> str:
    """One line of structured-mode JSON; Avro values JSON lacks (decimals, dates, bytes) become text."""
    return json.dumps(to_structured(event), default=json_default, ensure_ascii=False, separators=(",", ":"))


def json_default(value: object) -> object:
    """JSON for Avro's logical values: decimals as exact strings, dates and times in ISO 8601, bytes in base64."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return format_time(value) if value.tzinfo else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
