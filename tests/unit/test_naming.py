"""The naming convention: known answers and refusals."""

from __future__ import annotations

import pytest

from mesh.core import naming
from mesh.core.errors import ConfigurationError


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("prod", "claims", "claims", 1), "prod.claims.claims.v1"),
        (("test", "care", "member_360", 2), "test.care.member_360.v2"),
    ],
)
def test_product_topic_known_answers(args: tuple[str, str, str, int], expected: str) -> None:
    assert naming.product_topic(*args) == expected
    assert naming.parse_product_topic(expected) == args


@pytest.mark.parametrize(
    "args",
    [("staging", "claims", "claims", 1), ("prod", "Claims", "claims", 1), ("prod", "claims", "c-x", 1), ("prod", "a", "b", 0)],
)
def test_product_topic_refuses_bad_parts(args: tuple[str, str, str, int]) -> None:
    with pytest.raises(ConfigurationError):
        naming.product_topic(*args)


def test_subjects_event_types_and_dlq() -> None:
    topic = "prod.claims.claims.v1"
    assert naming.value_subject(topic) == "prod.claims.claims.v1-value"
    assert naming.record_subject(topic, "mesh.claims.ClaimSubmitted") == "prod.claims.claims.v1-mesh.claims.ClaimSubmitted"
    assert naming.event_type("claims", "ClaimSubmitted", 1) == "com.healthco.claims.ClaimSubmitted.v1"
    assert naming.dlq_topic(topic) == "prod.claims.claims.v1.dlq"
    with pytest.raises(ConfigurationError, match="PascalCase"):
        naming.event_type("claims", "claim_submitted", 1)
