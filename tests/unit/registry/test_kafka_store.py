"""The `_schemas` consumer loop's reading step: a tombstone that opens a poll is kept (issue 12 bug 1)."""

from __future__ import annotations

from typing import Any

from mesh.registry.kafka_store import take
from mesh.registry.records import ConfigRecord, decode, encode


class LenMessage:
    """Like confluent_kafka.Message where it matters here: `len()` is the value's length (0 for a tombstone)."""

    def __init__(self, key: bytes, value: bytes | None) -> None:
        self._key, self._value = key, value

    def __len__(self) -> int:
        return len(self._value or b"")

    def key(self) -> bytes:
        return self._key

    def value(self) -> bytes | None:
        return self._value


class OneBatchConsumer:
    """poll() hands out the first message, consume() the rest, then nothing."""

    def __init__(self, messages: list[LenMessage]) -> None:
        self._messages = list(messages)

    def poll(self, timeout: float) -> LenMessage | None:
        return self._messages.pop(0) if self._messages else None

    def consume(self, num_messages: int, timeout: float) -> list[LenMessage]:
        rest, self._messages = self._messages[:num_messages], self._messages[num_messages:]
        return rest


def test_a_tombstone_first_in_a_poll_is_read_with_what_follows() -> None:
    tombstone = LenMessage(*encode(ConfigRecord(None, None)))
    after = LenMessage(*encode(ConfigRecord("s", "FULL")))
    assert not tombstone  # what made the old loop drop it
    consumer: Any = OneBatchConsumer([tombstone, after])
    taken = take(consumer)
    assert [decode(m.key(), m.value()) for m in taken] == [ConfigRecord(None, None), ConfigRecord("s", "FULL")]
    assert take(consumer) == []
