"""The record size limit holds against a real broker (issue 12 bug 4): a schema just under it is
stored on `_schemas` and survives a restart; one over it is a 422 and nothing reaches Kafka."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from mesh.core.settings import KafkaSettings
from mesh.registry.limits import MAX_RECORD_BYTES
from tests.support.registry import running_registry


def big_schema(doc_chars: int) -> str:
    return json.dumps({"type": "record", "name": "Big", "namespace": "mesh.test", "doc": "d" * doc_chars,
                       "fields": [{"name": "id", "type": "string"}]})


def test_the_largest_schema_fits_kafka_and_a_larger_one_is_refused_first(
    kafka_settings: KafkaSettings, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("_schemas")
    fits = big_schema(MAX_RECORD_BYTES - 2_000)
    with running_registry(kafka_settings, topic=topic) as url, httpx.Client(base_url=url, timeout=60) as http:
        refused = http.post("/subjects/too-big/versions", json={"schema": big_schema(MAX_RECORD_BYTES)})
        assert (refused.status_code, refused.json()["error_code"]) == (422, 42201), refused.text[:300]
        stored = http.post("/subjects/big/versions", json={"schema": fits})
        assert stored.status_code == 200, stored.text[:300]
    with running_registry(kafka_settings, topic=topic) as url, httpx.Client(base_url=url, timeout=60) as http:
        assert http.get("/subjects").json() == ["big"]
        body = http.get(f"/schemas/ids/{stored.json()['id']}").json()
        assert json.loads(body["schema"]) == json.loads(fits)
