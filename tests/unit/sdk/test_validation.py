"""Explaining a mismatch between data and schema: the first wrong field's path and expected type."""

from __future__ import annotations

from typing import Any

import pytest

from mesh.sdk.validation import find_problem
from tests.support.sdk_events import CLAIM_V1, claim


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        ({"priority": 2**31}, "priority", "int"),
        ({"is_emergency": 1}, "is_emergency", "boolean"),
        ({"claim_type": "medical"}, "claim_type", "enum ClaimType ['MEDICAL', 'DENTAL', 'PHARMACY', 'VISION']"),
        ({"service_date": "2026-11-02"}, "service_date", "date (int)"),
        ({"procedure_codes": "99213"}, "procedure_codes", "array"),
        ({"notes": 5}, "notes", "one of null | string"),
        ({"adjudication": {"adjudicator": "a", "decided_on": None}}, "adjudication.decided_on", "date (int)"),
        ({"adjudication": {"adjudicator": "a"}}, "adjudication.decided_on", "date (missing, no default)"),
    ],
    ids=["int-range", "bool-not-int", "enum-symbol", "date-as-text", "array-as-string", "union-no-branch",
         "nested-wrong-type", "nested-missing"],
)
def test_problem_names_path_and_expected_type(change: dict[str, Any], path: str, expected: str) -> None:
    problem = find_problem(CLAIM_V1, {**claim(1), **change})
    assert problem is not None
    assert (problem.path, problem.expected) == (path, expected)


def test_fitting_data_has_no_problem() -> None:
    assert find_problem(CLAIM_V1, claim(1)) is None
    assert find_problem(CLAIM_V1, {k: v for k, v in claim(1, adjudicated=False).items() if k != "notes"}) is None
