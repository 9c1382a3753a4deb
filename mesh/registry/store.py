"""The store protocol of the registry (an ordered log of records) and its in-memory implementation.

The registry never writes its state directly: it appends a record to the log and learns, once its
own instance has consumed and applied that record in log order, whether the record was accepted.
`KafkaLog` (kafka_store.py) is the production log; `InMemoryLog` serves unit tests, and several
`InMemoryLog`s made with `sibling()` share one log like several instances share one Kafka topic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from mesh.registry.records import Record
from mesh.registry.state import Outcome

Applier = Callable[[Record], Outcome]


class RecordLog(Protocol):
    """An ordered, durable log of registry records shared by every registry instance."""

    async def open(self, apply: Applier) -> None:
        """Replay every record already in the log through `apply`, then keep applying new ones in order.

        Returns once caught up with the end of the log as it was when `open` was called.
        """

    async def append(self, record: Record) -> Outcome:
        """Write `record`; return the outcome of applying it, after this instance applied it in log order."""

    async def close(self) -> None:
        """Stop applying new records and release connections."""


@dataclass
class _Backing:
    records: list[Record] = field(default_factory=list)
    readers: list[InMemoryLog] = field(default_factory=list)


class InMemoryLog:
    """A log in memory: `append` applies the record to every open sibling at once, in order."""

    def __init__(self, *, _backing: _Backing | None = None) -> None:
        self._backing = _backing or _Backing()
        self._apply: Applier | None = None

    def sibling(self) -> InMemoryLog:
        """Another handle on the same log, like a second registry instance on the same topic."""
        return InMemoryLog(_backing=self._backing)

    @property
    def records(self) -> tuple[Record, ...]:
        """Everything appended so far, in order."""
        return tuple(self._backing.records)

    async def open(self, apply: Applier) -> None:
        """Replay the records appended so far, then receive every new one."""
        self._apply = apply
        for record in self._backing.records:
            apply(record)
        self._backing.readers.append(self)

    async def append(self, record: Record) -> Outcome:
        """Append and apply everywhere; the outcome is this handle's."""
        if self._apply is None:
            raise RuntimeError("InMemoryLog.append before open")
        self._backing.records.append(record)
        mine = Outcome(False, "not applied")
        for reader in self._backing.readers:
            assert reader._apply is not None
            outcome = reader._apply(record)
            if reader is self:
                mine = outcome
        return mine

    async def close(self) -> None:
        """Stop receiving records."""
        if self in self._backing.readers:
            self._backing.readers.remove(self)
        self._apply = None
