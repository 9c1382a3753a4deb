"""Bad requests answer the Confluent status, error code and a message naming the problem; nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.registry.conftest import OTHER, V1, V2_NO_DEFAULT, record, run

REG = ("POST", "/subjects/s/versions", {"schema": V1})
REF_TARGET = ("POST", "/subjects/member/versions", {"schema": OTHER})
REFERRER = (
    "POST",
    "/subjects/claim/versions",
    {
        "schema": record("Claim", ("member", "mesh.test.Member")),
        "references": [{"name": "mesh.test.Member", "subject": "member", "version": 1}],
    },
)

# (rule, setup steps, method, path, body (str = raw text), status, error_code, words in the message)
CASES: list[tuple[str, list[Any], str, str, Any, int, int, list[str]]] = [
    ("malformed_json_is_400", [], "POST", "/subjects/s/versions", "{not json", 400, 400, ["not valid JSON"]),
    ("body_must_be_object", [], "POST", "/subjects/s/versions", "[1]", 422, 422, ["JSON object"]),
    ("missing_schema_field_names_it", [], "POST", "/subjects/s/versions", {"schemaa": V1}, 422, 422, ["'schema'"]),
    ("invalid_avro_is_42201", [], "POST", "/subjects/s/versions", {"schema": '{"type": "recrd"}'}, 422, 42201,
     ["Invalid schema"]),
    ("schema_not_json_is_42201", [], "POST", "/subjects/s/versions", {"schema": "{oops"}, 422, 42201,
     ["Invalid schema"]),
    ("other_schema_types_refused", [], "POST", "/subjects/s/versions", {"schema": V1, "schemaType": "PROTOBUF"},
     422, 42201, ["PROTOBUF"]),
    ("unknown_reference_is_42201", [], "POST", "/subjects/s/versions",
     {"schema": V1, "references": [{"name": "x.Y", "subject": "nope", "version": 1}]}, 422, 42201, ["'nope'"]),
    ("incompatible_is_409_with_path", [REG], "POST", "/subjects/s/versions", {"schema": V2_NO_DEFAULT}, 409, 409,
     ["'s'", "BACKWARD", "amount"]),
    ("unknown_subject_versions", [], "GET", "/subjects/nope/versions", None, 404, 40401, ["'nope'"]),
    ("unknown_subject_version", [], "GET", "/subjects/nope/versions/1", None, 404, 40401, ["'nope'"]),
    ("unknown_version", [REG], "GET", "/subjects/s/versions/7", None, 404, 40402, ["7", "'s'"]),
    ("version_zero_is_invalid", [REG], "GET", "/subjects/s/versions/0", None, 422, 42202, ["'0'"]),
    ("version_text_is_invalid", [REG], "GET", "/subjects/s/versions/abc", None, 422, 42202, ["'abc'"]),
    ("version_too_big_is_invalid", [REG], "GET", "/subjects/s/versions/2147483648", None, 422, 42202,
     ["2147483648"]),
    # issue 12 bug 2: only ASCII digits are numbers (str.isdigit() also takes superscripts and other scripts)
    ("superscript_id_is_unknown", [REG], "GET", "/schemas/ids/%C2%B3", None, 404, 40403, ["\u00b3"]),
    ("arabic_indic_id_is_unknown", [REG], "GET", "/schemas/ids/%D9%A1", None, 404, 40403, ["\u0661"]),
    ("fullwidth_id_is_unknown", [REG], "GET", "/schemas/ids/%EF%BC%91/versions", None, 404, 40403, ["\uff11"]),
    ("arabic_indic_id_schema_is_unknown", [REG], "GET", "/schemas/ids/%D9%A1/schema", None, 404, 40403,
     ["\u0661"]),
    ("huge_id_is_unknown", [REG], "GET", "/schemas/ids/" + "9" * 5000, None, 404, 40403, ["999"]),
    ("signed_id_is_unknown", [REG], "GET", "/schemas/ids/+1", None, 404, 40403, ["'+1'"]),
    ("superscript_version_is_invalid", [REG], "GET", "/subjects/s/versions/%C2%B3", None, 422, 42202,
     ["\u00b3"]),
    ("arabic_indic_version_is_invalid", [REG], "GET", "/subjects/s/versions/%D9%A1", None, 422, 42202,
     ["\u0661"]),
    ("arabic_indic_version_delete_is_invalid", [REG], "DELETE", "/subjects/s/versions/%D9%A1", None, 422, 42202,
     ["\u0661"]),
    ("huge_version_is_invalid", [REG], "GET", "/subjects/s/versions/" + "9" * 5000, None, 422, 42202, ["999"]),
    ("unknown_id", [], "GET", "/schemas/ids/42", None, 404, 40403, ["42"]),
    ("non_numeric_id", [], "GET", "/schemas/ids/abc", None, 404, 40403, ["'abc'"]),
    ("unknown_id_versions", [], "GET", "/schemas/ids/42/versions", None, 404, 40403, ["42"]),
    ("lookup_unknown_subject", [], "POST", "/subjects/nope", {"schema": V1}, 404, 40401, ["'nope'"]),
    ("lookup_unknown_schema", [REG], "POST", "/subjects/s", {"schema": OTHER}, 404, 40403, ["'s'"]),
    ("soft_delete_twice", [REG, ("DELETE", "/subjects/s", None)], "DELETE", "/subjects/s", None, 404, 40404,
     ["permanent=true"]),
    ("hard_delete_needs_soft_first", [REG], "DELETE", "/subjects/s?permanent=true", None, 404, 40405,
     ["not deleted first"]),
    ("version_soft_delete_twice", [REG, ("DELETE", "/subjects/s/versions/1", None)], "DELETE",
     "/subjects/s/versions/1", None, 404, 40406, ["permanent=true"]),
    ("version_hard_delete_needs_soft_first", [REG], "DELETE", "/subjects/s/versions/1?permanent=true", None, 404,
     40407, ["not deleted first"]),
    ("delete_unknown_subject", [], "DELETE", "/subjects/nope", None, 404, 40401, ["'nope'"]),
    ("delete_unknown_version", [REG], "DELETE", "/subjects/s/versions/3", None, 404, 40402, ["3"]),
    ("subject_config_not_set", [REG], "GET", "/config/s", None, 404, 40408, ["defaultToGlobal"]),
    ("subject_mode_not_set", [REG], "GET", "/mode/s", None, 404, 40409, ["defaultToGlobal"]),
    ("unknown_level", [], "PUT", "/config", {"compatibility": "SIDEWAYS"}, 422, 42203, ["SIDEWAYS", "BACKWARD"]),
    ("missing_level", [], "PUT", "/config/s", {}, 422, 42203, ["None"]),
    ("unknown_mode", [], "PUT", "/mode", {"mode": "WRITEONLY"}, 422, 42204, ["WRITEONLY", "IMPORT"]),
    ("read_only_refuses_register", [("PUT", "/mode/s", {"mode": "READONLY"})], "POST", "/subjects/s/versions",
     {"schema": V1}, 422, 42205, ["read-only"]),
    ("read_only_refuses_delete", [REG, ("PUT", "/mode", {"mode": "READONLY"})], "DELETE", "/subjects/s", None,
     422, 42205, ["read-only"]),
    ("explicit_id_needs_import_mode", [], "POST", "/subjects/s/versions", {"schema": V1, "id": 5}, 422, 42205,
     ["IMPORT"]),
    ("import_mode_needs_force_when_not_empty", [REG], "PUT", "/mode", {"mode": "IMPORT"}, 422, 42205,
     ["force=true"]),
    ("import_id_taken_by_other_schema",
     [("PUT", "/mode?force=true", {"mode": "IMPORT"}), ("POST", "/subjects/a/versions", {"schema": V1, "id": 3})],
     "POST", "/subjects/b/versions", {"schema": OTHER, "id": 3}, 422, 42207, ["id 3"]),
    ("referenced_version_cannot_be_deleted", [REF_TARGET, REFERRER], "DELETE", "/subjects/member/versions/1",
     None, 422, 42206, ["'member'", "version 1"]),
    ("referenced_subject_cannot_be_deleted", [REF_TARGET, REFERRER], "DELETE", "/subjects/member", None, 422,
     42206, ["'member'"]),
    ("compat_unknown_version", [REG], "POST", "/compatibility/subjects/s/versions/9", {"schema": V1}, 404, 40402,
     ["9"]),
    ("compat_invalid_schema", [REG], "POST", "/compatibility/subjects/s/versions/latest", {"schema": "{"}, 422,
     42201, ["Invalid schema"]),
    ("unknown_route_is_404_body", [], "GET", "/nowhere", None, 404, 404, ["Not Found"]),
    ("wrong_method_is_405_body", [], "PATCH", "/subjects", None, 405, 405, ["Method Not Allowed"]),
]


@pytest.mark.parametrize(
    ("setup", "method", "path", "body", "status", "code", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_requests_answer_confluent_errors(
    client: TestClient, setup: list[Any], method: str, path: str, body: Any, status: int, code: int,
    words: list[str],
) -> None:
    run(client, setup)
    before = client.app.state.registry._log.records  # type: ignore[attr-defined]
    if isinstance(body, str):
        response = client.request(method, path, content=body.encode(),
                                  headers={"content-type": "application/vnd.schemaregistry.v1+json"})
    else:
        response = client.request(method, path, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/vnd.schemaregistry.v1+json"
    payload = response.json()
    assert set(payload) == {"error_code", "message"}
    assert payload["error_code"] == code
    for word in words:
        assert word in payload["message"]
    assert client.app.state.registry._log.records == before  # type: ignore[attr-defined]  # nothing written
