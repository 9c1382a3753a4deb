"""Dead letters from a faust processor: the original message, unchanged, on `<topic>.dlq` with the reason.

The reason headers are the SDK's (`mesh.sdk.dlq.dead_letter_headers`), so `mesh consume` and every other
DLQ reader see the same `mesh_error*` headers whichever client dead-lettered a message. The send goes
through the faust app's producer and is awaited before the processor moves on, so the original's
offset is committed only once its dead letter is on the broker.
"""

from __future__ import annotations

import logging
from typing import Any

from mesh.core.naming import dlq_topic
from mesh.processing.bridge import RawMessage
from mesh.sdk.dlq import dead_letter_headers

log = logging.getLogger(__name__)


class DeadLetters:
    """Sends `RawMessage`s to their topic's DLQ with the error as reason; counts what it sent."""

    def __init__(self, producer: Any) -> None:
        self._producer = producer
        self.sent = 0

    async def send(self, raw: RawMessage, error: BaseException) -> str:
        """Dead-letter `raw` because of `error` and wait for the broker; returns the DLQ topic."""
        target = dlq_topic(raw.topic)
        headers = dead_letter_headers(list(raw.headers), error, topic=raw.topic, partition=raw.partition,
                                      offset=raw.offset)
        await self._producer.send_and_wait(target, raw.key, raw.value, None, None, headers)
        self.sent += 1
        log.warning("dead-lettered %s[%s]@%s to %s: %s: %s", raw.topic, raw.partition, raw.offset, target,
                    type(error).__name__, error)
        return target
