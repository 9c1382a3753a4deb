"""A faust worker with one agent reading a mesh product through `mesh.processing.faust.EventSchema`.

Run by tests/integration/processing/test_faust_codec.py: `python -m ... <app id> <topic> <output file>`
with MESH_* settings in the environment; writes one line per event: type, id, claim_id.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import faust

from mesh.core.settings import MeshSettings
from mesh.processing.faust import EventSchema


def main() -> None:
    app_id, topic_name, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    settings = MeshSettings.load()
    kafka = settings.kafka
    credentials = faust.SASLCredentials(  # a secured broker: SCRAM as the test principal
        username=kafka.sasl_username or "", password=kafka.sasl_password.get_secret_value() if kafka.sasl_password else "",
        mechanism=kafka.sasl_mechanism or "SCRAM-SHA-512") if kafka.sasl_mechanism else None
    app = faust.App(app_id, broker=f"kafka://{kafka.bootstrap_servers}", store="memory://", broker_credentials=credentials,
                    web_enabled=False, topic_disable_leader=True, consumer_auto_offset_reset="earliest",
                    datadir=str(out.parent / "faust-data"))
    topic = app.topic(topic_name, schema=EventSchema(settings=settings))
    lines: list[str] = []

    @app.agent(topic)
    async def read(stream: Any) -> None:
        async for event in stream:
            lines.append(f"{event.type} {event.id} {event.data['claim_id']}\n")
            out.write_text("".join(lines))  # small test file: rewritten whole, in the loop thread

    sys.argv = [sys.argv[0], "worker", "-l", "warn"]
    app.main()


if __name__ == "__main__":
    main()
