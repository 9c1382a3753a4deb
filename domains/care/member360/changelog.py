"""Binary changelog records of the processor's two tables: a member's fold state and a local ID's entry.

Every folded event rewrites its member's state to the `views` changelog, and every held claim or visit
is a record of its own and rewrites its local ID's entry (the link, the range of the waiting records and
an id of each, see `held.py`) in the `identities` changelog: these records are on the
processor's hot path. They are Avro bodies written by the SDK's codec (the C encoder where built) after
a one-byte format marker, instead of JSON (a typical state: ~25 us instead of ~350 us, and raw events
are kept as bytes instead of base64). Records written as JSON by earlier versions still load: their
first byte is `{`, never a format marker.

Decimals are kept as their text (exact, whatever their exponent); datetimes as timestamp-micros, which
reads back as the same instant in UTC (state times come from RFC 3339 times and Avro timestamps, all
aware).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domains.care.member360 import view as model
from mesh.sdk.codec import compile_decoder, compile_encoder

STATE_FORMAT = b"\x01"
"""First byte of a binary state record (a JSON record starts with `{`)."""
HELD_FORMAT = b"\x04"
HELD_FORMAT_V2 = b"\x02"
HELD_FORMAT_V1 = b"\x01"
RAW_FORMAT = b"\x03"
"""First byte of a waiting event of its own (it shares the identities table with the entries)."""

_TS = {"type": "long", "logicalType": "timestamp-micros"}
_DATE = {"type": "int", "logicalType": "date"}


def _record(name: str, *fields: tuple[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": [{"name": n, "type": t} for n, t in fields]}


def _optional(schema: Any) -> list[Any]:
    return ["null", schema]


STATE_SCHEMA: dict[str, Any] = {**_record(
    "Member360State",
    ("member_id", "string"),
    ("updated_at", _TS),
    ("enrollment", _optional(_record("Enrollment", ("at", _TS), ("event_id", "string")))),
    ("disenrollment", _optional(_record("Disenrollment", ("at", _TS), ("reason", "string"), ("event_id", "string")))),
    ("profile", _optional(_record("Profile", ("given_name", "string"), ("family_name", "string"),
                                  ("birth_date", _DATE), ("email", "string"), ("postal_code", "string"),
                                  ("as_of", _TS), ("event_id", "string")))),
    ("coverage", _optional(_record("Coverage", ("plan_code", "string"), ("coverage_tier", "string"),
                                   ("effective_date", _DATE), ("as_of", _TS), ("event_id", "string")))),
    ("claims", {"type": "map", "values": _record(
        "ClaimFacts",
        ("submission", _optional(_record("Submission", ("at", _TS), ("service_date", _DATE),
                                         ("provider_id", "string"), ("billed_amount", "string"),
                                         ("event_id", "string")))),
        ("adjudication", _optional(_record("Adjudication", ("at", _TS), ("outcome", "string"),
                                           ("allowed_amount", "string"), ("event_id", "string")))),
        ("payment", _optional(_record("Payment", ("at", _TS), ("paid_amount", "string"), ("event_id", "string")))),
    )}),
    ("visits", {"type": "map", "values": _record(
        "Visit", ("completed_at", _TS), ("visit_type", "string"), ("provider_id", "string"),
        ("diagnosis_codes", {"type": "array", "items": "string"}), ("event_id", "string"))}),
), "namespace": "mesh.care.internal"}
"""The fold state of one member (claim and visit ids are the map keys)."""

RAW_SCHEMA: dict[str, Any] = {**_record(
    "RawMessage", ("topic", "string"), ("partition", "int"), ("offset", "long"), ("key", _optional("bytes")),
    ("value", _optional("bytes")), ("headers", {"type": "array", "items": {"type": "array", "items": "bytes"}}),
    ("timestamp_ms", "long")), "namespace": "mesh.care.internal"}
"""One raw Kafka message waiting for its link (headers as [name UTF-8, value] pairs)."""

HELD_SCHEMA_V1: dict[str, Any] = {**_record(
    "HeldEntry",
    ("member_id", _optional("string")),
    ("linked_at", _optional(_TS)),
    ("link_event_id", "string"),
    ("pending", {"type": "array", "items": RAW_SCHEMA}),
), "namespace": "mesh.care.internal"}
"""The first binary held entry (format 1): every waiting raw event inside the entry. Still loads."""

HELD_SCHEMA_V2: dict[str, Any] = {**HELD_SCHEMA_V1, "fields": [
    *HELD_SCHEMA_V1["fields"],
    {"name": "held_from", "type": "long"},
    {"name": "held_to", "type": "long"},
]}
"""Format 2: the first waiting events inline (`pending`), the rest records of their own numbered
[held_from, held_to). Still loads (its records' ids unknown: `waiting_ids` None)."""

HELD_SCHEMA: dict[str, Any] = {**HELD_SCHEMA_V2, "fields": [
    *HELD_SCHEMA_V2["fields"],
    {"name": "waiting_ids", "type": "bytes"},
]}
"""One local ID's link and where its waiting events are: records of their own numbered [held_from,
held_to), and an 8-byte digest of each one's CloudEvent source and id, in order (`waiting_ids`), so a
redelivery is recognised without reading them (see `held.py`); `pending`: inline events of entries
written by format 2, until released."""

# compile_encoder's encoder tries the C (or generated) fast path first and diagnoses only when it refuses
_encode_state = compile_encoder(STATE_SCHEMA, prefix=STATE_FORMAT)
_decode_state = compile_decoder(STATE_SCHEMA, offset=1)
_encode_held = compile_encoder(HELD_SCHEMA, prefix=HELD_FORMAT)
_decode_held = compile_decoder(HELD_SCHEMA, offset=1)
_decode_held_v2 = compile_decoder(HELD_SCHEMA_V2, offset=1)
_decode_held_v1 = compile_decoder(HELD_SCHEMA_V1, offset=1)
_encode_raw = compile_encoder(RAW_SCHEMA, prefix=RAW_FORMAT)
_decode_raw = compile_decoder(RAW_SCHEMA, offset=1)


def state_record(view: Any) -> dict[str, Any]:
    """The Avro datum of a `MemberView`."""
    enr, dis, pro, cov = view.enrollment, view.disenrollment, view.profile, view.coverage
    claims = {}
    for cid, c in view.claims.items():
        sub, adj, pay = c.submission, c.adjudication, c.payment
        claims[cid] = {
            "submission": None if sub is None else {
                "at": sub.at, "service_date": sub.service_date, "provider_id": sub.provider_id,
                "billed_amount": str(sub.billed_amount), "event_id": sub.event_id},
            "adjudication": None if adj is None else {
                "at": adj.at, "outcome": adj.outcome, "allowed_amount": str(adj.allowed_amount),
                "event_id": adj.event_id},
            "payment": None if pay is None else {
                "at": pay.at, "paid_amount": str(pay.paid_amount), "event_id": pay.event_id},
        }
    return {
        "member_id": view.member_id,
        "updated_at": view.updated_at,
        "enrollment": None if enr is None else {"at": enr.at, "event_id": enr.event_id},
        "disenrollment": None if dis is None else {"at": dis.at, "reason": dis.reason, "event_id": dis.event_id},
        "profile": None if pro is None else {
            "given_name": pro.given_name, "family_name": pro.family_name, "birth_date": pro.birth_date,
            "email": pro.email, "postal_code": pro.postal_code, "as_of": pro.as_of, "event_id": pro.event_id},
        "coverage": None if cov is None else {
            "plan_code": cov.plan_code, "coverage_tier": cov.coverage_tier, "effective_date": cov.effective_date,
            "as_of": cov.as_of, "event_id": cov.event_id},
        "claims": claims,
        "visits": {vid: {"completed_at": v.completed_at, "visit_type": v.visit_type, "provider_id": v.provider_id,
                         "diagnosis_codes": list(v.diagnosis_codes), "event_id": v.event_id}
                   for vid, v in view.visits.items()},
    }


def dump_state(view: model.MemberView) -> bytes:
    """The changelog bytes of a member's fold state."""
    return _encode_state(state_record(view))


def _opt(data: dict[str, Any] | None, build: Any) -> Any:
    return None if data is None else build(**data)


def load_state(data: bytes) -> model.MemberView:
    """The view `dump_state` wrote."""
    if data[:1] != STATE_FORMAT:
        raise ValueError(f"Not a binary member-360 state record (first byte {data[:1]!r})")
    d = _decode_state(data)
    claims = {}
    for cid, c in d["claims"].items():
        sub, adj, pay = c["submission"], c["adjudication"], c["payment"]
        claims[cid] = model.ClaimFacts(
            claim_id=cid,
            submission=None if sub is None else model.Submission(
                at=sub["at"], service_date=sub["service_date"], provider_id=sub["provider_id"],
                billed_amount=Decimal(sub["billed_amount"]), event_id=sub["event_id"]),
            adjudication=None if adj is None else model.Adjudication(
                at=adj["at"], outcome=adj["outcome"], allowed_amount=Decimal(adj["allowed_amount"]),
                event_id=adj["event_id"]),
            payment=None if pay is None else model.Payment(
                at=pay["at"], paid_amount=Decimal(pay["paid_amount"]), event_id=pay["event_id"]),
        )
    return model.MemberView(
        member_id=d["member_id"], updated_at=d["updated_at"],
        enrollment=_opt(d["enrollment"], model.Enrollment), disenrollment=_opt(d["disenrollment"], model.Disenrollment),
        profile=_opt(d["profile"], model.Profile), coverage=_opt(d["coverage"], model.Coverage), claims=claims,
        visits={vid: model.Visit(visit_id=vid, completed_at=v["completed_at"], visit_type=v["visit_type"],
                           provider_id=v["provider_id"], diagnosis_codes=tuple(v["diagnosis_codes"]),
                           event_id=v["event_id"])
                for vid, v in d["visits"].items()},
    )


def raw_record(raw: Any) -> dict[str, Any]:
    """The Avro datum of a `RawMessage`."""
    return {"topic": raw.topic, "partition": raw.partition, "offset": raw.offset, "key": raw.key, "value": raw.value,
            "headers": [[name.encode(), value] for name, value in raw.headers], "timestamp_ms": raw.timestamp_ms}


def _raw_fields(record: dict[str, Any]) -> dict[str, Any]:
    record["headers"] = tuple((name.decode(), value) for name, value in record["headers"])
    return record


def dump_raw(raw: Any) -> bytes:
    """The changelog bytes of one waiting raw message stored as a record of its own."""
    return _encode_raw(raw_record(raw))


def load_raw(data: bytes) -> dict[str, Any]:
    """The `RawMessage` fields `dump_raw` wrote (headers as (str, bytes) tuples)."""
    if data[:1] != RAW_FORMAT:
        raise ValueError(f"Not a binary member-360 held message (first byte {data[:1]!r})")
    return _raw_fields(_decode_raw(data))


def held_record(member_id: str | None, linked_at: Any, link_event_id: str, pending: tuple[Any, ...],
                held_from: int = 0, held_to: int = 0, waiting_ids: bytes = b"") -> dict[str, Any]:
    """The Avro datum of a held entry's fields (`pending`: the inline RawMessages)."""
    return {"member_id": member_id, "linked_at": linked_at, "link_event_id": link_event_id,
            "pending": [raw_record(r) for r in pending], "held_from": held_from, "held_to": held_to,
            "waiting_ids": waiting_ids}


def dump_held_record(record: dict[str, Any]) -> bytes:
    """The changelog bytes of a `held_record`."""
    return _encode_held(record)


def dump_held_record_v2(record: dict[str, Any]) -> bytes:
    """Format-2 bytes of a `held_record` (what earlier versions wrote; kept to prove they still load)."""
    return compile_encoder(HELD_SCHEMA_V2, prefix=HELD_FORMAT_V2)(
        {name: record[name] for name in ("member_id", "linked_at", "link_event_id", "pending", "held_from", "held_to")})


def dump_held_record_v1(record: dict[str, Any]) -> bytes:
    """Format-1 bytes of a `held_record` (what earlier versions wrote; kept to prove they still load)."""
    return compile_encoder(HELD_SCHEMA_V1, prefix=HELD_FORMAT_V1)(
        {name: record[name] for name in ("member_id", "linked_at", "link_event_id", "pending")})


def load_held_record(data: bytes) -> dict[str, Any]:
    """The `held_record` that `dump_held_record` (or a format-1 or -2 writer) wrote (headers as (str, bytes)
    tuples). Format 2 kept no ids of its waiting records: `waiting_ids` None when it has any."""
    if data[:1] == HELD_FORMAT:
        record: dict[str, Any] = _decode_held(data)
    elif data[:1] == HELD_FORMAT_V2:
        record = _decode_held_v2(data)
        record["waiting_ids"] = b"" if record["held_from"] == record["held_to"] else None
    elif data[:1] == HELD_FORMAT_V1:
        record = {**_decode_held_v1(data), "held_from": 0, "held_to": 0, "waiting_ids": b""}
    else:
        raise ValueError(f"Not a binary member-360 held entry (first byte {data[:1]!r})")
    for raw in record["pending"]:
        _raw_fields(raw)
    return record
