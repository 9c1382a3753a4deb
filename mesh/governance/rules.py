"""The rule catalogue of `mesh schemas check`: every rule id, its severity and what it means.

    GOV001 invalid-schema          ERROR    the file is not valid Avro (bad JSON, bad default, unknown type)
    GOV002 incompatible-change     ERROR    the schema breaks its subject's level against a deployed version
    GOV003 unresolved-subject      ERROR    the file's subject or compatibility level cannot be determined
    GOV004 duplicate-subject       ERROR    two files resolve to the same subject
    GOV005 unreadable-deployed     WARNING  a deployed version is not valid Avro here; it is left out of the check
    GOV006 new-subject             INFO     nothing is deployed for the subject yet; it will become version 1
    GOV007 invalid-descriptor      ERROR    a product descriptor cannot be read, so its schemas' subjects are unknown
    GOV008 descriptor-problem      WARNING  a product descriptor reads but fails validation (`mesh products validate`)

Ids are stable: CI configurations and suppressions refer to them. Add rules at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from mesh.governance.findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of the catalogue: id, short name, severity and a one-line description."""

    rule_id: str
    name: str
    severity: Severity
    description: str

    def finding(
        self,
        file: str,
        message: str,
        *,
        path: str = "",
        hint: str | None = None,
        version: str | None = None,
        subject: str | None = None,
    ) -> Finding:
        """A finding of this rule, with the rule's id and severity."""
        return Finding(
            rule_id=self.rule_id,
            severity=self.severity,
            file=file,
            path=path,
            message=message,
            hint=hint,
            version=version,
            subject=subject,
        )


INVALID_SCHEMA = Rule(
    "GOV001", "invalid-schema", Severity.ERROR, "The file is not valid Avro (bad JSON, bad default, unknown type)."
)
INCOMPATIBLE_CHANGE = Rule(
    "GOV002",
    "incompatible-change",
    Severity.ERROR,
    "The schema breaks its subject's compatibility level against a deployed version.",
)
UNRESOLVED_SUBJECT = Rule(
    "GOV003",
    "unresolved-subject",
    Severity.ERROR,
    "The subject or compatibility level of the file cannot be determined.",
)
DUPLICATE_SUBJECT = Rule(
    "GOV004", "duplicate-subject", Severity.ERROR, "Two files resolve to the same subject."
)
UNREADABLE_DEPLOYED = Rule(
    "GOV005",
    "unreadable-deployed",
    Severity.WARNING,
    "A deployed version is not valid Avro here; it is left out of the comparison.",
)
NEW_SUBJECT = Rule(
    "GOV006", "new-subject", Severity.INFO, "Nothing is deployed for the subject yet; it will become version 1."
)
INVALID_DESCRIPTOR = Rule(
    "GOV007",
    "invalid-descriptor",
    Severity.ERROR,
    "A data product descriptor cannot be read, so the subjects of its schemas are unknown.",
)
DESCRIPTOR_PROBLEM = Rule(
    "GOV008",
    "descriptor-problem",
    Severity.WARNING,
    "A data product descriptor names its topic and schemas but fails validation (see `mesh products validate`).",
)

CATALOGUE: tuple[Rule, ...] = (
    INVALID_SCHEMA,
    INCOMPATIBLE_CHANGE,
    UNRESOLVED_SUBJECT,
    DUPLICATE_SUBJECT,
    UNREADABLE_DEPLOYED,
    NEW_SUBJECT,
    INVALID_DESCRIPTOR,
    DESCRIPTOR_PROBLEM,
)
RULES: dict[str, Rule] = {rule.rule_id: rule for rule in CATALOGUE}
