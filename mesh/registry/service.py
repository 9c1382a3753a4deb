"""The registry's operations: validate a request against the current state, append a record, confirm.

Every write follows one loop: check the request against the state (raising the Confluent error when
it is refused), propose a record, append it to the log, and answer once this instance has applied
the record and seen it accepted. A record that lost a race with another instance's record is
retried against the newer state, so the answer is always the one the log's order decided.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from mesh.compat import Level, ParsedSchema, check
from mesh.registry import views
from mesh.registry.errors import (
    IdConflictError,
    IncompatibleError,
    InvalidCompatibilityLevelError,
    InvalidModeError,
    OperationNotPermittedError,
    ReferenceExistsError,
    SchemaNotFoundError,
    StoreError,
    SubjectCompatibilityNotSetError,
    SubjectModeNotSetError,
    SubjectNotFoundError,
    SubjectNotSoftDeletedError,
    SubjectSoftDeletedError,
    VersionNotFoundError,
    VersionNotSoftDeletedError,
    VersionSoftDeletedError,
)
from mesh.registry.limits import check_record_size
from mesh.registry.models import SchemaBody
from mesh.registry.records import (
    ConfigRecord,
    DeleteRecord,
    ModeRecord,
    Record,
    SchemaRecord,
    new_nonce,
)
from mesh.registry.schemas import Candidate, SchemaResolver
from mesh.registry.semantic import assess
from mesh.registry.state import RegistryState
from mesh.registry.store import RecordLog

log = logging.getLogger(__name__)

LEVELS = [level.value for level in Level]
MODES = ["READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"]
READ_ONLY_MODES = ("READONLY", "READONLY_OVERRIDE")
MAX_ATTEMPTS = 20
KNOWN_CACHE_SIZE = 10_000
T = TypeVar("T")


class RegistryService:
    """The registry: state rebuilt from the log, reads answered from it, writes confirmed through it."""

    def __init__(self, *, log_store: RecordLog, default_level: str = "BACKWARD") -> None:
        self.state = RegistryState(default_level=validate_level(default_level))
        self._log = log_store
        self._schemas = SchemaResolver(self.state)
        self._known: dict[tuple[str, bytes], str] = {}  # (subject, register body) -> fingerprint
        self._write_lock = asyncio.Lock()  # one writer per instance: no self-inflicted races
        # called after every compatibility check with (level, compatible, seconds): the app's metrics
        self.on_check: Callable[[str, bool, float], None] | None = None

    async def open(self) -> None:
        """Replay the log; returns once the state has caught up with it."""
        await self._log.open(self.state.apply)

    async def close(self) -> None:
        """Stop following the log."""
        await self._log.close()

    # ---- schemas --------------------------------------------------------------------------------

    def parsed(self, schema_id: int) -> ParsedSchema:
        """The parsed schema of a registered id."""
        return self._schemas.parsed(schema_id)

    def candidate(self, body: SchemaBody, *, normalize: bool = False) -> Candidate:
        """Parse a request's schema with its references; 42201 if it is not valid Avro."""
        return self._schemas.candidate(body, normalize=normalize)

    def incompatibilities(self, subject: str, candidate: Candidate, versions: list[int]) -> list[str]:
        """Messages for every way `candidate` breaks the subject's level against `versions` (live)."""
        return self.assess(subject, candidate, versions)[0]

    def assess(self, subject: str, candidate: Candidate, versions: list[int]) -> tuple[list[str], list[str]]:
        """(messages that make `candidate` incompatible, semantic messages only reported).

        Avro's problems always block; semantic breaks block when `refuseSemanticBreaks` is on.
        """
        level = self.state.level_of(subject)
        began = time.perf_counter()
        history = [(v, self.parsed(self.state.subjects[subject][v].schema_id)) for v in versions]
        result = check(candidate.parsed, history, Level(level))
        if self.on_check is not None:
            self.on_check(level, result.is_compatible, time.perf_counter() - began)
        semantic = assess(subject, candidate.parsed, history, Level(level),
                          refuse=self.state.refuses_semantic(subject))
        # path, kind and fix hint of every problem, whatever the engine's own wording
        return [
            f"{inc.kind} at '{inc.path}' against version {inc.version}: {inc.message} (fix: {inc.hint})"
            for inc in result.incompatibilities
        ] + list(semantic.blocking), list(semantic.reported)

    async def register(
        self, subject: str, body: SchemaBody, *, normalize: bool = False, raw: bytes | None = None
    ) -> dict[str, Any]:
        """POST /subjects/{subject}/versions: the id of the schema under the subject (registered if new).

        `raw` is the request body as received: remembered for `known_registration`.
        """
        self._check_mode(subject, body)
        cand = self.candidate(body, normalize=normalize)

        def propose() -> tuple[Record | None, dict[str, Any]]:
            mode = self._check_mode(subject, body)  # again: it may have changed while we waited
            st = self.state
            existing = st.find(subject, cand.fingerprint)
            if existing is not None and body.version in (None, existing.version):
                if body.id is not None and body.id != existing.schema_id:
                    raise IdConflictError(
                        f"Schema already registered with id {existing.schema_id} instead of input id {body.id}",
                        hint="import it with its existing id",
                    )
                return None, {"id": existing.schema_id}
            known_id = st.ids_by_fingerprint.get(cand.fingerprint)
            if mode == "IMPORT":
                schema_id = body.id or known_id or st.max_id + 1
                version = body.version or st.next_version(subject)
                bound = st.schemas.get(schema_id)
                if (bound is not None and bound.fingerprint != cand.fingerprint) or (
                    known_id is not None and known_id != schema_id
                ):
                    raise IdConflictError(
                        f"Cannot import subject '{subject}' version {version} with id {schema_id}: the id or the "
                        "schema is already registered with a different schema or id",
                        hint="import with the schema's existing id, or use a free id",
                    )
                if version in st.subjects.get(subject, {}):
                    raise OperationNotPermittedError(
                        f"Subject '{subject}' version {version} already exists", hint="import into a free version"
                    )
            else:
                live = [e.version for e in st.versions(subject)]
                problems = self.incompatibilities(subject, cand, live)
                if problems:
                    raise IncompatibleError(subject, st.level_of(subject), problems)
                schema_id = known_id or st.max_id + 1
                version = st.next_version(subject)
            record = SchemaRecord(
                subject=subject,
                version=version,
                schema_id=schema_id,
                schema=cand.text,
                fingerprint=cand.fingerprint,
                references=cand.references,
                metadata=cand.metadata,
                rule_set=cand.rule_set,
                nonce=new_nonce(),
            )
            return record, {"id": schema_id}

        answer = await self._write(propose)
        if body.id is None and body.version is None and raw is not None:
            if len(self._known) >= KNOWN_CACHE_SIZE:
                self._known.clear()
            self._known[(subject, raw)] = cand.fingerprint
        return answer

    def known_registration(self, subject: str, raw: bytes) -> int | None:
        """The id for a register request already answered with exactly these bytes, if still live.

        Lets the hot path answer the most common write, a producer re-registering its schema at
        start-up, without parsing; everything that could change the answer is re-checked here.
        """
        fingerprint = self._known.get((subject, raw))
        if fingerprint is None or self.state.mode_of(subject) != "READWRITE":
            return None
        entry = self.state.find(subject, fingerprint)
        return None if entry is None else entry.schema_id

    def lookup(self, subject: str, body: SchemaBody, *, deleted: bool = False) -> dict[str, Any]:
        """POST /subjects/{subject}: the version of the subject holding this schema."""
        if not self.state.versions(subject, include_deleted=deleted):
            raise SubjectNotFoundError(subject)
        cand = self.candidate(body)
        entry = self.state.find(subject, cand.fingerprint, include_deleted=deleted)
        if entry is None:
            raise SchemaNotFoundError(
                f"Schema not found under subject '{subject}'", hint="register it first or check the subject"
            )
        return views.version_body(self.state, entry)

    def test_compatibility(
        self, subject: str, version: int | None, body: SchemaBody, *, all_versions: bool, verbose: bool
    ) -> dict[str, Any]:
        """POST /compatibility/...: is the schema compatible with one version (None: latest) or all."""
        cand = self.candidate(body)
        live = [e.version for e in self.state.versions(subject)]
        if all_versions:
            targets = live
        elif version is None:
            targets = live[-1:]
        else:
            targets = [views.version_entry(self.state, subject, version).version]
        problems, reported = self.assess(subject, cand, targets)
        result: dict[str, Any] = {"is_compatible": not problems}
        if verbose:
            result["messages"] = problems + reported
        return result

    # ---- deletes --------------------------------------------------------------------------------

    async def delete_subject(self, subject: str, *, permanent: bool) -> list[int]:
        """DELETE /subjects/{subject}: the versions deleted."""

        def propose() -> tuple[Record | None, list[int]]:
            self._check_writable(subject)
            every = self.state.versions(subject, include_deleted=True)
            live = [e for e in every if not e.deleted]
            if not every:
                raise SubjectNotFoundError(subject)
            if permanent and live:
                raise SubjectNotSoftDeletedError(subject)
            if not permanent and not live:
                raise SubjectSoftDeletedError(subject)
            targets = every if permanent else live
            for entry in targets:
                self._check_unreferenced(subject, entry.version, include_deleted=permanent)
            return DeleteRecord(subject, None, permanent, new_nonce()), [e.version for e in targets]

        return await self._write(propose)

    async def delete_version(self, subject: str, version: int | None, *, permanent: bool) -> int:
        """DELETE /subjects/{subject}/versions/{version} (None: latest): the version deleted."""

        def propose() -> tuple[Record | None, int]:
            self._check_writable(subject)
            every = self.state.versions(subject, include_deleted=True)
            if not every:
                raise SubjectNotFoundError(subject)
            if version is None:
                pool = every if permanent else [e for e in every if not e.deleted]
                if not pool:
                    raise VersionNotFoundError(subject, "latest")
                entry = pool[-1]
            else:
                found = self.state.subjects[subject].get(version)
                if found is None:
                    raise VersionNotFoundError(subject, version)
                entry = found
            if permanent and not entry.deleted:
                raise VersionNotSoftDeletedError(subject, entry.version)
            if not permanent and entry.deleted:
                raise VersionSoftDeletedError(subject, entry.version)
            self._check_unreferenced(subject, entry.version, include_deleted=permanent)
            return DeleteRecord(subject, entry.version, permanent, new_nonce()), entry.version

        return await self._write(propose)

    def _check_mode(self, subject: str, body: SchemaBody) -> str:
        mode = self.state.mode_of(subject)
        if mode in READ_ONLY_MODES:
            raise OperationNotPermittedError(f"Subject '{subject}' is in read-only mode", hint="set its mode to READWRITE")
        if (body.id is not None or body.version is not None) and mode != "IMPORT":
            raise OperationNotPermittedError(
                f"Subject '{subject}' is not in import mode; an explicit id or version is only accepted in IMPORT mode",
                hint="PUT /mode/{subject} {\"mode\": \"IMPORT\"} first, or leave out id and version",
            )
        return mode

    def _check_writable(self, subject: str) -> None:
        if self.state.mode_of(subject) in READ_ONLY_MODES:
            raise OperationNotPermittedError(f"Subject '{subject}' is in read-only mode", hint="set its mode to READWRITE")

    def _check_unreferenced(self, subject: str, version: int, *, include_deleted: bool) -> None:
        referrers = self.state.referenced_by(subject, version, include_deleted=include_deleted)
        if referrers:
            raise ReferenceExistsError(subject, version, referrers)

    # ---- config and mode ------------------------------------------------------------------------

    async def set_level(self, subject: str | None, level: object, *, refuse_semantic: bool | None = None
                        ) -> dict[str, Any]:
        """PUT /config[/{subject}]: fields left out keep their value (a level alone keeps the semantic
        setting; `refuseSemanticBreaks` alone keeps the level that applies now)."""
        if level is not None or refuse_semantic is None:
            validate_level(level)

        def propose() -> tuple[Record | None, dict[str, Any]]:
            valid = validate_level(level) if level is not None else self.state.level_of(subject)
            refuse = refuse_semantic if refuse_semantic is not None else self.state.refuse_semantic.get(subject)
            answer: dict[str, Any] = {"compatibility": valid}
            if refuse is not None:
                answer["refuseSemanticBreaks"] = refuse
            return ConfigRecord(subject, valid, refuse), answer

        return await self._write(propose)

    async def delete_level(self, subject: str | None) -> dict[str, str]:
        """DELETE /config[/{subject}]: the level that was set."""

        def propose() -> tuple[Record | None, dict[str, str]]:
            if subject is not None and subject not in self.state.configs:
                if not self.state.versions(subject, include_deleted=True):
                    raise SubjectNotFoundError(subject)
                raise SubjectCompatibilityNotSetError(subject)
            return ConfigRecord(subject, None), {"compatibilityLevel": self.state.level_of(subject)}

        return await self._write(propose)

    def get_level(self, subject: str | None, *, default_to_global: bool) -> dict[str, Any]:
        """GET /config[/{subject}]; `refuseSemanticBreaks` only when it is set (Confluent shape otherwise)."""
        if subject is not None and subject not in self.state.configs and not default_to_global:
            raise SubjectCompatibilityNotSetError(subject)
        answer: dict[str, Any] = {"compatibilityLevel": self.state.level_of(subject)}
        if subject in self.state.refuse_semantic or None in self.state.refuse_semantic:
            answer["refuseSemanticBreaks"] = self.state.refuses_semantic(subject)
        return answer

    async def set_mode(self, subject: str | None, mode: object, *, force: bool) -> dict[str, str]:
        """PUT /mode[/{subject}]; IMPORT on a registry or subject holding schemas needs force=true."""
        if not isinstance(mode, str) or mode.upper() not in MODES:
            raise InvalidModeError(mode, MODES)
        valid = mode.upper()

        def propose() -> tuple[Record | None, dict[str, str]]:
            holds = self.state.versions(subject) if subject is not None else self.state.subject_names()
            if valid == "IMPORT" and holds and not force:
                where = f"subject '{subject}'" if subject is not None else "the registry"
                raise OperationNotPermittedError(
                    f"Cannot import since {where} already holds schemas", hint="pass force=true to import anyway"
                )
            return ModeRecord(subject, valid), {"mode": valid}

        return await self._write(propose)

    async def delete_mode(self, subject: str) -> dict[str, str]:
        """DELETE /mode/{subject}: the mode that was set."""

        def propose() -> tuple[Record | None, dict[str, str]]:
            if subject not in self.state.modes:
                raise SubjectModeNotSetError(subject)
            return ModeRecord(subject, None), {"mode": self.state.mode_of(subject)}

        return await self._write(propose)

    def get_mode(self, subject: str | None, *, default_to_global: bool) -> dict[str, str]:
        """GET /mode[/{subject}]."""
        if subject is not None and subject not in self.state.modes and not default_to_global:
            raise SubjectModeNotSetError(subject)
        return {"mode": self.state.mode_of(subject)}

    # ---- the write loop -------------------------------------------------------------------------

    async def _write(self, propose: Callable[[], tuple[Record | None, T]]) -> T:
        async with self._write_lock:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                record, answer = propose()
                if record is None:
                    return answer
                check_record_size(record)  # 422 before anything is written, not Kafka's 500 after
                outcome = await self._log.append(record)
                if outcome.accepted:
                    return answer
                log.info("record lost a race (%s); retrying on the newer state (attempt %d)", outcome.reason, attempt)
        raise StoreError(
            f"The change was refused by the log {MAX_ATTEMPTS} times in a row because other instances kept "
            "writing first",
            hint="retry the request",
        )


def validate_level(level: object) -> str:
    """The compatibility level named by `level` (any case); 42203 otherwise."""
    if isinstance(level, str) and level.upper() in LEVELS:
        return level.upper()
    raise InvalidCompatibilityLevelError(level, LEVELS)
