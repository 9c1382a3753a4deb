"""`mesh products export`: AsyncAPI 3.0 and ODCS v3 documents, validated against the official JSON Schemas
vendored under tests/specs/ (origin and version in tests/specs/README.md)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml  # type: ignore[import-untyped]

from mesh.cli.main import main
from mesh.products.export_asyncapi import AVRO_SCHEMA_FORMAT, asyncapi
from mesh.products.export_odcs import odcs
from mesh.products.loader import Product, load_all

REPO = Path(__file__).resolve().parents[3]
SPECS = REPO / "tests" / "specs"


@cache
def products() -> tuple[Product, ...]:
    return tuple(load_all(REPO / "domains", project_root=REPO))


def validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SPECS / name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors(name: str, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator(name).iter_errors(document)]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document: Any, ref: str) -> Any:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_asyncapi_document_of_every_product_is_valid_asyncapi_3() -> None:
    document = asyncapi(products(), bootstrap_servers="127.0.0.1:9092")
    assert errors("asyncapi-3.0.0.json", document) == []
    for ref in refs(document):  # JSON Schema does not follow them: check each points somewhere
        assert resolve(document, ref) is not None, ref


@pytest.mark.parametrize(("where", "bad"), [
    (("channels", "claims.claims", "bindings", "kafka", "partitions"), 0),
    (("channels", "claims.claims", "bindings", "kafka", "topicConfiguration", "cleanup.policy"), ["erase"]),
    (("asyncapi",), "2.6.0"),
])
def test_the_asyncapi_schema_would_catch_a_wrong_document(where: tuple[str, ...], bad: object) -> None:
    document = copy.deepcopy(asyncapi(products()))
    node = document
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = bad
    assert errors("asyncapi-3.0.0.json", document) != []


def test_asyncapi_channels_are_topics_with_kafka_bindings_and_cloudevents_messages() -> None:
    document = asyncapi(products())
    claims = next(p for p in products() if p.id == "claims.claims")
    channel = document["channels"]["claims.claims"]
    assert channel["address"] == "prod.claims.claims.v1"
    assert channel["bindings"]["kafka"]["partitions"] == claims.descriptor.partitions
    assert channel["bindings"]["kafka"]["topicConfiguration"] == {
        "cleanup.policy": ["delete"], "retention.ms": claims.descriptor.retention.retention_ms}
    member_360 = document["channels"]["care.member_360"]["bindings"]["kafka"]["topicConfiguration"]
    assert member_360 == {"cleanup.policy": ["compact"]}
    message = resolve(document, channel["messages"]["ClaimAdjudicated"]["$ref"])
    assert message["payload"]["schemaFormat"] == AVRO_SCHEMA_FORMAT
    assert message["payload"]["schema"] == json.loads(Path(REPO / "schemas/claims/claim_adjudicated.avsc")
                                                      .read_text())
    assert message["bindings"]["kafka"]["key"]["type"] == "string"
    (trait,) = message["traits"]
    headers = resolve(document, trait["$ref"])["headers"]
    assert {"ce_id", "ce_source", "ce_type", "ce_specversion", "content-type"} <= set(headers["required"])
    assert len(document["components"]["messages"]) == sum(len(p.schemas) for p in products())


@pytest.mark.parametrize("product_id", [p.id for p in products()])
def test_each_product_is_a_valid_odcs_v3_contract(product_id: str) -> None:
    product = next(p for p in products() if p.id == product_id)
    assert errors("odcs-3.2.0.json", odcs(product, bootstrap_servers="127.0.0.1:9092")) == []


def test_the_odcs_schema_would_catch_a_wrong_document() -> None:
    document = odcs(products()[0])
    document["schema"][0]["properties"][0]["logicalType"] = "text"
    document["kind"] = "Contract"
    assert len(errors("odcs-3.2.0.json", document)) >= 2


def test_odcs_fields_carry_key_types_and_classification() -> None:
    claims = next(p for p in products() if p.id == "claims.claims")
    document = odcs(claims)
    assert (document["id"], document["status"], document["domain"]) == ("claims.claims", "active", "claims")
    adjudicated = next(s for s in document["schema"] if s["name"] == "ClaimAdjudicated")
    assert adjudicated["physicalName"] == "prod.claims.claims.v1"
    fields = {p["name"]: p for p in adjudicated["properties"]}
    assert fields["subscriber_id"]["primaryKey"] is True
    assert fields["subscriber_id"]["classification"] == "pii"
    assert (fields["allowed_amount"]["logicalType"], fields["allowed_amount"]["classification"]) == ("number", "phi")
    assert fields["adjudicated_at"]["logicalType"] == "timestamp"
    assert fields["denial_reason"]["required"] is False
    assert {"property": "freshness", "value": 1, "unit": "h",
            "description": "How stale the newest event may be."} in document["slaProperties"]


def test_the_cli_writes_one_odcs_document_per_product(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with pytest.raises(SystemExit) as exited:
        main(["products", "export", "--format", "odcs"])
    assert exited.value.code == 0
    documents = list(yaml.safe_load_all(capsys.readouterr().out))
    assert sorted(d["id"] for d in documents) == sorted(p.id for p in products())


def test_the_cli_exports_one_product_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    target = tmp_path / "asyncapi.yaml"
    with pytest.raises(SystemExit) as exited:
        main(["products", "export", "--format", "asyncapi", "--product", "clinical.visits", "--output", str(target)])
    assert exited.value.code == 0
    document = yaml.safe_load(target.read_text())
    assert list(document["channels"]) == ["clinical.visits"]
    assert errors("asyncapi-3.0.0.json", document) == []


def test_an_unknown_product_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with pytest.raises(SystemExit) as exited:
        main(["products", "export", "--format", "odcs", "--product", "claims.nope"])
    assert exited.value.code == 2
    assert "No data product 'claims.nope'" in capsys.readouterr().err
