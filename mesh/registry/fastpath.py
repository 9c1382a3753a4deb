"""The hot path: the two calls every producer and consumer makes, answered before FastAPI's routing.

`GET /schemas/ids/{id}` is answered from the state's pre-serialized bodies; a register request whose
exact bytes were answered before is answered from `RegistryService.known_registration`, which
re-checks the state. Everything else, and every miss, goes on to the app unchanged, so the app's
answer is always the reference behaviour (and is what the unit tests check both ways).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mesh.registry.limits import buffer_body
from mesh.registry.service import RegistryService
from mesh.registry.views import number

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
_CT = CONTENT_TYPE.encode()
_ID_PREFIX = "/schemas/ids/"


class FastPath:
    """Answers the two hot calls before FastAPI's routing; everything else (and every miss) goes on.

    `GET /schemas/ids/{id}` (every consumer) from the state's pre-serialized bodies, and a register
    request whose exact bytes were already answered (every producer at start-up), re-checked live.
    """

    def __init__(self, app: ASGIApp, *, service: RegistryService) -> None:
        self.app = app
        self.service = service
        self.bodies = service.state.id_bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if scope["method"] == "GET" and b"fetchMaxId" not in scope["query_string"] and path.startswith(_ID_PREFIX):
                if (schema_id := number(path[13:])) is not None and (body := self.bodies.get(schema_id)) is not None:
                    await _send(send, body)
                    return
            elif (
                scope["method"] == "POST"
                and scope["query_string"] in _PLAIN_REGISTER_QUERIES
                and path.startswith("/subjects/")
                and path.endswith("/versions")
                and path.count("/") == 3
            ):
                buffered = await buffer_body(receive)
                if buffered is None:
                    return  # the client went away before sending its body: nobody to answer
                raw, receive = buffered
                schema_id = self.service.known_registration(path[10:-9], raw)
                if schema_id is not None:
                    await _send(send, b'{"id":%d}' % schema_id)
                    return
        await self.app(scope, receive, send)


_PLAIN_REGISTER_QUERIES = (b"", b"normalize=False", b"normalize=false")


async def _send(send: Send, body: bytes) -> None:
    headers = [(b"content-type", _CT), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
