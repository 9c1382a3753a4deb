"""The semantic rules at the deploy gate: `mesh.compat.semantic` findings as GOV101..GOV108 findings,
and the suppressions data product descriptors declare for them.

    semantic_findings(file, subject, new, history, level, against)   -> Findings (ERROR or WARNING)
    suppress(findings, suppressions)                                  -> Findings, suppressed ones as INFO

A suppression names a semantic rule id, a reason (required) and optionally one field path; it turns
the matching findings of the descriptor's schema files into INFO notices that quote the reason, so
the report still shows what was let through and why.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from mesh.compat import Level, ParsedSchema
from mesh.compat.semantic import SemanticKind, semantic_check
from mesh.governance import rules
from mesh.governance.findings import Finding, Severity

RULE_OF: Mapping[SemanticKind, rules.Rule] = {
    SemanticKind.DECIMAL_REPRESENTATION_CHANGED: rules.DECIMAL_REPRESENTATION_CHANGED,
    SemanticKind.TIME_UNIT_CHANGED: rules.TIME_UNIT_CHANGED,
    SemanticKind.LOGICAL_TYPE_DROPPED: rules.LOGICAL_TYPE_DROPPED,
    SemanticKind.LOGICAL_TYPE_ADDED: rules.LOGICAL_TYPE_ADDED,
    SemanticKind.LOGICAL_TYPE_CHANGED: rules.LOGICAL_TYPE_CHANGED,
    SemanticKind.DECIMAL_SCALE_CHANGED: rules.DECIMAL_SCALE_CHANGED,
    SemanticKind.ENUM_SYMBOL_READ_AS_DEFAULT: rules.ENUM_SYMBOL_READ_AS_DEFAULT,
    SemanticKind.DECIMAL_PRECISION_LOWERED: rules.DECIMAL_PRECISION_LOWERED,
}
"""Each semantic kind -> its catalogue rule."""

Against = Callable[[int | None], tuple[str, str]]
"""Version number -> (label for the finding's `version`, description such as `version 3 of subject S`)."""


@dataclass(frozen=True, slots=True)
class Suppression:
    """A semantic rule a descriptor lets through for its schema files, and why.

    `field` None suppresses the rule on every field; else only on that dotted field path.
    `owner` is the descriptor file that declares it.
    """

    rule_id: str
    reason: str
    owner: str
    field: str | None = None


def semantic_findings(
    file: str,
    subject: str,
    new: ParsedSchema,
    history: Sequence[tuple[int, ParsedSchema]],
    level: Level,
    against: Against,
    fix: Callable[[str, str], str],
) -> list[Finding]:
    """The semantic breaks of `new` against `history` at `level`, as findings of the semantic rules.

    `fix(hint, subject)` spells out the escape hatch of a new major version for this subject.
    """
    findings: list[Finding] = []
    for item in semantic_check(new, history, level):
        label, described = against(item.version)
        findings.append(
            RULE_OF[item.kind].finding(
                file,
                f"field path {item.field} ({item.path}): {item.old_type} becomes {item.new_type} (against "
                f"{described}); Avro resolution lets it through, but a reader {item.example}",
                path=item.path,
                hint=fix(item.hint, subject),
                version=label,
                subject=subject,
            )
        )
    return findings


def _key(path: str) -> str:
    return os.path.abspath(path)


def _field_of(finding: Finding) -> str:
    # Messages start with "field path <dotted path> (<pointer>)": the dotted path is what users write.
    prefix = "field path "
    return finding.message[len(prefix):].split(" ", 1)[0] if finding.message.startswith(prefix) else ""


def suppress(findings: Iterable[Finding], suppressions: Mapping[str, Sequence[Suppression]]) -> tuple[Finding, ...]:
    """`findings` with those a descriptor suppresses for their file turned into INFO notices.

    `suppressions` maps a schema file path (any form of it: keys are compared as absolute paths) to
    the suppressions of the descriptor that names it.
    """
    by_file = {_key(path): tuple(items) for path, items in suppressions.items()}
    out: list[Finding] = []
    for finding in findings:
        match = next(
            (item for item in by_file.get(_key(finding.file), ())
             if item.rule_id == finding.rule_id and item.field in (None, _field_of(finding))),
            None,
        )
        if match is None or finding.rule_id not in SUPPRESSIBLE:
            out.append(finding)
            continue
        out.append(replace(finding, severity=Severity.INFO,
                           message=f"suppressed by {match.owner} ({match.reason}): {finding.message}"))
    return tuple(out)


SUPPRESSIBLE = frozenset(rule.rule_id for rule in rules.SEMANTIC)
"""Rule ids a descriptor may suppress: the semantic rules, nothing that the registry would refuse anyway."""
