"""The one naming convention of the mesh: product topics, schema subjects, event types, dead-letter topics.

    topic        <namespace>.<domain>.<product>.v<major>        prod.claims.claims.v1
    subject      <topic>-<record fullname>  (products: one subject per event schema, TopicRecordNameStrategy)
                 <topic>-value              (a topic bound to a single schema, TopicNameStrategy)
    event type   <org>.<domain>.<EventName>.v<major>         com.healthco.claims.ClaimSubmitted.v1
    dead letters <topic>.dlq
"""

from __future__ import annotations

import re

from mesh.core.errors import ConfigurationError

NAMESPACES = ("prod", "preprod", "test")
ORG = "com.healthco"

_SEGMENT = re.compile(r"^[a-z][a-z0-9_]*$")
_EVENT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)*\.[A-Z][A-Za-z0-9]*\.v[1-9][0-9]*$")
_TOPIC = re.compile(r"^(prod|preprod|test)\.([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.v([1-9][0-9]*)$")


def _segment(kind: str, value: str) -> str:
    if not _SEGMENT.match(value):
        raise ConfigurationError(
            f"Invalid {kind} {value!r}",
            hint="use lower-case letters, digits and underscores, starting with a letter (e.g. 'member_360')",
        )
    return value


def product_topic(namespace: str, domain: str, product: str, major: int) -> str:
    """The topic of a data product, e.g. `prod.claims.claims.v1`."""
    if namespace not in NAMESPACES:
        raise ConfigurationError(f"Invalid namespace {namespace!r}", hint=f"use one of {', '.join(NAMESPACES)}")
    if major < 1:
        raise ConfigurationError(f"Invalid major version {major}", hint="major versions start at 1")
    return f"{namespace}.{_segment('domain', domain)}.{_segment('product', product)}.v{major}"


def parse_product_topic(topic: str) -> tuple[str, str, str, int]:
    """Split a product topic into (namespace, domain, product, major); refuse anything else."""
    match = _TOPIC.match(topic)
    if not match:
        raise ConfigurationError(
            f"{topic!r} is not a product topic", hint="product topics look like <namespace>.<domain>.<product>.v<major>"
        )
    return match.group(1), match.group(2), match.group(3), int(match.group(4))


def value_subject(topic: str) -> str:
    """TopicNameStrategy: the subject of a topic bound to one schema."""
    return f"{topic}-value"


def record_subject(topic: str, record_fullname: str) -> str:
    """TopicRecordNameStrategy: the subject of one event schema on a multi-event product topic."""
    return f"{topic}-{record_fullname}"


def event_type(domain: str, event_name: str, major: int, *, org: str = ORG) -> str:
    """The CloudEvents `type` of an event, e.g. `com.healthco.claims.ClaimSubmitted.v1`."""
    if not _EVENT_NAME.match(event_name):
        raise ConfigurationError(f"Invalid event name {event_name!r}", hint="use PascalCase, e.g. 'ClaimSubmitted'")
    return f"{org}.{_segment('domain', domain)}.{event_name}.v{major}"


def check_event_type(value: str) -> str:
    """Refuse an event type that does not follow `<org>.<domain>.<EventName>.v<major>`."""
    if not _EVENT_TYPE.match(value):
        raise ConfigurationError(
            f"Event type {value!r} does not follow the convention <org>.<domain>.<EventName>.v<major>",
            hint="use e.g. 'com.healthco.claims.ClaimSubmitted.v1' (mesh.core.naming.event_type builds one)",
        )
    return value


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of a topic."""
    return f"{topic}.dlq"
