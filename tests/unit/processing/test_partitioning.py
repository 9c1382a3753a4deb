"""Re-keyed records must land where librdkafka (the SDK producer) puts the same key."""

from __future__ import annotations

import pytest

from mesh.core.errors import ConfigurationError
from mesh.processing.partitioning import consistent_partition

# Observed with confluent-kafka's default partitioner against the real broker (6- and 3-partition topics).
LIBRDKAFKA_DEFAULT_PARTITIONER = [
    (b"M00000001", 6, 4),
    (b"M00004999", 6, 1),
    (b"S-1000000", 6, 5),
    (b"MRN-4242424", 6, 0),
    (b"M00000001", 3, 1),
    (b"M00004999", 3, 1),
    (b"S-1000000", 3, 2),
    (b"MRN-4242424", 3, 0),
]


@pytest.mark.parametrize(("key", "partitions", "expected"), LIBRDKAFKA_DEFAULT_PARTITIONER)
def test_partition_matches_librdkafka_default(key: bytes, partitions: int, expected: int) -> None:
    assert consistent_partition(key, partitions) == expected


def test_zero_partitions_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="at least one partition"):
        consistent_partition(b"k", 0)
