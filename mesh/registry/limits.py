"""Size limits of the registry: the request body cap (an ASGI middleware) and the log record limit.

The body is read, up to the cap, before any route or the fast path sees it: a body over the cap
(by its Content-Length, or as it streams in) is answered 413 without reading the rest. A schema must
also fit in one record of the `_schemas` topic: librdkafka refuses messages over `message.max.bytes`
(1,000,000 by default), so a record is capped a little below it, and refused with a 422 before any
write (`check_record_size`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mesh.registry.errors import RequestTooLargeError, SchemaTooLargeError, error_body
from mesh.registry.records import Record, SchemaRecord, encode

MAX_BODY_BYTES = 4 * 1024 * 1024  # a schema's JSON escaping can double it; any larger cannot fit a record
MAX_RECORD_BYTES = 1_000_000 - 16 * 1024  # librdkafka's default message.max.bytes, less headers and framing
_CONTENT_TYPE = b"application/vnd.schemaregistry.v1+json"


def check_record_size(record: Record, *, limit: int = MAX_RECORD_BYTES) -> None:
    """Raise `SchemaTooLargeError` (422) if `record` would not fit in one Kafka record."""
    if isinstance(record, SchemaRecord):
        key, value = encode(record)
        size = len(key) + len(value or b"")
        if size > limit:
            raise SchemaTooLargeError(size, limit)


class BodyLimit:
    """Reads each HTTP request body up to `limit` bytes and hands it on; answers 413 beyond it."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _refuse(send, RequestTooLargeError(declared, self.limit))
            return
        try:
            buffered = await buffer_body(receive, limit=self.limit)
        except RequestTooLargeError as exc:
            await _refuse(send, exc)
            return
        if buffered is None:
            return  # the client went away: nobody to answer
        await self.app(scope, buffered[1], send)


async def buffer_body(receive: Receive, *, limit: int | None = None) -> tuple[bytes, Receive] | None:
    """Read the whole request body; return it and a `receive` that hands it on to the app again.

    None when the client went away first; `RequestTooLargeError` as soon as more than `limit` bytes came.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise RequestTooLargeError(None, limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() and len(text) < 20 else None
    return None


async def _refuse(send: Send, exc: RequestTooLargeError) -> None:
    body = error_body(exc)
    headers = [(b"content-type", _CONTENT_TYPE), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    await send({"type": "http.response.start", "status": exc.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
