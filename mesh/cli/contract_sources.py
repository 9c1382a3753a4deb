"""Where `mesh schemas check` takes the consumers' readers from: the repo's contract files or the topic.

    repo    `<domains>/<domain>/contracts/*.yaml`, checked against the descriptors beside them; a
            contract that does not load is a GOV303 finding (the readers it declares are unknown)
    kafka   the contracts `mesh contracts apply` registered on the `_mesh_contracts` topic
    none    no consumer-aware check
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from mesh.core.settings import MeshSettings
from mesh.governance import rules
from mesh.governance.findings import Finding
from mesh.governance.reader_check import RegisteredReader
from mesh.products.contract_store import ContractStore
from mesh.products.contracts import contract_files, registered_readers, scan_contracts
from mesh.products.loader import scan


class ContractSource(str, Enum):
    """The choices of `--contracts`; AUTO is repo with --against, kafka against a registry."""

    AUTO = "auto"
    REPO = "repo"
    KAFKA = "kafka"
    NONE = "none"


def repo_readers(domains_dir: Path) -> tuple[list[RegisteredReader], list[Finding]]:
    """The readers of every contract file under `domains_dir`, and a GOV303 finding per bad contract."""
    if not domains_dir.is_dir():
        return [], []
    products, _ = scan(domains_dir, project_root=domains_dir.parent)  # descriptor problems are reported apart
    contracts, errors = scan_contracts(domains_dir, products, root=domains_dir.parent)
    findings = [
        rules.INVALID_CONTRACT.finding(error.file, f"field {error.field}: {error.problem}", path=error.field,
                                       hint=error.hint)
        for error in errors
    ]
    return registered_readers(contracts), findings


def kafka_readers(settings: MeshSettings, *, topic: str) -> list[RegisteredReader]:
    """The readers of every contract registered on `topic` (none when it does not exist yet)."""
    contracts = ContractStore(settings.kafka.client_config(), topic=topic).read().values()
    return [
        reader
        for contract in contracts
        for reader in registered_readers([contract], source=f"{contract.file}, registered on {topic}")
    ]


def readers_for(
    source: ContractSource, *, against: str | None, domains_dir: Path, settings: MeshSettings, topic: str
) -> tuple[list[RegisteredReader], list[Finding]]:
    """The readers `source` names. AUTO: the repo's with --against; against a registry, the topic's when
    Kafka is configured (MESH_KAFKA__BOOTSTRAP_SERVERS), else the repo's, said in a GOV304 notice when
    the repo has contracts (registered contracts of other repositories are then not checked)."""
    if source is ContractSource.AUTO:
        if against:
            source = ContractSource.REPO
        elif settings.kafka.bootstrap_servers:
            source = ContractSource.KAFKA
        else:
            readers, findings = repo_readers(domains_dir)
            if contract_files(domains_dir):
                findings.append(rules.READERS_NOT_CHECKED.finding(
                    str(domains_dir), f"Kafka is not configured, so the contracts registered on {topic} were not "
                    "read: only this repository's contract files were checked",
                    hint="set MESH_KAFKA__BOOTSTRAP_SERVERS to check every registered reader"))
            return readers, findings
    if source is ContractSource.REPO:
        return repo_readers(domains_dir)
    if source is ContractSource.KAFKA:
        return kafka_readers(settings, topic=topic), []
    return [], []
