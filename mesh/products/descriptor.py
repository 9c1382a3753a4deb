"""The data product descriptor: one YAML file per product, validated strictly (unknown keys rejected).

    id: claims.claims                      <domain>.<product>
    version: 1                             major version: part of the topic name
    domain: claims
    kind: source                           source (a domain's own facts) or aggregate (built from inputs)
    owner: {team: Claims Platform, contact: claims-data@healthco.example, principal: claims}
    description: ...
    namespace: prod                        prod, preprod or test
    lifecycle: active                      draft, active, deprecated or retired
    events:                                CloudEvents type -> Avro schema file (relative to the project root)
      com.healthco.claims.ClaimSubmitted.v1: schemas/claims/claim_submitted.avsc
    compatibility: BACKWARD_TRANSITIVE     the schema registry level, set on every event subject
    key: subscriber_id                     a string field of every event schema; the Kafka message key
    partitions: 6
    retention: {cleanup_policy: delete, retention: 400d}    or {cleanup_policy: compact}
    freshness_slo: 15m                     how stale the newest event may be
    classification: {claim_id: internal, subscriber_id: pii, ...}   every field, by dotted path
    inputs: [membership.members, ...]      products an aggregate reads (lineage); required for aggregates
    processor: {app_id: member360}         an aggregate's stream processor (runs as the owner's principal)
    consumers:                             who may read the product, and why (Kafka ACLs derive from this)
      - {principal: care, team: care, purpose: member-360 views for care managers, expires: 2027-06-30}
    suppressions:                          optional: semantic schema-check rules let through, each with a reason
      - {rule: GOV103, field: service_date, reason: "readers were moved to service_day first"}

`owner.principal` is the SCRAM user that publishes the product (default: the domain). A product with
`pii` or `phi` fields needs a purpose and an expiry date on every consumer grant.

The output topic is derived, never written: `mesh.core.naming.product_topic` of namespace, domain,
product and version; each event schema's subject is `<topic>-<record fullname>`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mesh.core.naming import NAMESPACES, dlq_topic, product_topic
from mesh.governance.semantic_gate import SUPPRESSIBLE

Compatibility = Literal[
    "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"
]
Classification = Literal["public", "internal", "confidential", "pii", "phi"]
Lifecycle = Literal["draft", "active", "deprecated", "retired"]

_DURATION = re.compile(r"^([1-9][0-9]*)(ms|s|m|h|d)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_PRODUCT_ID = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")
_EVENT_TYPE = re.compile(r"^com\.healthco\.([a-z][a-z0-9_]*)\.([A-Z][A-Za-z0-9]*)\.v([1-9][0-9]*)$")


def duration_ms(text: str) -> int:
    """Milliseconds of a duration such as `500ms`, `30s`, `15m`, `12h`, `400d`."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration; write a number and a unit: 500ms, 30s, 15m, 12h, 7d")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def _check_duration(text: str) -> str:
    duration_ms(text)
    return text


Duration = Annotated[str, AfterValidator(_check_duration)]


def _check_product_id(text: str) -> str:
    if not _PRODUCT_ID.match(text):
        raise ValueError(f"{text!r} is not a product id; write <domain>.<product>, e.g. 'claims.claims'")
    return text


ProductId = Annotated[str, AfterValidator(_check_product_id)]


def _check_event_type(text: str) -> str:
    if not _EVENT_TYPE.match(text):
        raise ValueError(f"{text!r} is not an event type; write com.healthco.<domain>.<EventName>.v<major>")
    return text


EventType = Annotated[str, AfterValidator(_check_event_type)]


def event_name(event_type: str) -> str:
    """The PascalCase name inside an event type (`ClaimSubmitted` of com.healthco.claims.ClaimSubmitted.v1)."""
    return event_type.split(".")[-2]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Principal = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]


class Owner(_Strict):
    """The team accountable for the product, how to reach it, and the principal that publishes it."""

    team: str = Field(min_length=1)
    contact: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="an e-mail address")
    principal: Principal | None = Field(default=None, description="SCRAM user; default: the domain")


class Consumer(_Strict):
    """One grant: `principal` (of `team`) may read the product for `purpose` until `expires`."""

    principal: Principal
    team: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", description="consumer groups must start with it")
    purpose: str | None = Field(default=None, min_length=10)
    expires: date | None = None


class Processor(_Strict):
    """The stream processor that builds an aggregate: its app id prefixes its group, topics and transactions."""

    app_id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")


class Retention(_Strict):
    """How long Kafka keeps the product's events: time-based deletion, or compaction to the latest per key."""

    cleanup_policy: Literal["delete", "compact", "compact,delete"]
    retention: Duration | Literal["infinite"] | None = None

    @model_validator(mode="after")
    def _retention_matches_policy(self) -> Retention:
        if "delete" in self.cleanup_policy and self.retention is None:
            raise ValueError("a 'delete' cleanup policy needs 'retention' (e.g. 400d, or 'infinite')")
        if self.cleanup_policy == "compact" and self.retention is not None:
            raise ValueError("a compacted topic keeps the latest event per key forever; remove 'retention'")
        return self

    @property
    def retention_ms(self) -> int | None:
        """Kafka's `retention.ms` (-1 is infinite); None when compaction alone decides."""
        if self.retention is None:
            return None
        return -1 if self.retention == "infinite" else duration_ms(self.retention)


class Suppression(_Strict):
    """A semantic rule of `mesh schemas check` (GOV101..GOV108) that this product lets through, and why.

    `field` (a dotted field path such as `lines[].amount`) limits it to one field; without it the rule
    is suppressed on every field of the product's schemas. The reason is required: reviewers read it.
    """

    rule: str
    reason: str = Field(min_length=10)
    field: str | None = Field(default=None, min_length=1)

    @field_validator("rule")
    @classmethod
    def _semantic_rule(cls, value: str) -> str:
        if value not in SUPPRESSIBLE:
            raise ValueError(f"{value!r} cannot be suppressed here; only the semantic rules can: "
                             f"{', '.join(sorted(SUPPRESSIBLE))}")
        return value


class ProductDescriptor(_Strict):
    """One data product (see the module docstring for every field).

    Fields are declared so that each cross-field rule is checked on the later field, which therefore
    carries the error (`inputs` for a missing lineage, `id` for a domain mismatch, ...).
    """

    domain: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    id: ProductId
    version: int = Field(ge=1)
    kind: Literal["source", "aggregate"]
    owner: Owner
    description: str = Field(min_length=20)
    namespace: str
    lifecycle: Lifecycle
    events: dict[EventType, str] = Field(min_length=1)
    compatibility: Compatibility
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    partitions: int = Field(ge=1, le=1000)
    retention: Retention
    freshness_slo: Duration
    classification: dict[str, Classification] = Field(min_length=1)
    inputs: list[ProductId] = Field(default_factory=list, validate_default=True)
    suppressions: list[Suppression] = Field(default_factory=list)
    processor: Processor | None = None
    consumers: list[Consumer] = Field(default_factory=list)

    @field_validator("consumers")
    @classmethod
    def _sensitive_grants_are_justified(cls, value: list[Consumer], info: ValidationInfo) -> list[Consumer]:
        levels = set((info.data.get("classification") or {}).values())
        if levels & {"pii", "phi"}:
            for n, grant in enumerate(value):
                missing = [f for f in ("purpose", "expires") if getattr(grant, f) is None]
                if missing:
                    raise ValueError(
                        f"consumer {n} ({grant.principal}) of a product with {'/'.join(sorted(levels & {'pii', 'phi'}))} "
                        f"fields needs {' and '.join(missing)}: write why it reads the data and until when "
                        "(expires: YYYY-MM-DD)")
        principals = [g.principal for g in value]
        if len(set(principals)) != len(principals):
            raise ValueError("a principal is listed twice; merge its grants into one entry")
        return value

    @field_validator("namespace")
    @classmethod
    def _known_namespace(cls, value: str) -> str:
        if value not in NAMESPACES:
            raise ValueError(f"{value!r} is not one of {', '.join(NAMESPACES)}")
        return value

    @field_validator("id")
    @classmethod
    def _id_in_domain(cls, value: str, info: ValidationInfo) -> str:
        domain = info.data.get("domain")
        if domain is not None and value.split(".")[0] != domain:
            raise ValueError(f"{value!r} must start with its domain, e.g. '{domain}.{value.split('.')[-1]}'")
        return value

    @field_validator("events")
    @classmethod
    def _events_in_domain(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        domain = info.data.get("domain")
        foreign = [t for t in value if domain is not None and t.split(".")[2] != domain]
        if foreign:
            raise ValueError(f"event types {foreign} belong to another domain than {domain!r}")
        return value

    @field_validator("inputs")
    @classmethod
    def _lineage(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("kind") == "aggregate" and not value:
            raise ValueError("an aggregate product must list the products it is built from")
        if info.data.get("id") in value:
            raise ValueError("a product cannot be its own input")
        return value

    @property
    def owner_principal(self) -> str:
        """The SCRAM user that publishes the product (`owner.principal`, default the domain)."""
        return self.owner.principal or self.domain

    @property
    def product(self) -> str:
        """The product name inside its domain (`claims` of `claims.claims`)."""
        return self.id.split(".")[1]

    @property
    def topic(self) -> str:
        """The output topic, derived by the naming convention."""
        return product_topic(self.namespace, self.domain, self.product, self.version)

    @property
    def dlq_topic(self) -> str:
        """The product's dead-letter topic."""
        return dlq_topic(self.topic)

    @property
    def freshness_slo_ms(self) -> int:
        """The freshness SLO in milliseconds."""
        return duration_ms(self.freshness_slo)

    def topic_configs(self) -> dict[str, str]:
        """The topic-level Kafka configs this descriptor asks for."""
        configs: dict[str, str] = {"cleanup.policy": self.retention.cleanup_policy}
        if self.retention.retention_ms is not None:
            configs["retention.ms"] = str(self.retention.retention_ms)
        return configs
