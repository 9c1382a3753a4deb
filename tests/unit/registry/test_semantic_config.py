"""Semantic breaks in the registry: messages in verbose compatibility answers, and the opt-in
per-subject `refuseSemanticBreaks` config field that makes registration refuse them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mesh.registry import InMemoryLog
from mesh.registry.records import ConfigRecord, decode, encode
from mesh.registry.state import RegistryState
from tests.unit.registry.conftest import make_client, record, run

DEC = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
V1 = record("Claim", ("id", "string"), ("billed_amount", DEC))
AS_STRING = record("Claim", ("id", "string"), ("billed_amount", "string"))
STATUS = {"type": "enum", "name": "Status", "symbols": ["OPEN", "PAID", "DENIED"], "default": "OPEN"}
WITH_STATUS = record("Claim", ("id", "string"), ("status", STATUS))
FEWER_SYMBOLS = record("Claim", ("id", "string"), ("status", {**STATUS, "symbols": ["OPEN", "PAID"]}))


def verbose(client: TestClient, schema: str, subject: str = "s") -> dict[str, Any]:
    response = client.post(f"/compatibility/subjects/{subject}/versions/latest?verbose=true", json={"schema": schema})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_verbose_answers_carry_semantic_findings_but_the_verdict_stays_avros(client: TestClient) -> None:
    run(client, [("POST", "/subjects/s/versions", {"schema": V1})])
    body = verbose(client, AS_STRING)
    assert body["is_compatible"] is True  # bytes -> string is an Avro promotion
    (message,) = body["messages"]
    assert message.startswith("SEMANTIC ERROR DECIMAL_REPRESENTATION_CHANGED at '/fields/1/type' "
                              "(field billed_amount) against version 1: bytes (decimal(12, 2)) becomes string")
    assert "reads 123.45 (written as b'\\x30\\x39') as the bare string '09'" in message
    assert '{"refuseSemanticBreaks": true}' in message
    plain = client.post("/compatibility/subjects/s/versions/latest", json={"schema": AS_STRING}).json()
    assert plain == {"is_compatible": True}  # Confluent clients see no change
    assert client.post("/subjects/s/versions", json={"schema": AS_STRING}).status_code == 200


def test_refuse_semantic_breaks_is_a_per_subject_opt_in(client: TestClient) -> None:
    run(client, [("POST", "/subjects/s/versions", {"schema": V1}), ("POST", "/subjects/other/versions", {"schema": V1}),
                 ("PUT", "/config/s", {"compatibility": "BACKWARD"})])
    put = client.put("/config/s", json={"refuseSemanticBreaks": True})
    assert put.json() == {"compatibility": "BACKWARD", "refuseSemanticBreaks": True}
    assert client.get("/config/s").json() == {"compatibilityLevel": "BACKWARD", "refuseSemanticBreaks": True}
    body = verbose(client, AS_STRING)
    assert body["is_compatible"] is False
    assert body["messages"][0].endswith("[refused: refuseSemanticBreaks is on]")
    refused = client.post("/subjects/s/versions", json={"schema": AS_STRING})
    assert refused.status_code == 409
    assert refused.json()["error_code"] == 409
    assert "DECIMAL_REPRESENTATION_CHANGED" in refused.json()["message"]
    # Warnings never block; other subjects are untouched.
    run(client, [("POST", "/subjects/e/versions", {"schema": WITH_STATUS}),
                 ("PUT", "/config/e", {"refuseSemanticBreaks": True})])
    warned = verbose(client, FEWER_SYMBOLS, "e")
    assert warned["is_compatible"] is True
    assert [m.split(" ", 3)[:3] for m in warned["messages"]] == [["SEMANTIC", "WARNING", "ENUM_SYMBOL_READ_AS_DEFAULT"]]
    assert client.post("/subjects/other/versions", json={"schema": AS_STRING}).status_code == 200
    # A level alone keeps the setting; DELETE /config/s removes both.
    assert client.put("/config/s", json={"compatibility": "FULL"}).json() == {
        "compatibility": "FULL", "refuseSemanticBreaks": True}
    client.delete("/config/s")
    assert client.post("/subjects/s/versions", json={"schema": AS_STRING}).status_code == 200


def test_the_global_setting_applies_to_subjects_without_their_own(client: TestClient) -> None:
    run(client, [("POST", "/subjects/s/versions", {"schema": V1}), ("PUT", "/config", {"refuseSemanticBreaks": True}),
                 ("PUT", "/config/s", {"compatibility": "BACKWARD", "refuseSemanticBreaks": False})])
    assert client.get("/config").json() == {"compatibilityLevel": "BACKWARD", "refuseSemanticBreaks": True}
    assert verbose(client, AS_STRING)["is_compatible"] is True
    run(client, [("POST", "/subjects/t/versions", {"schema": V1})])
    assert verbose(client, AS_STRING, "t")["is_compatible"] is False


@pytest.mark.parametrize("body", [{"refuseSemanticBreaks": "yes"}, {}], ids=["not-a-boolean", "empty"])
def test_bad_config_bodies_are_refused(client: TestClient, body: dict[str, Any]) -> None:
    response = client.put("/config/s", json=body)
    assert response.status_code in (400, 422), response.text
    assert client.get("/config/s?defaultToGlobal=true").json() == {"compatibilityLevel": "BACKWARD"}


def test_the_setting_survives_the_log() -> None:
    for item in (ConfigRecord("s", "FULL", True), ConfigRecord("s", "FULL"), ConfigRecord(None, None)):
        assert decode(*encode(item)) == item
    log = InMemoryLog()
    with make_client(log) as first:
        run(first, [("POST", "/subjects/s/versions", {"schema": V1}),
                    ("PUT", "/config/s", {"compatibility": "BACKWARD", "refuseSemanticBreaks": True})])
    with make_client(log) as second:
        assert second.post("/subjects/s/versions", json={"schema": AS_STRING}).status_code == 409
    state = RegistryState()
    state.apply(ConfigRecord("s", "FULL", True))
    state.apply(ConfigRecord("s", None))
    assert not state.refuses_semantic("s")
