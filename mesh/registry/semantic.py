"""Semantic breaks in the registry's answers: logical-type and unit changes Avro resolution lets through.

Every compatibility test and registration also runs `mesh.compat.semantic.semantic_check` at the
subject's level. Its findings are messages in `POST /compatibility/...?verbose=true` answers; the
verdict stays Avro's (Confluent clients see no change) unless the subject's (or the global) config
sets the opt-in `refuseSemanticBreaks: true`: then its ERROR findings (not the warnings) make the
schema incompatible, for tests and registrations alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mesh.compat import Level, ParsedSchema
from mesh.compat.semantic import SemanticFinding, semantic_check

_REPORTED = ("reported only: Avro resolution accepts it; PUT /config/{subject} "
             '{{"refuseSemanticBreaks": true}} makes the registry refuse such changes')


@dataclass(frozen=True)
class SemanticVerdict:
    """The semantic messages of one check: those that block (refused) and those only reported."""

    blocking: tuple[str, ...] = ()
    reported: tuple[str, ...] = ()


def message(finding: SemanticFinding) -> str:
    """One message, worded like the Avro ones: kind, path, version, what a reader sees, the fix."""
    severity = "WARNING" if finding.is_warning else "ERROR"
    return (f"SEMANTIC {severity} {finding.kind.value} at '{finding.path}' (field {finding.field}) against version "
            f"{finding.version}: {finding.old_type} becomes {finding.new_type}; a reader {finding.example} "
            f"(fix: {finding.hint})")


def assess(subject: str, new: ParsedSchema, history: Sequence[tuple[int, ParsedSchema]], level: Level, *,
           refuse: bool) -> SemanticVerdict:
    """The semantic findings of `new` against `history`; ERRORs block when `refuse` is on."""
    blocking: list[str] = []
    reported: list[str] = []
    for finding in semantic_check(new, history, level):
        if refuse and not finding.is_warning:
            blocking.append(message(finding) + " [refused: refuseSemanticBreaks is on]")
        else:
            reported.append(f"{message(finding)} [{_REPORTED.format(subject=subject)}]")
    return SemanticVerdict(tuple(blocking), tuple(reported))
