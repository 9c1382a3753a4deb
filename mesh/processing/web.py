"""Web view helpers: JSON bodies of Avro-shaped records, rendered the way the SDK renders event data.

Decimals become exact strings, timestamps RFC 3339 UTC with `Z`, dates ISO 8601 (the SDK's
`json_default`), so a view served over HTTP and the same view read from the topic compare exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mesh.sdk.envelope import json_default

JSON_CONTENT_TYPE = "application/json"


def json_body(record: Mapping[str, Any] | None) -> bytes:
    """UTF-8 JSON of a record with Avro logical values (Decimal, datetime, date) as text."""
    return json.dumps(record, default=json_default, ensure_ascii=False, separators=(",", ":")).encode()


def as_json(record: Mapping[str, Any] | None) -> Any:
    """The record as plain JSON values (what a client parsing `json_body` sees)."""
    return json.loads(json_body(record))

