"""The Confluent REST semantics: ids, versions, lookups, deletes, levels, modes, references, import."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.registry.conftest import OTHER, V1, V2_COMPATIBLE, V2_NO_DEFAULT, record, run


def register(client: TestClient, subject: str, schema: str, **extra: Any) -> Any:
    response = client.post(f"/subjects/{subject}/versions", json={"schema": schema, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def get(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def test_ids_are_global_and_deduplicated(client: TestClient) -> None:
    first = register(client, "a", V1)["id"]
    assert register(client, "b", V1)["id"] == first  # same schema, other subject: same id
    assert register(client, "a", V1)["id"] == first  # re-registering: the existing id, no new version
    other = register(client, "c", OTHER)["id"]
    assert other != first
    assert get(client, "/subjects/a/versions") == [1]
    assert get(client, "/subjects") == ["a", "b", "c"]
    assert get(client, f"/schemas/ids/{first}/subjects") == ["a", "b"]
    assert get(client, f"/schemas/ids/{first}/versions") == [
        {"subject": "a", "version": 1}, {"subject": "b", "version": 1}
    ]


def test_whitespace_and_key_order_do_not_make_a_new_schema(client: TestClient) -> None:
    first = register(client, "a", V1)["id"]
    reordered = json.dumps(json.loads(V1), indent=4)
    assert register(client, "a", reordered)["id"] == first
    assert get(client, "/subjects/a/versions") == [1]


def test_version_body_and_raw_schema(client: TestClient) -> None:
    schema_id = register(client, "a", V1)["id"]
    body = get(client, "/subjects/a/versions/latest")
    assert body == {"subject": "a", "version": 1, "id": schema_id, "schema": body["schema"]}
    assert json.loads(body["schema"]) == json.loads(V1)
    assert get(client, "/subjects/a/versions/1/schema") == json.loads(V1)
    assert get(client, f"/schemas/ids/{schema_id}/schema") == json.loads(V1)
    assert get(client, f"/schemas/ids/{schema_id}") == {"schema": body["schema"]}
    assert get(client, f"/schemas/ids/{schema_id}?fetchMaxId=true")["maxId"] == schema_id


def test_schema_by_id_ignores_a_subject_that_does_not_hold_it(client: TestClient) -> None:
    """Issue 12 bug 5: confluent-kafka's AvroDeserializer asks `?subject=<topic>-value`; products
    register under `<topic>-<record>`. Confluent answers by id (the subject only picks a context)."""
    schema_id = register(client, "orders-mesh.test.Claim", V1)["id"]
    expected = {"schema": get(client, "/subjects/orders-mesh.test.Claim/versions/1")["schema"]}
    assert get(client, f"/schemas/ids/{schema_id}?subject=orders-value") == expected
    assert get(client, f"/schemas/ids/{schema_id}?subject=nobody&fetchMaxId=true") == expected | {"maxId": schema_id}
    assert get(client, f"/schemas/ids/{schema_id}/schema?subject=orders-value") == json.loads(V1)
    missing = client.get(f"/schemas/ids/{schema_id + 1}?subject=orders-value")
    assert (missing.status_code, missing.json()["error_code"]) == (404, 40403)


@pytest.mark.parametrize("schema", [
    {"type": "record", "name": "R", "fields": [{"name": "a", "type": []}]},
    {"type": "record", "name": "caf\u00e9", "fields": [{"name": "d", "type": {"type": "bytes", "logicalType": "decimal",
                                                                          "precision": 2, "scale": 3}}]},
    {"type": "enum", "name": "E", "symbols": []},
], ids=["empty_union", "unicode_name_invalid_decimal", "empty_enum"])
def test_schemas_avro_java_accepts_register_and_check(client: TestClient, schema: dict[str, Any]) -> None:
    """Issue 12 bug 6: Confluent's registry (Avro Java) takes these; so does ours, compatibility checks included."""
    text = json.dumps(schema)
    schema_id = register(client, "java", text)["id"]
    assert client.post("/compatibility/subjects/java/versions/latest", json={"schema": text}).json() == {
        "is_compatible": True}
    assert register(client, "java", text)["id"] == schema_id
    assert json.loads(get(client, f"/schemas/ids/{schema_id}")["schema"]) == schema


def test_versions_keep_counting_after_soft_delete(client: TestClient) -> None:
    register(client, "a", V1)
    register(client, "a", V2_COMPATIBLE)
    assert client.delete("/subjects/a/versions/2").json() == 2
    assert get(client, "/subjects/a/versions") == [1]
    assert get(client, "/subjects/a/versions?deleted=true") == [1, 2]
    third = record("Claim", ("id", "string"), ("note", "string", ""))
    register(client, "a", third)
    assert get(client, "/subjects/a/versions") == [1, 3]
    assert get(client, "/subjects/a/versions/latest")["version"] == 3


def test_soft_then_hard_delete_of_a_subject(client: TestClient) -> None:
    schema_id = register(client, "a", V1)["id"]
    register(client, "a", V2_COMPATIBLE)
    assert client.delete("/subjects/a").json() == [1, 2]
    assert get(client, "/subjects") == []
    assert get(client, "/subjects?deleted=true") == ["a"]
    assert get(client, f"/schemas/ids/{schema_id}")  # still answerable by id after a soft delete
    assert client.post("/subjects/a?deleted=true", json={"schema": V1}).json()["version"] == 1
    assert client.delete("/subjects/a?permanent=true").json() == [1, 2]
    assert client.get(f"/schemas/ids/{schema_id}").json()["error_code"] == 40403
    assert get(client, "/subjects?deleted=true") == []
    again = register(client, "a", V1)  # the schema keeps its id when it comes back
    assert again["id"] == schema_id
    assert get(client, "/subjects/a/versions") == [1]


def test_registering_a_soft_deleted_schema_again_makes_a_new_version(client: TestClient) -> None:
    schema_id = register(client, "a", V1)["id"]
    client.delete("/subjects/a/versions/1")
    assert register(client, "a", V1)["id"] == schema_id
    assert get(client, "/subjects/a/versions") == [2]


def test_lookup_answers_subject_version_id_schema(client: TestClient) -> None:
    register(client, "a", OTHER)
    client.put("/config/a", json={"compatibility": "NONE"})
    schema_id = register(client, "a", V1)["id"]
    found = client.post("/subjects/a", json={"schema": V1}).json()
    assert (found["subject"], found["version"], found["id"]) == ("a", 2, schema_id)


# (rule, steps, path, expected body)
CONFIG_CASES: list[tuple[str, list[Any], str, Any]] = [
    ("global_default_is_backward", [], "/config", {"compatibilityLevel": "BACKWARD"}),
    ("global_level_set", [("PUT", "/config", {"compatibility": "FULL"})], "/config", {"compatibilityLevel": "FULL"}),
    ("level_names_are_case_insensitive", [("PUT", "/config", {"compatibility": "forward"})], "/config",
     {"compatibilityLevel": "FORWARD"}),
    ("compatibilityLevel_field_accepted", [("PUT", "/config/s", {"compatibilityLevel": "NONE"})], "/config/s",
     {"compatibilityLevel": "NONE"}),
    ("subject_falls_back_with_defaultToGlobal", [("PUT", "/config", {"compatibility": "FULL_TRANSITIVE"})],
     "/config/s?defaultToGlobal=true", {"compatibilityLevel": "FULL_TRANSITIVE"}),
    ("subject_level_overrides_global",
     [("PUT", "/config", {"compatibility": "FULL"}), ("PUT", "/config/s", {"compatibility": "NONE"})],
     "/config/s?defaultToGlobal=true", {"compatibilityLevel": "NONE"}),
    ("deleting_subject_level_reverts_to_global",
     [("PUT", "/config/s", {"compatibility": "NONE"}), ("DELETE", "/config/s", None)],
     "/config/s?defaultToGlobal=true", {"compatibilityLevel": "BACKWARD"}),
    ("deleting_global_level_reverts_to_default",
     [("PUT", "/config", {"compatibility": "NONE"}), ("DELETE", "/config", None)], "/config",
     {"compatibilityLevel": "BACKWARD"}),
    ("global_mode_default", [], "/mode", {"mode": "READWRITE"}),
    ("global_mode_set", [("PUT", "/mode", {"mode": "READONLY"})], "/mode", {"mode": "READONLY"}),
    ("subject_mode_set", [("PUT", "/mode/s", {"mode": "import"})], "/mode/s", {"mode": "IMPORT"}),
    ("subject_mode_falls_back", [("PUT", "/mode", {"mode": "READONLY"})], "/mode/s?defaultToGlobal=true",
     {"mode": "READONLY"}),
    ("schema_types", [], "/schemas/types", ["AVRO"]),
]


@pytest.mark.parametrize(("steps", "path", "expected"), [pytest.param(*c[1:], id=c[0]) for c in CONFIG_CASES])
def test_levels_and_modes(client: TestClient, steps: list[Any], path: str, expected: Any) -> None:
    run(client, steps)
    assert get(client, path) == expected


def test_put_answers_what_was_set_and_delete_what_was_removed(client: TestClient) -> None:
    assert client.put("/config/s", json={"compatibility": "full"}).json() == {"compatibility": "FULL"}
    assert client.delete("/config/s").json() == {"compatibilityLevel": "FULL"}
    assert client.put("/mode/s", json={"mode": "READONLY"}).json() == {"mode": "READONLY"}
    assert client.delete("/mode/s").json() == {"mode": "READONLY"}


# (rule, level, registered, candidate, compatible)
LEVEL_CASES = [
    ("backward_refuses_field_without_default", "BACKWARD", [V1], V2_NO_DEFAULT, False),
    ("backward_accepts_field_with_default", "BACKWARD", [V1], V2_COMPATIBLE, True),
    ("none_accepts_anything", "NONE", [V1], V2_NO_DEFAULT, True),
]


@pytest.mark.parametrize(("level", "registered", "candidate", "compatible"),
                         [pytest.param(*c[1:], id=c[0]) for c in LEVEL_CASES])
def test_registration_and_compatibility_endpoints_follow_the_level(
    client: TestClient, level: str, registered: list[str], candidate: str, compatible: bool
) -> None:
    client.put("/config/s", json={"compatibility": level})
    for schema in registered:
        register(client, "s", schema)
    latest = client.post("/compatibility/subjects/s/versions/latest?verbose=true", json={"schema": candidate})
    every = client.post("/compatibility/subjects/s/versions?verbose=True", json={"schema": candidate})
    assert latest.json()["is_compatible"] is compatible
    assert every.json()["is_compatible"] is compatible
    assert bool(latest.json()["messages"]) is not compatible
    plain = client.post("/compatibility/subjects/s/versions/1", json={"schema": candidate}).json()
    assert plain == {"is_compatible": compatible}
    response = client.post("/subjects/s/versions", json={"schema": candidate})
    assert response.status_code == (200 if compatible else 409)


def test_compatibility_with_an_empty_subject_is_true(client: TestClient) -> None:
    response = client.post("/compatibility/subjects/new/versions/latest", json={"schema": V1})
    assert response.json() == {"is_compatible": True}


def test_references_resolve_named_types_and_block_deletes(client: TestClient) -> None:
    member_id = register(client, "member", OTHER)["id"]
    claim = record("Claim", ("member", "mesh.test.Member"))
    refs = [{"name": "mesh.test.Member", "subject": "member", "version": 1}]
    claim_id = register(client, "claim", claim, references=refs)["id"]
    assert get(client, f"/schemas/ids/{claim_id}")["references"] == refs
    assert get(client, "/subjects/claim/versions/1")["references"] == refs
    assert get(client, "/subjects/member/versions/1/referencedby") == [claim_id]
    assert client.delete("/subjects/member/versions/1").status_code == 422
    client.delete("/subjects/claim")
    assert client.delete("/subjects/member/versions/1").json() == 1  # the referrer is only soft-deleted ...
    refused = client.delete("/subjects/member/versions/1?permanent=true")
    assert refused.json()["error_code"] == 42206  # ... so the hard delete still waits for it
    assert member_id != claim_id


def test_metadata_and_rule_set_are_returned_as_given(client: TestClient) -> None:
    metadata = {"properties": {"owner": "claims-team"}}
    rule_set = {"domainRules": [{"name": "r", "kind": "CONDITION", "mode": "WRITE", "type": "CEL"}]}
    schema_id = register(client, "a", V1, metadata=metadata, ruleSet=rule_set)["id"]
    assert get(client, f"/schemas/ids/{schema_id}") | {"schema": ""} == {
        "schema": "", "metadata": metadata, "ruleSet": rule_set
    }
    assert get(client, "/subjects/a/versions/1")["metadata"] == metadata


def test_import_mode_keeps_given_ids_and_versions(client: TestClient) -> None:
    client.put("/mode", json={"mode": "IMPORT"})
    assert register(client, "a", V1, id=100, version=5)["id"] == 100
    assert get(client, "/subjects/a/versions/5")["id"] == 100
    client.put("/mode", json={"mode": "READWRITE"})
    assert register(client, "b", OTHER)["id"] == 101  # new ids continue after imported ones
    assert register(client, "a", V2_COMPATIBLE)["id"] == 102
    assert get(client, "/subjects/a/versions") == [5, 6]


def test_python_client_boolean_spelling_is_understood(client: TestClient) -> None:
    register(client, "a", V1)
    client.delete("/subjects/a")
    assert get(client, "/subjects?deleted=True") == ["a"]
    assert get(client, "/subjects?deleted=False") == []


def test_subject_prefix_filter(client: TestClient) -> None:
    register(client, "prod.claims-value", V1)
    register(client, "test.claims-value", V1)
    assert get(client, "/subjects?subjectPrefix=prod.") == ["prod.claims-value"]


# (rule, what happens between two identical register requests, status of the second, latest version after)
REPEAT_CASES: list[tuple[str, list[Any], int, int]] = [
    ("repeat_answers_the_same_id", [], 200, 1),
    ("repeat_after_soft_delete_makes_a_version", [("DELETE", "/subjects/s/versions/1", None)], 200, 2),
    ("repeat_in_read_only_mode_is_refused", [("PUT", "/mode/s", {"mode": "READONLY"})], 422, 1),
    ("repeat_after_hard_delete_registers_again",
     [("DELETE", "/subjects/s", None), ("DELETE", "/subjects/s?permanent=true", None)], 200, 1),
]


@pytest.mark.parametrize(("between", "status", "latest"), [pytest.param(*c[1:], id=c[0]) for c in REPEAT_CASES])
def test_repeated_register_requests_are_rechecked(
    client: TestClient, between: list[Any], status: int, latest: int
) -> None:
    raw = json.dumps({"schema": V1}).encode()
    first = client.post("/subjects/s/versions?normalize=False", content=raw).json()["id"]
    run(client, between)
    again = client.post("/subjects/s/versions?normalize=False", content=raw)
    assert again.status_code == status, again.text
    if status == 200:
        assert again.json() == {"id": first}
    assert get(client, "/subjects/s/versions/latest?deleted=true")["version"] == latest


def test_a_repeated_register_request_is_answered_without_parsing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = json.dumps({"schema": V1}).encode()
    first = client.post("/subjects/s/versions", content=raw).json()["id"]
    service = client.app.state.registry  # type: ignore[attr-defined]

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the repeat should not be parsed again")

    monkeypatch.setattr(service, "candidate", no_parsing)
    assert client.post("/subjects/s/versions", content=raw).json() == {"id": first}
