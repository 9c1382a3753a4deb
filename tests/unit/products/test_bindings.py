"""ProductPublisher: routes event types to per-schema publishers and enforces the descriptor's key."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domains.publishing import Publish
from mesh.core.errors import DataValidationError
from mesh.products.bindings import ProductPublisher
from mesh.products.loader import EventSchema, Product, load_descriptor

CLAIMS = load_descriptor(Path("domains/claims/products/claims.yaml"))
T = datetime(2026, 1, 1, tzinfo=UTC)


class Fake:
    def __init__(self, subject: str, log: list[tuple[str, str, str]]) -> None:
        self.subject, self.log = subject, log

    def publish(self, event_type: str, data: Mapping[str, Any], *, key: str, time: datetime, id: str) -> object:
        self.log.append((self.subject, event_type, key))
        return id


def make(log: list[tuple[str, str, str]], created: list[str]) -> ProductPublisher:
    def factory(product: Product, schema: EventSchema) -> Fake:
        created.append(schema.subject)
        return Fake(schema.subject, log)

    return ProductPublisher(CLAIMS, factory)


def test_each_event_type_goes_to_the_publisher_of_its_subject_created_once() -> None:
    log: list[tuple[str, str, str]] = []
    created: list[str] = []
    publish: Publish = make(log, created)
    for event_id in ("a", "b"):
        publish("com.healthco.claims.ClaimPaid.v1", {"subscriber_id": "S1"}, key="S1", time=T, id=event_id)
    assert created == ["prod.claims.claims.v1-mesh.claims.ClaimPaid"]
    assert log == [("prod.claims.claims.v1-mesh.claims.ClaimPaid", "com.healthco.claims.ClaimPaid.v1", "S1")] * 2


@pytest.mark.parametrize(
    ("event_type", "data", "key", "problem"),
    [
        pytest.param("com.healthco.claims.ClaimVoided.v1", {"subscriber_id": "S1"}, "S1", "does not declare",
                     id="undeclared-type"),
        pytest.param("com.healthco.claims.ClaimPaid.v1", {"subscriber_id": "S1"}, "S2", "has key 'S2'",
                     id="key-is-not-the-key-field"),
    ],
)
def test_undeclared_types_and_wrong_keys_are_refused(event_type: str, data: dict[str, Any], key: str,
                                                     problem: str) -> None:
    with pytest.raises(DataValidationError, match=problem):
        make([], [])(event_type, data, key=key, time=T, id="x")
