"""The Avro schema-compatibility engine: pure functions, no I/O, no logging.

    parse_schema(text_or_json, references=...) -> ParsedSchema     strict validation, SchemaParseError
    check_pair(reader, writer) -> tuple[Incompatibility, ...]      can reader decode all writer data
    check(new, history, level) -> CompatibilityResult              a new schema against live versions
    semantic_check(new, history, level) -> SemanticFindings        logical-type and unit breaks Avro lets through

Modules: `levels` (levels and their direction table), `validation` + `schema` (parsing), `index`
(per-schema lookups), `resolution` (the pair walk), `messages` (sentences and hints), `result`,
`checker` (the two public checks), `semantic` + `semantic_values` (the semantic layer over resolution).
"""

from mesh.compat.checker import check, check_pair
from mesh.compat.levels import DIRECTIONS, NEW_READS_OLD, OLD_READS_NEW, TRANSITIVE, Direction, Level
from mesh.compat.result import CompatibilityResult, Incompatibility, Kind
from mesh.compat.schema import ParsedSchema, parse_schema
from mesh.compat.semantic import SemanticFinding, SemanticKind, semantic_check, semantic_pair

__all__ = [
    "DIRECTIONS",
    "NEW_READS_OLD",
    "OLD_READS_NEW",
    "TRANSITIVE",
    "CompatibilityResult",
    "Direction",
    "Incompatibility",
    "Kind",
    "Level",
    "ParsedSchema",
    "SemanticFinding",
    "SemanticKind",
    "check",
    "check_pair",
    "parse_schema",
    "semantic_check",
    "semantic_pair",
]
