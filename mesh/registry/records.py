"""The records of the `_schemas` log: what each one proposes, and their JSON key/value encoding.

Every change to the registry is one record. Claims (a schema version, a delete) get a key unique to
that claim (it carries a random `nonce`), so log compaction never drops a claim, not even a losing
one: replaying the log always sees the same claims in the same order and reaches the same state.
Configs and modes are keyed by subject, so compaction keeps the last one, which is the one that counts.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

JSONValue = Any  # metadata / ruleSet are free-form JSON returned as given


@dataclass(frozen=True)
class Reference:
    """A named type this schema takes from `subject` at `version`."""

    name: str
    subject: str
    version: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "subject": self.subject, "version": self.version}


@dataclass(frozen=True)
class SchemaRecord:
    """Claims `schema_id` for this schema (identified by `fingerprint`) and `subject`/`version` for it."""

    subject: str
    version: int
    schema_id: int
    schema: str
    fingerprint: str
    references: tuple[Reference, ...] = ()
    metadata: JSONValue = None
    rule_set: JSONValue = None
    nonce: str = ""


@dataclass(frozen=True)
class DeleteRecord:
    """Soft (or, with `permanent`, hard) delete of one version, or of every version when `version` is None."""

    subject: str
    version: int | None
    permanent: bool
    nonce: str = ""


@dataclass(frozen=True)
class ConfigRecord:
    """Sets the compatibility level of `subject` (None: global); `level` None removes it.

    `refuse_semantic` is the opt-in `refuseSemanticBreaks` setting (None: not set, inherit the global).
    """

    subject: str | None
    level: str | None
    refuse_semantic: bool | None = None


@dataclass(frozen=True)
class ModeRecord:
    """Sets the mode of `subject` (None: global); `mode` None removes it."""

    subject: str | None
    mode: str | None


Record = SchemaRecord | DeleteRecord | ConfigRecord | ModeRecord


def new_nonce() -> str:
    """A key suffix no other claim has."""
    return uuid.uuid4().hex


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def encode(record: Record) -> tuple[bytes, bytes | None]:
    """(key, value) bytes of a record; a None value is a tombstone (config or mode removed)."""
    if isinstance(record, SchemaRecord):
        key = {"keytype": "SCHEMA", "subject": record.subject, "version": record.version, "nonce": record.nonce}
        value: dict[str, Any] = {
            "subject": record.subject,
            "version": record.version,
            "id": record.schema_id,
            "schema": record.schema,
            "fingerprint": record.fingerprint,
            "references": [r.to_json() for r in record.references],
        }
        if record.metadata is not None:
            value["metadata"] = record.metadata
        if record.rule_set is not None:
            value["ruleSet"] = record.rule_set
        return _dumps(key), _dumps(value)
    if isinstance(record, DeleteRecord):
        key = {"keytype": "DELETE", "subject": record.subject, "version": record.version, "nonce": record.nonce}
        return _dumps(key), _dumps({"permanent": record.permanent})
    if isinstance(record, ConfigRecord):
        key = {"keytype": "CONFIG", "subject": record.subject}
        config: dict[str, Any] = {"compatibilityLevel": record.level}
        if record.refuse_semantic is not None:
            config["refuseSemanticBreaks"] = record.refuse_semantic
        return _dumps(key), None if record.level is None else _dumps(config)
    key = {"keytype": "MODE", "subject": record.subject}
    mode = None if record.mode is None else _dumps({"mode": record.mode})
    return _dumps(key), mode


def decode(key: bytes | None, value: bytes | None) -> Record | None:
    """The record in a log message, or None for a message this version does not understand (logged)."""
    try:
        k = json.loads(key or b"null")
        v = None if value is None else json.loads(value)
        keytype = k["keytype"]
        if keytype == "SCHEMA" and isinstance(v, dict):
            return SchemaRecord(
                subject=str(v["subject"]),
                version=int(v["version"]),
                schema_id=int(v["id"]),
                schema=str(v["schema"]),
                fingerprint=str(v["fingerprint"]),
                references=tuple(
                    Reference(str(r["name"]), str(r["subject"]), int(r["version"])) for r in v.get("references", [])
                ),
                metadata=v.get("metadata"),
                rule_set=v.get("ruleSet"),
                nonce=str(k.get("nonce", "")),
            )
        if keytype == "DELETE" and isinstance(v, dict):
            version = k.get("version")
            return DeleteRecord(
                subject=str(k["subject"]),
                version=None if version is None else int(version),
                permanent=bool(v["permanent"]),
                nonce=str(k.get("nonce", "")),
            )
        if keytype == "CONFIG":
            if v is None:
                return ConfigRecord(subject=k.get("subject"), level=None)
            refuse = v.get("refuseSemanticBreaks")
            return ConfigRecord(k.get("subject"), str(v["compatibilityLevel"]), None if refuse is None else bool(refuse))
        if keytype == "MODE":
            return ModeRecord(subject=k.get("subject"), mode=None if v is None else str(v["mode"]))
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("skipping unreadable _schemas record key=%r: %s", key, exc)
        return None
    log.warning("skipping _schemas record of unknown kind key=%r", key)
    return None
