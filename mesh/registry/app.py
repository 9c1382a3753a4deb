"""The FastAPI application: Confluent Schema Registry REST routes over a `RegistryService`.

`create_app(settings, log_store=...)` builds it; the lifespan replays the log before the server
accepts connections. Routes are thin: parse, call the service or a view, answer JSON with the
Confluent content type. Errors are raised, never built here: one handler maps every
`RegistryError` to `{"error_code": ..., "message": ...}`. The hottest calls are answered in front of
FastAPI by `FastPath` (fastpath.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException

from mesh.clients.codes import ErrorCode
from mesh.core.errors import RegistryError
from mesh.core.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from mesh.core.metrics import LATENCY_BUCKETS, HttpMetrics, HttpMetricsMiddleware, exposition
from mesh.core.settings import RegistrySettings
from mesh.core.users import load_users
from mesh.registry import views
from mesh.registry.auth import RegistryAuth
from mesh.registry.errors import UnprocessableRequestError, error_body, short_message
from mesh.registry.fastpath import CONTENT_TYPE, FastPath
from mesh.registry.limits import BodyLimit
from mesh.registry.models import ConfigBody, ModeBody, SchemaBody, parse_body
from mesh.registry.openapi import ERRORS, body
from mesh.registry.service import RegistryService
from mesh.registry.store import RecordLog

log = logging.getLogger(__name__)



class _RegistryResponse(JSONResponse):
    """The default response class: makes the OpenAPI document name the Confluent content type."""

    media_type = CONTENT_TYPE


def _reply(obj: Any, status: int = 200) -> Response:
    return Response(json.dumps(obj, separators=(",", ":")), status_code=status, media_type=CONTENT_TYPE)


def _flag(value: str | None) -> bool:
    # the Python client sends `True`/`False`; Jersey reads anything but "true" as false
    return value is not None and value.lower() == "true"


def _service(request: Request) -> RegistryService:
    service: RegistryService = request.app.state.registry
    return service


subjects = APIRouter(tags=["subjects"], responses=ERRORS)
schemas = APIRouter(tags=["schemas"], responses=ERRORS)
config = APIRouter(tags=["config"], responses=ERRORS)
mode = APIRouter(tags=["mode"], responses=ERRORS)
compatibility = APIRouter(tags=["compatibility"], responses=ERRORS)


@subjects.get("/subjects")
def list_subjects(request: Request, deleted: str | None = None, subjectPrefix: str = "") -> Response:
    return _reply(views.subjects(_service(request).state, deleted=_flag(deleted), prefix=subjectPrefix))


@subjects.get("/subjects/{subject}/versions")
def list_versions(request: Request, subject: str, deleted: str | None = None) -> Response:
    return _reply(views.subject_versions(_service(request).state, subject, deleted=_flag(deleted)))


@subjects.post("/subjects/{subject}/versions", openapi_extra=body(SchemaBody))
async def register(request: Request, subject: str, normalize: str | None = None) -> Response:
    raw = await request.body()
    body = parse_body(raw, SchemaBody)
    return _reply(await _service(request).register(subject, body, normalize=_flag(normalize), raw=raw))


@subjects.get("/subjects/{subject}/versions/{version}")
def get_version(request: Request, subject: str, version: str, deleted: str | None = None) -> Response:
    state = _service(request).state
    entry = views.version_entry(state, subject, views.parse_version(version), deleted=_flag(deleted))
    return _reply(views.version_body(state, entry))


@subjects.get("/subjects/{subject}/versions/{version}/schema")
def get_version_schema(request: Request, subject: str, version: str, deleted: str | None = None) -> Response:
    state = _service(request).state
    entry = views.version_entry(state, subject, views.parse_version(version), deleted=_flag(deleted))
    return Response(state.schemas[entry.schema_id].schema, media_type=CONTENT_TYPE)


@subjects.get("/subjects/{subject}/versions/{version}/referencedby")
def get_referenced_by(request: Request, subject: str, version: str) -> Response:
    return _reply(views.referenced_by(_service(request).state, subject, views.parse_version(version)))


@subjects.delete("/subjects/{subject}/versions/{version}")
async def delete_version(request: Request, subject: str, version: str, permanent: str | None = None) -> Response:
    number = views.parse_version(version)
    return _reply(await _service(request).delete_version(subject, number, permanent=_flag(permanent)))


@subjects.post("/subjects/{subject}", openapi_extra=body(SchemaBody))
async def lookup(request: Request, subject: str, deleted: str | None = None) -> Response:
    body = parse_body(await request.body(), SchemaBody)
    return _reply(_service(request).lookup(subject, body, deleted=_flag(deleted)))


@subjects.delete("/subjects/{subject}")
async def delete_subject(request: Request, subject: str, permanent: str | None = None) -> Response:
    return _reply(await _service(request).delete_subject(subject, permanent=_flag(permanent)))


@schemas.get("/schemas/types")
def schema_types() -> Response:
    return _reply(["AVRO"])


@schemas.get("/schemas/ids/{schema_id}")
def get_schema(request: Request, schema_id: str, subject: str | None = None, fetchMaxId: str | None = None) -> Response:
    state = _service(request).state
    body = views.schema_by_id(state, views.parse_id(schema_id))
    if _flag(fetchMaxId):
        body["maxId"] = state.max_id
    return _reply(body)


@schemas.get("/schemas/ids/{schema_id}/schema")
def get_schema_text(request: Request, schema_id: str, subject: str | None = None) -> Response:
    body = views.schema_by_id(_service(request).state, views.parse_id(schema_id))
    return Response(body["schema"], media_type=CONTENT_TYPE)


@schemas.get("/schemas/ids/{schema_id}/versions")
def get_schema_versions(request: Request, schema_id: str, deleted: str | None = None) -> Response:
    return _reply(views.id_versions(_service(request).state, views.parse_id(schema_id), deleted=_flag(deleted)))


@schemas.get("/schemas/ids/{schema_id}/subjects")
def get_schema_subjects(request: Request, schema_id: str, deleted: str | None = None) -> Response:
    return _reply(views.id_subjects(_service(request).state, views.parse_id(schema_id), deleted=_flag(deleted)))


@config.get("/config")
def get_global_config(request: Request) -> Response:
    return _reply(_service(request).get_level(None, default_to_global=True))


@config.put("/config", openapi_extra=body(ConfigBody))
async def put_global_config(request: Request) -> Response:
    body = parse_body(await request.body(), ConfigBody)
    return _reply(await _service(request).set_level(None, body.level, refuse_semantic=body.refuseSemanticBreaks))


@config.delete("/config")
async def delete_global_config(request: Request) -> Response:
    return _reply(await _service(request).delete_level(None))


@config.get("/config/{subject}")
def get_subject_config(request: Request, subject: str, defaultToGlobal: str | None = None) -> Response:
    return _reply(_service(request).get_level(subject, default_to_global=_flag(defaultToGlobal)))


@config.put("/config/{subject}", openapi_extra=body(ConfigBody))
async def put_subject_config(request: Request, subject: str) -> Response:
    body = parse_body(await request.body(), ConfigBody)
    return _reply(await _service(request).set_level(subject, body.level, refuse_semantic=body.refuseSemanticBreaks))


@config.delete("/config/{subject}")
async def delete_subject_config(request: Request, subject: str) -> Response:
    return _reply(await _service(request).delete_level(subject))


@mode.get("/mode")
def get_global_mode(request: Request) -> Response:
    return _reply(_service(request).get_mode(None, default_to_global=True))


@mode.put("/mode", openapi_extra=body(ModeBody))
async def put_global_mode(request: Request, force: str | None = None) -> Response:
    body = parse_body(await request.body(), ModeBody)
    return _reply(await _service(request).set_mode(None, body.mode, force=_flag(force)))


@mode.get("/mode/{subject}")
def get_subject_mode(request: Request, subject: str, defaultToGlobal: str | None = None) -> Response:
    return _reply(_service(request).get_mode(subject, default_to_global=_flag(defaultToGlobal)))


@mode.put("/mode/{subject}", openapi_extra=body(ModeBody))
async def put_subject_mode(request: Request, subject: str, force: str | None = None) -> Response:
    body = parse_body(await request.body(), ModeBody)
    return _reply(await _service(request).set_mode(subject, body.mode, force=_flag(force)))


@mode.delete("/mode/{subject}")
async def delete_subject_mode(request: Request, subject: str) -> Response:
    return _reply(await _service(request).delete_mode(subject))


@compatibility.post("/compatibility/subjects/{subject}/versions/{version}", openapi_extra=body(SchemaBody))
async def check_version(request: Request, subject: str, version: str, verbose: str | None = None) -> Response:
    number = views.parse_version(version)
    body = parse_body(await request.body(), SchemaBody)
    service = _service(request)
    return _reply(service.test_compatibility(subject, number, body, all_versions=False, verbose=_flag(verbose)))


@compatibility.post("/compatibility/subjects/{subject}/versions", openapi_extra=body(SchemaBody))
async def check_all(request: Request, subject: str, verbose: str | None = None) -> Response:
    body = parse_body(await request.body(), SchemaBody)
    service = _service(request)
    return _reply(service.test_compatibility(subject, None, body, all_versions=True, verbose=_flag(verbose)))


async def _registry_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RegistryError)
    return Response(error_body(exc), status_code=exc.http_status, media_type=CONTENT_TYPE)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return await _registry_error(request, UnprocessableRequestError(f"Unprocessable request: {problems}"))


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = short_message(f"HTTP {exc.status_code} {exc.detail}")
    body = json.dumps({"error_code": exc.status_code, "message": message})
    return Response(body, status_code=exc.status_code, media_type=CONTENT_TYPE, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error answering %s %s", request.method, request.url.path)
    message = short_message(f"Internal error: {type(exc).__name__}: {exc}")
    body = json.dumps({"error_code": ErrorCode.STORE_ERROR.value, "message": message})
    return Response(body, status_code=500, media_type=CONTENT_TYPE)


def create_app(settings: RegistrySettings, *, log_store: RecordLog) -> FastAPI:
    """The registry ASGI app over `log_store` (KafkaLog in production, InMemoryLog in unit tests).

    With `settings.users_file` every request is authenticated and authorized (auth.py); without, open.
    """
    users = load_users(settings.users_file) if settings.users_file is not None else None
    service = RegistryService(log_store=log_store, default_level=settings.default_compatibility)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await service.open()  # uvicorn binds its socket only after this: no answers before catching up
        log.info("registry caught up with its log: %d schema ids", len(service.state.schemas))
        try:
            yield
        finally:
            await service.close()

    app = FastAPI(title="mesh schema registry", version="1", lifespan=lifespan, openapi_url="/openapi.json",
                  docs_url=None, redoc_url=None, default_response_class=_RegistryResponse)
    app.state.registry = service
    for router in (subjects, schemas, config, mode, compatibility):
        app.include_router(router)

    @app.get("/")
    def root() -> Response:
        return _reply({})

    metrics = _metrics(service)

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(exposition(metrics), media_type=METRICS_CONTENT_TYPE)

    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(FastPath, service=service)
    if users is not None:  # outside the fast path: it authenticates too
        app.add_middleware(RegistryAuth, users=users)
    app.add_middleware(BodyLimit)  # outside the fast path: no body over the cap reaches anything
    # outermost, so the fast path's answers (and the 413s) are counted too
    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics("mesh_registry", metrics, routes=_ROUTES))
    return app


_ROUTES = ("subjects", "schemas", "config", "mode", "compatibility", "metrics")


def _metrics(service: RegistryService) -> CollectorRegistry:
    """The app's own metrics registry, with compatibility checks counted and timed by the service."""
    registry = CollectorRegistry()
    checks = Counter("mesh_registry_compatibility_checks", "Compatibility checks run (tests and registrations).",
                     ("level", "result"), registry=registry)
    seconds = Histogram("mesh_registry_compatibility_check_seconds", "Time of one compatibility check.",
                        buckets=LATENCY_BUCKETS, registry=registry)

    def observe(level: str, compatible: bool, elapsed: float) -> None:
        checks.labels(level, "compatible" if compatible else "incompatible").inc()
        seconds.observe(elapsed)

    service.on_check = observe
    return registry
