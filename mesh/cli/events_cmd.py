"""`mesh produce` and `mesh consume`: publish JSON lines as events, print events with their position.

`produce` checks every stdin line against the schema before it sends any, so a bad line sends
nothing and a retry cannot duplicate. `--product` publishes to a data product: its topic, its
`<topic>-<record>` subject and the schema of `--type`. `consume` is read-only unless asked otherwise:
a record it cannot read is a warning line (no dead-lettering without `--dead-letter`), and without
`--group` it leaves no consumer group behind (see `mesh.cli.reading`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from mesh.cli.connect import kafka_settings, registry_url, require_broker
from mesh.cli.reading import Position, messages, partitions_of
from mesh.core.errors import ConfigurationError, DataValidationError, DeliveryError
from mesh.core.naming import dlq_topic
from mesh.products import catalog
from mesh.products.loader import load_all
from mesh.sdk.consumer import Consumer
from mesh.sdk.envelope import Event, json_default, to_structured
from mesh.sdk.jsonvalues import from_json
from mesh.sdk.producer import Producer
from mesh.sdk.reader import POISON
from mesh.sdk.schemas import load_schema
from mesh.sdk.serde import ValueSerializer

Root = Annotated[Path, typer.Option("--root", help="Folder holding <domain>/products/*.yaml (with --product).")]


def produce(
    topic: Annotated[str | None, typer.Argument(help="The topic (default with --product: the product's).")] = None,
    event_type: Annotated[str, typer.Option("--type", help="CloudEvents type, <org>.<domain>.<Event>.v<major>.")] = "",
    source: Annotated[str, typer.Option("--source", help="CloudEvents source URI-reference.")] = "",
    schema: Annotated[Path | None, typer.Option("--schema", help="The Avro schema (.avsc) of the records.")] = None,
    product: Annotated[str | None, typer.Option("--product", help="Publish to this data product (e.g. "
                                                "claims.claims): its topic, subject and the schema of --type.")] = None,
    key_field: Annotated[str | None, typer.Option("--key-field", help="Record field used as the key "
                                                  "(default with --product: the product's key).")] = None,
    register: Annotated[bool, typer.Option(help="Register the schema under <topic>-value if missing.")] = False,
    root: Root = Path("domains"),
) -> None:
    """Publish JSON lines of data records from stdin as events; prints how many were delivered.

    Every line is checked first: one bad line and nothing is sent.
    """
    if not event_type or not source:
        raise ConfigurationError("mesh produce needs --type and --source",
                                 hint="e.g. --type com.healthco.claims.ClaimSubmitted.v1 --source /claims/intake")
    if (schema is None) == (product is None):
        raise ConfigurationError("mesh produce needs exactly one of --schema FILE or --product ID",
                                 hint="--product publishes to a data product; --schema to any topic (<topic>-value)")
    if product is not None:
        found = catalog.find(product, load_all(root))
        if topic is not None and topic != found.descriptor.topic:
            raise ConfigurationError(f"Topic {topic!r} is not the topic of product {product}",
                                     hint=f"leave it out or use {found.descriptor.topic}")
        topic, key_field = found.descriptor.topic, key_field or found.descriptor.key
        try:
            avro: Any = found.schema_for(event_type).schema
        except KeyError as exc:
            raise ConfigurationError(f"Product {product} has no event type {event_type!r}",
                                     hint=f"use one of {', '.join(s.event_type for s in found.schemas)}") from exc
        schemas: dict[str, Any] = {s.event_type: s.schema for s in found.schemas}
    else:
        if topic is None:
            raise ConfigurationError("mesh produce --schema needs a TOPIC", hint="mesh produce TOPIC --schema FILE ...")
        avro = load_schema(schema)  # type: ignore[arg-type]
        schemas = {}
    records = _checked_lines(avro, key_field)
    settings = kafka_settings()
    registry_url(settings.registry.url)
    require_broker(settings)
    partitions_of(settings, [topic])  # a missing topic is one line now, not a 30 s wait for librdkafka to give up
    if schemas:
        producer = Producer(topic, source=source, event_schemas=schemas, settings=settings, auto_register=register)
    else:
        producer = Producer(topic, avro, source=source, settings=settings, auto_register=register)
    _publish(producer, topic, event_type, records)


def _checked_lines(avro: Any, key_field: str | None) -> list[tuple[dict[str, Any], str | None]]:
    """(Avro-ready record, key) of every non-empty stdin line; the first bad line raises, naming it."""
    check = ValueSerializer(avro, 0)
    records: list[tuple[dict[str, Any], str | None]] = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            record = _record(line, number)
            key = None if key_field is None else _key(record, key_field, number)
            value = from_json(avro, record)
            check(value)
        except DataValidationError as exc:
            where = "" if exc.message.startswith("stdin line") else f"stdin line {number}: "
            raise DataValidationError(f"{where}{exc.message}; nothing was sent", path=exc.path,
                                      expected=exc.expected, hint=exc.hint) from exc
        records.append((value, key))
    return records


def _publish(producer: Producer, topic: str, event_type: str, records: list[tuple[dict[str, Any], str | None]]) -> None:
    for value, key in records:
        producer.publish(event_type, value, key=key)
    try:
        delivered = producer.close()
    except DeliveryError as exc:
        typer.echo(f"delivered {len(records) - len(exc.failures)} of {len(records)} event(s) to {topic}")
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"delivered {delivered} event(s) to {topic}")


def _record(line: str, number: int) -> dict[str, object]:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise DataValidationError(f"stdin line {number} is not JSON: {exc}",
                                  hint="write one JSON object per line") from exc
    if not isinstance(record, dict):
        raise DataValidationError(f"stdin line {number} is a JSON {type(record).__name__}, not an object",
                                  hint="write one JSON object per line")
    return record


def _key(record: Mapping[str, object], field: str, number: int) -> str:
    if record.get(field) is None:
        raise DataValidationError(f"stdin line {number} has no value for key field {field!r}",
                                  path=field, hint="add the field or choose another --key-field")
    return str(record[field])


def consume(
    topic: Annotated[list[str], typer.Argument(help="The topic(s) to consume.")],
    from_beginning: Annotated[bool, typer.Option("--from-beginning", help="Start at the earliest offset.")] = False,
    max_events: Annotated[int | None, typer.Option("--max", min=1, help="Stop after N events.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Read in this consumer group and commit offsets "
                                              "(default: no group, nothing committed).")] = None,
    partition: Annotated[int | None, typer.Option("--partition", min=0, help="Read only this partition.")] = None,
    offset: Annotated[int | None, typer.Option("--offset", min=0, help="Start at this offset.")] = None,
    reader_schema: Annotated[Path | None, typer.Option("--reader-schema", help="Read data as this schema.")] = None,
    idle_timeout: Annotated[float | None, typer.Option("--idle-timeout", help="Stop after S idle seconds.")] = None,
    dead_letter: Annotated[bool, typer.Option("--dead-letter", help="Send unreadable records to <topic>.dlq "
                                              "(default: a warning line each, nothing written).")] = False,
    fmt: Annotated[str, typer.Option("--format", help="json (structured CloudEvent + partition/offset) or text.")
                   ] = "json",
) -> None:
    """Print each event with its partition and offset; read-only unless --group or --dead-letter."""
    if fmt not in ("json", "text"):
        raise typer.BadParameter(f"unknown format {fmt!r}; use json or text", param_hint="--format")
    if group is not None and (partition is not None or offset is not None):
        raise ConfigurationError("--partition and --offset choose partitions by hand; --group lets the group do it",
                                 hint="use one or the other")
    settings = kafka_settings()
    registry_url(settings.registry.url)
    require_broker(settings)
    decoder = Consumer(topic, group_id="mesh-cli-decoder", settings=settings, reader_schema=reader_schema)
    shown = bad = 0
    position = Position(partition=partition, offset=offset, from_beginning=from_beginning)
    with decoder:
        for message in messages(settings, topic, position, group=group, idle_timeout=idle_timeout):
            try:
                event = decoder.decode(message)
            except POISON as exc:
                bad += 1
                _unreadable(decoder, message, exc, dead_letter=dead_letter)
                continue
            typer.echo(_render(event, fmt))
            shown += 1
            if max_events is not None and shown >= max_events:
                break
    if bad:
        where = "went to the dead-letter topic(s)" if dead_letter else "were skipped (--dead-letter keeps them)"
        typer.echo(f"{bad} record(s) could not be read and {where}", err=True)


def _unreadable(decoder: Consumer, message: Any, exc: Exception, *, dead_letter: bool) -> None:
    where = f"{message.topic()}[{message.partition()}]@{message.offset()}"
    first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if dead_letter and not message.topic().endswith(".dlq"):
        decoder.dead_letters.send(message, exc)
        typer.echo(f"warning: {where} dead-lettered to {dlq_topic(message.topic())}: {first}", err=True)
    else:
        typer.echo(f"warning: {where} cannot be read: {first}", err=True)


def _render(event: Event, fmt: str) -> str:
    if fmt == "json":
        document = {**to_structured(event), "partition": event.partition, "offset": event.offset}
        return json.dumps(document, default=json_default, ensure_ascii=False, separators=(",", ":"))
    data = json.dumps(event.data, default=json_default, ensure_ascii=False, separators=(",", ":"))
    line = f"{event.partition}@{event.offset} {event.type} {event.partitionkey or '-'} {data}"
    return line if len(line) <= 80 else line[:79] + "…"
