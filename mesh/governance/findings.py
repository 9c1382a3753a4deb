"""What a deploy-time check reports: a frozen `Finding` per problem, with its `Severity`.

Findings are data, not exceptions: a check collects every problem of every file and the CLI decides
the exit code (any ERROR means 1). Each finding names the rule it broke (see `mesh.governance.rules`),
the file, the path inside the schema, the deployed version it conflicts with, and a fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    """How bad a finding is; only ERROR fails a check."""

    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or notice) about one schema file.

    `path` locates it inside the schema (empty when it concerns the whole file); `version` names the
    deployed version it conflicts with ("3" for registry version 3, or a git ref); `subject` is the
    subject the file resolves to, when known.
    """

    rule_id: str
    severity: Severity
    file: str
    path: str
    message: str
    hint: str | None = None
    version: str | None = None
    subject: str | None = None

    @property
    def is_error(self) -> bool:
        """True when this finding fails the check."""
        return self.severity is Severity.ERROR

    def as_dict(self) -> dict[str, str | None]:
        """A JSON-ready mapping with stable keys."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "file": self.file,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
            "version": self.version,
            "subject": self.subject,
        }
