"""The registry adapter against confluent's in-memory client, and a refused connection."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from mesh.clients import RegistryUnavailableError
from mesh.compat import Level, parse_schema
from mesh.core.errors import IncompatibleSchemaError, RegistryError
from mesh.governance.registry_source import RegistryGateway, register_all, registry_client
from mesh.governance.schema_check import LocalSchema
from tests.unit.governance.avro_samples import CLAIM_V1, CLAIM_WITH_DEFAULT

SUBJECT = "mesh.claims.ClaimSubmitted"


@pytest.fixture
def client() -> SchemaRegistryClient:
    return registry_client("mock://governance-tests")


def local(text: str, *, level: Level = Level.BACKWARD) -> LocalSchema:
    return LocalSchema("schemas/claims/claim.avsc", parse_schema(text), SUBJECT, level)


def test_history_lists_versions_oldest_first(client: SchemaRegistryClient) -> None:
    client.register_schema(SUBJECT, Schema(CLAIM_V1, "AVRO"))
    client.register_schema(SUBJECT, Schema(CLAIM_WITH_DEFAULT, "AVRO"))
    deployed = RegistryGateway(client, url="mock://governance-tests").history(SUBJECT)
    assert [(v.version, v.text, v.ref) for v in deployed.versions] == [(1, CLAIM_V1, None), (2, CLAIM_WITH_DEFAULT, None)]
    assert deployed.level is None  # confluent's mock has no config; the declared level applies


def test_an_unknown_subject_has_no_versions(client: SchemaRegistryClient) -> None:
    deployed = RegistryGateway(client, url="mock://x").fetch([local(CLAIM_V1)])
    assert deployed[SUBJECT].versions == ()


def test_register_is_idempotent(client: SchemaRegistryClient) -> None:
    gateway = RegistryGateway(client, url="mock://x")
    first = gateway.register(local(CLAIM_V1), CLAIM_V1)
    again = gateway.register(local(CLAIM_V1), CLAIM_V1)
    assert (first.created, again.created) == (True, False)
    assert (again.subject, again.version, again.schema_id) == (SUBJECT, first.version, first.schema_id)
    assert client.get_versions(SUBJECT) == [1]
    second = gateway.register(local(CLAIM_WITH_DEFAULT), CLAIM_WITH_DEFAULT)
    assert (second.created, second.version) == (True, 2)


class _Answers(SchemaRegistryClient):
    """A client whose calls answer with canned values or registry errors (no network)."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _answer(self, name: str, *args: Any) -> Any:
        self.calls.append((name, args))
        answer = self.answers[name]
        if isinstance(answer, Exception):
            raise answer
        return answer(*args) if callable(answer) else answer

    def get_versions(self, *args: Any, **kwargs: Any) -> Any:
        return self._answer("get_versions", *args)

    def get_version(self, *args: Any, **kwargs: Any) -> Any:
        return self._answer("get_version", *args)

    def get_config(self, *args: Any, **kwargs: Any) -> Any:
        return self._answer("get_config", *args)

    def lookup_schema(self, *args: Any, **kwargs: Any) -> Any:
        return self._answer("lookup_schema", *args)

    def set_config(self, *args: Any, **kwargs: Any) -> Any:
        return self._answer("set_config", *args)

    def register_schema_full_response(self, *args: Any, **kwargs: Any) -> Any:
        return self._answer("register_schema_full_response", *args)


def test_subject_level_falls_back_to_the_global_level() -> None:
    from confluent_kafka.schema_registry.schema_registry_client import ServerConfig

    def config(scope: str | None) -> ServerConfig:
        if scope is not None:
            raise SchemaRegistryError(404, 40408, "Subject does not have subject-level compatibility configured")
        return ServerConfig.from_dict({"compatibilityLevel": "FULL_TRANSITIVE"})

    gateway = RegistryGateway(_Answers(get_config=config), url="http://registry")
    assert gateway.configured_level(SUBJECT) is Level.FULL_TRANSITIVE


def test_a_real_registry_404_for_the_subject_means_nothing_deployed() -> None:
    answers = _Answers(get_versions=SchemaRegistryError(404, 40401, "Subject not found"))
    assert RegistryGateway(answers, url="http://registry").history(SUBJECT).versions == ()


def test_other_registry_errors_carry_status_code_and_url() -> None:
    answers = _Answers(get_versions=SchemaRegistryError(500, 50001, "store unavailable"))
    with pytest.raises(RegistryError, match=r"http://registry refused .* HTTP 500, error 50001: store unavailable") as info:
        RegistryGateway(answers, url="http://registry").history(SUBJECT)
    assert (info.value.http_status, info.value.error_code) == (500, 50001)


def test_a_rejected_registration_is_an_incompatible_schema() -> None:
    answers = _Answers(
        lookup_schema=SchemaRegistryError(404, 40403, "Schema not found"),
        get_versions=[1],
        register_schema_full_response=SchemaRegistryError(409, 409, "Schema being registered is incompatible"),
    )
    with pytest.raises(IncompatibleSchemaError) as raised:
        RegistryGateway(answers, url="http://registry").register(local(CLAIM_WITH_DEFAULT), CLAIM_WITH_DEFAULT)
    assert raised.value.subject == SUBJECT
    assert "incompatible" in raised.value.problems[0]
    assert "set_config" not in [name for name, _ in answers.calls]  # an existing subject keeps its level


def test_a_new_subject_gets_its_declared_level_before_the_first_version() -> None:
    from confluent_kafka.schema_registry import RegisteredSchema

    registered = RegisteredSchema(subject=SUBJECT, version=1, schema_id=7, guid=None, schema=Schema(CLAIM_V1, "AVRO"))
    answers = _Answers(
        lookup_schema=SchemaRegistryError(404, 40401, "Subject not found"),
        get_versions=SchemaRegistryError(404, 40401, "Subject not found"),
        set_config=None,
        register_schema_full_response=registered,
    )
    done = RegistryGateway(answers, url="http://registry").register(local(CLAIM_V1, level=Level.FULL), CLAIM_V1)
    assert (done.created, done.version, done.schema_id) == (True, 1, 7)
    names = [name for name, _ in answers.calls]
    assert names.index("set_config") < names.index("register_schema_full_response")
    (subject, config) = dict(answers.calls)["set_config"]
    assert (subject, config.compatibility.value) == (SUBJECT, "FULL")


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback URL whose port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield f"http://127.0.0.1:{port}"


def test_a_refused_connection_names_the_url(refused_url: str) -> None:
    with (
        RegistryGateway(registry_client(refused_url, retries=0), url=refused_url) as gateway,
        pytest.raises(RegistryUnavailableError, match=f"Cannot reach the schema registry at {refused_url}"),
    ):
        gateway.fetch([local(CLAIM_V1)])


def test_an_id_only_registration_answer_is_completed_by_a_lookup() -> None:
    from confluent_kafka.schema_registry import RegisteredSchema

    answered = RegisteredSchema(subject=None, version=None, schema_id=7, guid=None, schema=Schema(CLAIM_V1, "AVRO"))
    looked_up = RegisteredSchema(subject=SUBJECT, version=2, schema_id=7, guid=None, schema=Schema(CLAIM_V1, "AVRO"))
    lookups = [SchemaRegistryError(404, 40403, "Schema not found"), looked_up]

    def lookup(*_: Any) -> RegisteredSchema:
        answer = lookups.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    answers = _Answers(lookup_schema=lookup, get_versions=[1], register_schema_full_response=answered)
    done = RegistryGateway(answers, url="http://registry").register(local(CLAIM_V1), CLAIM_V1)
    assert (done.created, done.version, done.schema_id) == (True, 2, 7)


def test_register_all_turns_refusals_into_findings_and_goes_on(client: SchemaRegistryClient) -> None:
    refusing = _Answers(
        lookup_schema=SchemaRegistryError(404, 40403, "Schema not found"),
        get_versions=[1],
        register_schema_full_response=SchemaRegistryError(409, 409, "incompatible"),
    )
    other = LocalSchema("schemas/other.avsc", parse_schema(CLAIM_V1), "other", Level.BACKWARD)
    texts = {"schemas/claims/claim.avsc": CLAIM_WITH_DEFAULT, "schemas/other.avsc": CLAIM_V1}
    done, refused = register_all(RegistryGateway(refusing, url="http://r"), [local(CLAIM_WITH_DEFAULT)], texts)
    assert done == [] and [(f.rule_id, f.subject) for f in refused] == [("GOV002", SUBJECT)]
    done, refused = register_all(RegistryGateway(client, url="mock://x"), [local(CLAIM_V1), other], texts)
    assert [(d.subject, d.created) for d in done] == [(SUBJECT, True), ("other", True)] and refused == []
