"""The one way the mesh talks to a schema registry: confluent-kafka's `SchemaRegistryClient`.

`registry_client` builds the client from settings (URL, HTTP Basic credentials as
`basic.auth.user.info`); `call_registry` runs one client call and maps every failure one way:
an error answer becomes a `RegistryError` carrying the HTTP status and Confluent `ErrorCode`, a
transport failure a `RegistryUnavailableError` naming the URL. Callers test `exc.error_code`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from mesh.clients.codes import ErrorCode
from mesh.core.errors import RegistryError
from mesh.core.settings import MeshSettings, RegistrySettings

T = TypeVar("T")

RegistrySource = MeshSettings | RegistrySettings | str
"""Settings, or a bare URL (no credentials)."""

_HINTS: dict[int, str] = {
    ErrorCode.UNAUTHORIZED: "the registry needs credentials: set MESH_REGISTRY__USERNAME and "
    "MESH_REGISTRY__PASSWORD (a principal created by `mesh access`)",
    ErrorCode.FORBIDDEN: "this principal may not do that: only a product's owner writes its subjects and only "
    "the admin changes global config or mode (see `mesh access list`)",
    ErrorCode.INCOMPATIBLE_SCHEMA: "run `mesh schemas check` for the field paths and fixes",
}
_DEFAULT_HINT = "check the schema registry's answer, the subject's state and MESH_REGISTRY__URL"


class RegistryUnavailableError(RegistryError):
    """The registry could not be reached at all (connection refused, DNS, timeout)."""

    http_status, error_code = 503, ErrorCode.STORE_ERROR


def registry_settings(source: RegistrySource) -> RegistrySettings:
    """The registry settings of `source` (a bare URL gives anonymous settings for that URL)."""
    if isinstance(source, MeshSettings):
        return source.registry
    if isinstance(source, RegistrySettings):
        return source
    return RegistrySettings(url=source)


def registry_client(source: RegistrySource, *, retries: int | None = None) -> SchemaRegistryClient:
    """A client for the registry (no request is made here); a `mock://...` URL gives confluent's mock."""
    settings = registry_settings(source)
    conf: dict[str, object] = {"url": settings.url}
    if settings.url.startswith("mock://"):
        return SchemaRegistryClient.new_client(conf)
    if settings.username:  # explicit credentials win over a URL's userinfo (confluent refuses both)
        password = settings.password.get_secret_value() if settings.password else ""
        conf["basic.auth.user.info"] = f"{settings.username}:{password}"
        conf["url"] = public_url(settings.url)
    if retries is not None:
        conf.update({"max.retries": retries, "retries.wait.ms": 200})
    return SchemaRegistryClient(conf)


def public_url(url: str) -> str:
    """`url` without `user:password@`: what may appear in messages and CloudEvents' `dataschema`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])) if "@" in parts.netloc else url


def close_client(client: SchemaRegistryClient) -> None:
    """Close the client's HTTP connections (confluent-kafka < 2.13 has no close())."""
    client.__exit__(None, None, None)


def client_url(client: SchemaRegistryClient) -> str:
    """The first base URL a client talks to (confluent-kafka keeps it in `_conf` only)."""
    conf = getattr(client, "_conf", None)
    url = conf.get("url", "") if isinstance(conf, dict) else ""
    first = url.split(",")[0] if isinstance(url, str) else url[0] if url else ""
    return public_url(str(first)).rstrip("/")  # never a password in a message


def registry_error(action: str, exc: SchemaRegistryError, *, url: str = "", hint: str | None = None) -> RegistryError:
    """The `RegistryError` for an error answer: message with status and code, hint chosen by the code."""
    code = exc.error_code
    where = f" at {public_url(url)}" if url else ""
    error = RegistryError(
        f"The schema registry{where} refused to {action}: HTTP {exc.http_status_code}, error {code}: "
        f"{exc.error_message}",
        hint=hint or _HINTS.get(code, _HINTS.get(exc.http_status_code, _DEFAULT_HINT)),
    )
    error.http_status, error.error_code, error.server_message = exc.http_status_code, code, exc.error_message
    return error


def call_registry(action: str, call: Callable[[], T], *, url: str = "") -> T:
    """Run one client call; registry answers and transport failures become `RegistryError`s."""
    try:
        return call()
    except SchemaRegistryError as exc:
        raise registry_error(action, exc, url=url) from exc
    except RegistryError:
        raise
    except Exception as exc:  # the client's HTTP layer raises its own transport errors
        raise RegistryUnavailableError(
            f"Cannot reach the schema registry{f' at {public_url(url)}' if url else ''} to {action}: "
            f"{type(exc).__name__}: {exc}",
            hint="start the registry (`mesh registry serve`) or set MESH_REGISTRY__URL",
        ) from exc
