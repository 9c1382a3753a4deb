"""Rendering a check result as text, JSON and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from mesh.compat import Level
from mesh.governance import rules
from mesh.governance.findings import Finding
from mesh.governance.report import (
    ReportFormat,
    format_finding,
    render,
    render_json,
    render_junit,
    render_text,
)
from mesh.governance.schema_check import CheckedFile, CheckResult

CLAIM = "schemas/claims/claim_submitted.avsc"
MEMBER = "schemas/members/member.avsc"
BROKEN = "schemas/claims/broken.avsc"

INCOMPATIBLE = rules.INCOMPATIBLE_CHANGE.finding(
    CLAIM,
    "field path /fields/5 'currency' added without a default breaks BACKWARD against version 3 of subject "
    "prod.claims.claims.v1-mesh.claims.ClaimSubmitted",
    path="/fields/5",
    hint='add "default": "USD" or publish it as prod.claims.claims.v2',
    version="3",
    subject="prod.claims.claims.v1-mesh.claims.ClaimSubmitted",
)
# Characters XML must escape, in a message and a hint.
INVALID = rules.INVALID_SCHEMA.finding(
    BROKEN, 'default "<none>" & friends is not an int', path="/fields/0", hint="use an int default"
)
NOTICE = rules.NEW_SUBJECT.finding(MEMBER, "subject mesh.members.Member has no deployed version yet")

RESULT = CheckResult(
    checked=(
        CheckedFile(BROKEN),
        CheckedFile(CLAIM, "prod.claims.claims.v1-mesh.claims.ClaimSubmitted", Level.BACKWARD),
        CheckedFile(MEMBER, "mesh.members.Member", Level.FULL),
    ),
    findings=(INVALID, INCOMPATIBLE, NOTICE),
)
CLEAN = CheckResult(checked=(CheckedFile(MEMBER, "mesh.members.Member", Level.FULL),), findings=(NOTICE,))


def test_text_line_reads_like_the_documented_example() -> None:
    assert format_finding(INCOMPATIBLE) == (
        "ERROR GOV002 schemas/claims/claim_submitted.avsc: field path /fields/5 'currency' added without a "
        "default breaks BACKWARD against version 3 of subject prod.claims.claims.v1-mesh.claims.ClaimSubmitted. "
        'Fix: add "default": "USD" or publish it as prod.claims.claims.v2'
    )


def test_text_without_hint_has_no_fix() -> None:
    assert format_finding(NOTICE) == f"INFO GOV006 {MEMBER}: subject mesh.members.Member has no deployed version yet"


def test_text_lists_findings_in_order_then_a_summary() -> None:
    lines = render_text(RESULT).splitlines()
    assert [line.split()[1] for line in lines[:-1]] == ["GOV001", "GOV002", "GOV006"]
    assert lines[-1] == "FAILED: 3 schema file(s) checked, 2 error(s), 0 warning(s), 1 notice(s)"
    assert render_text(CLEAN).splitlines()[-1].startswith("OK: 1 schema file(s) checked, 0 error(s)")


def test_json_round_trips_every_finding_and_the_summary() -> None:
    document = json.loads(render_json(RESULT))
    assert document["summary"] == {"files": 3, "errors": 2, "warnings": 0, "notices": 1, "ok": False}
    assert [Finding(**{**f, "severity": rules.RULES[f["rule_id"]].severity}) for f in document["findings"]] == list(
        RESULT.findings
    )
    assert document["checked"][1] == {
        "file": CLAIM, "subject": "prod.claims.claims.v1-mesh.claims.ClaimSubmitted", "level": "BACKWARD"
    }
    assert document["checked"][0]["subject"] is None


def test_junit_is_well_formed_with_one_case_per_file_and_failures_for_errors() -> None:
    root = ET.fromstring(render_junit(RESULT).encode())
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "0")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == [BROKEN, CLAIM, MEMBER]
    broken_failure = cases[BROKEN].find("failure")
    assert broken_failure is not None and broken_failure.get("type") == "GOV001"
    assert broken_failure.text == format_finding(INVALID)  # escaped and restored intact
    assert cases[CLAIM].get("classname") == "prod.claims.claims.v1-mesh.claims.ClaimSubmitted"
    assert cases[MEMBER].find("failure") is None
    system_out = cases[MEMBER].find("system-out")
    assert system_out is not None and "GOV006" in (system_out.text or "")


def test_junit_of_a_clean_result_has_no_failures() -> None:
    root = ET.fromstring(render_junit(CLEAN).encode())
    assert root.get("failures") == "0"
    assert root.find("testsuite/testcase/failure") is None


@pytest.mark.parametrize(
    ("report_format", "starts_with"),
    [("text", "ERROR GOV001"), ("json", "{"), ("junit", "<?xml"), (ReportFormat.JUNIT, "<?xml")],
)
def test_render_dispatches_on_the_format(report_format: str, starts_with: str) -> None:
    assert render(RESULT, report_format).startswith(starts_with)


def test_junit_gives_findings_about_other_files_their_own_case() -> None:
    descriptor = rules.INVALID_DESCRIPTOR.finding("domains/claims/products/claims.yaml", "field id: bad", path="id")
    root = ET.fromstring(render_junit(CLEAN.with_findings([descriptor])).encode())
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == [MEMBER, "domains/claims/products/claims.yaml"]


def test_with_findings_puts_them_first() -> None:
    descriptor = rules.DESCRIPTOR_PROBLEM.finding("d.yaml", "field key: not a string field")
    combined = CLEAN.with_findings([descriptor])
    assert combined.findings == (descriptor, NOTICE)
    assert (combined.checked, combined.exit_code) == (CLEAN.checked, 0)
