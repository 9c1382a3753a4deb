"""Deploy-time governance checks: pure check functions, a rule catalogue, reports.

`schema_check` compares local schema files with what is deployed and returns `Finding`s (with
`semantic_gate`'s logical-type and unit findings, GOV101..GOV108, and their suppressions);
`reader_check` checks each schema against the consumers' registered readers (GOV301..GOV305);
`product_check` compares product descriptor snapshots (GOV201..GOV210);
`report` renders them; `files` and `registry_source` are the thin I/O adapters the CLI wires in.
"""

from mesh.governance.findings import Finding, Severity
from mesh.governance.product_check import ProductSnapshot, check_products
from mesh.governance.reader_check import RegisteredReader, check_readers
from mesh.governance.report import ReportFormat, render
from mesh.governance.rules import CATALOGUE, RULES, Rule
from mesh.governance.schema_check import (
    CheckResult,
    DeployedSubject,
    DeployedVersion,
    LocalSchema,
    SchemaFile,
    check_files,
    check_schemas,
    load_schemas,
)
from mesh.governance.subjects import SubjectResolver, convention_resolver

__all__ = [
    "CATALOGUE",
    "RULES",
    "CheckResult",
    "DeployedSubject",
    "DeployedVersion",
    "Finding",
    "LocalSchema",
    "ProductSnapshot",
    "RegisteredReader",
    "ReportFormat",
    "Rule",
    "SchemaFile",
    "Severity",
    "SubjectResolver",
    "check_files",
    "check_products",
    "check_readers",
    "check_schemas",
    "convention_resolver",
    "load_schemas",
    "render",
]
