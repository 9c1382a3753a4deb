"""`mesh contracts list|apply` with the contracts topic replaced by an in-memory store."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from mesh.cli import contracts_cmd
from mesh.cli.main import main
from mesh.products.contract_store import decode, encode
from mesh.products.contracts import Contract

REPO = Path(__file__).resolve().parents[3]


class MemoryStore:
    """The ContractStore protocol used by the CLI, on a dict (what the topic's compaction keeps)."""

    records: ClassVar[dict[str, bytes]] = {}

    def __init__(self, _config: object, *, topic: str) -> None:
        self.topic = topic

    def read(self) -> dict[str, Contract]:
        return {key: decode(value) for key, value in self.records.items()}

    def plan(self, contracts: Sequence[Contract], *, prune: bool = False) -> tuple[list[Contract], list[str]]:
        current = self.records
        changed = [c for c in contracts if current.get(c.key) != encode(c)]
        return changed, sorted(set(current) - {c.key for c in contracts}) if prune else []

    def apply(self, changed: Sequence[Contract], withdrawn: Sequence[str] = ()) -> None:
        self.records.update({c.key: encode(c) for c in changed})
        for key in withdrawn:
            self.records.pop(key, None)


@pytest.fixture(autouse=True)
def store(monkeypatch: pytest.MonkeyPatch) -> type[MemoryStore]:
    monkeypatch.setattr(contracts_cmd, "ContractStore", MemoryStore)
    monkeypatch.setenv("MESH_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.chdir(REPO)
    MemoryStore.records = {}
    return MemoryStore


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out + err


def test_list_shows_each_contract_with_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "contracts", "list")
    assert code == 0
    assert "care.member_360 -> claims.claims (domains/care/contracts/claims.yaml)" in out
    assert "    com.healthco.claims.ClaimAdjudicated.v1: claim_id, subscriber_id, outcome, allowed_amount" in out


def test_apply_registers_then_has_nothing_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "contracts", "apply", "--dry-run")
    assert (code, MemoryStore.records) == (0, {})
    assert "dry run: 4 change(s) not applied" in out
    code, out = run(capsys, "contracts", "apply")
    assert code == 0 and "applied 4 change(s)" in out
    assert sorted(MemoryStore.records) == ["care.member_360->claims.claims", "care.member_360->clinical.visits",
                                           "care.member_360->membership.member_identity",
                                           "care.member_360->membership.members"]
    code, out = run(capsys, "contracts", "apply")
    assert "nothing to do: 4 contract(s)" in out
    code, out = run(capsys, "contracts", "list", "--registered")
    assert out.count("care.member_360 -> ") == 4
