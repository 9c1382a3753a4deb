"""Where the platform keeps consumer contracts: the compacted, single-partition `_mesh_contracts` topic.

Why a topic and not the registry: a contract is more than a schema (consumer, owner, the fields it
uses), the Confluent REST API has no place for a reader that is not a version of its subject, and
registering readers as subjects would make `mesh schemas register` and serializers see them. A
compacted topic keyed by `<consumer>-><product>` keeps the latest contract of each pair (a
tombstone withdraws one), is readable by every tool with the Kafka client it already has, and
works like the `_mesh_products` ledger next to it. `mesh contracts apply` writes it; `mesh schemas
check` (against a registry) reads it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence

from mesh.clients import TopicAdmin, TopicSpec
from mesh.clients.compacted import append, latest_values
from mesh.compat import parse_schema
from mesh.products.contracts import Contract, Reader

log = logging.getLogger(__name__)

DEFAULT_CONTRACTS_TOPIC = "_mesh_contracts"
ClientConfig = Mapping[str, str | int | float | bool]


def encode(contract: Contract) -> bytes:
    """A contract as the JSON value of its record."""
    return json.dumps({
        "consumer": contract.consumer, "product": contract.product, "topic": contract.topic,
        "owner": {"team": contract.owner_team, "contact": contract.owner_contact}, "file": contract.file,
        "readers": [{"event_type": r.event_type, "subject": r.subject, "file": r.file, "schema": r.text,
                     "fields": list(r.fields)} for r in contract.readers],
    }, sort_keys=True).encode()


def decode(value: bytes) -> Contract:
    """The contract of a record's JSON value (its reader schemas parsed again)."""
    data = json.loads(value)
    readers = tuple(Reader(r["event_type"], r["subject"], r["file"], r["schema"],
                           parse_schema(json.loads(r["schema"]), source=r["file"]), tuple(r["fields"]))
                    for r in data["readers"])
    return Contract(data["consumer"], data["product"], data["topic"], data["owner"]["team"],
                    data["owner"]["contact"], data["file"], readers)


class ContractStore:
    """Reads and writes the contracts topic; `client_config` is the librdkafka dict from MeshSettings."""

    def __init__(self, client_config: ClientConfig, *, topic: str = DEFAULT_CONTRACTS_TOPIC,
                 timeout_s: float = 15.0) -> None:
        self._config: dict[str, str | int | float | bool] = dict(client_config)
        self.topic = topic
        self._timeout = timeout_s
        self._admin = TopicAdmin(self._config, timeout_s=timeout_s)  # connects on first use

    def ensure_topic(self) -> None:
        """Create the topic (1 partition, compacted) if it does not exist yet."""
        self._admin.ensure([TopicSpec(self.topic, 1, config={"cleanup.policy": "compact"})])

    def read(self) -> dict[str, Contract]:
        """The latest contract per `<consumer>-><product>` (empty when the topic does not exist)."""
        if not self._admin.partitions([self.topic]):
            return {}
        values = latest_values(self._config, self.topic, timeout_s=self._timeout, what="contracts")
        return {key: decode(value) for key, value in values.items()}

    def write(self, contracts: Sequence[Contract], *, withdraw: Sequence[str] = ()) -> None:
        """Append `contracts` and tombstones for the keys in `withdraw`; wait until the broker has them."""
        if not contracts and not withdraw:
            return
        records = [(c.key, encode(c)) for c in contracts] + [(key, None) for key in withdraw]
        append(self._config, self.topic, records, timeout_s=self._timeout)
        log.info("wrote %d contract(s), withdrew %d, in %s", len(contracts), len(withdraw), self.topic)

    def plan(self, contracts: Sequence[Contract], *, prune: bool = False) -> tuple[list[Contract], list[str]]:
        """What `apply` would do: the contracts new or changed on the topic, and (with `prune`) the keys
        registered there that no contract names any more."""
        current = self.read()
        changed = [c for c in contracts if c.key not in current or encode(current[c.key]) != encode(c)]
        withdrawn = sorted(set(current) - {c.key for c in contracts}) if prune else []
        return changed, withdrawn

    def apply(self, changed: Sequence[Contract], withdrawn: Sequence[str] = ()) -> None:
        """Create the topic if needed and write a plan's changes (nothing when there are none)."""
        if changed or withdrawn:
            self.ensure_topic()
            self.write(changed, withdraw=withdrawn)
