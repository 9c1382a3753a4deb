"""Which partition a key lands on, computed the way the producers of the input topics compute it.

Co-partitioning only holds if a processor re-keys records with the *same* partitioner as the
producers of the topics it joins them with. The SDK producer is librdkafka, whose default partitioner
(`consistent_random`) is CRC-32 of the key bytes modulo the partition count; faust's own producer
(aiokafka) would use murmur2. Processors therefore pass an explicit partition from here.
"""

from __future__ import annotations

import zlib

from mesh.core.errors import ConfigurationError


def consistent_partition(key: bytes, partitions: int) -> int:
    """librdkafka's default partition of a non-empty key: CRC-32 (zlib's) modulo the partition count."""
    if partitions < 1:
        raise ConfigurationError(f"A topic needs at least one partition, got {partitions}",
                                 hint="check the topic's partition count")
    return zlib.crc32(key) % partitions
