"""mesh: an event-streaming data mesh backbone (CloudEvents + Avro data products on Kafka).

The handful of names a user needs are re-exported here; `tests/unit/test_public_api.py` pins the list.
"""

from mesh.core.errors import MeshError
from mesh.core.settings import MeshSettings
from mesh.sdk import Consumer, Event, Producer

__all__ = ["Consumer", "Event", "MeshError", "MeshSettings", "Producer"]
__version__ = "0.1.0"
