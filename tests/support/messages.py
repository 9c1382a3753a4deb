"""A stand-in for `confluent_kafka.Message` in unit tests (librdkafka's class cannot be built before 2.13)."""

from __future__ import annotations

from collections.abc import Sequence

Headers = Sequence[tuple[str, bytes | None]] | None


class FakeMessage:
    """What the SDK reads of a consumed message: the same accessor methods as `confluent_kafka.Message`."""

    def __init__(self, *, topic: str, partition: int, offset: int, value: bytes | None, key: bytes | None = None,
                 headers: Headers = None, error: object = None, timestamp: tuple[int, int] = (0, 0)) -> None:
        self._topic, self._partition, self._offset = topic, partition, offset
        self._value, self._key, self._headers = value, key, list(headers) if headers is not None else None
        self._error, self._timestamp = error, timestamp

    def topic(self) -> str:
        return self._topic

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def value(self) -> bytes | None:
        return self._value

    def key(self) -> bytes | None:
        return self._key

    def headers(self) -> list[tuple[str, bytes | None]] | None:
        return self._headers

    def error(self) -> object:
        return self._error

    def timestamp(self) -> tuple[int, int]:
        return self._timestamp

    def __len__(self) -> int:
        return len(self._value or b"")
