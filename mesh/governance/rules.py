"""The rule catalogue of `mesh schemas check`: every rule id, its severity and what it means.

    GOV001 invalid-schema          ERROR    the file is not valid Avro (bad JSON, bad default, unknown type)
    GOV002 incompatible-change     ERROR    the schema breaks its subject's level against a deployed version
    GOV003 unresolved-subject      ERROR    the file's subject or compatibility level cannot be determined
    GOV004 duplicate-subject       ERROR    two files resolve to the same subject
    GOV005 unreadable-deployed     WARNING  a deployed version is not valid Avro here; it is left out of the check
    GOV006 new-subject             INFO     nothing is deployed for the subject yet; it will become version 1
    GOV007 invalid-descriptor      ERROR    a product descriptor cannot be read, so its schemas' subjects are unknown
    GOV008 descriptor-problem      WARNING  a product descriptor reads but fails validation (`mesh products validate`)
    GOV009 unclassified-field      ERROR    a field of a product's schema has no classification in its descriptor

    Semantic rules (mesh.compat.semantic: logical-type and unit breaks Avro resolution lets through),
    numbered in a block of their own; a product descriptor may suppress them with a reason:
    GOV101 decimal-representation-changed  ERROR    decimal <-> string/bytes/double/... (any non-decimal)
    GOV102 time-unit-changed               ERROR    timestamp/time millis <-> micros <-> nanos
    GOV103 logical-type-dropped            ERROR    date -> int, timestamp-millis -> long, uuid -> bytes, ...
    GOV104 logical-type-added              ERROR    int -> date, long -> timestamp-millis, string -> uuid, ...
    GOV105 logical-type-changed            ERROR    another logical type: date -> timestamp, UTC -> local
    GOV106 decimal-scale-changed           ERROR    decimal scale differs, also behind a union
    GOV107 enum-symbol-read-as-default     WARNING  writer symbols missing in the reader become its default
    GOV108 decimal-precision-lowered       WARNING  the reader's decimal precision is below the writer's
  Descriptor changes, against a git ref (`mesh products check`, `mesh schemas check --against`):
    GOV201 changed-key                   ERROR    the product's key changed
    GOV202 fewer-partitions              ERROR    the product has fewer partitions
    GOV203 shorter-retention             ERROR    the product keeps its events for less time
    GOV204 changed-cleanup-policy        ERROR    delete <-> compact
    GOV205 classification-downgrade      ERROR    a field is classified lower (phi -> internal)
    GOV206 weaker-freshness-slo          WARNING  the freshness SLO is longer
    GOV207 removed-consumer              WARNING  a consumer listed by the product is gone
    GOV208 retired-without-deprecation   ERROR    active -> retired without being deprecated first
    GOV209 product-removed               ERROR    a descriptor was deleted before its product was retired
    GOV210 unreadable-previous-descriptor WARNING the descriptor at the ref cannot be read

  Consumer contracts (`mesh schemas check`: each writer schema against every registered reader):
    GOV301 breaks-reader                 ERROR    a consumer's reader schema cannot decode the new schema's data
    GOV302 used-field-dropped            WARNING  a field a consumer uses is no longer written (it reads the default)
    GOV303 invalid-contract              ERROR    a consumer contract cannot be read or does not match its product
    GOV304 readers-not-checked           INFO     the registered contracts could not be read; the repo's were used
    GOV305 reader-loses-information      WARNING  a consumer's reader decodes the new data with less information

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
UNCLASSIFIED_FIELD = Rule(
    "GOV009",
    "unclassified-field",
    Severity.ERROR,
    "A field of a data product's schema has no classification: it must not reach the registry unclassified.",
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
    UNCLASSIFIED_FIELD,
)
RULES: dict[str, Rule] = {rule.rule_id: rule for rule in CATALOGUE}

# The semantic rules (mesh.compat.semantic): a block of their own, GOV101 up, appended in this order.
DECIMAL_REPRESENTATION_CHANGED = Rule(
    "GOV101",
    "decimal-representation-changed",
    Severity.ERROR,
    "A decimal becomes or replaces a string, bytes, double or other non-decimal: readers get wrong values.",
)
TIME_UNIT_CHANGED = Rule(
    "GOV102",
    "time-unit-changed",
    Severity.ERROR,
    "A timestamp or time changes unit (millis, micros, nanos): every value is read 1,000x off.",
)
LOGICAL_TYPE_DROPPED = Rule(
    "GOV103",
    "logical-type-dropped",
    Severity.ERROR,
    "A logical type (date, timestamp, uuid, ...) is removed: readers get the bare number, text or bytes.",
)
LOGICAL_TYPE_ADDED = Rule(
    "GOV104",
    "logical-type-added",
    Severity.ERROR,
    "A logical type is put on a plain value: old values are read with a meaning they never had.",
)
LOGICAL_TYPE_CHANGED = Rule(
    "GOV105",
    "logical-type-changed",
    Severity.ERROR,
    "One logical type replaces another (date -> timestamp, UTC -> local timestamp): values change meaning.",
)
DECIMAL_SCALE_CHANGED = Rule(
    "GOV106",
    "decimal-scale-changed",
    Severity.ERROR,
    "A decimal's scale changes (also behind a union): 123.45 is read as 12.345.",
)
ENUM_SYMBOL_READ_AS_DEFAULT = Rule(
    "GOV107",
    "enum-symbol-read-as-default",
    Severity.WARNING,
    "Enum symbols a writer can write are missing from the reader: they silently become its default symbol.",
)
DECIMAL_PRECISION_LOWERED = Rule(
    "GOV108",
    "decimal-precision-lowered",
    Severity.WARNING,
    "A decimal's precision is lowered: values that fit before may not fit the reader's type.",
)
SEMANTIC: tuple[Rule, ...] = (
    DECIMAL_REPRESENTATION_CHANGED,
    TIME_UNIT_CHANGED,
    LOGICAL_TYPE_DROPPED,
    LOGICAL_TYPE_ADDED,
    LOGICAL_TYPE_CHANGED,
    DECIMAL_SCALE_CHANGED,
    ENUM_SYMBOL_READ_AS_DEFAULT,
    DECIMAL_PRECISION_LOWERED,
)
"""The semantic rules: the only ones a product descriptor may suppress (with a reason)."""
CATALOGUE = (*CATALOGUE, *SEMANTIC)
RULES.update({rule.rule_id: rule for rule in SEMANTIC})
# Descriptor changes (`mesh products check`, also in `schemas check --against`): GOV2xx
# (the semantic rules hold GOV1xx).
CHANGED_KEY = Rule(
    "GOV201", "changed-key", Severity.ERROR,
    "The product's key changed: events of one entity would land in other partitions and break ordering.",
)
FEWER_PARTITIONS = Rule(
    "GOV202", "fewer-partitions", Severity.ERROR, "The product has fewer partitions; Kafka cannot shrink a topic."
)
SHORTER_RETENTION = Rule(
    "GOV203", "shorter-retention", Severity.ERROR,
    "The product keeps its events for less time; consumers that replay history lose data.",
)
CHANGED_CLEANUP_POLICY = Rule(
    "GOV204", "changed-cleanup-policy", Severity.ERROR,
    "The cleanup policy changed (delete <-> compact): what a consumer finds on the topic changes meaning.",
)
CLASSIFICATION_DOWNGRADE = Rule(
    "GOV205", "classification-downgrade", Severity.ERROR,
    "A field is classified lower than before (e.g. phi -> internal): it would lose its protection.",
)
WEAKER_FRESHNESS_SLO = Rule(
    "GOV206", "weaker-freshness-slo", Severity.WARNING,
    "The freshness SLO is longer than before: consumers were promised fresher data.",
)
REMOVED_CONSUMER = Rule(
    "GOV207", "removed-consumer", Severity.WARNING,
    "A consumer listed by the product is gone from its descriptor; make sure it no longer reads it.",
)
RETIRED_WITHOUT_DEPRECATION = Rule(
    "GOV208", "retired-without-deprecation", Severity.ERROR,
    "An active product is retired directly, without a deprecation period for its consumers.",
)
PRODUCT_REMOVED = Rule(
    "GOV209", "product-removed", Severity.ERROR,
    "The descriptor of a product that is not retired was deleted.",
)
UNREADABLE_PREVIOUS = Rule(
    "GOV210", "unreadable-previous-descriptor", Severity.WARNING,
    "The previous version of a descriptor cannot be read; it is left out of the comparison.",
)

CATALOGUE += (
    CHANGED_KEY,
    FEWER_PARTITIONS,
    SHORTER_RETENTION,
    CHANGED_CLEANUP_POLICY,
    CLASSIFICATION_DOWNGRADE,
    WEAKER_FRESHNESS_SLO,
    REMOVED_CONSUMER,
    RETIRED_WITHOUT_DEPRECATION,
    PRODUCT_REMOVED,
    UNREADABLE_PREVIOUS,
)
RULES.update({rule.rule_id: rule for rule in CATALOGUE})

# Consumer contracts (`mesh schemas check` against every registered reader): GOV3xx.
BREAKS_READER = Rule(
    "GOV301", "breaks-reader", Severity.ERROR,
    "A consumer's registered reader cannot decode the new schema's data, or decodes it into wrong values.",
)
USED_FIELD_DROPPED = Rule(
    "GOV302", "used-field-dropped", Severity.WARNING,
    "A field a consumer declares it uses is no longer written; its reader would silently get the default.",
)
INVALID_CONTRACT = Rule(
    "GOV303", "invalid-contract", Severity.ERROR,
    "A consumer contract cannot be read, or names a product, event type or field that does not exist.",
)

READERS_NOT_CHECKED = Rule(
    "GOV304", "readers-not-checked", Severity.INFO,
    "The contracts registered on the platform could not be read; only the repository's were checked.",
)

READER_LOSES_INFORMATION = Rule(
    "GOV305", "reader-loses-information", Severity.WARNING,
    "A consumer's reader decodes the new schema's data with less information (enum symbols become the "
    "default, a lower decimal precision).",
)

CATALOGUE += (BREAKS_READER, USED_FIELD_DROPPED, INVALID_CONTRACT, READERS_NOT_CHECKED, READER_LOSES_INFORMATION)
RULES.update({rule.rule_id: rule for rule in CATALOGUE})
