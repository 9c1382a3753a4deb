"""The log's deterministic rules: first claim wins, ids are bound forever, replay reaches the same state."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesh.registry.models import SchemaBody
from mesh.registry.records import ConfigRecord, DeleteRecord, Record, Reference, SchemaRecord, decode, encode
from mesh.registry.service import RegistryService
from mesh.registry.state import Outcome, RegistryState
from mesh.registry.store import InMemoryLog
from tests.unit.registry.conftest import OTHER, V1


def claim(schema_id: int, fp: str, subject: str, version: int, *refs: Reference) -> SchemaRecord:
    return SchemaRecord(subject, version, schema_id, f'"{fp}"', fp, tuple(refs), nonce=f"{fp}{subject}{version}")


A1 = claim(1, "A", "s", 1)

# (rule, records already applied, the record, accepted?)
RULES: list[tuple[str, list[Record], Record, bool]] = [
    ("first_claim_on_an_id_wins", [A1], claim(1, "B", "t", 1), False),
    ("a_schema_keeps_its_first_id", [A1], claim(2, "A", "t", 1), False),
    ("same_schema_other_subject_same_id", [A1], claim(1, "A", "t", 1), True),
    ("a_version_slot_is_taken_once", [A1], claim(2, "B", "s", 1), False),
    ("the_same_claim_twice_is_a_no_op", [A1], A1, True),
    ("a_schema_lives_once_per_subject", [A1], claim(1, "A", "s", 2), False),
    ("new_schema_next_version", [A1], claim(2, "B", "s", 2), True),
    ("ids_must_be_positive", [], claim(0, "A", "s", 1), False),
    ("reference_must_exist", [], claim(1, "A", "s", 1, Reference("x.Y", "t", 1)), False),
    ("reference_to_live_version", [claim(1, "B", "t", 1)], claim(2, "A", "s", 1, Reference("x.Y", "t", 1)), True),
    ("ids_are_bound_even_after_hard_delete",
     [A1, DeleteRecord("s", 1, False), DeleteRecord("s", 1, True)], claim(1, "B", "t", 1), False),
    ("hard_delete_needs_soft_delete", [A1], DeleteRecord("s", 1, True), False),
    ("soft_delete_once", [A1, DeleteRecord("s", None, False)], DeleteRecord("s", None, False), False),
    ("referenced_version_is_kept",
     [claim(1, "B", "t", 1), claim(2, "A", "s", 1, Reference("x.Y", "t", 1))], DeleteRecord("t", 1, False), False),
    ("config_always_applies", [], ConfigRecord("s", "FULL"), True),
]


@pytest.mark.parametrize(("before", "record", "accepted"), [pytest.param(*r[1:], id=r[0]) for r in RULES])
def test_apply_rules(before: list[Record], record: Record, accepted: bool) -> None:
    state = RegistryState()
    for r in before:
        assert state.apply(r).accepted
    assert state.apply(record).accepted is accepted


records = st.one_of(
    st.builds(
        claim,
        st.integers(1, 4),
        st.sampled_from("ABCDE"),
        st.sampled_from(["s", "t"]),
        st.integers(1, 3),
    ),
    st.builds(DeleteRecord, st.sampled_from(["s", "t"]), st.one_of(st.none(), st.integers(1, 3)), st.booleans()),
)


def snapshot(state: RegistryState) -> object:
    versions = {s: {v: (e.schema_id, e.deleted) for v, e in vs.items()} for s, vs in state.subjects.items()}
    return versions, {i: e.fingerprint for i, e in state.schemas.items()}, dict(state.id_bodies)


@settings(max_examples=100, deadline=None)
@given(st.lists(records, max_size=25))
def test_any_log_keeps_ids_unique_and_replays_identically(log: list[Record]) -> None:
    state = RegistryState()
    for r in log:
        state.apply(r)
    fingerprints = [e.fingerprint for e in state.schemas.values()]
    assert len(fingerprints) == len(set(fingerprints))  # no schema has two ids ...
    assert all(state.schemas[i].fingerprint == fp for fp, i in state.ids_by_fingerprint.items())  # ... nor an id two
    again = RegistryState()
    for r in log:
        again.apply(decode(*encode(r)) or r)  # through the wire encoding, as after a restart
    assert snapshot(again) == snapshot(state)


class RacingLog(InMemoryLog):
    """Before our first record lands, a competitor's record claiming the same id and version lands first."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    async def append(self, record: Record) -> Outcome:
        if not self.raced and isinstance(record, SchemaRecord):
            self.raced = True
            await super().append(replace(record, schema=OTHER, fingerprint="competitor", nonce="x"))
        return await super().append(record)


def test_a_writer_that_loses_a_race_retries_on_the_new_state() -> None:
    async def scenario() -> tuple[int, RegistryState]:
        service = RegistryService(log_store=RacingLog(), default_level="NONE")
        await service.open()
        answer = await service.register("s", SchemaBody.model_validate({"schema": V1}))
        return answer["id"], service.state

    schema_id, state = asyncio.run(scenario())
    assert schema_id == 2  # id 1 and version 1 went to the competitor
    assert [e.version for e in state.versions("s")] == [1, 2]
    assert state.schemas[1].fingerprint == "competitor"


def test_two_instances_on_one_log_agree() -> None:
    async def scenario() -> tuple[RegistryService, RegistryService]:
        first = RegistryService(log_store=InMemoryLog())
        await first.open()
        await first.register("a", SchemaBody.model_validate({"schema": V1}))
        second = RegistryService(log_store=first._log.sibling())  # type: ignore[attr-defined]
        await second.open()  # replays what the first wrote
        await second.register("b", SchemaBody.model_validate({"schema": OTHER}))
        await first.register("c", SchemaBody.model_validate({"schema": OTHER}))
        return first, second

    first, second = asyncio.run(scenario())
    assert snapshot(first.state) == snapshot(second.state)
    assert first.state.find("c", second.state.schemas[2].fingerprint) is not None
