"""How a check result is shown: plain text for people, JSON for tools, JUnit XML for CI dashboards.

    text   one line per finding: `ERROR GOV002 <file>: <message>. Fix: <hint>`, then a summary line
    json   {"summary": {...}, "checked": [...], "findings": [...]} with stable keys
    junit  one <testcase> per file (schemas, then any other file with findings); ERROR findings are
           <failure>s, the others go to <system-out>
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from enum import Enum

from mesh.governance.findings import Finding, Severity
from mesh.governance.schema_check import CheckResult

SUITE_NAME = "mesh schemas check"


class ReportFormat(str, Enum):
    """The formats `render` knows."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"


def _counts(result: CheckResult) -> Counter[Severity]:
    return Counter(finding.severity for finding in result.findings)


def format_finding(finding: Finding) -> str:
    """One finding as one line of text."""
    line = f"{finding.severity.value} {finding.rule_id} {finding.file}: {finding.message}"
    if finding.hint:
        line += f". Fix: {finding.hint}"
    return line


def render_text(result: CheckResult) -> str:
    """Every finding on its own line, then a summary line."""
    counts = _counts(result)
    lines = [format_finding(finding) for finding in result.findings]
    verdict = "FAILED" if result.has_errors else "OK"
    lines.append(
        f"{verdict}: {len(result.checked)} {result.noun}(s) checked, {counts[Severity.ERROR]} error(s), "
        f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} notice(s)"
    )
    return "\n".join(lines) + "\n"


def render_json(result: CheckResult) -> str:
    """The result as a JSON document."""
    counts = _counts(result)
    document = {
        "summary": {
            "files": len(result.checked),
            "errors": counts[Severity.ERROR],
            "warnings": counts[Severity.WARNING],
            "notices": counts[Severity.INFO],
            "ok": not result.has_errors,
        },
        "checked": [
            {"file": c.file, "subject": c.subject, "level": c.level.value if c.level else None}
            for c in result.checked
        ],
        "findings": [finding.as_dict() for finding in result.findings],
    }
    return json.dumps(document, indent=2) + "\n"


def render_junit(result: CheckResult) -> str:
    """JUnit XML: a testsuite with one testcase per file, failures for ERROR findings."""
    by_file: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_file.setdefault(finding.file, []).append(finding)
    # Findings about files that are not schemas (descriptors) get a test case of their own too.
    cases = [(c.file, c.subject or "unresolved") for c in result.checked]
    listed = {file for file, _ in cases}
    cases += [(file, "other") for file in by_file if file not in listed]
    counts = {
        "tests": str(len(cases)),
        "failures": str(sum(1 for file, _ in cases if any(f.is_error for f in by_file.get(file, ())))),
    }
    suites = ET.Element("testsuites", {"name": result.title, **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": result.title, **counts, "errors": "0", "skipped": "0"})
    for file, classname in cases:
        case = ET.SubElement(suite, "testcase", classname=classname, name=file)
        findings = by_file.get(file, [])
        errors = [f for f in findings if f.is_error]
        if errors:
            failure = ET.SubElement(
                case, "failure", message=f"{errors[0].rule_id} {errors[0].message}", type=errors[0].rule_id
            )
            failure.text = "\n".join(format_finding(f) for f in errors)
        others = [f for f in findings if not f.is_error]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(format_finding(f) for f in others)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def render(result: CheckResult, report_format: ReportFormat | str) -> str:
    """The result in the named format."""
    chosen = ReportFormat(report_format)
    if chosen is ReportFormat.JSON:
        return render_json(result)
    if chosen is ReportFormat.JUNIT:
        return render_junit(result)
    return render_text(result)
