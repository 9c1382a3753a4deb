"""mesh: an event-streaming data mesh backbone (CloudEvents + Avro data products on Kafka).

The handful of names a user needs are re-exported here; `tests/unit/test_public_api.py` pins the list.
"""

from mesh.core.errors import MeshError
from mesh.core.settings import MeshSettings

__all__ = ["MeshError", "MeshSettings"]
__version__ = "0.1.0"
