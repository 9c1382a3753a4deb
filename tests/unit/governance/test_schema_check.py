"""The pure schema check: known answers per rule, level precedence, ordering, exit codes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pytest

from mesh.compat import Level
from mesh.governance.findings import Severity
from mesh.governance.schema_check import (
    CheckResult,
    DeployedSubject,
    DeployedVersion,
    LocalSchema,
    SchemaFile,
    check_files,
    check_schemas,
    fix_hint,
    load_schemas,
    next_major_hint,
)
from mesh.governance.subjects import convention_resolver
from tests.unit.governance.avro_samples import (
    CLAIM_V1,
    CLAIM_WITH_DEFAULT,
    CLAIM_WITHOUT_DEFAULT,
    field,
    record,
)

FILE = "schemas/claims/claim_submitted.avsc"
SUBJECT = "mesh.claims.ClaimSubmitted"


def registry_history(*texts: str, level: Level | None = None) -> dict[str, DeployedSubject]:
    versions = tuple(DeployedVersion(number, text) for number, text in enumerate(texts, start=1))
    return {SUBJECT: DeployedSubject(SUBJECT, versions, level)}


def run(
    files: Sequence[SchemaFile], deployed: Mapping[str, DeployedSubject], *, level: Level | None = None
) -> CheckResult:
    def fetch(_: Sequence[LocalSchema]) -> Mapping[str, DeployedSubject]:
        return deployed

    return check_files(files, resolver=convention_resolver(), fetch_deployed=fetch, level=level)


def rule_ids(result: CheckResult) -> list[str]:
    return [finding.rule_id for finding in result.findings]


# (case, local text, deployed versions oldest first, expected rule ids)
KNOWN_ANSWERS = [
    ("clean_identical", CLAIM_V1, [CLAIM_V1], []),
    ("clean_field_added_with_default", CLAIM_WITH_DEFAULT, [CLAIM_V1], []),
    ("GOV001_bad_json", '{"type": "record", "name": ', [CLAIM_V1], ["GOV001"]),
    ("GOV001_unknown_type", record("ClaimSubmitted", field("amount", "money")), [CLAIM_V1], ["GOV001"]),
    ("GOV002_field_added_without_default", CLAIM_WITHOUT_DEFAULT, [CLAIM_V1], ["GOV002"]),
    ("GOV003_not_a_named_type", '{"type": "array", "items": "string"}', [], ["GOV003"]),
    ("GOV003_unknown_declared_level", record("R", field("a"), **{"x-compatibility": "SIDEWAYS"}), [], ["GOV003"]),
    ("GOV005_deployed_version_unreadable", CLAIM_V1, ["{not json", CLAIM_V1], ["GOV005"]),
    ("GOV006_nothing_deployed", CLAIM_V1, [], ["GOV006"]),
]


@pytest.mark.parametrize(("case", "local", "deployed", "expected"), KNOWN_ANSWERS, ids=[k[0] for k in KNOWN_ANSWERS])
def test_known_answers(case: str, local: str, deployed: list[str], expected: list[str]) -> None:
    result = run([SchemaFile(FILE, local)], registry_history(*deployed))
    assert rule_ids(result) == expected
    assert result.exit_code == (1 if any(f.severity is Severity.ERROR for f in result.findings) else 0)
    assert all(finding.file == FILE for finding in result.findings)


def test_incompatible_change_names_version_subject_path_and_fix() -> None:
    result = run([SchemaFile(FILE, CLAIM_WITHOUT_DEFAULT)], registry_history(CLAIM_V1, CLAIM_V1, CLAIM_V1))
    (finding,) = result.findings
    assert (finding.rule_id, finding.severity, finding.version, finding.subject) == (
        "GOV002", Severity.ERROR, "3", SUBJECT
    )
    assert finding.path == "/fields/2"
    assert finding.message.startswith("field path /fields/2: ")
    assert "'currency'" in finding.message
    assert finding.message.endswith(f"; this breaks BACKWARD against version 3 of subject {SUBJECT}")
    assert finding.hint is not None and "default" in finding.hint and "new major version" in finding.hint


@pytest.mark.parametrize(
    ("case", "text", "path"),
    [
        ("GOV001_bad_default", record("R", field("a"), field("n", "int", default="x")), "/fields/1/default"),
        ("GOV001_unknown_type", record("R", field("u", {"type": "array", "items": "Money"})), "/fields/0/type/items"),
        ("GOV001_field_without_type", record("R", {"name": "u"}), "/fields/0"),
    ],
)
def test_invalid_avro_findings_carry_the_exact_field_path(case: str, text: str, path: str) -> None:
    (finding,) = run([SchemaFile(FILE, text)], {}).findings
    assert (finding.rule_id, finding.path) == ("GOV001", path)
    assert finding.message.startswith(f"field path {path}: ")


def test_invalid_json_finding_points_at_line_and_column() -> None:
    result = run([SchemaFile(FILE, '{\n  "type": "record",\n  "name": }')], {})
    (finding,) = result.findings
    assert finding.path == "line 3 column 11"


def test_deployed_level_beats_the_declared_level() -> None:
    declared_none = json.dumps({**json.loads(CLAIM_WITHOUT_DEFAULT), "x-compatibility": "NONE"})
    result = run([SchemaFile(FILE, declared_none)], registry_history(CLAIM_V1, level=Level.BACKWARD))
    assert rule_ids(result) == ["GOV002"]


def test_declared_level_applies_when_nothing_is_configured() -> None:
    declared_none = json.dumps({**json.loads(CLAIM_WITHOUT_DEFAULT), "x-compatibility": "NONE"})
    assert rule_ids(run([SchemaFile(FILE, declared_none)], registry_history(CLAIM_V1))) == []


def test_level_override_beats_deployed_and_declared() -> None:
    deployed = registry_history(CLAIM_V1, level=Level.BACKWARD)
    assert rule_ids(run([SchemaFile(FILE, CLAIM_WITHOUT_DEFAULT)], deployed, level=Level.NONE)) == []


def test_two_files_with_one_subject_are_a_duplicate() -> None:
    files = [SchemaFile("schemas/a.avsc", CLAIM_V1), SchemaFile("schemas/b.avsc", CLAIM_WITH_DEFAULT)]
    local, checked, findings = load_schemas(files, convention_resolver())
    assert [schema.file for schema in local] == ["schemas/a.avsc"]
    assert [(f.rule_id, f.file) for f in findings] == [("GOV004", "schemas/b.avsc")]
    assert [c.subject for c in checked] == [SUBJECT, SUBJECT]


def test_findings_follow_file_order_and_every_file_is_listed() -> None:
    files = [
        SchemaFile("schemas/a.avsc", CLAIM_WITHOUT_DEFAULT),
        SchemaFile("schemas/b.avsc", "not json"),
        SchemaFile("schemas/c.avsc", record("Other", field("x"))),
    ]
    result = run(files, registry_history(CLAIM_V1))
    assert [(f.file, f.rule_id) for f in result.findings] == [
        ("schemas/a.avsc", "GOV002"),
        ("schemas/b.avsc", "GOV001"),
        ("schemas/c.avsc", "GOV006"),
    ]
    assert [c.file for c in result.checked] == [f.path for f in files]
    assert result.checked[1].subject is None


def test_git_version_is_named_by_its_ref() -> None:
    local, _, _ = load_schemas([SchemaFile(FILE, CLAIM_WITHOUT_DEFAULT)], convention_resolver())
    deployed = {SUBJECT: DeployedSubject(SUBJECT, (DeployedVersion(1, CLAIM_V1, ref="origin/main"),))}
    (finding,) = check_schemas(local, deployed)
    assert finding.version == "origin/main"
    assert finding.message.endswith(f"against {FILE} at origin/main, taken as version 1 of subject {SUBJECT}")


def test_no_files_fetch_nothing_and_pass() -> None:
    def fetch(_: Sequence[LocalSchema]) -> Mapping[str, DeployedSubject]:
        raise AssertionError("nothing to fetch")

    result = check_files([], resolver=convention_resolver(), fetch_deployed=fetch)
    assert (result.findings, result.exit_code) == ((), 0)


NEXT_MAJOR = [
    ("topic_record_subject", "prod.claims.claims.v1-mesh.claims.ClaimSubmitted", "publish it as prod.claims.claims.v2"),
    ("topic_value_subject", "test.members.member_360.v7-value", "publish it as test.members.member_360.v8"),
    ("record_name_subject", SUBJECT, None),
    ("not_a_namespace", "dev.claims.claims.v1-value", None),
]


@pytest.mark.parametrize(("case", "subject", "hint"), NEXT_MAJOR, ids=[n[0] for n in NEXT_MAJOR])
def test_next_major_hint(case: str, subject: str, hint: str | None) -> None:
    assert next_major_hint(subject) == hint


TOPIC_SUBJECT = "prod.claims.claims.v1-mesh.claims.ClaimSubmitted"
GENERIC = "publish it under a new subject (the next major version of its data product)"
COMPAT_HINT = "add a default, or publish the change as a new major version (a new subject)"
FIX_HINTS = [
    ("engine_phrase_becomes_the_topic", COMPAT_HINT, TOPIC_SUBJECT, "add a default, or publish it as prod.claims.claims.v2"),
    ("engine_phrase_kept_without_topic", COMPAT_HINT, SUBJECT, COMPAT_HINT),
    ("topic_appended", "add a default", TOPIC_SUBJECT, "add a default or publish it as prod.claims.claims.v2"),
    ("generic_appended", "add a default", SUBJECT, f"add a default or {GENERIC}"),
    ("no_engine_hint_topic", None, TOPIC_SUBJECT, "Publish it as prod.claims.claims.v2"),
    ("no_engine_hint_generic", "", SUBJECT, "P" + GENERIC[1:]),
]


@pytest.mark.parametrize(("case", "hint", "subject", "expected"), FIX_HINTS, ids=[f[0] for f in FIX_HINTS])
def test_fix_hint(case: str, hint: str | None, subject: str, expected: str) -> None:
    assert fix_hint(hint, subject) == expected
