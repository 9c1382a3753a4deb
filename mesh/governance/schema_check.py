"""The schema check itself: pure functions from schema files and deployed history to findings.

Two steps, so the caller can fetch exactly the deployed subjects it needs in between:

    load_schemas(files, resolver)          parse every file, resolve its subject and declared level
                                           -> LocalSchemas, files checked, findings (GOV001, GOV003, GOV004)
    check_schemas(local, deployed, level)  compare each with its subject's deployed history using
                                           mesh.compat -> findings (GOV002, GOV005, GOV006, and
                                           the semantic rules GOV101.. of `semantic_gate`)

`check_files` chains both around an injected `fetch_deployed` (registry or git adapter), then checks
the consumers' registered readers of each subject (`reader_check`, GOV301/GOV302). Nothing
here reads files, runs git or talks to a registry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mesh.compat import Level, ParsedSchema, check, parse_schema
from mesh.core.errors import MeshError, SchemaParseError
from mesh.core.naming import parse_product_topic, product_topic
from mesh.governance import rules
from mesh.governance.findings import Finding
from mesh.governance.reader_check import RegisteredReader, check_readers
from mesh.governance.semantic_gate import semantic_findings
from mesh.governance.subjects import SubjectResolver


@dataclass(frozen=True, slots=True)
class SchemaFile:
    """A schema file's text and its path as shown in findings (e.g. `schemas/claims/claim.avsc`)."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class LocalSchema:
    """A parsed local schema with its subject and the level it declares."""

    file: str
    schema: ParsedSchema
    subject: str
    level: Level


@dataclass(frozen=True, slots=True)
class DeployedVersion:
    """One deployed version of a subject: registry version number (or 1 for a git ref) and its text.

    `ref` is the git ref it was read from, None when it came from a registry.
    """

    version: int
    text: str
    ref: str | None = None

    @property
    def label(self) -> str:
        """Short name for findings: the registry version number or the git ref."""
        return self.ref if self.ref is not None else str(self.version)


@dataclass(frozen=True, slots=True)
class DeployedSubject:
    """What is deployed for a subject: its live versions, oldest first, and its configured level.

    `level` None means "not configured where it is deployed": the file's declared level applies.
    """

    subject: str
    versions: tuple[DeployedVersion, ...] = ()
    level: Level | None = None


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A file the check looked at, with the subject and level used (None when unresolved)."""

    file: str
    subject: str | None = None
    level: Level | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Every file checked and every finding, in file order; `noun` names the files in reports."""

    checked: tuple[CheckedFile, ...]
    findings: tuple[Finding, ...]
    noun: str = "schema file"
    title: str = "mesh schemas check"

    @property
    def has_errors(self) -> bool:
        """True when at least one finding is an ERROR."""
        return any(finding.is_error for finding in self.findings)

    @property
    def exit_code(self) -> int:
        """0 clean (warnings and notices allowed), 1 when a finding is an ERROR."""
        return 1 if self.has_errors else 0

    def with_findings(self, findings: Sequence[Finding]) -> CheckResult:
        """This result with `findings` (e.g. about descriptors rather than schema files) first."""
        return CheckResult(self.checked, (*findings, *self.findings), self.noun, self.title)


FetchDeployed = Callable[[Sequence[LocalSchema]], Mapping[str, DeployedSubject]]


def bare_message(exc: MeshError) -> str:
    """The message of an error without the `source: at path: ` prefix SchemaParseError adds."""
    message = exc.message
    if isinstance(exc, SchemaParseError):
        for prefix in (f"{exc.source}: " if exc.source else "", f"at {exc.path}: " if exc.path else ""):
            if prefix and message.startswith(prefix):
                message = message[len(prefix) :]
    return message


def _parse_file(file: SchemaFile) -> ParsedSchema | Finding:
    try:
        document = json.loads(file.text)
    except json.JSONDecodeError as exc:
        return rules.INVALID_SCHEMA.finding(
            file.path,
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            path=f"line {exc.lineno} column {exc.colno}",
            hint="fix the JSON syntax (an .avsc file holds one JSON schema)",
        )
    try:
        return parse_schema(document, source=file.path)
    except SchemaParseError as exc:
        where = f"field path {exc.path}: " if exc.path else ""
        return rules.INVALID_SCHEMA.finding(
            file.path, where + bare_message(exc), path=exc.path, hint=exc.hint or "fix the schema so it is valid Avro"
        )


def load_schemas(
    files: Sequence[SchemaFile], resolver: SubjectResolver
) -> tuple[tuple[LocalSchema, ...], tuple[CheckedFile, ...], tuple[Finding, ...]]:
    """Parse each file and resolve its subject and declared level.

    Returns the schemas that can be compared, every file with what was resolved for it, and the
    findings of files that cannot be compared (GOV001, GOV003, GOV004).
    """
    loaded: list[LocalSchema] = []
    checked: list[CheckedFile] = []
    findings: list[Finding] = []
    first_file: dict[str, str] = {}
    for file in files:
        parsed = _parse_file(file)
        if isinstance(parsed, Finding):
            findings.append(parsed)
            checked.append(CheckedFile(file.path))
            continue
        try:
            subject, level = resolver(Path(file.path), parsed)
        except MeshError as exc:
            findings.append(
                rules.UNRESOLVED_SUBJECT.finding(
                    file.path,
                    bare_message(exc),
                    path=exc.path if isinstance(exc, SchemaParseError) else "",
                    hint=exc.hint,
                )
            )
            checked.append(CheckedFile(file.path))
            continue
        checked.append(CheckedFile(file.path, subject, level))
        if subject in first_file:
            findings.append(
                rules.DUPLICATE_SUBJECT.finding(
                    file.path,
                    f"resolves to subject {subject} like {first_file[subject]}",
                    hint="keep one schema per subject: rename the record or remove one of the files",
                    subject=subject,
                )
            )
            continue
        first_file[subject] = file.path
        loaded.append(LocalSchema(file.path, parsed, subject, level))
    return tuple(loaded), tuple(checked), tuple(findings)


# mesh.compat ends its hints with this generic escape hatch; we name the concrete topic instead.
_COMPAT_MAJOR_PHRASE = "publish the change as a new major version (a new subject)"
_GENERIC_MAJOR = "publish it under a new subject (the next major version of its data product)"


def next_major_hint(subject: str) -> str | None:
    """`publish it as <topic v+1>` when the subject starts with a product topic, else None."""
    topic = subject.split("-", 1)[0]
    try:
        namespace, domain, product, major = parse_product_topic(topic)
    except MeshError:
        return None
    return f"publish it as {product_topic(namespace, domain, product, major + 1)}"


def fix_hint(hint: str | None, subject: str) -> str:
    """The engine's hint with the escape hatch of a new major version spelled out for this subject."""
    major = next_major_hint(subject)
    if not hint:
        fix = major or _GENERIC_MAJOR
        return fix[:1].upper() + fix[1:]
    if major and _COMPAT_MAJOR_PHRASE in hint:
        return hint.replace(_COMPAT_MAJOR_PHRASE, major)
    if "publish" in hint and not major:
        return hint
    return f"{hint} or {major or _GENERIC_MAJOR}"


def _describe(version: DeployedVersion, subject: str, file: str) -> str:
    if version.ref is not None:
        # mesh.compat calls the ref's text "version 1" in its messages: say what that is.
        return f"{file} at {version.ref}, taken as version {version.version} of subject {subject}"
    return f"version {version.version} of subject {subject}"


def _deployed_history(
    local: LocalSchema, deployed: DeployedSubject
) -> tuple[list[tuple[int, ParsedSchema]], list[Finding]]:
    history: list[tuple[int, ParsedSchema]] = []
    findings: list[Finding] = []
    for version in deployed.versions:
        try:
            history.append((version.version, parse_schema(version.text, source=version.label)))
        except (SchemaParseError, ValueError) as exc:
            reason = bare_message(exc) if isinstance(exc, MeshError) else str(exc)
            findings.append(
                rules.UNREADABLE_DEPLOYED.finding(
                    local.file,
                    f"{_describe(version, local.subject, local.file)} is not valid Avro here ({reason}); "
                    "it is left out of the comparison",
                    hint="check that version by hand; schemas with references are not resolved by this check",
                    version=version.label,
                    subject=local.subject,
                )
            )
    return history, findings


def _compare(local: LocalSchema, deployed: DeployedSubject, level_override: Level | None) -> list[Finding]:
    history, findings = _deployed_history(local, deployed)
    if not history:
        return findings
    level = level_override or deployed.level or local.level
    by_number = {version.version: version for version in deployed.versions}
    result = check(local.schema, history, level)
    for problem in result.incompatibilities:
        against = by_number.get(problem.version) if problem.version is not None else None
        against = against or deployed.versions[-1]
        findings.append(
            rules.INCOMPATIBLE_CHANGE.finding(
                local.file,
                f"field path {problem.path}: {problem.message}; this breaks {level.value} against "
                f"{_describe(against, local.subject, local.file)}",
                path=problem.path,
                hint=fix_hint(problem.hint, local.subject),
                version=against.label,
                subject=local.subject,
            )
        )
    def against_version(number: int | None) -> tuple[str, str]:
        version = (by_number.get(number) if number is not None else None) or deployed.versions[-1]
        return version.label, _describe(version, local.subject, local.file)

    findings += semantic_findings(local.file, local.subject, local.schema, history, level, against_version, fix_hint)
    return findings


def check_schemas(
    local: Sequence[LocalSchema],
    deployed: Mapping[str, DeployedSubject],
    *,
    level: Level | None = None,
) -> tuple[Finding, ...]:
    """Compare every local schema with its subject's deployed history.

    The level used is `level` when given, else the subject's deployed (configured) level, else the
    file's declared level. A subject with nothing deployed gives a GOV006 notice.
    """
    findings: list[Finding] = []
    for schema in local:
        subject = deployed.get(schema.subject)
        if subject is None or not subject.versions:
            findings.append(
                rules.NEW_SUBJECT.finding(
                    schema.file,
                    f"subject {schema.subject} has no deployed version yet; this schema will be version 1",
                    subject=schema.subject,
                )
            )
            continue
        findings.extend(_compare(schema, subject, level))
    return tuple(findings)


def check_files(
    files: Sequence[SchemaFile],
    *,
    resolver: SubjectResolver,
    fetch_deployed: FetchDeployed,
    level: Level | None = None,
    readers: Sequence[RegisteredReader] = (),
) -> CheckResult:
    """Load the files, fetch what is deployed for their subjects, compare, and check every registered
    reader of their subjects (`mesh.governance.reader_check`): all findings, file order."""
    local, checked, load_findings = load_schemas(files, resolver)
    deployed = fetch_deployed(local) if local else {}
    findings = load_findings + check_schemas(local, deployed, level=level) + check_readers(local, readers)
    order = {file.path: index for index, file in enumerate(files)}
    ordered = sorted(findings, key=lambda finding: order.get(finding.file, len(order)))
    return CheckResult(checked, tuple(ordered))
