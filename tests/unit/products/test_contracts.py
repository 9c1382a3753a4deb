"""Consumer contract files: the repo's own contracts load; every kind of mistake names file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mesh.core.errors import DescriptorError
from mesh.products.contract_store import decode, encode
from mesh.products.contracts import load_contract, registered_readers, scan_contracts
from mesh.products.loader import load_all

REPO = Path(__file__).resolve().parents[3]
CLAIMS_CONTRACT = "domains/care/contracts/claims.yaml"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's descriptors, contracts and schemas; the cwd is its root."""
    for folder in ("domains", "schemas"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_member_360_declares_a_contract_for_each_of_its_four_inputs() -> None:
    products = load_all(REPO / "domains", project_root=REPO)
    contracts, errors = scan_contracts(REPO / "domains", products, root=REPO)
    assert errors == []
    member_360 = next(p for p in products if p.id == "care.member_360")
    assert sorted(c.product for c in contracts if c.consumer == "care.member_360") == sorted(
        member_360.descriptor.inputs)
    readers = registered_readers(contracts)
    adjudicated = next(r for r in readers if r.event_type == "com.healthco.claims.ClaimAdjudicated.v1")
    assert adjudicated.subject == "prod.claims.claims.v1-mesh.claims.ClaimAdjudicated"
    assert "allowed_amount" in adjudicated.fields


def test_a_contract_survives_the_contracts_topic_encoding() -> None:
    products = load_all(REPO / "domains", project_root=REPO)
    contract = load_contract(REPO / CLAIMS_CONTRACT, products, root=REPO)
    again = decode(encode(contract))
    assert encode(again) == encode(contract)
    assert [r.schema.raw for r in again.readers] == [r.schema.raw for r in contract.readers]


MISTAKES = {
    "unknown-product": (("product: claims.claims", "product: claims.nope"), "product", "not a known product"),
    "unknown-event-type": (("ClaimPaid.v1:", "ClaimRefunded.v1:"), "readers.com.healthco.claims.ClaimRefunded.v1",
                           "has no event type"),
    "unknown-field": (("paid_amount]", "paid_amount, currency]"), "readers.com.healthco.claims.ClaimPaid.v1.fields.3",
                      "'currency' is not in"),
    "missing-reader-file": (("readers/claim_paid.avsc", "readers/nope.avsc"),
                            "readers.com.healthco.claims.ClaimPaid.v1.schema", "cannot be read"),
    "unknown-key": (("readers:", "team: x\nreaders:"), "team", "unknown key"),
    "bad-consumer-id": (("consumer: care.member_360", "consumer: Care 360"), "consumer", "not a product id"),
}


@pytest.mark.parametrize("case", sorted(MISTAKES), ids=sorted(MISTAKES))
def test_a_mistake_names_the_file_and_the_field(project: Path, case: str) -> None:
    (old, new), field, problem = MISTAKES[case]
    path = Path(CLAIMS_CONTRACT)
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    contracts, errors = scan_contracts("domains", load_all("domains"))
    (error,) = errors
    assert (error.file, error.field) == (CLAIMS_CONTRACT, field)
    assert problem in error.problem and error.hint
    assert len(contracts) == 3


def test_a_reader_record_must_have_the_writer_record_name(project: Path) -> None:
    reader = Path("domains/care/contracts/readers/claim_paid.avsc")
    reader.write_text(reader.read_text().replace('"ClaimPaid"', '"Paid"'))
    with pytest.raises(DescriptorError) as caught:
        load_contract(CLAIMS_CONTRACT, load_all("domains"))
    assert "defines mesh.claims.Paid, but com.healthco.claims.ClaimPaid.v1 is written as mesh.claims.ClaimPaid" in (
        caught.value.problem)


def test_two_contracts_of_one_consumer_for_one_product_are_refused(project: Path) -> None:
    shutil.copy(CLAIMS_CONTRACT, "domains/care/contracts/claims_again.yaml")
    _, errors = scan_contracts("domains", load_all("domains"))
    assert [(e.file, e.field) for e in errors] == [("domains/care/contracts/claims_again.yaml", "consumer")]
