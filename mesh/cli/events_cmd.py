"""`mesh produce` and `mesh consume`: publish JSON lines as events, print events as CloudEvents JSON."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer

from mesh.core.errors import DataValidationError, DeliveryError
from mesh.core.settings import MeshSettings
from mesh.localbroker.credentials import local_settings
from mesh.sdk.consumer import Consumer
from mesh.sdk.envelope import render_structured
from mesh.sdk.jsonvalues import from_json
from mesh.sdk.producer import Producer
from mesh.sdk.schemas import load_schema


def produce(
    topic: Annotated[str, typer.Argument(help="The topic to publish to.")],
    schema: Annotated[Path, typer.Option("--schema", help="The Avro schema (.avsc) of the records.")],
    event_type: Annotated[str, typer.Option("--type", help="CloudEvents type, <org>.<domain>.<Event>.v<major>.")],
    source: Annotated[str, typer.Option("--source", help="CloudEvents source URI-reference.")],
    key_field: Annotated[str | None, typer.Option("--key-field", help="Record field used as the key.")] = None,
    register: Annotated[bool, typer.Option(help="Register the schema under <topic>-value if missing.")] = False,
) -> None:
    """Publish JSON lines of data records from stdin as events; prints how many were delivered."""
    settings = local_settings(MeshSettings.load())
    avro = load_schema(schema)
    producer = Producer(topic, avro, source=source, settings=settings, auto_register=register)
    published = 0
    try:
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            record = _record(line, number)
            key = None if key_field is None else _key(record, key_field, number)
            try:
                producer.publish(event_type, from_json(avro, record), key=key)
            except DataValidationError as exc:
                raise DataValidationError(f"stdin line {number}: {exc.message}", path=exc.path,
                                          expected=exc.expected, hint=exc.hint) from exc
            published += 1
    finally:
        try:
            delivered = producer.close()
        except DeliveryError as exc:
            typer.echo(f"delivered {published - len(exc.failures)} of {published} event(s) to {topic}")
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"delivered {delivered} event(s) to {topic}")


def _record(line: str, number: int) -> dict[str, object]:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise DataValidationError(f"stdin line {number} is not JSON: {exc}",
                                  hint="write one JSON object per line") from exc
    if not isinstance(record, dict):
        raise DataValidationError(f"stdin line {number} is a JSON {type(record).__name__}, not an object",
                                  hint="write one JSON object per line")
    return record


def _key(record: dict[str, object], field: str, number: int) -> str:
    if record.get(field) is None:
        raise DataValidationError(f"stdin line {number} has no value for key field {field!r}",
                                  path=field, hint="add the field or choose another --key-field")
    return str(record[field])


def consume(
    topic: Annotated[list[str], typer.Argument(help="The topic(s) to consume.")],
    from_beginning: Annotated[bool, typer.Option("--from-beginning", help="Start at the earliest offset.")] = False,
    max_events: Annotated[int | None, typer.Option("--max", min=1, help="Stop after N events.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Consumer group (default: a new one).")] = None,
    reader_schema: Annotated[Path | None, typer.Option("--reader-schema", help="Read data as this schema.")] = None,
    idle_timeout: Annotated[float | None, typer.Option("--idle-timeout", help="Stop after S idle seconds.")] = None,
) -> None:
    """Print each event as one line of structured-mode CloudEvents JSON with decoded data."""
    settings = local_settings(MeshSettings.load())
    consumer = Consumer(
        topic,
        group_id=group or f"mesh-consume-{uuid.uuid4().hex[:12]}",
        settings=settings,
        reader_schema=reader_schema,
        from_beginning=from_beginning,
    )
    with consumer:
        for event in consumer.events(max_events=max_events, idle_timeout=idle_timeout):
            typer.echo(render_structured(event))
    if consumer.dead_letters.sent:
        typer.echo(f"{consumer.dead_letters.sent} message(s) could not be read and went to the dead-letter "
                   "topic(s) <topic>.dlq", err=True)
